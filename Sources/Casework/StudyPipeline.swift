import CaseStore
import Foundation
import Scoring

/// Scores many studies in order while the next study's images are read, decoded and prepared on
/// another thread: the preprocessing of study k + 1 overlaps the inference and the durable write of
/// study k. Results are the same as scoring each study alone, reported in the given order.
public enum StudyPipeline {
    public static func score(_ ids: [Int64], store: CaseStore, model: SteatosisModel,
                             each: (Int64, Result<ScoredStudy, Error>) -> Void) {
        guard !ids.isEmpty else { return }
        var pending = Prefetch(studyId: ids[0], store: store)
        for (i, id) in ids.enumerated() {
            let prepared = pending.take()
            if i + 1 < ids.count { pending = Prefetch(studyId: ids[i + 1], store: store) }
            each(id, Result {
                try StudyScoring.score(studyId: id, store: store, model: model, prepared: try prepared.get())
            })
        }
    }

    /// One study being prepared on a background thread; `take` waits for it.
    private final class Prefetch: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var result: Result<StudyScoring.Prepared, Error>?

        init(studyId: Int64, store: CaseStore) {
            let box = StoreBox(store: store)
            DispatchQueue.global(qos: .userInitiated).async {
                self.result = Result { try StudyScoring.prepare(studyId: studyId, store: box.store) }
                self.done.signal()
            }
        }

        func take() -> Result<StudyScoring.Prepared, Error> {
            done.wait()
            return result!
        }
    }

    private struct StoreBox: @unchecked Sendable { let store: CaseStore }
}
