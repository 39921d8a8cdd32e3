import CaseStore
import Foundation
import TerminalGraphics
import UltrasoundImaging

/// Decoded images for the preview, as RGB, with the liver and kidney boxes drawn in; the last few are
/// kept so moving back and forth does not decode again.
final class PreviewCache {
    struct Key: Hashable { var sha256: String; var frame: Int; var boxes: [Int] }
    struct Picture { var rgb: [UInt8]; var width: Int; var height: Int; var frames: Int; var grey: [UInt8] }
    private var pictures: [Key: Picture] = [:]
    private var order: [Key] = []
    private var cells: [String: CellImage] = [:]

    func picture(store: CaseStore, image: ImageRecord, frame: Int, boxes: [(Rect, (UInt8, UInt8, UInt8))]) -> Picture? {
        let key = Key(sha256: image.sha256, frame: frame, boxes: boxes.flatMap { [$0.0.x, $0.0.y, $0.0.width, $0.0.height] })
        if let p = pictures[key] { return p }
        guard let pixels = decode(store: store, image: image, frame: frame) else { return nil }
        var rgb = [UInt8](repeating: 0, count: pixels.width * pixels.height * 3)
        var grey = [UInt8](repeating: 0, count: pixels.width * pixels.height)
        for i in 0..<(pixels.width * pixels.height) {
            if pixels.channels == 1 {
                rgb[3 * i] = pixels.pixels[i]; rgb[3 * i + 1] = pixels.pixels[i]; rgb[3 * i + 2] = pixels.pixels[i]
                grey[i] = pixels.pixels[i]
            } else {
                let r = pixels.pixels[3 * i], g = pixels.pixels[3 * i + 1], b = pixels.pixels[3 * i + 2]
                rgb[3 * i] = r; rgb[3 * i + 1] = g; rgb[3 * i + 2] = b
                grey[i] = UInt8((Int(r) * 77 + Int(g) * 150 + Int(b) * 29) >> 8)
            }
        }
        // Box outlines, three pixels thick so they survive the reduction to cells.
        for (rect, colour) in boxes {
            for t in 0..<3 {
                for x in rect.x..<(rect.x + rect.width) {
                    for y in [rect.y + t, rect.y + rect.height - 1 - t] where x >= 0 && x < pixels.width && y >= 0 && y < pixels.height {
                        let i = 3 * (y * pixels.width + x); rgb[i] = colour.0; rgb[i + 1] = colour.1; rgb[i + 2] = colour.2
                    }
                }
                for y in rect.y..<(rect.y + rect.height) {
                    for x in [rect.x + t, rect.x + rect.width - 1 - t] where x >= 0 && x < pixels.width && y >= 0 && y < pixels.height {
                        let i = 3 * (y * pixels.width + x); rgb[i] = colour.0; rgb[i + 1] = colour.1; rgb[i + 2] = colour.2
                    }
                }
            }
        }
        let picture = Picture(rgb: rgb, width: pixels.width, height: pixels.height, frames: image.frameCount, grey: grey)
        pictures[key] = picture
        order.append(key)
        if order.count > 12 { pictures[order.removeFirst()] = nil }
        return picture
    }

    /// The last DICOM file stays parsed, so stepping through a cine decodes each frame only.
    private var dicom: (sha256: String, file: DicomFile)?

    private func decode(store: CaseStore, image: ImageRecord, frame: Int) -> PixelImage? {
        if let dicom, dicom.sha256 == image.sha256 { return try? dicom.file.frame(frame) }
        guard let bytes = try? store.images.load(sha256: image.sha256) else { return nil }
        if ImageFormat.sniff(bytes) == .dicom, let file = try? DicomFile(bytes: bytes) {
            dicom = (image.sha256, file)
            return try? file.frame(frame)
        }
        return try? ImageDecoder.decode(bytes, frame: frame).image
    }

    func cells(_ picture: Picture, key: String, columns: Int, rows: Int, mode: GraphicsMode) -> CellImage? {
        let cacheKey = "\(key)/\(columns)x\(rows)/\(mode.rawValue)"
        if let c = cells[cacheKey] { return c }
        let made = CellImage.render(rgb: picture.rgb, width: picture.width, height: picture.height, columns: columns, rows: rows,
                                    mode: mode == .ascii ? .ascii : .text)
        if cells.count > 24 { cells.removeAll() }
        cells[cacheKey] = made
        return made
    }
}
