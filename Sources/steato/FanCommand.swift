import ArgumentParser
import Casework
import Foundation
import Scoring

struct FanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fan",
        abstract: "Show what preprocessing sees: each image with its detected fan outlined, beside the network's input.",
        discussion: "Writes a PNG contact sheet, one row per image: the screen (fan edge in red, masked overlays in blue) and the 128×128 input.")

    @Argument(help: "JPEG or PNG files.") var images: [String]
    @Option(help: "The PNG to write.") var sheet: String
    @Option(help: "Height of each row in pixels.") var rowHeight = 192

    func run() throws {
        var rows: [FanSheet.Row] = []
        var failures = 0
        for path in images {
            guard let data = FileManager.default.contents(atPath: path) else { printError("\(path): cannot read file"); failures += 1; continue }
            do {
                let row = try FanSheet.row(file: [UInt8](data))
                if let input = row.input {
                    // What the refusal rules read, so a surprising refusal can be explained.
                    print(String(format: "%@: fan %.1f cm deep (scale %@), widest fluid pocket %.1f cm, colour %.1f %%, clipped white %.1f %%, near field black %.1f %%%@",
                                 path, input.fanDepthCm, input.scale.rawValue, input.widestFluidPocketCm,
                                 Double(input.colouredShare) * 100, input.clippedWhiteShare * 100, input.blackNearFieldShare * 100,
                                 input.declaresDopplerOrMMode ? ", declares a Doppler or M-mode display" : ""))
                } else { printError("\(path): no imaging fan found") }
                rows.append(row)
            } catch { printError("\(path): \(error)"); failures += 1 }
        }
        guard !rows.isEmpty else { throw ExitCode.failure }
        let png: [UInt8]
        do { png = try FanSheet.draw(rows, rowHeight: rowHeight) } catch { throw fail(error) }
        guard FileManager.default.createFile(atPath: sheet, contents: Data(png)) else { throw fail(UserFacingError("\(sheet): cannot write")) }
        print("\(rows.count) images drawn to \(sheet)")
        if failures > 0 { throw ExitCode.failure }
    }
}
