import Foundation
import GRDB

extension CaseStore {
    /// A reader confirms (`confirm`) or overrides (`override`) a study's grade; the study becomes
    /// reviewed with that grade, and the audit log records the decision with its reason.
    @discardableResult
    public func review(studyId: Int64, grade: Int, reason: String?, who: String = CaseStore.currentUser) throws -> Review {
        guard (0...3).contains(grade) else { throw CaseStoreError.invalid("grade \(grade) is not 0–3") }
        return try write { db in
            guard var study = try Study.fetchOne(db, key: studyId) else { throw CaseStoreError.notFound("study \(studyId)") }
            let decision: ReviewDecision = study.grade == grade ? .confirmed : .overridden
            let now = Date()
            var review = Review(studyId: studyId, reader: who, decision: decision, grade: grade,
                                reason: reason?.isEmpty == true ? nil : reason, reviewedAt: now)
            try review.insert(db)
            let old = "\(study.status.rawValue) grade \(study.grade.map(String.init) ?? "-")"
            study.status = .reviewed
            study.grade = grade
            try study.update(db)
            var entry = AuditEntry(who: who, action: "review", entity: "study", entityId: studyId, oldValue: old,
                                   newValue: "\(decision.rawValue) grade \(grade)" + (review.reason.map { ": \($0)" } ?? ""), at: now)
            try entry.insert(db)
            return review
        }
    }

    /// Stores (replacing) the liver or kidney box of an image, with an audit entry.
    public func saveROI(imageId: Int64, kind: ROI.Kind, rect: Rect, who: String = CaseStore.currentUser) throws {
        guard rect.width > 0, rect.height > 0 else { throw CaseStoreError.invalid("an empty box") }
        try write { db in
            let now = Date()
            let old = try ROI.filter(Column("imageId") == imageId && Column("kind") == kind).fetchOne(db)
            try ROI.filter(Column("imageId") == imageId && Column("kind") == kind).deleteAll(db)
            var roi = ROI(imageId: imageId, kind: kind, x: rect.x, y: rect.y, width: rect.width, height: rect.height,
                          createdBy: who, createdAt: now)
            try roi.insert(db)
            func text(_ r: Rect) -> String { "\(kind.rawValue) \(r.x) \(r.y) \(r.width) \(r.height)" }
            var entry = AuditEntry(who: who, action: "roi", entity: "image", entityId: imageId,
                                   oldValue: old.map { text($0.rect) }, newValue: text(rect), at: now)
            try entry.insert(db)
        }
    }
}
