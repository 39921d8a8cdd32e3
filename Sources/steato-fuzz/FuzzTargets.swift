import CaseStore
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import ModelCore
import ReportText
import Scoring
import UltrasoundImaging
import Workstation

/// Every input a user or a peer can hand us, as a function of its bytes. Each must accept the input or
/// refuse it with an error; anything else (a crash, a sanitizer report, a hang, an image whose size
/// disagrees with its pixels) is a bug.
enum FuzzTargets {
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "jpeg": { bytes in checked(try? JPEGCodec.decode(bytes)) },
        "png": { bytes in checked(try? PNGCodec.decode(bytes)) },
        "dicom": { bytes in
            guard let file = try? DicomFile(bytes: bytes) else { return }
            for frame in 0..<min(file.frameCount, 4) { checked(try? file.frame(frame)) }
        },
        // Whatever import sees: the format found by content, the imaging area and the fan.
        "image": { bytes in
            checked(try? ImageDecoder.decode(bytes).image)
            if let (image, fan) = try? ImageDecoder.decodeWithFanMask(bytes) {
                precondition(fan.count == image.width * image.height, "fan mask size differs from the image")
            }
        },
        "manifest": { bytes in _ = try? Manifest(path: "/nonexistent/fuzz/manifest.csv", data: Data(bytes)) },
        // As import reads a report file (as an SR and as text), then the grade reader.
        "report": { bytes in
            for isDicom in [true, false] {
                guard let text = try? Importer.reportText(bytes, isDicom: isDicom) else { continue }
                if let grade = ReportReader.read(text).grade { precondition((0...3).contains(grade), "report grade \(grade) outside 0–3") }
            }
        },
        "safetensors": { bytes in
            _ = try? SafetensorsFile.parse(bytes, file: "fuzz.safetensors")
            _ = try? SteatosisModel(bytes: bytes, path: "fuzz.safetensors", workers: 1)
        },
        "pdu": { bytes in ListenerTarget.shared.send(bytes) },
        "theme": { bytes in _ = try? Theme(name: "fuzz", text: String(decoding: bytes, as: UTF8.self)) },
    ]

    /// A decoded image must be as large as it says.
    static func checked(_ image: PixelImage?) {
        guard let image else { return }
        precondition(image.width > 0 && image.height > 0 && [1, 3].contains(image.channels), "decoded an empty or odd image")
        precondition(image.pixels.count == image.width * image.height * image.channels, "pixel count differs from the size")
    }
}

#if FUZZING
/// libFuzzer's entry: the target is named by STEATO_FUZZ_TARGET (see `make fuzz`).
nonisolated(unsafe) private var selected: (@Sendable ([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if selected == nil {
        let name = ProcessInfo.processInfo.environment["STEATO_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTargets.all[name] else {
            fputs("STEATO_FUZZ_TARGET must be one of \(FuzzTargets.all.keys.sorted().joined(separator: ", "))\n", stderr)
            exit(2)
        }
        selected = target
    }
    selected!(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's `main` to this module's entry point: hand over to libFuzzer's driver.
@_cdecl("steato_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
/// Without the fuzzer: replays files through a target (the regression files in Tests/Fixtures/fuzz).
@main
struct FuzzReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 2, let target = FuzzTargets.all[arguments[0]] else {
            fputs("usage: steato-fuzz TARGET FILE… (targets: \(FuzzTargets.all.keys.sorted().joined(separator: ", ")))\n", stderr)
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                fputs("\(path): cannot read\n", stderr)
                exit(1)
            }
            target([UInt8](data))
            print("\(path): ok")
        }
    }
}
#endif
