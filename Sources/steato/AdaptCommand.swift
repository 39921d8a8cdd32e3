import ArgumentParser
import Casework

struct AdaptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt",
        abstract: "Adapt the model to a scanner: re-estimate its normalisation statistics from that scanner's own images.",
        discussion: """
            Test-time adaptation needs no labels: the scanner's studies in the database are run through the network and \
            every batch normalisation's running mean and variance are replaced by that scanner's. The statistics are \
            stored with the scanner and used automatically by steato score for its studies (re-score them afterwards).
            """)

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The scanner, as in the SCANNER column of steato list.") var scanner: String
    @Option(help: "Model file (default: $STEATO_MODEL, else the model shipped with steato).") var model: String?

    func run() throws {
        let store = try database.open(forWriting: true)
        do {
            let scorer = try ModelLocator.load(explicit: model)
            let images = try ScannerAdaptation.adapt(scanner: scanner, store: store, model: scorer)
            print("adapted \(scorer.name) to \(scanner) from \(images) images; re-score its studies with steato score")
        } catch { throw fail(error) }
    }
}
