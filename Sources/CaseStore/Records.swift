import Foundation
import GRDB
import UltrasoundImaging

/// Where a study stands: imported and not scored, scored, or reviewed by a reader (who has the last word).
public enum StudyStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case new, scored, reviewed
}

/// A reader's decision: the model's grade confirmed, or replaced by the reader's.
public enum ReviewDecision: String, Codable, Sendable, DatabaseValueConvertible {
    case confirmed, overridden
}

// Views and grades are stored by their raw values (the schema's CHECK constraints list them).
extension View: DatabaseValueConvertible {}
extension Refusal: DatabaseValueConvertible {}

/// A patient, known by the identifier the site uses (`patientKey`); the name is sensitive.
public struct Patient: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var patientKey: String
    public var name: String?
    public var birthDate: String?
    public var sex: String?
    public var createdAt: Date

    public static let databaseTableName = "patient"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One ultrasound examination of a patient; `studyKey` is the site's identifier, unique per patient.
public struct Study: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var patientId: Int64
    public var studyKey: String
    public var studyDate: String?
    public var scanner: String?
    public var description: String?
    public var accession: String?
    public var studyInstanceUID: String?
    public var imageCount: Int
    public var status: StudyStatus
    public var score: Double?
    public var grade: Int?
    public var importedAt: Date

    public static let databaseTableName = "study"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One stored image (or one frame of a cine file) with its current view tag.
public struct ImageRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var studyId: Int64
    public var sha256: String
    public var frameNumber: Int
    public var frameCount: Int
    public var originalName: String
    public var format: String
    public var width: Int
    public var height: Int
    public var channels: Int
    public var scanner: String?
    public var acquisition: String?
    public var importedAt: Date
    public var view: View?
    public var viewTaggedBy: String?
    public var viewTaggedAt: Date?
    public var sopInstanceUID: String?
    public var seriesInstanceUID: String?
    /// The physical size of a pixel (mm) when a manifest gave it; DICOM files declare theirs in the file.
    public var pixelSpacingMm: Double?

    public static let databaseTableName = "image"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Reference standards for a study: what the model is judged against.
public struct Reference: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public var studyId: Int64
    public var histologyFatPct: Double?
    public var reportGrade: Int?
    public var capDbm: Double?
    public var mriPdffPct: Double?

    public static let databaseTableName = "reference"

    public var isEmpty: Bool {
        histologyFatPct == nil && reportGrade == nil && capDbm == nil && mriPdffPct == nil
    }
}

/// A rectangle in image pixels.
public struct Rect: Codable, Sendable, Equatable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}

/// A liver or kidney region of interest on an image, for the hepatorenal index.
public struct ROI: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public enum Kind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible { case liver, kidney }
    public var id: Int64?
    public var imageId: Int64
    public var kind: Kind
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public var createdBy: String
    public var createdAt: Date

    public static let databaseTableName = "roi"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var rect: Rect { Rect(x: x, y: y, width: width, height: height) }
}

/// A model's score for one image, as stored (Scoring's `ImagePrediction` is what the network said).
public struct ImageScore: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var imageId: Int64
    public var modelName: String
    public var modelSha256: String
    /// nil when the image was refused.
    public var score: Double?
    public var grade: Int?
    /// P(healthy), P(mild), P(moderate), P(severe), stored as a JSON array.
    public var probs: [Double]
    /// P(a usable liver image).
    public var quality: Double?
    public var viewSuggested: View?
    public var scoredAt: Date
    /// Why the image was not scored; nil when it was.
    public var refused: Refusal?

    public static let databaseTableName = "imageScore"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A model's aggregate over the images of one view of a study.
public struct ViewScore: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var studyId: Int64
    public var view: View
    public var modelName: String
    public var modelSha256: String
    public var score: Double
    public var sd: Double?
    public var imageCount: Int
    public var grade: Int
    public var scoredAt: Date

    public static let databaseTableName = "viewScore"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A model's score for a whole study: the mean over views of the per-view means.
public struct StudyScore: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var studyId: Int64
    public var modelName: String
    public var modelSha256: String
    /// nil when nothing in the study could be scored (flag `no-result`).
    public var score: Double?
    public var grade: Int?
    public var fatPct: Double?
    /// What the scorer noticed (`views-disagree`, `few-images:subcostal`, …), stored as a JSON array.
    public var flags: [String]
    public var scoredAt: Date
    /// steato's version (`steato --version`); nil for scores written before it was recorded.
    public var software: String?
    /// The study score's uncertainty (one standard deviation, in grades).
    public var scoreSd: Double?

    public static let databaseTableName = "studyScore"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A reader's decision on a study's grade.
public struct Review: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var studyId: Int64
    public var reader: String
    public var decision: ReviewDecision
    public var grade: Int
    public var reason: String?
    public var reviewedAt: Date

    public static let databaseTableName = "review"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One line of the append-only audit log: who changed what, from what, to what.
public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    public var at: Date
    public var who: String
    public var action: String
    public var entity: String
    public var entityId: Int64?
    public var oldValue: String?
    public var newValue: String?
    /// The operating-system account that wrote the entry (`who` may be a name the reader chose).
    public var systemUser: String?

    public static let databaseTableName = "audit"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public init(who: String, action: String, entity: String, entityId: Int64?,
                oldValue: String?, newValue: String?, at: Date = Date()) {
        self.at = at; self.who = who; self.action = action; self.entity = entity
        self.entityId = entityId; self.oldValue = oldValue; self.newValue = newValue
        systemUser = CaseStore.systemUser
    }
}

/// A report text that came with a study: a DICOM structured report or a text file.
public struct StoredReport: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public enum Source: String, Codable, Sendable { case dicomSR = "dicom-sr", text }
    public var id: Int64?
    public var studyId: Int64
    public var source: Source
    public var fileName: String
    public var sha256: String
    public var text: String
    public var importedAt: Date

    public static let databaseTableName = "report"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
