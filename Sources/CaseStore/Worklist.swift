import Foundation
import GRDB
import UltrasoundImaging

/// One study as the worklist shows it.
public struct WorklistRow: Codable, Sendable, Equatable {
    public var studyId: Int64
    public var studyKey: String
    public var patientKey: String
    public var patientName: String?
    public var studyDate: String?
    public var scanner: String?
    public var imageCount: Int
    /// Tagged images per view (`right-intercostal`: 3, …); untagged images are not counted.
    public var viewCounts: [String: Int]
    public var status: StudyStatus
    public var grade: Int?
    public var score: Double?
    /// For a scored study without a result, why: "not liver", "too poor to score" (from the latest
    /// scoring's refusals); nil otherwise.
    public var noResult: String?

    /// The grade's name, "no result" for a scored study with nothing scorable, else "-".
    public var gradeText: String {
        if let grade, let g = Grade(rawValue: grade) { return g.name }
        return noResult.map { "no result: " + $0 } ?? "-"
    }
}

/// The worklist's sort orders; each is served by an index on `study`.
public enum WorklistSort: String, CaseIterable, Sendable {
    case id, patient, name, date, scanner, images, status, grade, score
    /// Most severe unreviewed studies first.
    case triage

    var orderSQL: String {
        switch self {
        case .id: return "study.id"
        case .patient: return "patient.patientKey, study.id"
        case .name: return "patient.name, study.id"
        case .date: return "study.studyDate, study.id"
        case .scanner: return "study.scanner, study.id"
        case .images: return "study.imageCount, study.id"
        case .status: return "study.status, study.id"
        case .grade: return "study.grade, study.score, study.id"
        case .score: return "study.score, study.id"
        // SQLite sorts NULL lowest, so DESC already puts unscored studies last, as the index does.
        case .triage: return "(study.status = 'reviewed'), study.grade DESC, study.score DESC, study.id"
        }
    }
}

public struct WorklistQuery: Sendable {
    public var sort: WorklistSort = .id
    public var descending = false
    /// Case-insensitive text matched against patient id, name, study id and scanner.
    public var text: String?
    public var minGrade: Int?
    public var offset = 0
    public var limit = 100
    public init(sort: WorklistSort = .id, descending: Bool = false, text: String? = nil, minGrade: Int? = nil,
                offset: Int = 0, limit: Int = 100) {
        self.sort = sort; self.descending = descending; self.text = text; self.minGrade = minGrade
        self.offset = offset; self.limit = limit
    }
}

extension CaseStore {
    /// One page of the worklist; only the page's rows are read, so 100k studies page as fast as 100.
    public func worklist(_ query: WorklistQuery) throws -> [WorklistRow] {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(query)
            var order = query.sort.orderSQL
            if query.descending && query.sort == .triage {
                // The exact reverse (NULL grades and scores first), still read off the triage index.
                order = "(study.status = 'reviewed') DESC, study.grade, study.score, study.id DESC"
            } else if query.descending {
                order = order.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) + " DESC" }
                    .joined(separator: ", ")
            }
            let sql = """
                SELECT study.id, study.studyKey, patient.patientKey, patient.name, study.studyDate, study.scanner,
                       study.imageCount, study.status, study.grade, study.score
                FROM study JOIN patient ON patient.id = study.patientId
                \(whereSQL) ORDER BY \(order) LIMIT ? OFFSET ?
                """
            var rows: [WorklistRow] = try Row.fetchAll(db, sql: sql, arguments: arguments + [query.limit, query.offset]).map { row in
                WorklistRow(studyId: row[0], studyKey: row[1], patientKey: row[2], patientName: row[3],
                            studyDate: row[4], scanner: row[5], imageCount: row[6], viewCounts: [:],
                            status: StudyStatus(rawValue: row[7]) ?? .new, grade: row[8], score: row[9])
            }
            let ids = rows.map(\.studyId)
            if !ids.isEmpty {
                let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
                let counts = try Row.fetchAll(db, sql: """
                    SELECT studyId, view, COUNT(*) FROM image
                    WHERE studyId IN (\(placeholders)) AND view IS NOT NULL GROUP BY studyId, view
                    """, arguments: StatementArguments(ids))
                var byStudy: [Int64: [String: Int]] = [:]
                for row in counts { byStudy[row[0], default: [:]][row[1] as String] = row[2] }
                for i in rows.indices { rows[i].viewCounts = byStudy[rows[i].studyId] ?? [:] }
            }
            // Scored but no grade: the latest scoring's flags say why.
            for i in rows.indices where rows[i].status == .scored && rows[i].grade == nil {
                let flags = try String.fetchOne(db, sql: "SELECT flags FROM studyScore WHERE studyId = ? ORDER BY scoredAt DESC, id DESC LIMIT 1",
                                                arguments: [rows[i].studyId]) ?? ""
                rows[i].noResult = flags.contains("refused:not-liver") ? "not liver" : flags.contains("refused:poor-quality")
                    ? "too poor to score" : "nothing scorable"
            }
            return rows
        }
    }

    /// How many studies match the query's filters; with `upTo`, counting stops there (a cheap bound
    /// while a filter is being typed).
    public func worklistCount(_ query: WorklistQuery, upTo: Int? = nil) throws -> Int {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(query)
            let rows = "SELECT 1 FROM study JOIN patient ON patient.id = study.patientId \(whereSQL)"
            if let upTo {
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(rows) LIMIT ?)", arguments: arguments + [upTo]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(rows))", arguments: arguments) ?? 0
        }
    }

    private static func whereClause(_ query: WorklistQuery) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let text = query.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            clauses.append("""
                (patient.patientKey LIKE ? ESCAPE '\\' OR patient.name LIKE ? ESCAPE '\\'
                 OR study.studyKey LIKE ? ESCAPE '\\' OR study.scanner LIKE ? ESCAPE '\\')
                """)
            arguments += [pattern, pattern, pattern, pattern]
        }
        if let minGrade = query.minGrade {
            clauses.append("study.grade >= ?")
            arguments += [minGrade]
        }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), arguments)
    }
}
