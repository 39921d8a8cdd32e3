import ArgumentParser
import CaseStore
import Foundation
import UltrasoundImaging

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List patients and studies as a table (or JSON).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Sort by this column.")
    var sort: WorklistSort = .id

    @Flag(help: "Reverse the sort order.")
    var desc = false

    @Option(help: "Show only studies whose patient id, name, study id or scanner contains this text.")
    var filter: String?

    @Option(help: "Show at most this many studies (0: all).")
    var limit = 0

    @Flag(help: "One JSON object per study per line.")
    var json = false

    func run() throws {
        let order = sort
        let store = try database.open()
        var rows: [WorklistRow] = []
        let page = 1000
        do {
            while true {
                let want = limit > 0 ? min(page, limit - rows.count) : page
                if want <= 0 { break }
                let batch = try store.worklist(WorklistQuery(sort: order, descending: desc, text: filter,
                                                              offset: rows.count, limit: want))
                rows += batch
                if batch.count < want { break }
            }
        } catch { throw fail(error) }

        if json {
            let encoder = snakeCaseEncoder()
            for row in rows { print(String(decoding: try encoder.encode(row), as: UTF8.self)) }
            return
        }
        if rows.isEmpty {
            print("No studies in \(store.path). Add some with: steato import PATH…")
            return
        }
        var table = TextTable(header: ["STUDY", "PATIENT", "NAME", "STUDY ID", "DATE", "SCANNER", "IMAGES", "VIEWS",
                                       "STATUS", "GRADE", "SCORE"], rightAligned: [0, 6, 10])
        for row in rows {
            table.rows.append([
                String(row.studyId), row.patientKey, row.patientName ?? "", row.studyKey, row.studyDate ?? "",
                row.scanner ?? "", String(row.imageCount), viewCoverage(row.viewCounts), row.status.rawValue,
                row.gradeText, formatScore(row.score),
            ])
        }
        print(table.render())
    }
}

/// `RI3 SC3 LL-`: how many images of each liver view are tagged; `-` where a view is missing.
func viewCoverage(_ counts: [String: Int]) -> String {
    var parts = View.liverViews.map { view in view.abbreviation + (counts[view.rawValue].map(String.init) ?? "-") }
    if let other = counts[View.other.rawValue] { parts.append("OT\(other)") }
    return parts.joined(separator: " ")
}
