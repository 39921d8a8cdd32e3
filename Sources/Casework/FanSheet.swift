import Foundation
import Scoring
import UltrasoundImaging

/// A contact sheet of what preprocessing sees: each image with its detected fan outlined (red) and
/// masked overlays (blue), beside the network's input.
public enum FanSheet {
    public struct Row {
        public var image: PixelImage
        public var input: NetworkInput?
    }

    /// An image file as preprocessing sees it: its imaging area and the network input (nil without a fan).
    public static func row(file bytes: [UInt8]) throws -> Row {
        // The input as scoring prepares it (a DICOM file's declared spacing and regions included).
        let image = try ImageDecoder.decodeImagingArea(bytes)
        return Row(image: image, input: try Preprocessing.prepare(file: bytes)[0])
    }

    /// The sheet as one PNG, `rowHeight` pixels a row.
    public static func draw(_ rows: [Row], rowHeight: Int) throws -> [UInt8] {
        let size = SteatosisNetwork.size
        let screenWidth = rowHeight * 4 / 3
        let width = screenWidth + rowHeight + 8
        var canvas = [UInt8](repeating: 0, count: width * rowHeight * rows.count * 3)
        func set(_ x: Int, _ y: Int, _ r: UInt8, _ g: UInt8, _ b: UInt8) {
            let i = (y * width + x) * 3
            canvas[i] = r; canvas[i + 1] = g; canvas[i + 2] = b
        }
        for (n, row) in rows.enumerated() {
            let image = row.image
            let fan = FanDetector.detect(image)
            let (grey, coloured) = FanDetector.greyAndColour(image)
            let top = n * rowHeight
            for y in 0..<rowHeight { for x in 0..<screenWidth {
                let sx = x * image.width / screenWidth, sy = y * image.height / rowHeight
                let i = sy * image.width + sx
                let g = grey[i]
                var edge = false
                if let fan, fan.mask[i] {
                    let right = min(image.width - 1, (x + 1) * image.width / screenWidth), below = min(image.height - 1, (y + 1) * image.height / rowHeight)
                    edge = !fan.mask[sy * image.width + right] && !coloured[sy * image.width + right]
                        || !fan.mask[below * image.width + sx] && !coloured[below * image.width + sx]
                }
                if edge { set(x, top + y, 255, 40, 40) }
                else if coloured[i] { set(x, top + y, 60, 60, 255) }
                else { set(x, top + y, g, g, g) }
            } }
            if let input = row.input {
                let normalised = input.channels()
                for y in 0..<rowHeight { for x in 0..<rowHeight {
                    let v = normalised[(y * size / rowHeight) * size + x * size / rowHeight]
                    let g = UInt8(max(0, min(255, 128 + v * 40)))
                    set(screenWidth + 8 + x, top + y, g, g, g)
                } }
            }
        }
        return try PNGCodec.encode(PixelImage(width: width, height: rowHeight * rows.count, channels: 3, pixels: canvas))
    }
}
