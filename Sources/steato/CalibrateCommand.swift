import ArgumentParser
import Casework
import Foundation

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a scanner's own reading of the score on its labelled studies; scoring then uses it.",
        discussion: """
            The scanner's studies with a reference (report grade by default, or histology) are scored with the model and \
            a monotone map from score to the reference's grade scale is fitted (and score to fat % where fat was \
            measured). Five-fold cross-validation over those studies reports bias and limits of agreement before and \
            after. The map is stored with the scanner and model; steato score applies it to that scanner's studies \
            (flag scanner-calibrated; re-score them afterwards). Needs at least 20 labelled studies of two grades or more.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The scanner, as in the SCANNER column of steato list.") var scanner: String
    @Option(help: "The reference to fit to: report or histology.") var reference: CalibrationReference = .report
    @Option(help: "Model file (default: $STEATO_MODEL, else the model shipped with steato).") var model: String?

    func run() throws {
        let store = try database.open(forWriting: true)
        do {
            let scorer = try ModelLocator.load(explicit: model)
            let check = try ScannerCalibrationFit.fit(scanner: scanner, store: store, model: scorer, reference: reference.value)
            print("calibrated \(scorer.name) for \(scanner) on \(check.studies) studies (\(reference.rawValue) grades)")
            print(String(format: "cross-validated bias %+.2f → %+.2f grade, limits of agreement ±%.2f → ±%.2f",
                         check.before.bias, check.after.bias, check.before.limits, check.after.limits))
            print("re-score \(scanner)'s studies with steato score to use it")
        } catch { throw fail(error) }
    }
}

enum CalibrationReference: String, CaseIterable, ExpressibleByArgument {
    case report, histology
    var value: ScannerCalibrationFit.Reference { self == .report ? .report : .histology }
}
