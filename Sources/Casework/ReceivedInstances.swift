import CaseStore
import Foundation

/// Instances arriving over the network (steato listen, the workstation's listener, steato pull),
/// imported through the same transactional import as files before the sender hears "stored":
/// duplicates by SOP Instance UID, a file that cannot be read refused with its reason and nothing
/// stored. Parallel associations share the work by group commit: while one batch is being written,
/// the instances that arrive meanwhile wait and go into the next batch together (one transaction per
/// study in it), so the disk syncs once per batch instead of once per instance.
public final class ReceivedInstances: @unchecked Sendable {
    public enum Outcome: Sendable, Equatable {
        /// `newStudy`: the first instance of its study since this receiver started.
        case stored(studyKey: String, newStudy: Bool)
        case duplicate
        /// Not an instance we can read: the sender should not try again.
        case refused(reason: String)
        /// The database could not take it now (locked, disk full): the sender may try again.
        case failed(reason: String)
    }

    /// Totals since the start, for status lines.
    public struct Counts: Sendable, Equatable {
        public var instances = 0
        public var duplicates = 0
        public var refused = 0
        public var newStudies = 0
        public init() {}
    }

    private let importer: Importer
    /// Where received files wait while they arrive: `incoming/` beside the database.
    public let spool: String
    private let condition = NSCondition()
    private var pending: [String] = []
    private var results: [String: Outcome] = [:]
    private var writing = false
    private var seenStudies = Set<Int64>()
    private var totals = Counts()

    public init(store: CaseStore) {
        importer = Importer(store: store)
        importer.frames = .first
        spool = (store.path as NSString).deletingLastPathComponent + "/incoming"
    }

    public var counts: Counts { condition.lock(); defer { condition.unlock() }; return totals }

    /// Imports one received file (complete, at `path`) and returns once it is stored or refused.
    public func receive(path: String) -> Outcome {
        condition.lock()
        defer { condition.unlock() }
        pending.append(path)
        while results[path] == nil {
            if writing { condition.wait(); continue }
            writing = true
            let batch = pending
            pending = []
            condition.unlock()
            let outcomes = importBatch(batch)
            condition.lock()
            results.merge(outcomes) { $1 }
            writing = false
            condition.broadcast()
        }
        return results.removeValue(forKey: path)!
    }

    /// One import run over the batch (called without the lock; only one runs at a time).
    private func importBatch(_ paths: [String]) -> [String: Outcome] {
        let plan = ImportPlanner.plan(paths: paths)
        var fileRejections: [String: String] = [:]
        var studyFailures: [String] = []
        var outcomes: [StudyOutcome] = []
        _ = importer.run(plan, onEvent: { event in
            switch event {
            case let .rejected(r):
                if paths.contains(r.path) { fileRejections[r.path] = r.reason } else { studyFailures.append(r.description) }
            case let .study(o): outcomes.append(o)
            case .progress: break
            }
        })
        var result: [String: Outcome] = [:]
        condition.lock()
        defer { condition.unlock() }
        for (study, outcome) in zip(plan.studies, outcomes) {
            let isNew = outcome.imported > 0 && outcome.studyId.map { seenStudies.insert($0).inserted } == true
            if isNew { totals.newStudies += 1 }
            var first = isNew
            for file in study.images.map(\.path) + study.reports.map(\.path) {
                if let reason = fileRejections[file] {
                    result[file] = .refused(reason: reason); totals.refused += 1
                } else if outcome.imported + outcome.reports == 0 && outcome.duplicates > 0 {
                    result[file] = .duplicate; totals.duplicates += 1
                } else if outcome.imported + outcome.reports == 0 {
                    result[file] = .failed(reason: studyFailures.first ?? "not imported")
                } else {
                    result[file] = .stored(studyKey: outcome.studyKey, newStudy: first); totals.instances += 1
                    first = false
                }
            }
        }
        // Files the plan could not place in a study (unreadable paths) and anything left over.
        for file in paths where result[file] == nil {
            if let reason = fileRejections[file] ?? plan.rejections.first(where: { $0.path == file })?.reason {
                result[file] = .refused(reason: reason); totals.refused += 1
            } else {
                result[file] = .failed(reason: studyFailures.first ?? "not imported")
            }
        }
        return result
    }
}
