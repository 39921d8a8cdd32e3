import ArgumentParser
import CaseStore
import Foundation

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the case database and its images to DEST while others keep working.",
        discussion: """
            DEST is the new database file; its images go to an 'images' folder beside it, so 'steato --db DEST list' \
            opens the copy. The database is copied with SQLite's backup API from one consistent snapshot (the \
            workstation and importers carry on) and every image it refers to is checked against its hash as it is \
            copied. Never overwrites: DEST must not exist. A failed backup (a full disk) leaves nothing at DEST.
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The backup's database file (must not exist).", completion: .file())
    var destination: String

    func run() throws {
        let store = try database.open()
        let summary: BackupSummary
        do { summary = try store.backup(to: destination) } catch { throw fail(error) }
        for problem in summary.problems { printError("steato: \(problem)") }
        let megabytes = String(format: "%.1f", Double(summary.bytes) / 1_048_576)
        print("backed up to \(summary.path): database and \(summary.images) image file\(summary.images == 1 ? "" : "s") (\(megabytes) MB)")
        if !summary.problems.isEmpty {
            printError("steato: \(summary.problems.count) image file\(summary.problems.count == 1 ? "" : "s") could not be copied; run 'steato check'")
            throw ExitCode.failure
        }
    }
}
