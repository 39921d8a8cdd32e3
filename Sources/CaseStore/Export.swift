import CSV
import Foundation
import GRDB
import UltrasoundImaging

/// One study as exported: patient, references, ROIs, scores and every image. Field names follow the
/// manifest and score JSON contracts (snake_case).
public struct ExportedStudy: Codable, Sendable, Equatable {
    public struct References: Codable, Sendable, Equatable {
        public var histology_fat_pct: Double?
        public var report_grade: Int?
        public var cap_dbm: Double?
        public var mri_pdff_pct: Double?
    }
    public struct Model: Codable, Sendable, Equatable { public var name: String; public var sha256: String }
    public struct ViewResult: Codable, Sendable, Equatable {
        public var score: Double; public var grade: Int; public var n_images: Int; public var sd: Double?
    }
    public struct Image: Codable, Sendable, Equatable {
        public var image_id: Int64
        public var file: String
        /// The original file's SHA-256; absent when anonymised (it would link the image to the identified file).
        public var sha256: String?
        public var format: String
        public var width: Int
        public var height: Int
        public var view: View?
        public var liver_roi: [Int]?
        public var kidney_roi: [Int]?
        public var score: Double?
        public var grade: Int?
        /// The frame of a multi-frame DICOM file, and the DICOM instance (replaced by a derived UID when anonymised).
        public var frame: Int
        public var sop_instance_uid: String?
    }
    public struct ReviewResult: Codable, Sendable, Equatable {
        public var decision: ReviewDecision; public var grade: Int; public var reason: String?
    }
    public var study_id: String
    public var patient_id: String
    public var patient_name: String?
    public var study_date: String?
    public var patient_birth_date: String?
    public var patient_sex: String?
    public var accession: String?
    public var study_description: String?
    public var study_instance_uid: String?
    public var scanner: String?
    public var status: StudyStatus
    public var references: References
    public var score: Double?
    public var grade: Int?
    public var fat_pct: Double?
    public var model: Model?
    public var views: [String: ViewResult]
    public var review: ReviewResult?
    public var images: [Image]
}

extension CaseStore {
    /// A replacement UID (PS3.15 "U"): 2.25 and 128 bits of the original's HMAC under this database's
    /// secret key, the same for the same original, so series and instances stay linked, and not
    /// computable from the original by anyone without the database.
    static func derivedUID(_ uid: String, key: [UInt8]) -> String {
        let digest = SHA256.hmac(key: key, message: Array(uid.utf8))
        var value: UInt128 = 0
        for byte in digest.prefix(16) { value = value << 8 | UInt128(byte) }
        return "2.25.\(value >> 1)"
    }

    /// `derivedUID` under this database's key: replacement UIDs for what export writes anew.
    public func replacementUID(for original: String) throws -> String {
        let key = try read { db in try Data.fetchOne(db, sql: "SELECT key FROM pseudonymKey").map { [UInt8]($0) } ?? [] }
        return CaseStore.derivedUID(original, key: key)
    }

    /// Every study, oldest first. With `anonymize`, identifiers are replaced by stable pseudonyms
    /// (`ANON-0001`, `STUDY-00001`), names, dates and file hashes are removed and file names become `image-ID.ext`,
    /// following the DICOM PS3.15 basic profile for the fields we export.
    public func exportStudies(anonymize: Bool) throws -> [ExportedStudy] {
        let (ids, key) = try read { db in
            (try Int64.fetchAll(db, sql: "SELECT id FROM study ORDER BY id"),
             try Data.fetchOne(db, sql: "SELECT key FROM pseudonymKey").map { [UInt8]($0) } ?? [])
        }
        var patientAliases: [Int64: String] = [:]
        return try ids.map { id in
            let d = try detail(studyId: id)
            let roisByImage = Dictionary(grouping: d.rois, by: \.imageId)
            let images = d.images.map { image -> ExportedStudy.Image in
                let rois = roisByImage[image.id!] ?? []
                func box(_ kind: ROI.Kind) -> [Int]? {
                    rois.first { $0.kind == kind }.map { [$0.x, $0.y, $0.width, $0.height] }
                }
                let ext = ImageFormat(rawValue: image.format)?.fileExtension ?? image.format
                return ExportedStudy.Image(
                    image_id: image.id!, file: anonymize ? "image-\(image.id!).\(ext)" : image.originalName,
                    sha256: anonymize ? nil : image.sha256, format: image.format, width: image.width, height: image.height,
                    view: image.view, liver_roi: box(.liver), kidney_roi: box(.kidney),
                    score: d.imageScores[image.id!]?.score, grade: d.imageScores[image.id!]?.grade,
                    frame: image.frameNumber, sop_instance_uid: image.sopInstanceUID.map { anonymize ? CaseStore.derivedUID($0, key: key) : $0 })
            }
            var views: [String: ExportedStudy.ViewResult] = [:]
            for v in d.viewScores { views[v.view.rawValue] = .init(score: v.score, grade: v.grade, n_images: v.imageCount, sd: v.sd) }
            let patientId: String
            if anonymize {
                if patientAliases[d.patient.id!] == nil {
                    patientAliases[d.patient.id!] = String(format: "ANON-%04d", patientAliases.count + 1)
                }
                patientId = patientAliases[d.patient.id!]!
            } else {
                patientId = d.patient.patientKey
            }
            let review = d.reviews.last.map { ExportedStudy.ReviewResult(decision: $0.decision, grade: $0.grade, reason: $0.reason) }
            return ExportedStudy(
                study_id: anonymize ? String(format: "STUDY-%05lld", id) : d.study.studyKey,
                patient_id: patientId, patient_name: anonymize ? nil : d.patient.name,
                study_date: anonymize ? nil : d.study.studyDate,
                // PS3.15 basic profile: birth date, sex, accession and description removed; UIDs replaced.
                patient_birth_date: anonymize ? nil : d.patient.birthDate, patient_sex: anonymize ? nil : d.patient.sex,
                accession: anonymize ? nil : d.study.accession, study_description: anonymize ? nil : d.study.description,
                study_instance_uid: d.study.studyInstanceUID.map { anonymize ? CaseStore.derivedUID($0, key: key) : $0 },
                scanner: d.study.scanner, status: d.study.status,
                references: .init(histology_fat_pct: d.reference?.histologyFatPct, report_grade: d.reference?.reportGrade,
                                  cap_dbm: d.reference?.capDbm, mri_pdff_pct: d.reference?.mriPdffPct),
                score: d.studyScore?.score, grade: d.studyScore?.grade, fat_pct: d.studyScore?.fatPct,
                model: d.studyScore.map { .init(name: $0.modelName, sha256: $0.modelSha256) },
                views: views, review: review, images: images)
        }
    }
}

/// Renders exported studies as CSV: one row per image, the study's columns repeated on each.
public enum ExportCSV {
    public static let header = [
        "study_id", "patient_id", "patient_name", "study_date", "scanner", "status",
        "histology_fat_pct", "report_grade", "cap_dbm", "mri_pdff_pct",
        "study_score", "study_grade", "fat_pct", "model_name", "model_sha256", "review_grade",
        "image_id", "file", "sha256", "format", "width", "height", "view", "liver_roi", "kidney_roi",
        "image_score", "image_grade",
    ]

    public static func render(_ studies: [ExportedStudy]) throws -> String {
        let stream = OutputStream(toMemory: ())
        stream.open()
        let writer = try CSVWriter(stream: stream)
        try writer.write(row: header)
        func text(_ v: Any?) -> String {
            switch v {
            case let d as Double: return String(d)
            case let i as Int: return String(i)
            case let i as Int64: return String(i)
            case let s as String: return s
            case let box as [Int]: return box.map(String.init).joined(separator: " ")
            default: return ""
            }
        }
        for s in studies {
            let studyFields: [Any?] = [
                s.study_id, s.patient_id, s.patient_name, s.study_date, s.scanner, s.status.rawValue,
                s.references.histology_fat_pct, s.references.report_grade, s.references.cap_dbm, s.references.mri_pdff_pct,
                s.score, s.grade, s.fat_pct, s.model?.name, s.model?.sha256, s.review?.grade,
            ]
            let imageRows: [[Any?]] = s.images.isEmpty ? [Array(repeating: nil, count: 11)] : s.images.map {
                [$0.image_id, $0.file, $0.sha256, $0.format, $0.width, $0.height, $0.view?.rawValue, $0.liver_roi, $0.kidney_roi,
                 $0.score, $0.grade]
            }
            for imageFields in imageRows { try writer.write(row: (studyFields + imageFields).map(text)) }
        }
        writer.stream.close()
        let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
