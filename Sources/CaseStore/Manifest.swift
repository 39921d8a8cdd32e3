import CSV
import Foundation
import UltrasoundImaging

/// A parsed manifest.csv (contract in DESIGN.md): one row per image, grouped later into studies.
public struct Manifest: Sendable {
    public static let requiredColumns = ["image", "patient_id", "study_id"]
    public static let optionalColumns = [
        "patient_name", "study_date", "scanner", "view", "histology_fat_pct", "report_grade",
        "cap_dbm", "mri_pdff_pct", "liver_roi", "kidney_roi", "pixel_spacing_mm", "content",
    ]

    /// One valid row. `line` is the row's number counting the header as row 1, as a spreadsheet shows it.
    public struct Row: Sendable, Equatable {
        public var line: Int
        public var imagePath: String
        public var patientKey: String
        public var studyKey: String
        public var patientName: String?
        public var studyDate: String?
        public var scanner: String?
        public var view: View?
        public var histologyFatPct: Double?
        public var reportGrade: Int?
        public var capDbm: Double?
        public var mriPdffPct: Double?
        public var liverROI: Rect?
        public var kidneyROI: Rect?
        /// The physical size of a pixel (mm), when known.
        public var pixelSpacingMm: Double?
        /// For training sets: what the image shows when it is not a liver image to score
        /// (`not-liver`, `poor-quality`); empty or `liver` for a liver image.
        public var refusal: Refusal?
    }

    /// A row that cannot be used; its study is not imported.
    public struct RowError: Error, Sendable, Equatable {
        public var line: Int
        public var patientKey: String?
        public var studyKey: String?
        public var reason: String
    }

    public let path: String
    public let rows: [Row]
    public let rowErrors: [RowError]

    /// Parses the manifest; a problem with the file as a whole (unreadable, missing or unknown columns)
    /// throws, a problem with one row is kept in `rowErrors`.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaseStoreError.invalid("\(path): cannot read the manifest")
        }
        try self.init(path: path, data: data)
    }

    /// Parses a manifest's bytes, read from `path` (named in every error; images are found beside it).
    public init(path: String, data: Data) throws {
        self.path = path
        guard var text = String(data: data, encoding: .utf8) else {
            throw CaseStoreError.invalid("\(path): the manifest is not UTF-8 text")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true)
        } catch {
            throw CaseStoreError.invalid("\(path): the manifest has no header row")
        }
        let header = (reader.headerRow ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let missing = Self.requiredColumns.filter { !header.contains($0) }
        if !missing.isEmpty {
            throw CaseStoreError.invalid("\(path): missing required column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
        }
        let known = Set(Self.requiredColumns + Self.optionalColumns)
        let unknown = header.filter { !known.contains($0) }
        if !unknown.isEmpty {
            throw CaseStoreError.invalid("\(path): unknown column\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", "))")
        }
        let duplicated = Dictionary(grouping: header, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        if !duplicated.isEmpty {
            throw CaseStoreError.invalid("\(path): repeated column \(duplicated.joined(separator: ", "))")
        }

        var rows: [Row] = []
        var errors: [RowError] = []
        var line = 1
        while let fields = reader.next() {
            line += 1
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            var cells: [String: String] = [:]
            for (i, name) in header.enumerated() where i < fields.count {
                let value = fields[i].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { cells[name] = value }
            }
            do {
                if fields.count != header.count {
                    throw RowProblem("has \(fields.count) fields, the header has \(header.count)")
                }
                rows.append(try Self.parseRow(cells, line: line))
            } catch let problem as RowProblem {
                errors.append(RowError(line: line, patientKey: cells["patient_id"], studyKey: cells["study_id"],
                                       reason: problem.reason))
            }
        }
        self.rows = rows
        self.rowErrors = errors
    }

    private struct RowProblem: Error { let reason: String; init(_ r: String) { reason = r } }

    private static func parseRow(_ cells: [String: String], line: Int) throws -> Row {
        func required(_ name: String) throws -> String {
            guard let value = cells[name] else { throw RowProblem("empty \(name)") }
            return value
        }
        func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
            guard let text = cells[name] else { return nil }
            guard let value = Double(text), value.isFinite else { throw RowProblem("\(name) '\(text)' is not a number") }
            guard range.contains(value) else {
                throw RowProblem("\(name) \(text) is outside \(range.lowerBound.formatted())–\(range.upperBound.formatted())")
            }
            return value
        }
        func rect(_ name: String) throws -> Rect? {
            guard let text = cells[name] else { return nil }
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }
            guard parts.count == 4, parts[0] >= 0, parts[1] >= 0, parts[2] > 0, parts[3] > 0 else {
                throw RowProblem("\(name) '\(text)' is not 'x y w h' in pixels")
            }
            return Rect(x: parts[0], y: parts[1], width: parts[2], height: parts[3])
        }

        var row = Row(line: line, imagePath: try required("image"), patientKey: try required("patient_id"),
                      studyKey: try required("study_id"))
        row.patientName = cells["patient_name"]
        if let date = cells["study_date"] {
            guard StudyDate.isValid(date) else { throw RowProblem("study_date '\(date)' is not YYYY-MM-DD") }
            row.studyDate = date
        }
        row.scanner = cells["scanner"]
        if let text = cells["view"] {
            guard let view = View(rawValue: text.lowercased()) else {
                throw RowProblem("unknown view '\(text)' (expected \(View.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            row.view = view
        }
        row.histologyFatPct = try number("histology_fat_pct", in: 0...100)
        if let text = cells["report_grade"] {
            guard let grade = Int(text), (0...3).contains(grade) else {
                throw RowProblem("report_grade '\(text)' is not a grade 0–3")
            }
            row.reportGrade = grade
        }
        row.capDbm = try number("cap_dbm", in: 0...1000)
        row.mriPdffPct = try number("mri_pdff_pct", in: 0...100)
        row.liverROI = try rect("liver_roi")
        row.kidneyROI = try rect("kidney_roi")
        row.pixelSpacingMm = try number("pixel_spacing_mm", in: 0.001...10)
        if let text = cells["content"], text != "liver" {
            guard let refusal = Refusal(rawValue: text) else { throw RowProblem("content '\(text)' is not liver, not-liver or poor-quality") }
            row.refusal = refusal
        }
        return row
    }
}

/// Study dates are calendar dates written YYYY-MM-DD.
public enum StudyDate {
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1900...2200).contains(y), (1...12).contains(m), d >= 1 else { return false }
        var components = DateComponents()
        components.year = y; components.month = m; components.day = 1
        let calendar = Calendar(identifier: .gregorian)
        guard let first = calendar.date(from: components),
              let days = calendar.range(of: .day, in: .month, for: first) else { return false }
        return days.contains(d)
    }
}
