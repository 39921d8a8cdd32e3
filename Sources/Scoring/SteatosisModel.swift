import Foundation
import ModelCore
import UltrasoundImaging

/// A loaded model ready to score: name, identity (the file's sha256), its networks (one, or the
/// members of an ensemble, whose disagreement is part of each study's uncertainty), the score rule
/// chosen on validation data, and the score → fat-percent calibration.
///
/// File layout: one network's tensors as they are, or, with `__metadata__["ensemble"] = N`, each
/// member's tensors under `member0.` … `member{N-1}.`.
public final class SteatosisModel: @unchecked Sendable {
    public let name: String
    public let sha256: String
    public let path: String
    public let calibration: FatCalibration
    public let rule: ScoreRule
    /// The file's metadata (architecture, preprocessing, training settings).
    public let metadata: [String: String]
    /// How the networks expect intensities to be normalised (from the file's `preprocessing`).
    public let normalisation: IntensityNormalisation
    let engines: [InferenceEngine]
    /// The training forms, kept for test-time adaptation.
    let networks: [ConvNet]
    /// Where the heads sit in the networks' output.
    let heads: HeadLayout
    /// Engines with a scanner's adapted statistics, by scanner.
    private var adapted: [String: [InferenceEngine]] = [:]
    private let lock = NSLock()

    public var members: Int { networks.count }

    /// Copies of the networks in their training form, to fine-tune from.
    public func trainingNetworks() -> [ConvNet] { networks.map { $0.copy() } }

    public convenience init(path: String, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError.unreadable(file: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        try self.init(bytes: [UInt8](data), path: path, workers: workers)
    }

    /// A model file's bytes, read from `path` (named in every error).
    public init(bytes: [UInt8], path: String, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        let file = try SafetensorsFile.parse(bytes, file: path)
        let count = Int(file.metadata["ensemble"] ?? "1") ?? 0
        guard (1...16).contains(count) else { throw ModelFileError.badArchitecture(file: path, reason: "ensemble of \(count) networks") }
        let nets = try (0..<count).map { try ConvNet.load(file, path: path, prefix: Self.prefix($0, of: count)) }
        let normalisation = IntensityNormalisation(preprocessing: file.metadata["preprocessing"])
        guard let spec = nets.first?.spec, nets.allSatisfy({ $0.spec == spec }), spec.inputChannels == normalisation.inputChannels,
              spec.inputHeight == SteatosisNetwork.size, spec.conditions == SteatosisNetwork.views.count,
              let heads = HeadLayout(spec) else {
            throw ModelFileError.badArchitecture(file: path, reason: "not a steatosis network (inputs or heads differ)")
        }
        self.path = path
        self.heads = heads
        metadata = file.metadata
        self.normalisation = normalisation
        name = file.metadata["name"] ?? (path as NSString).lastPathComponent
        sha256 = SHA256.hex(bytes)
        calibration = file.metadata["calibration"].flatMap(FatCalibration.init(json:)) ?? .gradeMidpoints
        rule = file.metadata["score_rule"].flatMap(ScoreRule.init(json:)) ?? .standard
        networks = nets
        engines = nets.map { InferenceEngine(network: $0, workers: workers) }
    }

    /// Where member `i` of `count` keeps its tensors in the file.
    public static func prefix(_ i: Int, of count: Int) -> String { count == 1 ? "" : "member\(i)." }

    /// Writes networks as one model file (an ensemble when more than one).
    public static func save(_ nets: [ConvNet], path: String, metadata: [String: String]) throws {
        var tensors: [String: Tensor] = [:]
        for (i, net) in nets.enumerated() {
            for (k, v) in net.stateDict { tensors[prefix(i, of: nets.count) + k] = v }
        }
        var meta = metadata
        meta["architecture"] = nets[0].spec.json()
        if nets.count > 1 { meta["ensemble"] = String(nets.count) }
        try SafetensorsFile(tensors: tensors, metadata: meta).write(path: path)
    }

    /// Test-time adaptation: batch-norm running statistics re-estimated from one scanner's own
    /// (unlabelled) images, for every member, returned as safetensors bytes to store with the scanner.
    public func adaptationStatistics(_ inputs: [NetworkInput], views: [View?]) -> [UInt8] {
        var buffers: [String: Tensor] = [:]
        var batches = 0
        for (m, network) in networks.enumerated() {
            let twin = network.copy()
            let context = ForwardContext(training: true)
            // Momentum 1/(t+1): the running statistics become the plain average over the scanner's
            // batches, with nothing left of the training statistics.
            batches = 0
            for start in stride(from: 0, to: inputs.count, by: 16) {
                let batch = Array(start..<min(inputs.count, start + 16))
                twin.setBatchNormMomentum(1 / Float(batches + 1))
                _ = twin.forward(SteatosisNetwork.batch(batch.map { inputs[$0] }, normalisation: normalisation),
                                 conditions: batch.map { SteatosisNetwork.condition(for: views[$0]) }, context: context)
                batches += 1
            }
            for (name, t) in twin.trunk.buffers { buffers[Self.prefix(m, of: networks.count) + name] = t }
        }
        return SafetensorsFile(tensors: buffers, metadata: ["model_sha256": sha256, "batches": String(batches)]).serialized()
    }

    /// Scores with a scanner's adapted statistics (from `adaptationStatistics`), falling back to the
    /// model's own when there are none.
    public func score(_ inputs: [NetworkInput], views: [View?], scanner: String?, adaptation: [UInt8]?) throws -> [ImagePrediction] {
        guard let scanner, let adaptation else { return score(inputs, views: views) }
        lock.lock()
        defer { lock.unlock() }
        if adapted[scanner] == nil {
            let file = try SafetensorsFile.parse(adaptation, file: "adaptation of \(scanner)")
            adapted[scanner] = networks.enumerated().map { m, network in
                let twin = network.copy()
                let prefix = Self.prefix(m, of: networks.count)
                for (name, t) in file.tensors where name.hasPrefix(prefix) { twin.trunk.loadBuffer(String(name.dropFirst(prefix.count)), t) }
                return InferenceEngine(network: twin, workers: engines[m].workers)
            }
        }
        return score(inputs, views: views, engines: adapted[scanner]!)
    }

    /// Scores prepared images: each member's prediction, averaged. An image without a view is first
    /// run with the view unknown; its suggested view then conditions the score.
    public func score(_ inputs: [NetworkInput], views: [View?]) -> [ImagePrediction] {
        score(inputs, views: views, engines: engines)
    }

    func score(_ inputs: [NetworkInput], views: [View?], engines: [InferenceEngine]) -> [ImagePrediction] {
        guard !inputs.isEmpty else { return [] }
        let x = SteatosisNetwork.batch(inputs, normalisation: normalisation)
        func run(_ conditions: [Int]) -> [ImagePrediction] {
            let outputs = engines.map { $0.run(x, conditions: conditions) }
            return inputs.indices.map { i in
                ImagePrediction(averaging: outputs.map { ImagePrediction(logits: heads.row($0.data, i), layout: heads) })
            }
        }
        var conditions = views.map(SteatosisNetwork.condition(for:))
        var predictions = run(conditions)
        let untagged = views.indices.filter { views[$0] == nil && predictions[$0].suggestedView != .other }
        if !untagged.isEmpty {
            for i in untagged { conditions[i] = SteatosisNetwork.condition(for: predictions[i].suggestedView) }
            let again = run(conditions)
            for i in untagged {
                // The view is the unconditioned run's suggestion; the rest comes from the conditioned run.
                let viewProbabilities = predictions[i].viewProbabilities
                predictions[i] = again[i]
                predictions[i].viewProbabilities = viewProbabilities
            }
        }
        if rule.gatePriorWeights != nil { predictions = predictions.map { $0.dividingGate(by: rule.gatePriorWeights) } }
        for i in inputs.indices where Preprocessing.isNotLiverByRule(inputs[i]) { predictions[i].forcedRefusal = .notLiver }
        // An exposure the gate let through is still too poor; one it refused keeps the gate's reason.
        for i in inputs.indices where predictions[i].refusal(rule) == nil && Preprocessing.isTooPoorByRule(inputs[i]) {
            predictions[i].forcedRefusal = .poorQuality
        }
        return predictions
    }
}
