import CaseStore
import Foundation
import UltrasoundImaging

/// The worklist: one page of studies read at a time around the cursor, so 100k studies open and
/// scroll without reading them all. Deep positions are read from the other end of the order.
struct WorklistScreen {
    var query = WorklistQuery(sort: .triage)
    var total = 0
    var cursor = 0
    var top = 0
    private var page: (offset: Int, rows: [WorklistRow]) = (0, [])
    static let pageSize = 200

    /// False while the count is only a bound (a filter being typed).
    var totalIsExact = true
    static let typingBound = 5000

    mutating func reload(_ store: CaseStore, bounded: Bool = false) {
        total = (try? store.worklistCount(query, upTo: bounded ? Self.typingBound : nil)) ?? 0
        totalIsExact = !bounded || total < Self.typingBound
        cursor = min(cursor, max(0, total - 1))
        page = (0, [])
    }

    mutating func row(_ i: Int, _ store: CaseStore) -> WorklistRow? {
        guard i >= 0, i < total else { return nil }
        if i < page.offset || i >= page.offset + page.rows.count { fetch(around: i, store) }
        let k = i - page.offset
        return k >= 0 && k < page.rows.count ? page.rows[k] : nil
    }

    private mutating func fetch(around i: Int, _ store: CaseStore) {
        let offset = max(0, min(i - Self.pageSize / 4, total - Self.pageSize))
        var q = query
        q.limit = Self.pageSize
        // Past the middle, read backwards from the end: SQLite's OFFSET walks every skipped row.
        if offset > total / 2 {
            q.descending.toggle()
            q.offset = max(0, total - offset - Self.pageSize)
            let rows = (try? store.worklist(q)) ?? []
            let end = total - q.offset
            page = (end - rows.count, rows.reversed())
        } else {
            q.offset = offset
            page = (offset, (try? store.worklist(q)) ?? [])
        }
    }

    mutating func move(to i: Int, visible: Int) {
        cursor = max(0, min(total - 1, i))
        if cursor < top { top = cursor }
        if cursor >= top + visible { top = cursor - visible + 1 }
        top = max(0, min(top, max(0, total - visible)))
    }

    static let sortOrder: [WorklistSort] = [.triage, .patient, .name, .date, .scanner, .images, .status, .grade, .score, .id]

    mutating func render(into grid: inout TextGrid, store: CaseStore, filtering: Bool) {
        let w = grid.width
        let visible = max(1, grid.height - 3)
        move(to: cursor, visible: visible)
        let wide = w >= 110
        var columns: [(String, Int, Bool)] = [("PATIENT", 12, false)]
        if wide { columns.append(("NAME", 18, false)) }
        columns += [("DATE", 10, false)]
        if w >= 90 { columns.append(("SCANNER", 16, false)) }
        columns += [("IMG", 4, true), ("VIEWS", 12, false), ("STATUS", 8, false), ("GRADE", 9, false), ("SCORE", 5, true)]
        let sortColumn: [WorklistSort: String] = [.patient: "PATIENT", .name: "NAME", .date: "DATE", .scanner: "SCANNER",
                                                  .images: "IMG", .status: "STATUS", .grade: "GRADE", .score: "SCORE"]
        grid.fill(y: 0, role: .header)
        var x = 1
        for (name, width, right) in columns {
            var title = name
            if sortColumn[query.sort] == name { title += query.descending ? "▼" : "▲" }
            grid.put(fitted(title, width, right: right), x: x, y: 0, role: .header)
            x += width + 1
        }
        for line in 0..<visible {
            let i = top + line
            guard let row = row(i, store) else { break }
            let y = line + 1
            let selected = i == cursor
            if selected { grid.fill(y: y, role: .selected) }
            var x = 1
            for (name, width, right) in columns {
                var role: Role = selected ? .selected : .normal
                let text: String
                switch name {
                case "PATIENT": text = row.patientKey
                case "NAME": text = row.patientName ?? ""
                case "DATE": text = row.studyDate ?? ""
                case "SCANNER": text = row.scanner ?? ""
                case "IMG": text = String(row.imageCount)
                case "VIEWS":
                    text = View.liverViews.map { v in v.abbreviation + (row.viewCounts[v.rawValue].map(String.init) ?? "-") }.joined(separator: " ")
                case "STATUS": text = row.status.rawValue
                case "GRADE":
                    text = row.noResult != nil ? "no result" : row.gradeText   // why: on the study screen
                    if !selected { role = .grade(row.grade) }
                case "SCORE": text = row.score.map { String(format: "%.2f", $0) } ?? "-"
                default: text = ""
                }
                grid.put(fitted(text, width, right: right), x: x, y: y, role: role)
                x += width + 1
            }
        }
        if total == 0 {
            grid.put(query.text != nil || query.minGrade != nil ? "No study matches the filter (Esc in / clears it)." :
                        "No studies yet: type :import PATH (files, folders, manifest.csv or DICOM), or run steato import.", x: 2, y: 2, role: .dim)
        }
        var filterText = ""
        if let t = query.text, !t.isEmpty { filterText += " filter \"\(t)\"" }
        if let g = query.minGrade { filterText += " grade≥\(g)" }
        let position = total == 0 ? "0 studies" : "study \(cursor + 1) of \(total)\(totalIsExact ? "" : "+")"
        let sortName = query.sort == .triage ? "triage" : query.sort.rawValue + (query.descending ? " ▼" : " ▲")
        statusLine = "\(position) · sort \(sortName)\(filterText)"
        if filtering { statusLine = "/" + (query.text ?? "") + "▏  Enter keeps the filter, Esc clears it" }
    }

    var statusLine = ""
}
