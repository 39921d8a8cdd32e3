import Foundation
import ModelCore
import UltrasoundImaging

/// A loaded model ready to score: name, identity (the file's sha256), the inference engine and the
/// score → fat-percent calibration.
public final class SteatosisModel: @unchecked Sendable {
    public let name: String
    public let sha256: String
    public let path: String
    public let calibration: FatCalibration
    let engine: InferenceEngine
    /// Where the heads sit in the network's output.
    let heads: HeadLayout
    /// The training form, kept for test-time adaptation.
    let network: ConvNet
    /// Engines with a scanner's adapted statistics, by scanner.
    private var adapted: [String: InferenceEngine] = [:]
    private let lock = NSLock()

    public init(path: String, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError.unreadable(file: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        let bytes = [UInt8](data)
        let file = try SafetensorsFile.parse(bytes, file: path)
        let net = try ConvNet.load(file, path: path)
        guard net.spec.inputChannels == NetworkInput.channels, net.spec.inputHeight == SteatosisNetwork.size,
              net.spec.conditions == SteatosisNetwork.views.count, let heads = HeadLayout(net.spec) else {
            throw ModelFileError.badArchitecture(file: path, reason: "not a steatosis network (inputs or heads differ)")
        }
        self.path = path
        self.heads = heads
        name = file.metadata["name"] ?? (path as NSString).lastPathComponent
        sha256 = SHA256.hex(bytes)
        calibration = file.metadata["calibration"].flatMap(FatCalibration.init(json:)) ?? .gradeMidpoints
        engine = InferenceEngine(network: net, workers: workers)
        network = net
    }

    /// Test-time adaptation: batch-norm running statistics re-estimated from one scanner's own
    /// (unlabelled) images, returned as safetensors bytes to store with the scanner.
    public func adaptationStatistics(_ inputs: [NetworkInput], views: [View?]) -> [UInt8] {
        let twin = network.copy()
        let context = ForwardContext(training: true)
        // Momentum 1/(t+1): the running statistics become the plain average over the scanner's batches,
        // with nothing left of the training statistics.
        var batches = 0
        for start in stride(from: 0, to: inputs.count, by: 16) {
            let batch = Array(start..<min(inputs.count, start + 16))
            twin.setBatchNormMomentum(1 / Float(batches + 1))
            _ = twin.forward(SteatosisNetwork.batch(batch.map { inputs[$0] }),
                             conditions: batch.map { SteatosisNetwork.condition(for: views[$0]) }, context: context)
            batches += 1
        }
        var buffers: [String: Tensor] = [:]
        for (name, t) in twin.trunk.buffers { buffers[name] = t }
        return SafetensorsFile(tensors: buffers, metadata: ["model_sha256": sha256, "batches": String(batches)]).serialized()
    }

    /// Scores with a scanner's adapted statistics (from `adaptationStatistics`), falling back to the
    /// model's own when there are none.
    public func score(_ inputs: [NetworkInput], views: [View?], scanner: String?, adaptation: [UInt8]?) throws -> [ImagePrediction] {
        guard let scanner, let adaptation else { return score(inputs, views: views) }
        lock.lock()
        var engine = adapted[scanner]
        if engine == nil {
            let file: SafetensorsFile
            do { file = try SafetensorsFile.parse(adaptation, file: "adaptation of \(scanner)") } catch { lock.unlock(); throw error }
            let twin = network.copy()
            for (name, t) in file.tensors { twin.trunk.loadBuffer(name, t) }
            engine = InferenceEngine(network: twin, workers: self.engine.workers)
            adapted[scanner] = engine
        }
        lock.unlock()
        return score(inputs, views: views, engine: engine!)
    }

    /// Scores prepared images. An image without a view is first run with the view unknown; its
    /// suggested view then conditions the score.
    public func score(_ inputs: [NetworkInput], views: [View?]) -> [ImagePrediction] {
        score(inputs, views: views, engine: engine)
    }

    func score(_ inputs: [NetworkInput], views: [View?], engine: InferenceEngine) -> [ImagePrediction] {
        guard !inputs.isEmpty else { return [] }
        let x = SteatosisNetwork.batch(inputs)
        var conditions = views.map(SteatosisNetwork.condition(for:))
        var logits = engine.run(x, conditions: conditions)
        var predictions = inputs.indices.map { ImagePrediction(logits: heads.row(logits.data, $0), layout: heads) }
        let untagged = views.indices.filter { views[$0] == nil && predictions[$0].suggestedView != .other }
        if !untagged.isEmpty {
            for i in untagged { conditions[i] = SteatosisNetwork.condition(for: predictions[i].suggestedView) }
            logits = engine.run(x, conditions: conditions)
            for i in untagged {
                let suggestion = predictions[i].suggestedView, viewProbabilities = predictions[i].viewProbabilities
                predictions[i] = ImagePrediction(logits: heads.row(logits.data, i), layout: heads)
                predictions[i].suggestedView = suggestion
                predictions[i].viewProbabilities = viewProbabilities
            }
        }
        return predictions
    }
}

/// Monotone map from the 0–3 score to liver fat percent: piecewise linear through knots fitted against
/// histology (isotonic), or the grade midpoints until a fit exists.
public struct FatCalibration: Sendable, Codable, Equatable {
    public var scores: [Double]
    public var fat: [Double]

    public static let gradeMidpoints = FatCalibration(scores: [0, 1, 2, 3], fat: [2, 19, 49.5, 83])

    public init(scores: [Double], fat: [Double]) { self.scores = scores; self.fat = fat }

    public init?(json: String) {
        guard let c = try? JSONDecoder().decode(FatCalibration.self, from: Data(json.utf8)), c.scores.count == c.fat.count, c.scores.count >= 2 else { return nil }
        self = c
    }

    public var json: String { String(decoding: try! JSONEncoder().encode(self), as: UTF8.self) }

    /// Isotonic (pool-adjacent-violators) fit of fat percent on score, reduced to at most `knots` points.
    public static func fit(scores: [Double], fat: [Double], knots: Int = 12) -> FatCalibration? {
        guard scores.count >= 10 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var blocks: [(x: Double, y: Double, w: Double)] = []
        for i in order {
            blocks.append((scores[i], fat[i], 1))
            while blocks.count > 1 && blocks[blocks.count - 2].y > blocks[blocks.count - 1].y {
                let b = blocks.removeLast(), a = blocks.removeLast()
                let w = a.w + b.w
                blocks.append(((a.x * a.w + b.x * b.w) / w, (a.y * a.w + b.y * b.w) / w, w))
            }
        }
        let step = max(1, blocks.count / knots)
        var xs: [Double] = [], ys: [Double] = []
        for i in Swift.stride(from: 0, to: blocks.count, by: step) where xs.last.map({ blocks[i].x > $0 }) ?? true {
            xs.append(blocks[i].x); ys.append(blocks[i].y)
        }
        if let last = blocks.last, last.x > xs.last! { xs.append(last.x); ys.append(last.y) }
        return xs.count >= 2 ? FatCalibration(scores: xs, fat: ys) : nil
    }

    public func fatPercent(score: Double) -> Double {
        if score <= scores[0] { return fat[0] }
        for i in 1..<scores.count where score <= scores[i] {
            let t = (score - scores[i - 1]) / max(scores[i] - scores[i - 1], 1e-9)
            return fat[i - 1] + t * (fat[i] - fat[i - 1])
        }
        return fat[fat.count - 1]
    }
}

/// A study's result: per view the mean and sd of its images, the study the mean over views, and flags.
public struct StudyResult: Sendable {
    public struct ViewResult: Sendable {
        public var view: View
        public var score: Double
        public var sd: Double?
        public var images: Int
        public var grade: Grade { Grade(score: score) }
    }
    public var views: [ViewResult]
    public var score: Double
    public var grade: Grade { Grade(score: score) }
    public var fatPercent: Double
    public var flags: [String]

    /// `views` are the tagged views (nil where untagged: the suggestion is used and flagged).
    public static func aggregate(_ scores: [ImagePrediction], views: [View?], calibration: FatCalibration,
                                 minimumQuality: Double = 0.5) -> StudyResult {
        var flags: [String] = []
        var byView: [View: [Double]] = [:]
        for (s, tagged) in zip(scores, views) {
            if s.quality < minimumQuality { flags.append("quality"); continue }
            let view = tagged ?? s.suggestedView
            if tagged == nil { flags.append("views-suggested") }
            guard view != .other else { continue }
            byView[view, default: []].append(s.score)
        }
        let results = View.liverViews.compactMap { view -> ViewResult? in
            guard let values = byView[view], !values.isEmpty else { return nil }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = values.count > 1 ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : nil
            return ViewResult(view: view, score: mean, sd: sd, images: values.count)
        }
        for r in results where r.images < 3 { flags.append("few-images:\(r.view.rawValue)") }
        for view in View.liverViews where byView[view] == nil { flags.append("missing-view:\(view.rawValue)") }
        let scoresByView = results.map(\.score)
        if let hi = scoresByView.max(), let lo = scoresByView.min(), hi - lo > 1 { flags.append("views-disagree") }
        let study = scoresByView.isEmpty ? 0 : scoresByView.reduce(0, +) / Double(scoresByView.count)
        if results.isEmpty { flags.append("no-usable-images") }
        var unique: [String] = []
        for f in flags where !unique.contains(f) { unique.append(f) }
        return StudyResult(views: results, score: study, fatPercent: calibration.fatPercent(score: study), flags: unique)
    }
}
