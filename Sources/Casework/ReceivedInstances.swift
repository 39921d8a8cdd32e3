import CaseStore
import Foundation

/// Instances arriving over the network (steato listen, the workstation's listener, steato pull),
/// each imported the moment it arrives through the same transactional import as files: one at a
/// time (associations run in parallel; the database takes one writer), duplicates by SOP Instance
/// UID, a file that cannot be read refused with its reason and nothing stored.
public final class ReceivedInstances: @unchecked Sendable {
    public enum Outcome: Sendable, Equatable {
        /// `newStudy`: the first instance of its study since this listener started.
        case stored(studyKey: String, newStudy: Bool)
        case duplicate
        case refused(reason: String)
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
    private let lock = NSLock()
    private var seenStudies = Set<Int64>()
    public private(set) var counts = Counts()

    public init(store: CaseStore) { importer = Importer(store: store); importer.frames = .first }

    /// Imports one received file (`label` names it in messages, e.g. the SOP Instance UID and caller).
    public func receive(path: String) -> Outcome {
        lock.lock(); defer { lock.unlock() }
        var reasons: [String] = []
        var study: StudyOutcome?
        let summary = importer.run(ImportPlanner.plan(paths: [path]), onEvent: { event in
            switch event {
            case let .rejected(r): reasons.append(r.reason)
            case let .study(o): study = o
            case .progress: break
            }
        })
        if summary.imported == 0 && summary.reports == 0 && summary.duplicates > 0 {
            counts.duplicates += 1
            return .duplicate
        }
        guard summary.rejected == 0, summary.imported + summary.reports > 0, let study else {
            counts.refused += 1
            return .refused(reason: reasons.first ?? "nothing in it to import")
        }
        counts.instances += 1
        let isNew = study.studyId.map { seenStudies.insert($0).inserted } ?? false
        if isNew { counts.newStudies += 1 }
        return .stored(studyKey: study.studyKey, newStudy: isNew)
    }
}
