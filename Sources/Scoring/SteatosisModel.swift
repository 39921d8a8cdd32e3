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
