import ArgumentParser
import Foundation
import UltrasoundImaging

struct FanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fan",
        abstract: "Show what preprocessing sees: each image with its detected fan outlined, beside the network's input.",
        discussion: "Writes a PNG contact sheet, one row per image: the screen (fan edge in red, masked overlays in blue) and the 128×128 input.")

    @Argument(help: "JPEG or PNG files.") var images: [String]
    @Option(help: "The PNG to write.") var sheet: String
    @Option(help: "Height of each row in pixels.") var rowHeight = 192

    func run() throws {
        let size = 128
        var rows: [(PixelImage, NetworkInput?)] = []
        var failures = 0
        for path in images {
            guard let data = FileManager.default.contents(atPath: path) else { printError("\(path): cannot read file"); failures += 1; continue }
            do {
                let image = try ImageDecoder.decodeImagingArea([UInt8](data))
                let input = NetworkInput(image: image, size: size)
                if input == nil { printError("\(path): no imaging fan found") }
                rows.append((image, input))
            } catch { printError("\(path): \(error)"); failures += 1 }
        }
        guard !rows.isEmpty else { throw ExitCode.failure }
        let screenWidth = rowHeight * 4 / 3
        let width = screenWidth + rowHeight + 8
        var canvas = [UInt8](repeating: 0, count: width * rowHeight * rows.count * 3)
        func set(_ x: Int, _ y: Int, _ r: UInt8, _ g: UInt8, _ b: UInt8) {
            let i = (y * width + x) * 3
            canvas[i] = r; canvas[i + 1] = g; canvas[i + 2] = b
        }
        for (row, (image, input)) in rows.enumerated() {
            let fan = FanDetector.detect(image)
            let (grey, coloured) = FanDetector.greyAndColour(image)
            let top = row * rowHeight
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
            if let input {
                let normalised = input.channels()
                for y in 0..<rowHeight { for x in 0..<rowHeight {
                    let v = normalised[(y * size / rowHeight) * size + x * size / rowHeight]
                    let g = UInt8(max(0, min(255, 128 + v * 40)))
                    set(screenWidth + 8 + x, top + y, g, g, g)
                } }
            }
        }
        let png = try PNGCodec.encode(PixelImage(width: width, height: rowHeight * rows.count, channels: 3, pixels: canvas))
        guard FileManager.default.createFile(atPath: sheet, contents: Data(png)) else { throw fail(UserFacingError("\(sheet): cannot write")) }
        print("\(rows.count) images drawn to \(sheet)")
        if failures > 0 { throw ExitCode.failure }
    }
}
