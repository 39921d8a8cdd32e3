import ArgumentParser
import CaseStore
import Foundation
import Scoring
import UltrasoundImaging

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
        let store = try database.open()
        let scorer = try ModelLocator.load(explicit: model)
        var inputs: [NetworkInput] = [], views: [View?] = []
        do {
            for id in try store.imageIds(scanner: scanner) {
                let record = try store.image(id: id)
                guard let pixels = try? ImageDecoder.decodeImagingArea(try store.images.load(sha256: record.sha256), frame: record.frameNumber),
                      let input = NetworkInput(image: pixels, size: SteatosisNetwork.size) else { continue }
                inputs.append(input); views.append(record.view.flatMap(View.init(rawValue:)))
            }
        } catch { throw fail(error) }
        guard inputs.count >= 16 else {
            throw fail(UserFacingError("scanner '\(scanner)': \(inputs.count) usable images; adaptation needs at least 16"))
        }
        let statistics = scorer.adaptationStatistics(inputs, views: views)
        do { try store.saveAdaptation(scanner: scanner, modelSha256: scorer.sha256, tensors: statistics, images: inputs.count) }
        catch { throw fail(error) }
        print("adapted \(scorer.name) to \(scanner) from \(inputs.count) images; re-score its studies with steato score")
    }
}
