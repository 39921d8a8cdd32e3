import Foundation
import GRDB
import UltrasoundImaging

/// One scoring run of a study, ready to be written.
public struct ScoringRun: Sendable {
    public struct Image: Sendable {
        public var imageId: Int64
        /// nil when refused.
        public var score: Double?
        public var grade: Int?
        public var probabilities: [Double]
        public var quality: Double
        public var suggestedView: View
        public var refused: Refusal?
        public init(imageId: Int64, score: Double?, grade: Int?, probabilities: [Double], quality: Double, suggestedView: View,
                    refused: Refusal?) {
            self.imageId = imageId; self.score = score; self.grade = grade; self.probabilities = probabilities
            self.quality = quality; self.suggestedView = suggestedView; self.refused = refused
        }
    }
    public struct ViewAggregate: Sendable {
        public var view: View, score: Double, sd: Double?, images: Int, grade: Int
        public init(view: View, score: Double, sd: Double?, images: Int, grade: Int) {
            self.view = view; self.score = score; self.sd = sd; self.images = images; self.grade = grade
        }
    }
    public var studyId: Int64
    public var modelName: String
    public var modelSha256: String
    /// The steato build that scored.
    public var software: String
    public var images: [Image]
    public var views: [ViewAggregate]
    /// nil when nothing was scorable (`no-result`).
    public var score: Double?
    public var scoreSd: Double?
    public var grade: Int?
    public var fatPercent: Double?
    public var flags: [String]
    public init(studyId: Int64, modelName: String, modelSha256: String, software: String, images: [Image], views: [ViewAggregate],
                score: Double?, scoreSd: Double?, grade: Int?, fatPercent: Double?, flags: [String]) {
        self.studyId = studyId; self.modelName = modelName; self.modelSha256 = modelSha256; self.software = software; self.images = images
        self.views = views; self.score = score; self.scoreSd = scoreSd; self.grade = grade; self.fatPercent = fatPercent; self.flags = flags
    }
}

extension CaseStore {
    /// Writes a scoring run in one transaction: image, view and study scores, the study's cached
    /// score, grade and status, and an audit entry. A reviewed study stays reviewed and keeps the
    /// reader's grade (the reader has the last word); a study with no result has no score or grade.
    public func save(_ run: ScoringRun, who: String = CaseStore.currentUser) throws {
        try write { db in
            let now = Date()
            guard var study = try Study.fetchOne(db, key: run.studyId) else { throw CaseStoreError.notFound("study \(run.studyId)") }
            for image in run.images {
                // Four decimals are plenty for a probability and keep the stored JSON short.
                let probs = image.probabilities.map { ($0 * 10_000).rounded() / 10_000 }
                var record = ImageScore(imageId: image.imageId, modelName: run.modelName, modelSha256: run.modelSha256,
                                        score: image.score, grade: image.grade, probs: probs, quality: image.quality,
                                        viewSuggested: image.suggestedView, scoredAt: now, refused: image.refused)
                try record.insert(db)
            }
            for v in run.views {
                var record = ViewScore(studyId: run.studyId, view: v.view, modelName: run.modelName, modelSha256: run.modelSha256,
                                       score: v.score, sd: v.sd, imageCount: v.images, grade: v.grade, scoredAt: now)
                try record.insert(db)
            }
            var record = StudyScore(studyId: run.studyId, modelName: run.modelName, modelSha256: run.modelSha256, score: run.score,
                                    grade: run.grade, fatPct: run.fatPercent, flags: run.flags, scoredAt: now,
                                    software: run.software, scoreSd: run.scoreSd)
            try record.insert(db)
            let old = study.score.map { String(format: "%.2f", $0) }
            study.score = run.score
            if study.status != .reviewed {
                study.grade = run.grade
                study.status = .scored
            }
            try study.update(db)
            let result = run.score.map { String(format: "%.2f", $0) } ?? "no result"
            var entry = AuditEntry(who: who, action: "score", entity: "study", entityId: run.studyId, oldValue: old,
                                   newValue: "\(result) by \(run.modelName) \(run.modelSha256.prefix(12))", at: now)
            try entry.insert(db)
        }
    }

    /// Ids of the studies to score: all, or those never scored.
    public func studyIds(unscoredOnly: Bool) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: unscoredOnly ? "SELECT id FROM study WHERE status = 'new' ORDER BY id" : "SELECT id FROM study ORDER BY id")
        }
    }
}

/// An image with a study's reference, for training from the database.
public struct ReferencedImage: Sendable {
    public var path: String
    public var patientKey: String
    public var view: View?
    public var reportGrade: Int?
    public var histologyFatPct: Double?
    /// The frame of a multi-frame DICOM file (0 otherwise).
    public var frame: Int
}

extension CaseStore {
    /// Every stored image whose study has a report grade or a histology value, with its file in the image store.
    public func referencedImages() throws -> [ReferencedImage] {
        let store = images
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT image.sha256, patient.patientKey, image.view, reference.reportGrade, reference.histologyFatPct, image.frameNumber
                FROM image JOIN study ON study.id = image.studyId JOIN patient ON patient.id = study.patientId
                JOIN reference ON reference.studyId = study.id
                WHERE reference.reportGrade IS NOT NULL OR reference.histologyFatPct IS NOT NULL
                ORDER BY image.id
                """).map { row in
                ReferencedImage(path: store.path(forSHA256: row[0]), patientKey: row[1], view: row[2], reportGrade: row[3],
                                histologyFatPct: row[4], frame: row[5])
            }
        }
    }
}
