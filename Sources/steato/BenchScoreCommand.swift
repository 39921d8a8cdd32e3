import Workstation
import ArgumentParser
import CaseStore
import Foundation
import ModelCore
import Scoring
import UltrasoundImaging

struct BenchScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Time scoring a 9-image study end to end (decode, preprocess, infer, aggregate, write) against the network alone.")

    @Option(help: "A folder with a study's images (default: the first study of SampleStudies).") var study: String?
    @Option(help: "Model file (default: $STEATO_MODEL, else the shipped model, else a random benchmark network).") var model: String?
    @Option(help: "Timed repetitions; medians are reported.") var iterations = 20

    func run() throws {
        let folder = NSTemporaryDirectory() + "steato-bench-score-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = study ?? "SampleStudies/SIM00001/SIM00001-1"
        let store: CaseStore
        do { store = try CaseStore(path: folder + "/cases.sqlite") } catch { throw fail(error) }
        let summary = Importer(store: store).run(ImportPlanner.plan(paths: [source]))
        guard summary.imported > 0, let studyId = try store.studyIds(unscoredOnly: false).first else {
            throw fail(UserFacingError("\(source): no images to score"))
        }
        var modelPath = model ?? ProcessInfo.processInfo.environment["STEATO_MODEL"] ?? ModelLocator.bundledModelPath()
        if modelPath == nil {
            modelPath = folder + "/random.safetensors"
            try BenchmarkModel.make().save(path: modelPath!, metadata: ["name": "benchmark-random"])
        }
        let scorer: SteatosisModel
        do { scorer = try SteatosisModel(path: modelPath!) } catch { throw fail(error) }
        let detail = try store.detail(studyId: studyId)
        let inputs = try detail.images.compactMap { image -> NetworkInput? in
            let pixels = try ImageDecoder.decodeImagingArea(try store.images.load(sha256: image.sha256), frame: image.frameNumber)
            return NetworkInput(image: pixels, size: SteatosisNetwork.size)
        }
        let views = detail.images.map { $0.view.flatMap(View.init(rawValue:)) }
        func time(_ body: () throws -> Void) rethrows -> Double {
            var samples: [Double] = []
            for _ in 0..<iterations {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return BenchmarkModel.median(samples)
        }
        _ = scorer.score(inputs, views: views)
        let network = time { _ = scorer.score(inputs, views: views) }
        let endToEnd = try time { _ = try StudyScoring.score(studyId: studyId, store: store, model: scorer) }
        // Where the end-to-end time goes, one core, per study of these images.
        let blobs = try detail.images.map { try store.images.load(sha256: $0.sha256) }
        let decode = try time { for b in blobs { _ = try ImageDecoder.decode(b) } }
        let pixels = try blobs.map { try ImageDecoder.decode($0).1 }
        let fan = time { for p in pixels { _ = FanDetector.detect(p) } }
        let fans = pixels.map { FanDetector.detect($0)! }
        let resample = time { for (p, f) in zip(pixels, fans) { _ = NetworkInput(image: p, fan: f, size: SteatosisNetwork.size) } }
        let channels = time { for input in inputs { _ = input.channels() } }
        print("study of \(detail.images.count) images, model \(scorer.name)")
        print(String(format: "one core: decode %.2f ms, fan detection %.2f ms, crop and resample %.2f ms, normalise %.2f ms",
                     decode, fan, resample, channels))
        print(String(format: "network alone %.2f ms, end to end %.2f ms (decode, preprocess, infer, aggregate, write): %.2f×",
                     network, endToEnd, endToEnd / network))
    }
}
