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
            validation AUROCs (≥ mild, ≥ moderate, severe) and writes OUT.checkpoint; --resume continues from it. \
            The same data, options and seed give the same model.
            """)

    @Option(name: .customLong("data"), help: "A folder with manifest.csv (repeatable).") var folders: [String] = []
    @Flag(help: "Also train on the case database's studies with a report grade or histology (see --db).") var fromDb = false
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The model file to write.") var out: String
    @Option(help: "Labels to learn from: report (the sonographer's grade, as the paper did) or histology.")
    var labels: TrainingSet.Labels = .report
    @Option(help: "Epochs.") var epochs = 10
    @Option(help: "Images per step.") var batch = 32
    @Option(help: "Peak learning rate.") var learningRate: Float = 2e-3
    @Option(help: "Share of patients held out for validation.") var validation = 0.1
    @Option(help: "Random seed (data order, augmentation, initial weights).") var seed: UInt64 = 1
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Option(help: "A name for the model.") var name = "steatoscope"
    @Flag(help: "Continue from OUT.checkpoint.") var resume = false

    func run() throws {
        guard !folders.isEmpty || fromDb else { throw fail(UserFacingError("give --data FOLDER or --from-db")) }
        BLAS.setThreads(threads)
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
        let (train, check) = TrainingSet.split(samples, validationShare: validation, seed: seed)
        print("\(samples.count) images (\(train.count) training, \(check.count) validation) preprocessed in \(String(format: "%.0f", Date().timeIntervalSince(loadStart))) s")

        var options = TrainingOptions()
        options.epochs = epochs; options.batch = batch; options.learningRate = learningRate; options.seed = seed
        let checkpoint = out + ".checkpoint"
        let trainer: Trainer
        if resume && FileManager.default.fileExists(atPath: checkpoint) {
            do { trainer = try Trainer.resume(path: checkpoint, options: options) } catch { throw fail(error) }
            print("resuming after epoch \(trainer.epochsDone) from \(checkpoint)")
        } else {
            trainer = Trainer(options: options)
        }
        let metadata = [
            "name": name, "labels": labels.rawValue, "seed": String(seed), "epochs": String(epochs),
            "trained_on": (folders.map { ($0 as NSString).lastPathComponent } + (fromDb ? ["case database"] : [])).joined(separator: ","),
            "training_images": String(train.count),
        ]
        let start = Date()
        while trainer.epochsDone < epochs {
            let report = trainer.epoch(train, validation: check) { step, steps, loss in
                progress.show(done: step, total: steps, label: String(format: "steps, epoch %d, loss %.3f", trainer.epochsDone + 1, loss))
            }
            progress.clear()
            let aucs = report.aurocs.map { $0.map { String(format: "%.3f", $0) } ?? "-" }.joined(separator: " / ")
            print(String(format: "epoch %d/%d: train loss %.3f, validation loss %.3f, validation AUROC %@ (≥mild / ≥moderate / severe), %.0f s",
                         report.epoch, epochs, report.trainLoss, report.validationLoss, aucs, report.seconds))
            do { try trainer.saveCheckpoint(path: checkpoint, metadata: metadata) } catch { throw fail(error) }
        }
        var final = metadata
        final["training_seconds"] = String(Int(Date().timeIntervalSince(start)))
        // Score → fat % calibration on the validation images with histology (isotonic, so monotone).
        let calibrationSet = check.filter { $0.fatPercent != nil }
        if let calibration = FatCalibration.fit(scores: trainer.scores(calibrationSet), fat: calibrationSet.map { $0.fatPercent! }) {
            final["calibration"] = calibration.json
            print("fat calibration fitted on \(calibrationSet.count) validation images: " +
                  zip(calibration.scores, calibration.fat).map { String(format: "%.2f→%.0f%%", $0, $1) }.joined(separator: " "))
        }
        do { try trainer.net.save(path: out, metadata: final) } catch { throw fail(error) }
        print("model written to \(out)")
    }
}
