import ArgumentParser
import CaseStore
import Foundation
import ReportText

/// `steato labels FILE`: steatosis grades read from report text, to train and evaluate on a site's
/// own archive the way the paper did.
struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Read steatosis grades from report text (a CSV of patient_id, study_id or accession, report).",
        discussion: """
            Grades 0–3 from words and numerals (mild, grade II, S2, 2/3), ranges (their upper end), negation \
            ("no steatosis" is 0), the current state in comparisons, focal fat and focal sparing left out; a hedge \
            keeps the grade and says so; "cannot be excluded" and studies that could not judge the liver give no \
            grade. The rules are a table in Sources/ReportText/ReportRules.swift. With --apply each grade is stored \
            as the study's report reference, audited with the words it was read from.
            """)

    @Argument(help: "The CSV of reports.") var file: String
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "One JSON object per report per line.") var json = false
    @Flag(help: "Store each grade as its study's report reference (audited).") var apply = false

    func run() throws {
        let reports: ReportFile
        do { reports = try ReportFile(path: file) } catch { throw fail(error) }
        for e in reports.errors { printError("\(file): row \(e.row): \(e.reason)") }
        let readings = reports.rows.map { ReportReader.read($0.report) }
        if json {
            for (row, r) in zip(reports.rows, readings) {
                let object: [String: Any] = [
                    "patient_id": row.patientKey, "study_id": row.studyKey ?? NSNull(), "accession": row.accession ?? NSNull(),
                    "grade": r.grade ?? NSNull(), "phrase": r.phrase ?? NSNull(), "hedged": r.hedged, "why": r.why ?? NSNull(),
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            var table = TextTable(header: ["ROW", "PATIENT", "STUDY", "GRADE", "HEDGED", "FROM"], rightAligned: [0, 3])
            for (row, r) in zip(reports.rows, readings) {
                let from = r.phrase.map { $0.count > 60 ? String($0.prefix(59)) + "…" : $0 } ?? "(\(r.why ?? ""))"
                table.rows.append([String(row.row), row.patientKey, row.studyKey ?? row.accession ?? "",
                                   r.grade.map(String.init) ?? "-", r.hedged ? "yes" : "", from])
            }
            print(table.render())
            let graded = readings.filter { $0.grade != nil }.count
            let byGrade = (0...3).map { g in "\(g): \(readings.filter { $0.grade == g }.count)" }.joined(separator: ", ")
            print("\(readings.count) reports: \(graded) graded (\(byGrade)), \(readings.count - graded) without a grade")
        }
        guard apply else {
            if !reports.errors.isEmpty { throw ExitCode.failure }
            return
        }
        let store = try database.open()
        var stored = 0, missing = 0
        for (row, r) in zip(reports.rows, readings) {
            do {
                guard let id = try store.studyId(patientKey: row.patientKey, studyKey: row.studyKey, accession: row.accession) else {
                    printError("\(file): row \(row.row): no study \(row.studyKey ?? row.accession ?? "") of patient \(row.patientKey) in the database")
                    missing += 1
                    continue
                }
                try store.storeReportGrade(studyId: id, grade: r.grade, phrase: r.phrase)
                stored += 1
            } catch { throw fail(error) }
        }
        printError("\(stored) report grade\(stored == 1 ? "" : "s") stored" + (missing > 0 ? ", \(missing) report\(missing == 1 ? "" : "s") without a study" : ""))
        if missing > 0 || !reports.errors.isEmpty { throw ExitCode.failure }
    }
}
