import ArgumentParser
import Casework

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate the stored study scores against a reference standard, with baselines and agreement.",
        discussion: """
            For ≥ mild, ≥ moderate and severe: AUROC with its 95 % DeLong interval, sensitivity and specificity at the Youden \
            cut-off, and a paired DeLong test against each baseline on the same studies: CAP, the hepatorenal index (studies \
            with ROIs) and a B-mode attenuation estimate from the depth profile. Then the Obuchowski index, Bland–Altman \
            between scanners (patients scanned on several) and between views, and ICC(2,1) of single images with the \
            Spearman–Brown reliability of the mean of 1–5 images per view.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The reference standard.") var reference: ReferenceStandard = .histology
    @Option(help: "Repeat the AUROCs per scanner or per view.") var by: StudyEvaluation.Grouping?
    @Flag(help: "One JSON object with every figure.") var json = false
    @Option(help: "Write PNG plots here: ROC curves per threshold (model and baselines), Bland–Altman between scanners.")
    var plots: String?

    func run() throws {
        let store = try database.open()
        do {
            let evaluation = try StudyEvaluation(store: store, reference: reference, by: by)
            if let plots { try evaluation.writePlots(folder: plots) }
            print(json ? evaluation.json : evaluation.lines.joined(separator: "\n"))
        } catch { throw fail(error) }
    }
}
