import ArgumentParser
import CaseStore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export every study with its patient, references, ROIs, scores and images.",
        discussion: "--json writes one JSON object per study per line; --csv one row per image.")

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "CSV, one row per image.") var csv = false
    @Flag(help: "JSON lines, one object per study.") var json = false

    @Flag(help: "Replace identifiers with pseudonyms and drop names, dates and original file names.")
    var anonymize = false

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard csv != json else { throw ValidationError("choose one of --csv or --json") }
    }

    func run() throws {
        let store = try database.open()
        let text: String
        do {
            let studies = try store.exportStudies(anonymize: anonymize)
            if csv {
                text = try ExportCSV.render(studies)
            } else {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                text = try studies.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }.joined()
            }
        } catch { throw fail(error) }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw fail(UserFacingError("\(output): cannot write the export"))
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
