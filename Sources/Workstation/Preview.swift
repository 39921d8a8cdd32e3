import CaseStore
import Casework
import Foundation
import TerminalGraphics
import UltrasoundImaging

/// Decoded images for the preview, as RGB, with the liver and kidney boxes drawn in; the last few are
/// kept so moving back and forth does not decode again.
final class PreviewCache {
    struct Key: Hashable { var sha256: String; var frame: Int; var boxes: [Int] }
    struct Picture {
        /// The decoded frame; its RGB carries the boxes drawn in.
        var frame: StoredPictures.Frame
        var frames: Int
        var rgb: [UInt8] { get { frame.rgb } set { frame.rgb = newValue } }
        var width: Int { frame.width }
        var height: Int { frame.height }
    }
    private var pictures: [Key: Picture] = [:]
    private var order: [Key] = []
    private var cells: [String: CellImage] = [:]
    /// Why the last picture could not be made.
    var lastFailure: String? { stored.lastFailure }

    func picture(store: CaseStore, image: ImageRecord, frame: Int, boxes: [(Rect, (UInt8, UInt8, UInt8))]) -> Picture? {
        let key = Key(sha256: image.sha256, frame: frame, boxes: boxes.flatMap { [$0.0.x, $0.0.y, $0.0.width, $0.0.height] })
        if let p = pictures[key] { return p }
        // The image itself is decoded once; boxes are drawn on a copy (moving a box decodes nothing).
        let plainKey = Key(sha256: image.sha256, frame: frame, boxes: [])
        var picture: Picture
        if let plain = pictures[plainKey] {
            picture = plain
        } else {
            guard let decoded = stored.frame(image, frame: frame, store: store) else { return nil }
            picture = Picture(frame: decoded, frames: image.frameCount)
            remember(plainKey, picture)
        }
        guard !boxes.isEmpty else { return picture }
        // Box outlines, three pixels thick so they survive the reduction to cells.
        let (w, h) = (picture.width, picture.height)
        for (rect, colour) in boxes {
            for t in 0..<3 {
                for x in rect.x..<(rect.x + rect.width) {
                    for y in [rect.y + t, rect.y + rect.height - 1 - t] where x >= 0 && x < w && y >= 0 && y < h {
                        let i = 3 * (y * w + x); picture.rgb[i] = colour.0; picture.rgb[i + 1] = colour.1; picture.rgb[i + 2] = colour.2
                    }
                }
                for y in rect.y..<(rect.y + rect.height) {
                    for x in [rect.x + t, rect.x + rect.width - 1 - t] where x >= 0 && x < w && y >= 0 && y < h {
                        let i = 3 * (y * w + x); picture.rgb[i] = colour.0; picture.rgb[i + 1] = colour.1; picture.rgb[i + 2] = colour.2
                    }
                }
            }
        }
        remember(key, picture)
        return picture
    }

    private func remember(_ key: Key, _ picture: Picture) {
        pictures[key] = picture
        order.append(key)
        if order.count > 12 { pictures[order.removeFirst()] = nil }
    }

    /// Decodes stored files (keeping the last DICOM file parsed, so stepping a cine decodes one frame).
    private let stored = StoredPictures()

    func cells(_ picture: Picture, key: String, columns: Int, rows: Int, mode: GraphicsMode, cellAspect: Double) -> CellImage? {
        let cacheKey = "\(key)/\(columns)x\(rows)/\(mode.rawValue)/\(cellAspect)"
        if let c = cells[cacheKey] { return c }
        let made = CellImage.render(rgb: picture.rgb, width: picture.width, height: picture.height, columns: columns, rows: rows,
                                    mode: mode == .ascii ? .ascii : .text, cellAspect: cellAspect)
        if cells.count > 24 { cells.removeAll() }
        cells[cacheKey] = made
        return made
    }
}
