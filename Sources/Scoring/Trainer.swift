import Foundation
import Evaluation
import ModelCore
import UltrasoundImaging

public struct TrainingOptions: Sendable {
    public var epochs = 10
    public var batch = 32
    public var learningRate: Float = 2e-3
    public var weightDecay: Float = 1e-4
    public var seed: UInt64 = 1
    /// Share of each batch replaced by scrambled images, labelled view `other` and poor quality.
    public var junkFraction: Float = 0.08
    /// Share of images shown with the view unknown, so the network also scores untagged images.
    public var viewDropout: Float = 0.2
    /// Ordinal target smoothing for noisy report grades (0 for histology labels).
    public var labelSmoothing: Double = 0
    /// The gate's loss weight per class (usable liver, not a liver, too poor). Scenes to refuse are
    /// a few percent of a batch; without weights the gate learns them least.
    public var gateClassWeights: [Float] = [1, 1, 1]
    /// Augmentation strength, drawn per image from this range (1 is `Augmentation`'s nominal width).
    /// A range above 1 shows some images looks further from the simulator's than any drawn scanner.
    public var augmentationStrength: ClosedRange<Float> = 1...1
    /// How intensities are normalised before the network (recorded in the model file).
    public var normalisation: IntensityNormalisation = .medianSpread
    /// Fine-tuning: the stem and this many blocks keep their weights (their batch statistics still
    /// follow the new images); the rest learn.
    public var frozenBlocks = 0
    /// Early stopping: end after this many epochs without a lower validation loss, keeping the best weights.
    public var patience: Int?
    public init() {}

    /// Whether a parameter stays fixed under `frozenBlocks`.
    public func isFrozen(_ name: String) -> Bool {
        guard frozenBlocks > 0 else { return false }
        if name.hasPrefix("stem.") { return true }
        return (0..<frozenBlocks).contains { name.hasPrefix("blocks.\($0).") }
    }
}

public struct EpochReport: Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double
    /// AUROC of the image score for ≥ mild, ≥ moderate, severe on the validation images.
    public var aurocs: [Double?]
    public var seconds: Double
}

/// Trains the steatosis network: ordinal loss on cumulative logits (report grades are noisy, and
/// an ordinal target lets one-grade-off labels cost little), view and quality heads on the side,
/// AdamW with warm-up and cosine decay, gradient clipping, checkpoints every epoch.
public final class Trainer {
    public let net: ConvNet
    public let options: TrainingOptions
    let optimiser: AdamW
    public private(set) var epochsDone = 0
    let size = SteatosisNetwork.size
    let heads = HeadLayout.standard

    public init(options: TrainingOptions, net: ConvNet? = nil) {
        self.options = options
        self.net = net ?? ConvNet(spec: SteatosisNetwork.spec(for: options.normalisation), seed: options.seed)
        optimiser = AdamW(self.net.parameters.filter { !options.isFrozen($0.name) }, learningRate: options.learningRate,
                          weightDecay: options.weightDecay)
    }

    /// One epoch; `onStep` sees (step, steps, running loss).
    public func epoch(_ samples: [TrainingSample], validation: [TrainingSample],
                      onStep: (Int, Int, Double) -> Void = { _, _, _ in }) -> EpochReport {
        let start = Date()
        var rng = Xorshift(seed: options.seed &+ UInt64(epochsDone) &* 7919)
        var order = Array(samples.indices)
        rng.shuffle(&order)
        let steps = max(1, order.count / options.batch)
        let schedule = CosineSchedule(base: options.learningRate, minimum: options.learningRate / 50,
                                      warmupSteps: min(200, steps), totalSteps: steps * options.epochs)
        let context = ForwardContext(training: true, seed: options.seed &+ UInt64(epochsDone))
        var total = 0.0
        // Data loading overlaps compute: batch k + 1 is augmented on another thread while batch k trains.
        // Batches are still assembled one after another from one random stream, so results do not change.
        let stream = RandomStream(rng)
        let loader = BatchPrefetch()
        let batchSize = options.batch
        func load(_ step: Int) {
            let batch = order[(step * batchSize)..<((step + 1) * batchSize)].map { samples[$0] }
            loader.start { self.assemble(batch, rng: &stream.rng) }
        }
        load(0)
        for step in 0..<steps {
            let (x, conditions, grades, weights, views, content) = loader.take()
            if step + 1 < steps { load(step + 1) }
            optimiser.zeroGrad()
            let logits = net.forward(x, conditions: conditions, context: context)
            let (loss, grad) = Self.loss(logits, grades: grades, weights: weights, views: views, content: content, heads: heads,
                                         smoothing: options.labelSmoothing, gateClassWeights: options.gateClassWeights)
            net.backward(grad)
            optimiser.clipGradients(maxNorm: 5)
            optimiser.learningRate = schedule.rate(at: epochsDone * steps + step)
            optimiser.update()
            total += Double(loss)
            onStep(step + 1, steps, total / Double(step + 1))
        }
        epochsDone += 1
        let (validationLoss, aurocs) = validate(validation)
        return EpochReport(epoch: epochsDone, trainLoss: total / Double(steps), validationLoss: validationLoss,
                           aurocs: aurocs, seconds: Date().timeIntervalSince(start))
    }

    /// Loss on the validation images (true views, no augmentation; the gate weighted as in training) and AUROCs of the expected grade
    /// against the histological grade where known (else the label).
    public func validate(_ samples: [TrainingSample]) -> (Double, [Double?]) {
        guard !samples.isEmpty else { return (0, [nil, nil, nil]) }
        var scores: [Double] = [], truth: [Int] = [], total = 0.0, batches = 0
        forEachBatch(samples) { batch, logits in
            let (loss, _) = Self.loss(logits, grades: batch.map(\.grade), weights: batch.map { $0.content == 0 ? 1 : 0 },
                                      views: batch.map(\.view), content: batch.map(\.content), heads: heads,
                                      gateClassWeights: options.gateClassWeights)
            total += Double(loss); batches += 1
            for b in 0..<batch.count where batch[b].content == 0 {
                scores.append(ImagePrediction(logits: heads.row(logits.data, b), layout: heads).score)
                truth.append(batch[b].fatPercent.map { Grade(fatPercent: $0).rawValue } ?? batch[b].grade)
            }
        }
        let aurocs = (1...3).map { k in ROC.analyse(scores: scores, truth: truth.map { $0 >= k })?.auc }
        return (total / Double(batches), aurocs)
    }

    /// Predictions for samples (true views, no augmentation).
    public func predictions(_ samples: [TrainingSample]) -> [ImagePrediction] {
        var out: [ImagePrediction] = []
        forEachBatch(samples) { batch, logits in
            for b in 0..<batch.count { out.append(ImagePrediction(logits: heads.row(logits.data, b), layout: heads)) }
        }
        return out
    }

    /// Inference over samples in batches of 64 with their true views and no augmentation.
    private func forEachBatch(_ samples: [TrainingSample], _ body: ([TrainingSample], Tensor) -> Void) {
        let context = ForwardContext(training: false)
        for start in stride(from: 0, to: samples.count, by: 64) {
            let batch = Array(samples[start..<min(samples.count, start + 64)])
            body(batch, net.forward(SteatosisNetwork.batch(batch.map(NetworkInput.from), normalisation: options.normalisation), conditions: batch.map(\.view), context: context))
        }
    }

    func assemble(_ batch: [TrainingSample], rng: inout Xorshift) -> (Tensor, [Int], [Int], [Float], [Int], [Int]) {
        let n = batch.count, plane = size * size
        let channelCount = options.normalisation.inputChannels
        var x = Tensor(zeros: [n, channelCount, size, size])
        var conditions: [Int] = [], grades: [Int] = [], weights: [Float] = [], views: [Int] = [], content: [Int] = []
        for (b, sample) in batch.enumerated() {
            let range = options.augmentationStrength
            let strength = range.lowerBound < range.upperBound ? rng.uniform(range.lowerBound, range.upperBound) : range.lowerBound
            var (v, mask) = Augmentation(strength: Double(strength)).apply(sample, size: size, rng: &rng)
            let junk = rng.uniform(0, 1) < options.junkFraction
            if junk { v = scramble(v, rng: &rng) }
            var input = NetworkInput.from(sample)
            input.mask = mask
            let channels = input.channels(intensity: v, normalisation: options.normalisation)
            x.data.replaceSubrange((b * channelCount * plane)..<((b + 1) * channelCount * plane), with: channels)
            // Scrambled images are too poor to score; non-liver scenes teach the gate and nothing else.
            let unknown = SteatosisNetwork.unknownView
            let liver = !junk && sample.content == 0
            let view = liver ? sample.view : unknown
            // What the view input shows: the image's view, or "unknown" as often for every kind of
            // image. Scenes to refuse are shown under a liver view as often as livers are (a random
            // one), so the gate cannot read "not a liver" off a missing view tag: untagged liver
            // images (what importing plain files gives) are not refused for it.
            let shown = rng.uniform(0, 1) < options.viewDropout ? unknown
                : liver ? view : Int(rng.next() % UInt64(SteatosisNetwork.views.count - 1))
            conditions.append(shown)
            grades.append(sample.grade)
            weights.append(liver ? 1 : 0)
            views.append(view)
            content.append(junk ? 2 : sample.content)
        }
        return (x, conditions, grades, weights, views, content)
    }

    /// Shuffles 16×16 tiles: keeps the grey levels, destroys anatomy (an 'other', poor-quality image).
    func scramble(_ v: [Float], rng: inout Xorshift) -> [Float] {
        let tiles = size / 16
        var order = Array(0..<(tiles * tiles))
        rng.shuffle(&order)
        var out = v
        for (t, source) in order.enumerated() {
            let ty = t / tiles, tx = t % tiles, sy = source / tiles, sx = source % tiles
            for y in 0..<16 { for x in 0..<16 { out[(ty * 16 + y) * size + tx * 16 + x] = v[(sy * 16 + y) * size + sx * 16 + x] } }
        }
        return out
    }

    /// Ordinal (targets softened by `smoothing`, as report grades are noisy) + 0.3 × view
    /// cross-entropy + 0.3 × gate cross-entropy (each class weighted by `gateClassWeights`),
    /// gradient on each image's outputs.
    static func loss(_ logits: Tensor, grades: [Int], weights: [Float], views: [Int], content: [Int],
                     heads: HeadLayout = .standard, smoothing: Double = 0, gateClassWeights: [Float]? = nil) -> (Float, Tensor) {
        let n = logits.shape[0], width = heads.width
        func slice(_ range: Range<Int>) -> Tensor {
            var t = Tensor(zeros: [n, range.count])
            for b in 0..<n { for (j, k) in range.enumerated() { t.data[b * range.count + j] = logits.data[b * width + k] } }
            return t
        }
        let (lo, go) = Loss.ordinal(slice(heads.ordinal), grades, weights: weights, smoothing: smoothing)
        let (lv, gv) = Loss.softmaxCrossEntropy(slice(heads.view), views)
        let (lg, gg) = Loss.softmaxCrossEntropy(slice(heads.gate), content, classWeights: gateClassWeights)
        var grad = Tensor(zeros: logits.shape)
        for b in 0..<n {
            for (j, k) in heads.ordinal.enumerated() { grad.data[b * width + k] = go.data[b * heads.ordinal.count + j] }
            for (j, k) in heads.view.enumerated() { grad.data[b * width + k] = 0.3 * gv.data[b * heads.view.count + j] }
            for (j, k) in heads.gate.enumerated() { grad.data[b * width + k] = 0.3 * gg.data[b * heads.gate.count + j] }
        }
        return (lo + 0.3 * lv + 0.3 * lg, grad)
    }

    // MARK: checkpoints

    /// The model with its training state (AdamW moments, epochs done) in one safetensors file.
    public func saveCheckpoint(path: String, metadata: [String: String]) throws {
        var tensors: [String: Tensor] = [:]
        for (k, v) in net.stateDict { tensors["model." + k] = v }
        let state = optimiser.state
        // The optimiser's own parameters: fine-tuning leaves the frozen ones out.
        for (i, p) in optimiser.parameters.enumerated() {
            tensors["adam.m." + p.name] = Tensor(shape: p.value.shape, data: state.m[i])
            tensors["adam.v." + p.name] = Tensor(shape: p.value.shape, data: state.v[i])
        }
        var meta = metadata
        meta["architecture"] = net.spec.json()
        meta["epochs_done"] = String(epochsDone)
        meta["adam_step"] = String(state.step)
        try SafetensorsFile(tensors: tensors, metadata: meta).write(path: path)
    }

    public static func resume(path: String, options: TrainingOptions) throws -> Trainer {
        let file = try SafetensorsFile.read(path: path)
        guard file.metadata["epochs_done"] != nil else {
            throw ModelFileError.badArchitecture(file: path, reason: "not a training checkpoint")
        }
        let net = try ConvNet.load(file, path: path, prefix: "model.")
        let trainer = Trainer(options: options, net: net)
        var m: [[Float]] = [], v: [[Float]] = []
        for p in trainer.optimiser.parameters {
            guard let tm = file.tensors["adam.m." + p.name], let tv = file.tensors["adam.v." + p.name] else {
                throw ModelFileError.missingTensor(file: path, tensor: "adam.m." + p.name)
            }
            m.append(tm.data); v.append(tv.data)
        }
        trainer.optimiser.restore(step: Int(file.metadata["adam_step"] ?? "0") ?? 0, m: m, v: v)
        trainer.epochsDone = Int(file.metadata["epochs_done"] ?? "0") ?? 0
        return trainer
    }
}

extension NetworkInput {
    /// Rebuilds a network input from a stored training sample.
    static func from(_ s: TrainingSample) -> NetworkInput {
        NetworkInput(size: SteatosisNetwork.size, intensity: s.intensity.map { Float($0) / 255 }, mask: s.mask, rowDepth: s.rowDepth)
    }
}

/// The epoch's random stream, shared by the batches assembled one after another on the loader thread.
final class RandomStream: @unchecked Sendable {
    var rng: Xorshift
    init(_ rng: Xorshift) { self.rng = rng }
}

/// One batch assembled ahead on a background thread; `take` waits for it. At most one is in flight,
/// and the trainer touches nothing the assembly reads or writes while it runs.
final class BatchPrefetch: @unchecked Sendable {
    typealias Batch = (Tensor, [Int], [Int], [Float], [Int], [Int])
    private struct Work: @unchecked Sendable { let run: () -> Batch }
    private let done = DispatchSemaphore(value: 0)
    private var ready: Batch?

    func start(_ work: @escaping () -> Batch) {
        let job = Work(run: work)
        DispatchQueue.global(qos: .userInitiated).async { self.ready = job.run(); self.done.signal() }
    }

    func take() -> Batch {
        done.wait()
        defer { ready = nil }
        return ready!
    }
}
