import CSV
import Foundation
import GRDB

/// A CSV of report texts: `patient_id`, `study_id` or `accession`, and `report` (free text, quoted
/// when it holds commas or line breaks). Rows that cannot be read are kept with the reason.
public struct ReportFile: Sendable {
    public struct Row: Sendable, Equatable {
        /// The row's number among the data rows (a quoted report may span several lines).
        public var row: Int
        public var patientKey: String
        public var studyKey: String?
        public var accession: String?
        public var report: String
    }
    public var rows: [Row] = []
    public var errors: [(row: Int, reason: String)] = []

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw CaseStoreError.invalid("\(path): cannot read the file") }
        guard var text = String(data: data, encoding: .utf8) else { throw CaseStoreError.invalid("\(path): not UTF-8 text") }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let reader: CSVReader
        do { reader = try CSVReader(string: text, hasHeaderRow: true) } catch { throw CaseStoreError.invalid("\(path): no header row") }
        let header = (reader.headerRow ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard header.contains("patient_id"), header.contains("report"), header.contains("study_id") || header.contains("accession") else {
            throw CaseStoreError.invalid("\(path): needs the columns patient_id, study_id (or accession) and report")
        }
        var row = 0
        while let fields = reader.next() {
            row += 1
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            guard fields.count == header.count else {
                errors.append((row, "has \(fields.count) fields, the header has \(header.count)")); continue
            }
            var cells: [String: String] = [:]
            for (i, name) in header.enumerated() {
                let value = fields[i].trimmingCharacters(in: .whitespacesAndNewlines)
                if !value.isEmpty { cells[name] = value }
            }
            guard let patient = cells["patient_id"] else { errors.append((row, "no patient_id")); continue }
            guard cells["study_id"] != nil || cells["accession"] != nil else { errors.append((row, "no study_id or accession")); continue }
            rows.append(Row(row: row, patientKey: patient, studyKey: cells["study_id"], accession: cells["accession"],
                            report: cells["report"] ?? ""))
        }
    }
}

extension CaseStore {
    /// The study a report belongs to: by patient and study id, else by patient and accession.
    public func studyId(patientKey: String, studyKey: String?, accession: String?) throws -> Int64? {
        try read { db in
            guard let patient = try Patient.filter(Column("patientKey") == patientKey).fetchOne(db), let pid = patient.id else { return nil }
            if let studyKey, let s = try Study.filter(Column("patientId") == pid && Column("studyKey") == studyKey).fetchOne(db) { return s.id }
            if let accession, let s = try Study.filter(Column("patientId") == pid && Column("accession") == accession).fetchOne(db) { return s.id }
            return nil
        }
    }

    /// Stores the grade read from a study's report as its report reference (nil clears it), with an
    /// audit entry that keeps the words it was read from.
    public func storeReportGrade(studyId: Int64, grade: Int?, phrase: String?, who: String = CaseStore.currentUser) throws {
        if let grade, !(0...3).contains(grade) { throw CaseStoreError.invalid("grade \(grade) is not 0–3") }
        try write { db in
            guard try Study.fetchOne(db, key: studyId) != nil else { throw CaseStoreError.notFound("study \(studyId)") }
            var reference = try Reference.fetchOne(db, key: studyId) ?? Reference(studyId: studyId)
            let old = reference.reportGrade
            reference.reportGrade = grade
            try reference.save(db)
            var entry = AuditEntry(who: who, action: "report-grade", entity: "study", entityId: studyId,
                                   oldValue: old.map(String.init),
                                   newValue: (grade.map(String.init) ?? "none") + (phrase.map { " from \"\($0)\"" } ?? ""), at: Date())
            try entry.insert(db)
        }
    }
}

/// A study's report text as stored at import (the latest one when a study has several).
public struct StudyReportText: Sendable, Equatable {
    public var studyId: Int64
    public var patientKey: String
    public var studyKey: String
    public var accession: String?
    public var source: StoredReport.Source
    public var fileName: String
    public var text: String
}

extension CaseStore {
    /// Every study's latest stored report, in study order.
    public func storedReports() throws -> [StudyReportText] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.studyId, p.patientKey, s.studyKey, s.accession, r.source, r.fileName, r.text
                FROM report r JOIN study s ON s.id = r.studyId JOIN patient p ON p.id = s.patientId
                WHERE r.id = (SELECT MAX(id) FROM report WHERE studyId = r.studyId)
                ORDER BY r.studyId
                """)
            return rows.map { row in
                StudyReportText(studyId: row["studyId"], patientKey: row["patientKey"], studyKey: row["studyKey"],
                                accession: row["accession"], source: StoredReport.Source(rawValue: row["source"]) ?? .text,
                                fileName: row["fileName"], text: row["text"])
            }
        }
    }
}
