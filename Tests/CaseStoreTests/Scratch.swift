import CaseStore
import Foundation
import UltrasoundImaging

/// A temporary folder with helpers to write images and manifests into it; removed on deinit.
final class Scratch {
    let root: String

    init() {
        root = NSTemporaryDirectory() + "steato-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var dbPath: String { root + "/db/cases.sqlite" }

    func openStore() throws -> CaseStore { try CaseStore(path: dbPath) }

    /// Writes a distinct image (its bytes depend on `seed`) and returns its path.
    @discardableResult
    func image(_ relative: String, seed: Int, format: ImageFormat = .png, width: Int = 48, height: Int = 32) -> String {
        var picture = PixelImage(width: width, height: height, channels: 1)
        var state = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
        for i in picture.pixels.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            picture.pixels[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        let bytes = format == .png ? try! PNGCodec.encode(picture) : try! JPEGCodec.encode(picture)
        return write(relative, bytes)
    }

    @discardableResult
    func write(_ relative: String, _ bytes: [UInt8]) -> String {
        let path = root + "/" + relative
        try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @discardableResult
    func text(_ relative: String, _ content: String) -> String { write(relative, Array(content.utf8)) }

    func fixture(_ name: String) -> [UInt8] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/images/\(name)").path
        return [UInt8](FileManager.default.contents(atPath: root)!)
    }
}

/// Runs an import and collects what it reported.
struct ImportRun {
    var summary: ImportSummary
    var rejections: [Rejection]

    init(_ store: CaseStore, _ paths: [String], hook: (@Sendable (Int) throws -> Void)? = nil) {
        let importer = Importer(store: store)
        importer.afterImageInserted = hook
        var rejections: [Rejection] = []
        summary = importer.run(ImportPlanner.plan(paths: paths), onEvent: { event in
            if case let .rejected(r) = event { rejections.append(r) }
        })
        self.rejections = rejections
    }

    func rejected(matching text: String) -> [Rejection] {
        rejections.filter { $0.description.contains(text) }
    }
}
