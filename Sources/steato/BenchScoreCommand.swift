import ArgumentParser
import CaseStore
import Casework
import Foundation
import ModelCore
import Scoring

struct BenchScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Time scoring a 9-image study end to end (decode, preprocess, infer, aggregate, write) against the network alone.")

    @Option(help: "A folder with a study's images (default: the first study of SampleStudies).") var study: String?
    @Option(help: "Model file (default: $STEATO_MODEL, else the shipped model, else a random benchmark network).") var model: String?
    @Option(help: "Timed repetitions; medians are reported.") var iterations = 20
    @Flag(inversion: .prefixedNo, help: "Also time each stage on one core (--no-breakdown: only the network and the end-to-end path, for a profiler).")
    var breakdown = true

    func run() throws {
        let folder = NSTemporaryDirectory() + "steato-bench-score-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard let source = study ?? InstalledFiles.sampleStudies.map({ $0 + "/SIM00001/SIM00001-1" }) else {
            throw fail(UserFacingError("no SampleStudies found beside steato: pass --study FOLDER"))
        }
        let store: CaseStore
        do { store = try CaseStore(path: folder + "/cases.sqlite") } catch { throw fail(error) }
        let summary = Importer(store: store).run(ImportPlanner.plan(paths: [source]))
        guard summary.imported > 0, let studyId = try store.studyIds(unscoredOnly: false).first else {
            throw fail(UserFacingError("\(source): no images to score"))
        }
        var modelPath = ModelLocator.path(explicit: model)
        if modelPath == nil {
            modelPath = folder + "/random.safetensors"
            try BenchmarkModel.make().save(path: modelPath!, metadata: ["name": "benchmark-random"])
        }
        let scorer: SteatosisModel
        do { scorer = try SteatosisModel(path: modelPath!) } catch { throw fail(error) }
        let stages: ScoringStages
        do { stages = try ScoringStages(studyId: studyId, store: store) } catch { throw fail(error) }
        let inputs = stages.inputs, views = stages.views
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
        if !breakdown {
            print(String(format: "network alone %.2f ms, end to end %.2f ms: %.2f×", network, endToEnd, endToEnd / network))
            return
        }
        // The end-to-end path's own preprocessing: the study's files read and prepared on both cores.
        let prepared = try time { _ = try StoredImages.prepare(stages.records, store: store) }
        // Where the end-to-end time goes, one core, per study of these images.
        let decode = try time { _ = try stages.decode() }
        let pixels = try stages.decode()
        let fan = time { _ = stages.detectFans(pixels) }
        let fans = stages.detectFans(pixels)
        let resample = time { _ = stages.resample(pixels, fans) }
        let channels = time { stages.normalise() }
        // Scoring detects the fan on two frames and checks that it fits the others (FanDetector.reuse).
        let reference = fans.compactMap { $0 }.prefix(2).max { $0.area < $1.area }
        let reuse = time { _ = reference.map { stages.reuseFans(pixels, reference: $0) } }
        let reused = reference.map { stages.reuseFans(pixels, reference: $0).compactMap { $0 }.count } ?? 0
        print("study of \(stages.records.count) images, model \(scorer.name)")
        print(String(format: "one core: decode %.2f ms, fan detection %.2f ms (checking a found fan instead: %.2f ms, fits %d of %d), crop and resample %.2f ms, normalise %.2f ms",
                     decode, fan, reuse, reused, pixels.count, resample, channels))
        print(String(format: "both cores: read and prepare %.2f ms, network %.2f ms, the rest (aggregate, write) %.2f ms",
                     prepared, network, endToEnd - prepared - network))
        print(String(format: "network alone %.2f ms, end to end %.2f ms (decode, preprocess, infer, aggregate, write): %.2f×",
                     network, endToEnd, endToEnd / network))
    }
}
