import ArgumentParser
import CaseStore
import Foundation

/// Ctrl-C during an import: the first finishes the study in progress and stops; a second exits at once
/// (the open transaction is then rolled back by SQLite, so only whole studies remain).
nonisolated(unsafe) private var interruptRequests: Int32 = 0

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import JPEG, PNG and DICOM files, folders and manifest.csv files into the case database.",
        discussion: """
            Folders are read recursively and files are recognised by their content, not their names. A folder holding \
            manifest.csv is imported by its manifest. DICOM files (Part 10 with or without preamble, DICOMDIR folders, \
            files without extensions) are grouped by their own Patient ID and study; other files by folder \
            (patient/study/file; a flat folder is one study). Each study is written in one transaction. A DICOM file \
            whose SOP instance is already in the database is a duplicate. Reports that come with a study — DICOM \
            structured reports and text files named *report*.txt — are stored with it (an SR whose images are \
            already in the database joins their study) for 'steato labels --from-db'. Rejected files are listed as \
            'path: reason'; the exit status is non-zero when any was rejected.
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "Files, folders or manifest.csv files.", completion: .file())
    var paths: [String]

    @Option(help: "Frames of a cine DICOM file that become images: all, first or every:N (the file keeps every frame).")
    var frames = "first"

    func run() throws {
        guard let selection = FrameSelection(frames) else {
            throw ValidationError("--frames must be all, first or every:N, not '\(frames)'")
        }
        let store = try database.open(forWriting: true)
        let plan = ImportPlanner.plan(paths: paths)
        let importer = Importer(store: store)
        importer.frames = selection
        signal(SIGINT) { _ in
            interruptRequests += 1
            if interruptRequests > 1 { _exit(130) }
        }
        defer { signal(SIGINT, SIG_DFL) }

        let progress = ProgressLine(enabled: stderrIsTerminal)
        let summary = importer.run(plan, shouldStop: { interruptRequests > 0 }) { event in
            switch event {
            case let .rejected(rejection):
                progress.clear()
                printError(rejection.description)
            case let .study(outcome):
                if !progress.enabled, outcome.imported + outcome.duplicates + outcome.reports > 0 {
                    printError("study \(outcome.studyKey) of patient \(outcome.patientKey): \(outcome.imported) imported, \(outcome.duplicates) duplicate"
                               + (outcome.reports > 0 ? ", \(count(outcome.reports, "report"))" : ""))
                }
            case let .progress(done, total):
                progress.show(done: done, total: total, label: "images")
            }
        }
        progress.clear()
        print("\(count(summary.imported, "image")) imported in \(count(summary.studiesImported, "study", "studies")), "
              + "\(count(summary.duplicates, "duplicate")), \(summary.rejected) rejected"
              + (summary.reports > 0 ? "; \(count(summary.reports, "report")) stored" : ""))
        if summary.diskFull {
            printError("steato: import stopped: the disk is full; the studies listed above are complete"
                       + (summary.studiesNotStarted > 0 ? ", \(count(summary.studiesNotStarted, "study", "studies")) not started" : ""))
            throw ExitCode.failure
        }
        if summary.interrupted {
            printError("steato: import interrupted; the studies listed above are complete, the rest were not started")
            throw ExitCode(130)
        }
        if summary.rejected > 0 { throw ExitCode.failure }
    }
}

/// A one-line progress bar on a terminal; silent when stderr is not one. Safe to call from workers.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    private var visible = false
    private var lastFilled = -1
    private let lock = NSLock()
    init(enabled: Bool) { self.enabled = enabled }

    func show(done: Int, total: Int, label: String) {
        guard enabled, total > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        let width = 30
        let filled = width * done / total
        guard filled != lastFilled || done == total || done % 10 == 0 else { return }
        lastFilled = filled
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total) \(label)\u{1B}[K".utf8))
        visible = true
    }

    func clear() {
        lock.lock(); defer { lock.unlock() }
        guard visible else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        visible = false
        lastFilled = -1
    }
}
