import ArgumentParser
import Foundation
import UltrasoundImaging

/// Mutation fuzzing of the DICOM reader in-process: every input must decode or fail with an
/// ImageError; a crash ends the run (and shows up as a non-zero exit).
struct FuzzDicomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz-dicom",
        abstract: "Feed mutated DICOM files to the reader: every input must decode or be refused with a reason.",
        discussion: "Mutations: bit flips, random bytes, 32-bit lengths overwritten with small, odd or huge values, truncation, duplicated and deleted spans.")

    @Argument(help: "Seed DICOM files.") var seeds: [String]
    @Option(help: "Inputs to try.") var iterations = 1_000_000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "An input that takes longer than this many seconds counts as a hang: it is saved and the run fails.")
    var hangSeconds = 10.0
    @Option(help: "Where a hanging input is saved.") var hangFile = "fuzz-hang.dcm"

    func run() throws {
        let corpus = seeds.compactMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } }.filter { !$0.isEmpty }
        guard !corpus.isEmpty else { throw ValidationError("no readable seed files") }
        var state = seed | 1
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        var decoded = 0, refused = 0, frames = 0
        let start = Date()
        let watch = HangWatch(limit: hangSeconds, file: hangFile)
        for i in 0..<iterations {
            var bytes = corpus[below(corpus.count)]
            for _ in 0...below(4) {
                guard !bytes.isEmpty else { break }
                switch below(6) {
                case 0: let at = below(bytes.count); bytes[at] ^= UInt8(1 << below(8))
                case 1: bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: next())
                case 2:
                    let at = below(max(1, bytes.count - 4))
                    let values: [UInt32] = [0, 1, 2, 3, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x7FFF_FFFF, UInt32(truncatingIfNeeded: next()), UInt32(bytes.count)]
                    let v = values[below(values.count)]
                    for k in 0..<4 where at + k < bytes.count { bytes[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
                case 3: bytes = Array(bytes.prefix(below(bytes.count + 1)))
                case 4:
                    let at = below(bytes.count), length = below(min(64, bytes.count - at) + 1)
                    bytes.insert(contentsOf: bytes[at..<(at + length)], at: at)
                default:
                    let at = below(bytes.count), length = below(min(64, bytes.count - at) + 1)
                    bytes.removeSubrange(at..<(at + length))
                }
            }
            watch.begin(i, bytes)
            defer { watch.end() }
            do {
                frames += try DicomFile.readAll(bytes, maxFrames: 4)
                decoded += 1
            } catch is ImageError {
                refused += 1
            }
            if (i + 1) % 100_000 == 0 {
                print("\(i + 1) inputs: \(decoded) read, \(refused) refused, \(frames) frames decoded, \(Int(Date().timeIntervalSince(start))) s")
            }
        }
        print("done: \(iterations) inputs from \(corpus.count) seeds, \(decoded) read, \(refused) refused with a reason, no crash "
              + String(format: "(%.0f s)", Date().timeIntervalSince(start)))
    }
}

/// Watches the input being read from another thread; one that takes too long is written to a file
/// and the process exits with status 2, naming it.
final class HangWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (index: Int, bytes: [UInt8], started: Date)?

    init(limit: Double, file: String) {
        Thread.detachNewThread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.5)
                lock.lock()
                if let c = current, Date().timeIntervalSince(c.started) > limit {
                    _ = FileManager.default.createFile(atPath: file, contents: Data(c.bytes))
                    printError("fuzz-dicom: input \(c.index) took more than \(limit) s; saved to \(file)")
                    exit(2)
                }
                lock.unlock()
            }
        }
    }

    func begin(_ index: Int, _ bytes: [UInt8]) { lock.lock(); current = (index, bytes, Date()); lock.unlock() }
    func end() { lock.lock(); current = nil; lock.unlock() }
}
