import Foundation
import GRDB

extension CaseStore {
    /// Stores (replacing) a scanner's adapted normalisation statistics for a model.
    public func saveAdaptation(scanner: String, modelSha256: String, tensors: [UInt8], images: Int, who: String = CaseStore.currentUser) throws {
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO adaptation (scanner, modelSha256, tensors, images, createdAt) VALUES (?, ?, ?, ?, ?)
                """, arguments: [scanner, modelSha256, Data(tensors), images, Date()])
            var entry = AuditEntry(who: who, action: "adapt", entity: "scanner", entityId: nil, oldValue: nil,
                                   newValue: "\(scanner): \(images) images, model \(modelSha256.prefix(12))")
            try entry.insert(db)
        }
    }

    /// The adapted statistics for a scanner and model, if `steato adapt` has run.
    public func adaptation(scanner: String, modelSha256: String) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT tensors FROM adaptation WHERE scanner = ? AND modelSha256 = ?",
                              arguments: [scanner, modelSha256]).map { [UInt8]($0) }
        }
    }

    /// Stores (replacing) a scanner's score calibration for a model (JSON), audited.
    public func saveCalibration(scanner: String, modelSha256: String, json: String, studies: Int, who: String = CaseStore.currentUser) throws {
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO calibration (scanner, modelSha256, json, studies, createdAt) VALUES (?, ?, ?, ?, ?)
                """, arguments: [scanner, modelSha256, json, studies, Date()])
            var entry = AuditEntry(who: who, action: "calibrate", entity: "scanner", entityId: nil, oldValue: nil,
                                   newValue: "\(scanner): \(studies) studies, model \(modelSha256.prefix(12))")
            try entry.insert(db)
        }
    }

    /// A scanner's stored calibration for a model (JSON), if `steato calibrate` has run.
    public func calibration(scanner: String, modelSha256: String) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT json FROM calibration WHERE scanner = ? AND modelSha256 = ?", arguments: [scanner, modelSha256])
        }
    }

    /// Study ids of one scanner.
    public func studyIds(scanner: String) throws -> [Int64] {
        try read { db in try Int64.fetchAll(db, sql: "SELECT id FROM study WHERE scanner = ? ORDER BY id", arguments: [scanner]) }
    }

    /// Image ids of every study from one scanner.
    public func imageIds(scanner: String) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: "SELECT image.id FROM image JOIN study ON study.id = image.studyId WHERE study.scanner = ? ORDER BY image.id",
                               arguments: [scanner])
        }
    }

    public func image(id: Int64) throws -> ImageRecord {
        try read { db in
            guard let record = try ImageRecord.fetchOne(db, key: id) else { throw CaseStoreError.notFound("image \(id)") }
            return record
        }
    }
}
