import Foundation
import GRDB
import UltrasoundImaging

/// Everything recorded about one study, for `steato show` and the study screen.
public struct StudyDetail: Sendable {
    public var study: Study
    public var patient: Patient
    public var images: [ImageRecord]
    public var reference: Reference?
    public var rois: [ROI]
    /// The latest score of each image, keyed by image id.
    public var imageScores: [Int64: ImageScore]
    /// The view scores and study score of the latest scoring run.
    public var viewScores: [ViewScore]
    public var studyScore: StudyScore?
    public var reviews: [Review]
}

extension CaseStore {
    /// Finds a study by database id, by `PATIENT/STUDY`, or by its study id alone when only one patient has it.
    public func findStudy(_ token: String) throws -> Study {
        try read { db in
            if let id = Int64(token), let study = try Study.fetchOne(db, key: id) { return study }
            if let slash = token.firstIndex(of: "/") {
                let patientKey = String(token[..<slash]), studyKey = String(token[token.index(after: slash)...])
                let sql = """
                    SELECT study.* FROM study JOIN patient ON patient.id = study.patientId
                    WHERE patient.patientKey = ? AND study.studyKey = ?
                    """
                if let study = try Study.fetchOne(db, sql: sql, arguments: [patientKey, studyKey]) { return study }
            }
            let matches = try Study.filter(Column("studyKey") == token).fetchAll(db)
            if matches.count == 1 { return matches[0] }
            if matches.isEmpty { throw CaseStoreError.notFound("study \(token)") }
            let ids = matches.compactMap(\.id).map(String.init).joined(separator: ", ")
            throw CaseStoreError.ambiguous("study \(token): several patients have a study with this id; use PATIENT/STUDY or the number (\(ids))")
        }
    }

    /// Finds an image by database id or by a sha256 prefix of at least 6 characters.
    public func findImage(_ token: String) throws -> ImageRecord {
        try read { db in
            if let id = Int64(token), let image = try ImageRecord.fetchOne(db, key: id) { return image }
            let hex = token.lowercased()
            guard hex.count >= 6, hex.allSatisfy(\.isHexDigit) else { throw CaseStoreError.notFound("image \(token)") }
            let matches = try ImageRecord.filter(Column("sha256").like("\(hex)%")).limit(2).fetchAll(db)
            if matches.count == 1 { return matches[0] }
            if matches.isEmpty { throw CaseStoreError.notFound("image \(token)") }
            throw CaseStoreError.ambiguous("image \(token): several images start with this sha256; give more characters")
        }
    }

    public func detail(studyId: Int64) throws -> StudyDetail {
        try read { db in
            guard let study = try Study.fetchOne(db, key: studyId) else { throw CaseStoreError.notFound("study \(studyId)") }
            let patient = try Patient.fetchOne(db, key: study.patientId)!
            let images = try ImageRecord.filter(Column("studyId") == studyId)
                .order(Column("id")).fetchAll(db)
            let imageIds = images.compactMap(\.id)
            let rois = try ROI.filter(imageIds.contains(Column("imageId"))).order(Column("imageId"), Column("kind")).fetchAll(db)
            // Only each image's latest score, off the (imageId, scoredAt) index: a study scored again
            // after every model change keeps all its runs, and decoding them all grew with each one.
            var imageScores: [Int64: ImageScore] = [:]
            let latest = try db.cachedStatement(sql: "SELECT * FROM imageScore WHERE imageId = ? ORDER BY scoredAt DESC, id DESC LIMIT 1")
            for id in imageIds {
                if let score = try ImageScore.fetchOne(latest, arguments: [id]) { imageScores[id] = score }
            }
            let studyScore = try StudyScore.filter(Column("studyId") == studyId)
                .order(Column("scoredAt").desc, Column("id").desc).fetchOne(db)
            var viewScores: [ViewScore] = []
            if let studyScore {
                viewScores = try ViewScore.filter(Column("studyId") == studyId && Column("scoredAt") == studyScore.scoredAt)
                    .fetchAll(db).sorted { $0.view < $1.view }
            }
            let reviews = try Review.filter(Column("studyId") == studyId).order(Column("reviewedAt"), Column("id")).fetchAll(db)
            return StudyDetail(study: study, patient: patient, images: images, reference: try Reference.fetchOne(db, key: studyId),
                               rois: rois, imageScores: imageScores, viewScores: viewScores, studyScore: studyScore,
                               reviews: reviews)
        }
    }

    /// The audit entries about one entity, oldest first.
    public func audit(entity: String, id: Int64) throws -> [AuditEntry] {
        try read { db in
            try AuditEntry.filter(Column("entity") == entity && Column("entityId") == id).order(Column("id")).fetchAll(db)
        }
    }
}
