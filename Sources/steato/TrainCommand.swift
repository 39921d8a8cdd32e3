import ArgumentParser
import Casework
import Foundation
import ModelCore
import Scoring

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the steatosis network on labelled manifest folders (e.g. from steato simulate) or the case database.",
        discussion: """
            Patients are split into training and validation by a seeded hash. Every epoch prints the losses and the \
            validation AUROCs (≥ mild, ≥ moderate, severe) and writes a checkpoint beside OUT; --resume continues from it. \
            The same data, options and seed give the same model.
            """)

    @Option(name: .customLong("data"), help: "A folder with manifest.csv (repeatable).") var folders: [String] = []
    @Flag(help: "Also train on the case database's studies with a report grade or histology (see --db).") var fromDb = false
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The model file to write.") var out: String?
    @Option(help: "Labels to learn from: report (the sonographer's grade, as the paper did) or histology.")
    var labels: TrainingSet.Labels = .report
    @Option(help: "Epochs.") var epochs = 10
    @Option(help: "Images per step.") var batch = 32
    @Option(help: "Peak learning rate (default 2e-3; 3e-4 when fine-tuning with --init).") var learningRate: Float?
    @Option(help: "Share of patients held out for validation.") var validation = 0.1
    @Option(help: "Random seed (the patients' validation split, data order, augmentation, initial weights); --refit needs the training run's.") var seed: UInt64 = 1
    @Option(help: "Threads (each large layer is split between them; BLAS runs single-threaded).") var threads = 2
    @Option(help: "A name for the model.") var name = "steatoscope"
    @Flag(help: "Continue from the checkpoints beside OUT.") var resume = false
    @Option(help: "Networks in the ensemble (their disagreement is part of each study's score_sd).") var ensemble = 1
    @Option(help: "Target smoothing for noisy report grades (ignored with --labels histology).") var labelSmoothing = 0.1
    @Option(help: "The gate's loss weights for usable liver, not a liver and too poor, comma-separated (default 1,1,1); divided out of its probabilities before the threshold. With --refit: the weights to divide out (default the model's).")
    var gateWeights: String?
    @Option(help: "How intensities are normalised per image: median-spread (median 0, interquartile range 1; the default), rank (normal scores of the ranks: any monotone grey map drops out), or both (two channels). Fine-tuning keeps the starting model's.")
    var intensity: String?
    @Option(help: "Augmentation strength per image, drawn between MIN and MAX, e.g. 0.6,1.6 (default 1: the nominal ranges).")
    var augment = "1"
    @Option(name: .customLong("init"), help: "Fine-tune this model (its networks, view and refusal heads) instead of starting afresh.")
    var initModel: String?
    @Option(help: "Fine-tuning: blocks after the stem that keep their weights (default 3 of 8).") var freeze = 3
    @Option(help: "Fine-tuning: stop after this many epochs without a better validation loss (default 3).") var patience = 3
    @Option(help: "Write the prepared samples and the split as NumPy arrays to this folder (for scripts/train_torch.py) and stop.")
    var exportSamples: String?
    @Option(help: "Fit the grade cut-offs, gate threshold and fat calibration of this model (e.g. trained by scripts/train_torch.py) on the validation split, write it to OUT and stop.")
    var refit: String?

    /// Fewest labelled studies worth fine-tuning on: below this the patient-level validation split
    /// has too few studies to choose an epoch or a cut-off from.
    static let fineTuneMinimumStudies = 40

    func validate() throws {
        if out == nil && exportSamples == nil { throw ValidationError("give --out MODEL (or --export-samples FOLDER)") }
        if let gateWeights, Self.gateWeights(from: gateWeights) == nil { throw ValidationError("--gate-weights \(gateWeights): give three positive numbers, e.g. 1,4,2.5") }
        if let intensity, IntensityNormalisation(option: intensity) == nil { throw ValidationError("--intensity \(intensity): expected median-spread, rank or both") }
        if parsedAugment == nil { throw ValidationError("--augment \(augment): give one strength or MIN,MAX between 0 and 3, e.g. 0.6,1.6") }
    }

    var parsedAugment: ClosedRange<Float>? {
        let parts = augment.split(separator: ",", omittingEmptySubsequences: false).map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0 != nil && (0...3).contains($0!) }) else { return nil }
        let low = parts[0]!, high = parts.last!!
        return low <= high ? low...high : nil
    }

    /// The gate's class weights: as given, else 1,1,1.
    var parsedGateWeights: [Float] { gateWeights.flatMap(Self.gateWeights(from:)) ?? [1, 1, 1] }

    static func gateWeights(from text: String) -> [Float]? {
        let weights = text.split(separator: ",", omittingEmptySubsequences: false).map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard weights.count == 3, weights.allSatisfy({ ($0 ?? 0) > 0 && $0!.isFinite }) else { return nil }
        return weights.map { $0! }
    }

    func run() throws {
        guard !folders.isEmpty || fromDb else { throw fail(UserFacingError("give --data FOLDER or --from-db")) }
        Parallelism.use(threads: threads)
        let source: TrainingSet.Source
        do { source = try TrainingSet.collect(folders: folders, store: fromDb ? try database.open() : nil, labels: labels) }
        catch { throw fail(error) }
        source.problems.forEach(printError)
        let images = source.images
        guard !images.isEmpty else { throw fail(UserFacingError("no images with \(labels.rawValue) labels to train on")) }
        let progress = ProgressLine(enabled: stderrIsTerminal)
        let loadStart = Date()
        let samples = TrainingData.load(images, progress: { done, total in progress.show(done: done, total: total, label: "images preprocessed") },
                                        skipped: { printError($0) })
        progress.clear()
        var startNets: [ConvNet] = []
        var startRule: String?
        var normalisation = intensity.flatMap(IntensityNormalisation.init(option:)) ?? .medianSpread
        if let initModel {
            let patients = Set(samples.filter { $0.content == 0 }.map(\.patient)).count
            guard patients >= Self.fineTuneMinimumStudies else {
                throw fail(UserFacingError("fine-tuning needs labelled images from at least \(Self.fineTuneMinimumStudies) patients; there are \(patients)"))
            }
            do {
                let model = try SteatosisModel(path: initModel, workers: 1)
                startNets = model.trainingNetworks()
                startRule = model.metadata["score_rule"]
                if intensity != nil && normalisation != model.normalisation {
                    throw UserFacingError("--intensity \(intensity!): \(initModel) was trained with \(model.normalisation.rawValue); fine-tuning keeps it")
                }
                normalisation = model.normalisation
                print("fine-tuning \(model.name) (\(model.members) network\(model.members == 1 ? "" : "s")): stem and \(freeze) blocks kept, early stopping after \(patience) epochs without improvement")
            } catch { throw fail(error) }
        }
        let (train, check) = TrainingSet.split(samples, validationShare: validation, seed: seed)
        print("\(samples.count) images (\(train.count) training, \(check.count) validation) preprocessed in \(String(format: "%.0f", Date().timeIntervalSince(loadStart))) s")
        if let exportSamples {
            let meta = ["labels": labels.rawValue, "seed": String(seed), "preprocessing": Preprocessing.description(for: normalisation),
                        "label_smoothing": String(labels == .report ? labelSmoothing : 0),
                        "trained_on": folders.map { ($0 as NSString).lastPathComponent }.joined(separator: ",")]
            do { try SampleExport.write(training: train, validation: check, to: exportSamples, metadata: meta, normalisation: normalisation) } catch { throw fail(error) }
            print("samples written to \(exportSamples)")
            return
        }
        guard let out else { return }
        if let refit {
            do {
                let model = try SteatosisModel(path: refit, workers: 1)
                // The validation split is drawn from the seed: another seed would fit on training patients.
                if let trained = model.metadata["split_seed"] ?? model.metadata["seed"], trained != String(seed) {
                    throw UserFacingError("\(refit) was trained with --seed \(trained): refit with --seed \(trained), which draws the same validation patients (another seed would fit its cut-offs on images it was trained on)")
                }
                let nets = model.trainingNetworks()
                // A model trained with weighted gate classes has them divided out again (as after training here).
                // --gate-weights given here names the weights to divide out instead (1,1,1: none).
                let weights = gateWeights != nil ? parsedGateWeights
                    : model.metadata["gate_class_weights"].flatMap(Self.gateWeights(from:)) ?? [1, 1, 1]
                let (fitted, notes) = EnsembleTraining.fitted(nets, validation: check, normalisation: model.normalisation, gateWeights: weights)
                notes.forEach { print($0) }
                var meta = model.metadata.merging(fitted) { $1 }
                meta["preprocessing"] = meta["preprocessing"] ?? Preprocessing.description
                try SteatosisModel.save(nets, path: out, metadata: meta)
                print("cut-offs, gate threshold and fat calibration fitted on \(check.count) validation images; model written to \(out)")
            } catch { throw fail(error) }
            return
        }

        var options = TrainingOptions()
        options.epochs = epochs; options.batch = batch; options.seed = seed
        options.learningRate = learningRate ?? (initModel == nil ? 2e-3 : 3e-4)
        if initModel != nil { options.frozenBlocks = freeze; options.patience = patience }
        options.labelSmoothing = labels == .report ? labelSmoothing : 0
        options.gateClassWeights = parsedGateWeights
        options.augmentationStrength = parsedAugment!
        options.normalisation = normalisation
        let metadata = [
            "name": name, "labels": labels.rawValue, "seed": String(seed), "epochs": String(epochs),
            "trained_on": (folders.map { ($0 as NSString).lastPathComponent } + (fromDb ? ["case database"] : [])).joined(separator: ","),
            "training_images": String(train.count), "preprocessing": Preprocessing.description(for: normalisation),
            "gate_class_weights": parsedGateWeights.map { String(format: "%g", $0) }.joined(separator: ","), "augmentation_strength": augment,
        ]
        let members = startNets.isEmpty ? ensemble : startNets.count
        let training = EnsembleTraining(options: options, members: members, checkpointBase: out)
        let start = Date()
        let clock = TrainingClock(totalEpochs: members * epochs, batch: batch)
        let nets: [ConvNet]
        do {
            nets = try training.train(train, validation: check, metadata: metadata, resume: resume, start: startNets, onResume: { member, epochs, path in
                print("network \(member + 1)/\(members): resuming after epoch \(epochs) from \(path)")
            }, onStep: { member, step, steps, loss in
                clock.step(step, of: steps)
                progress.show(done: step, total: steps, label: String(format: "steps, network %d/%d, loss %.3f, %@", member + 1, members, loss, clock.summary))
            }, onEpoch: { member, report in
                progress.clear()
                clock.epochEnded()
                let aucs = report.aurocs.map { $0.map { String(format: "%.3f", $0) } ?? "-" }.joined(separator: " / ")
                print(String(format: "network %d/%d epoch %d/%d: train loss %.3f, validation loss %.3f, validation AUROC %@ (≥mild / ≥moderate / severe), %.0f s, %@",
                             member + 1, members, report.epoch, epochs, report.trainLoss, report.validationLoss, aucs, report.seconds, clock.summary))
            })
        } catch { throw fail(error) }
        var final = metadata
        final["training_seconds"] = String(Int(Date().timeIntervalSince(start)))
        var (fitted, notes) = EnsembleTraining.fitted(nets, validation: check, normalisation: normalisation, gateWeights: options.gateClassWeights)
        if let startRule, let rule = fitted["score_rule"].flatMap(ScoreRule.init(json:)), rule.gradeCutoffs == ScoreRule.standard.gradeCutoffs {
            // Too few validation studies at each grade to choose cut-offs: keep the fine-tuned model's.
            fitted["score_rule"] = startRule
            notes.append("grade cut-offs kept from the starting model (too few validation images at each grade)")
        }
        if let initModel { final["fine_tuned_from"] = (initModel as NSString).lastPathComponent }
        final.merge(fitted) { $1 }
        notes.forEach { print($0) }
        do { try SteatosisModel.save(nets, path: out, metadata: final) } catch { throw fail(error) }
        print("model written to \(out)")
    }
}

/// Training speed and time left, for the progress line and each epoch's line: images per second
/// over the steps so far, and the epochs still to run at that pace (an upper bound when early
/// stopping ends a network sooner).
final class TrainingClock: @unchecked Sendable {
    private let totalEpochs: Int, batch: Int
    private let start = Date()
    private var epochsDone = 0, stepsDone = 0, stepsInEpoch = 0, stepsPerEpoch = 1

    init(totalEpochs: Int, batch: Int) { self.totalEpochs = totalEpochs; self.batch = batch }

    func step(_ step: Int, of steps: Int) {
        if step < stepsInEpoch { stepsInEpoch = 0 }   // a new epoch started without an epoch line (resume)
        stepsDone += step - stepsInEpoch
        stepsInEpoch = step
        stepsPerEpoch = steps
    }

    func epochEnded() { epochsDone += 1; stepsInEpoch = 0 }

    var summary: String {
        let elapsed = Date().timeIntervalSince(start)
        guard stepsDone > 0, elapsed > 0 else { return "measuring speed" }
        let perStep = elapsed / Double(stepsDone)
        let left = Double(max(0, (totalEpochs - epochsDone) * stepsPerEpoch - stepsInEpoch)) * perStep
        return String(format: "%.0f images/s, %@ left", Double(stepsDone * batch) / elapsed, Self.duration(left))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d h %02d min", s / 3600, s % 3600 / 60) : s >= 60 ? String(format: "%d min %02d s", s / 60, s % 60) : "\(s) s"
    }
}
