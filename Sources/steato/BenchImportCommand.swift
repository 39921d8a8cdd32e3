import ArgumentParser
import CaseStore
import Foundation
import Phantom

struct BenchImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import rate: JPEG files per second into a fresh case database (read, decode, hash, store with fsync, one transaction a study).")

    @Option(help: "A folder to import (default: a simulated cohort written first, not timed).") var folder: String?
    @Option(help: "Patients of the simulated cohort (nine images each).") var patients = 40
    @Option(help: "Timed repetitions, each into a fresh database; the median is reported.") var iterations = 3

    func run() throws {
        let scratch = NSTemporaryDirectory() + "steato-bench-import-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var source = folder ?? scratch + "/cohort"
        if folder == nil {
            do { _ = try Cohort.write(Cohort.Options(patients: patients, seed: 5), to: source) } catch { throw fail(error) }
            source += "/manifest.csv"
        }
        var rates: [Double] = [], files = 0
        for i in 0..<max(1, iterations) {
            let store: CaseStore
            do { store = try CaseStore(path: "\(scratch)/cases-\(i).sqlite") } catch { throw fail(error) }
            let start = DispatchTime.now().uptimeNanoseconds
            let summary = Importer(store: store).run(ImportPlanner.plan(paths: [source]))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            files = summary.imported
            rates.append(Double(summary.imported) / seconds)
        }
        rates.sort()
        print("\(files) images (\(source)), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print(String(format: "median %.0f images/s (runs: %@)", rates[rates.count / 2],
                     rates.map { String(format: "%.0f", $0) }.joined(separator: ", ")))
    }
}
