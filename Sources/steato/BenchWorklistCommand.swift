import ArgumentParser
import CaseStore
import Foundation

struct BenchWorklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worklist",
        abstract: "Time worklist pages (sorts, filters, deep pages) on a synthetic database of many studies.")

    @Option(help: "Synthetic studies to create (9 image rows each).")
    var studies = 100_000

    @Option(help: "Repetitions per query; the median is reported.")
    var repeats = 15

    func run() throws {
        let folder = NSTemporaryDirectory() + "steato-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store: CaseStore
        do { store = try CaseStore(path: folder + "/cases.sqlite") } catch { throw fail(error) }
        let fillStart = Date()
        try store.populateSynthetic(studies: studies)
        print("populated \(studies) studies, \(studies * 9) images in \(String(format: "%.1f", Date().timeIntervalSince(fillStart))) s")

        var queries: [(String, WorklistQuery)] = WorklistSort.allCases.map { ("sort \($0.rawValue)", WorklistQuery(sort: $0)) }
        queries += [
            ("sort score, descending", WorklistQuery(sort: .score, descending: true)),
            ("filter 'Siemens', sort date", WorklistQuery(sort: .date, text: "Siemens")),
            ("filter 'SYN0004', sort id", WorklistQuery(sort: .id, text: "SYN0004")),
            ("grade ≥ 2, triage", WorklistQuery(sort: .triage, minGrade: 2)),
            ("page at offset 50000, sort date", WorklistQuery(sort: .date, offset: 50_000)),
        ]
        var table = TextTable(header: ["QUERY (page of 100)", "MEDIAN ms", "MAX ms"], rightAligned: [1, 2])
        for (name, query) in queries {
            var times: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try store.worklist(query)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            times.sort()
            table.rows.append([name, String(format: "%.2f", times[times.count / 2]), String(format: "%.2f", times.last!)])
        }
        var countTimes: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try store.worklistCount(WorklistQuery(text: "Siemens"))
            countTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        countTimes.sort()
        table.rows.append(["count, filter 'Siemens'", String(format: "%.2f", countTimes[countTimes.count / 2]),
                           String(format: "%.2f", countTimes.last!)])
        print(table.render())
    }
}
