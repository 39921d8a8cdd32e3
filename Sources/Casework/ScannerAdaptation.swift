import CaseStore
import Scoring
import UltrasoundImaging

/// Adapting the model to a scanner: its batch-norm statistics re-estimated from that scanner's own
/// stored images (no labels needed), saved with the scanner and used by `StudyScoring` from then on.
public enum ScannerAdaptation {
    /// Fewer images give statistics too noisy to replace the training ones.
    public static let minimumImages = 16

    public struct TooFewImages: Error, CustomStringConvertible {
        public var scanner: String, usable: Int
        public var description: String {
            "scanner '\(scanner)': \(usable) usable images; adaptation needs at least \(ScannerAdaptation.minimumImages)"
        }
    }

    /// Adapts and stores; returns how many images it learnt from.
    @discardableResult
    public static func adapt(scanner: String, store: CaseStore, model: SteatosisModel) throws -> Int {
        let records = try store.imageIds(scanner: scanner).map { try store.image(id: $0) }
        let prepared = try StoredImages.prepare(records, store: store)
        var inputs: [NetworkInput] = [], views: [View?] = []
        for (record, input) in zip(records, prepared) {
            guard let input else { continue }
            inputs.append(input); views.append(record.view)
        }
        guard inputs.count >= minimumImages else { throw TooFewImages(scanner: scanner, usable: inputs.count) }
        let statistics = model.adaptationStatistics(inputs, views: views)
        try store.saveAdaptation(scanner: scanner, modelSha256: model.sha256, tensors: statistics, images: inputs.count)
        return inputs.count
    }
}
