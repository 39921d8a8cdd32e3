import ArgumentParser
import CaseStore
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify the case database and every stored image; name each problem.",
        discussion: """
            Checks the database's integrity and foreign keys, reads every image in the image store and compares it \
            with its SHA-256, and lists files in the store that no image refers to (an import that failed or was \
            killed leaves its files behind). Prints one line per problem and exits non-zero when there is any. \
            --prune removes orphan files older than ten minutes (younger ones may belong to an import in progress).
            """)

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Remove orphan files older than ten minutes.") var prune = false

    func run() throws {
        let store = try database.open()
        let result: StoreCheck
        do { result = try store.check() } catch { throw fail(error) }
        for problem in result.problems { print(problem) }
        var orphans = result.orphans
        if prune, !orphans.isEmpty {
            let removed = Set(store.pruneOrphans(orphans))
            for path in removed.sorted() { print("\(path): orphan removed") }
            orphans.removeAll { removed.contains($0) }
        }
        for path in orphans { print("\(path): orphan file (no image refers to it)") }
        let megabytes = String(format: "%.1f", Double(result.bytesChecked) / 1_048_576)
        let problems = result.problems.count + orphans.count
        printError("\(store.path): \(result.imagesChecked) stored file\(result.imagesChecked == 1 ? "" : "s") (\(megabytes) MB) checked, "
                   + (problems == 0 ? "no problems" : "\(problems) problem\(problems == 1 ? "" : "s")"))
        if problems > 0 { throw ExitCode.failure }
    }
}
