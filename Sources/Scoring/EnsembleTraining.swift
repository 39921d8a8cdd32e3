import Foundation
import ModelCore
import UltrasoundImaging

/// Training a model file end to end: `members` networks from different seeds (an ensemble whose
/// disagreement is part of each study's uncertainty), each checkpointed every epoch so an
/// interrupted run resumes, then, on the validation images only, the fat calibration and the score
/// rule (grade cut-offs, gate threshold) averaged over the members.
public struct EnsembleTraining {
    public var options: TrainingOptions
    public var members: Int
    /// Member k checkpoints to `checkpointBase.k.checkpoint` (`checkpointBase.checkpoint` for one).
    public var checkpointBase: String

    public init(options: TrainingOptions, members: Int, checkpointBase: String) {
        self.options = options; self.members = max(1, members); self.checkpointBase = checkpointBase
    }

    func checkpoint(_ member: Int) -> String { members == 1 ? checkpointBase + ".checkpoint" : checkpointBase + ".\(member).checkpoint" }

    /// Trains (or resumes) every member, each from its own seed or, fine-tuning, from `start[member]`
    /// (a model's networks, used in turn); `onEpoch` sees each member's epoch reports. With
    /// `options.patience`, a member stops when its validation loss has not fallen for that many epochs
    /// and keeps its best weights.
    public func train(_ training: [TrainingSample], validation: [TrainingSample], metadata: [String: String], resume: Bool,
                      start: [ConvNet] = [],
                      onResume: (Int, Int, String) -> Void = { _, _, _ in },
                      onStep: (Int, Int, Int, Double) -> Void = { _, _, _, _ in },
                      onEpoch: (Int, EpochReport) -> Void = { _, _ in }) throws -> [ConvNet] {
        var nets: [ConvNet] = []
        for member in 0..<members {
            var memberOptions = options
            memberOptions.seed = options.seed &+ UInt64(member) &* 1_000_003
            let path = checkpoint(member)
            let trainer: Trainer
            if resume && FileManager.default.fileExists(atPath: path) {
                trainer = try Trainer.resume(path: path, options: memberOptions)
                onResume(member, trainer.epochsDone, path)
            } else {
                trainer = Trainer(options: memberOptions, net: start.isEmpty ? nil : start[member % start.count].copy())
            }
            var best: (loss: Double, state: [String: Tensor])?
            var stale = 0
            while trainer.epochsDone < options.epochs {
                let report = trainer.epoch(training, validation: validation) { step, steps, loss in onStep(member, step, steps, loss) }
                onEpoch(member, report)
                try trainer.saveCheckpoint(path: path, metadata: metadata)
                guard let patience = options.patience else { continue }
                if report.validationLoss < (best?.loss ?? .infinity) - 1e-4 {
                    best = (report.validationLoss, trainer.net.stateDict); stale = 0
                } else {
                    stale += 1
                    if stale >= patience { break }
                }
            }
            if let best { try trainer.net.load(best.state, file: "best epoch") }
            nets.append(trainer.net)
        }
        return nets
    }

    /// The ensemble's averaged predictions of samples (true views, no augmentation).
    public static func predictions(_ nets: [ConvNet], _ samples: [TrainingSample], normalisation: IntensityNormalisation) -> [ImagePrediction] {
        var options = TrainingOptions()
        options.normalisation = normalisation
        let each = nets.map { Trainer(options: options, net: $0).predictions(samples) }
        return samples.indices.map { i in ImagePrediction(averaging: each.map { $0[i] }) }
    }

    /// Calibration and score rule fitted on validation samples, as model-file metadata, with a line
    /// for people about each.
    /// `gateWeights`: the gate's class weights in training; unless all 1 they are divided out of the
    /// gate's probabilities (`ScoreRule.gatePriorWeights`) before its threshold is fitted.
    public static func fitted(_ nets: [ConvNet], validation: [TrainingSample], normalisation: IntensityNormalisation,
                              gateWeights: [Float] = [1, 1, 1]) -> (metadata: [String: String], notes: [String]) {
        var metadata: [String: String] = [:], notes: [String] = []
        let prior: [Double]? = gateWeights.allSatisfy { $0 == 1 } ? nil : gateWeights.map(Double.init)
        let liver = validation.filter { $0.content == 0 }
        let predicted = predictions(nets, liver, normalisation: normalisation).map { $0.dividingGate(by: prior) }
        let withFat = liver.indices.filter { liver[$0].fatPercent != nil }
        if let calibration = FatCalibration.fit(scores: withFat.map { predicted[$0].score }, fat: withFat.map { liver[$0].fatPercent! }) {
            metadata["calibration"] = calibration.json
            notes.append("fat calibration on \(withFat.count) validation images: " +
                         zip(calibration.scores, calibration.fat).map { String(format: "%.2f→%.0f%%", $0, $1) }.joined(separator: " "))
        }
        let truth = liver.map { $0.fatPercent.map { Grade(fatPercent: $0).rawValue } ?? $0.grade }
        let rule = ScoreRule.fit(scores: predicted.map(\.score), grades: truth, liverQuality: predicted.map(\.quality), gatePriorWeights: prior)
        metadata["score_rule"] = rule.json
        if let prior { notes.append("gate probabilities divided by its training class weights " + prior.map { String(format: "%g", $0) }.joined(separator: ",") + " before the threshold") }
        notes.append(String(format: "score rule on %d validation images: grade cut-offs %.2f / %.2f / %.2f, gate threshold %.2f",
                            liver.count, rule.gradeCutoffs[0], rule.gradeCutoffs[1], rule.gradeCutoffs[2], rule.gateThreshold))
        let others = validation.filter { $0.content != 0 }
        if !others.isEmpty {
            let refused = predictions(nets, others, normalisation: normalisation).map { $0.dividingGate(by: prior) }.filter { $0.refusal(rule) != nil }.count
            notes.append("gate on \(others.count) validation non-liver or poor images: \(refused) refused")
        }
        return (metadata, notes)
    }
}
