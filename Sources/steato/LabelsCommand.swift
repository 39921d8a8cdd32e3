import ArgumentParser
import CaseStore
import Foundation
import ReportText

/// `steato labels FILE` / `steato labels --from-db`: steatosis grades read from report text, to train
/// and evaluate on a site's own archive the way the paper did.
struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Read steatosis grades from report text (a CSV of patient_id, study_id or accession, report; or the reports imported with the studies).",
        discussion: """
            Grades 0–3 from words and numerals (mild, grade II, S2, 2/3), ranges (their upper end), negation \
            ("no steatosis" is 0), the current state in comparisons, focal fat and focal sparing left out; a hedge \
            keeps the grade and says so; "cannot be excluded" and studies that could not judge the liver give no \
            grade. The rules are a table in Sources/ReportText/ReportRules.swift. With --from-db the reports are \
            those imported with the studies (DICOM structured reports, *report*.txt files). With --apply each grade \
            is stored as the study's report reference, audited with the words it was read from.
            """)

    @Argument(help: "The CSV of reports (leave out with --from-db).", completion: .file(extensions: ["csv"]))
    var file: String?
    @Flag(help: "Read the reports imported with the studies instead of a CSV.") var fromDb = false
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "One JSON object per report per line.") var json = false
    @Flag(help: "Store each grade as its study's report reference (audited).") var apply = false

    /// One report to read, wherever it came from.
    struct Source {
        var label: String        // how messages name it: `FILE: row 4` or `study S1 (report.txt)`
        var row: Int?
        var patientKey: String
        var studyKey: String?
        var accession: String?
        var studyId: Int64?
        var text: String
    }

    func validate() throws {
        if fromDb == (file != nil) { throw ValidationError("give either a CSV of reports or --from-db") }
    }

    func run() throws {
        var hadErrors = false
        let sources: [Source]
        if let file {
            let reports: ReportFile
            do { reports = try ReportFile(path: file) } catch { throw fail(error) }
            for e in reports.errors { printError("\(file): row \(e.row): \(e.reason)") }
            hadErrors = !reports.errors.isEmpty
            sources = reports.rows.map {
                Source(label: "\(file): row \($0.row)", row: $0.row, patientKey: $0.patientKey, studyKey: $0.studyKey,
                       accession: $0.accession, text: $0.report)
            }
        } else {
            let stored: [StudyReportText]
            do { stored = try database.open().storedReports() } catch { throw fail(error) }
            if stored.isEmpty { printError("steato: no reports in the database (import DICOM SR or *report*.txt files with the studies)") }
            sources = stored.map {
                Source(label: "study \($0.studyKey) (\($0.fileName))", patientKey: $0.patientKey, studyKey: $0.studyKey,
                       accession: $0.accession, studyId: $0.studyId, text: $0.text)
            }
        }
        let readings = sources.map { ReportReader.read($0.text) }
        if json {
            for (source, r) in zip(sources, readings) {
                let object: [String: Any] = [
                    "patient_id": source.patientKey, "study_id": source.studyKey ?? NSNull(), "accession": source.accession ?? NSNull(),
                    "grade": r.grade ?? NSNull(), "phrase": r.phrase ?? NSNull(), "hedged": r.hedged, "why": r.why ?? NSNull(),
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            var table = TextTable(header: ["ROW", "PATIENT", "STUDY", "GRADE", "HEDGED", "FROM"], rightAligned: [0, 3])
            for (n, (source, r)) in zip(sources, readings).enumerated() {
                let from = r.phrase.map { $0.count > 60 ? String($0.prefix(59)) + "…" : $0 } ?? "(\(r.why ?? ""))"
                table.rows.append([String(source.row ?? n + 1), source.patientKey, source.studyKey ?? source.accession ?? "",
                                   r.grade.map(String.init) ?? "-", r.hedged ? "yes" : "", from])
            }
            print(table.render())
            let graded = readings.filter { $0.grade != nil }.count
            let byGrade = (0...3).map { g in "\(g): \(readings.filter { $0.grade == g }.count)" }.joined(separator: ", ")
            print("\(readings.count) reports: \(graded) graded (\(byGrade)), \(readings.count - graded) without a grade")
        }
        guard apply else {
            if hadErrors { throw ExitCode.failure }
            return
        }
        let store = try database.open(forWriting: true)
        var stored = 0, missing = 0
        for (source, r) in zip(sources, readings) {
            do {
                guard let id = try source.studyId ?? store.studyId(patientKey: source.patientKey, studyKey: source.studyKey, accession: source.accession) else {
                    printError("\(source.label): no study \(source.studyKey ?? source.accession ?? "") of patient \(source.patientKey) in the database")
                    missing += 1
                    continue
                }
                try store.storeReportGrade(studyId: id, grade: r.grade, phrase: r.phrase)
                stored += 1
            } catch { throw fail(error) }
        }
        printError("\(stored) report grade\(stored == 1 ? "" : "s") stored" + (missing > 0 ? ", \(missing) report\(missing == 1 ? "" : "s") without a study" : ""))
        if missing > 0 || hadErrors { throw ExitCode.failure }
    }
}
