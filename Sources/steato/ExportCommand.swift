import ArgumentParser
import CaseStore
import Casework
import Foundation
import UltrasoundImaging

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export every study with its patient, references, ROIs, scores and images.",
        discussion: """
            --json writes one JSON object per study per line; --csv one row per image; --png DIR every image's decoded \
            pixels as a lossless 8-bit PNG named by image id (grey or RGB as stored; one file per imported DICOM frame). \
            --dicom DIR every image as a DICOM Ultrasound Image instance, DIR/STUDY/IMAGE_ID.dcm, one new series \
            per study. With --anonymize the PNGs and DICOM files keep only the imaging fan (scanners burn names and \
            dates into the screen) and the DICOM files are built afresh with pseudonyms and new UIDs (DICOM PS3.15 \
            basic profile): no names, dates or original UIDs.
            """)

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "CSV, one row per image.") var csv = false
    @Flag(help: "JSON lines, one object per study.") var json = false

    @Option(help: "Write every image as DIR/IMAGE_ID.png.", completion: .directory) var png: String?

    @Option(help: "Write every image as a DICOM instance, DIR/STUDY/IMAGE_ID.dcm.", completion: .directory) var dicom: String?

    @Flag(help: "Replace identifiers and UIDs with pseudonyms, drop names, dates, file hashes and original file names; blank PNGs outside the fan.")
    var anonymize = false

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard !(csv && json), csv || json || png != nil || dicom != nil else {
            throw ValidationError("choose --csv or --json, and or --png DIR, and or --dicom DIR")
        }
    }

    func run() throws {
        let store = try database.open()
        if let png { try exportPNG(store: store, folder: png) }
        if let dicom { try exportDICOM(store: store, folder: dicom) }
        guard csv || json else { return }
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
            do { try AtomicFile.write(Array(text.utf8), to: output) } catch { throw fail(error) }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    private func exportDICOM(store: CaseStore, folder: String) throws {
        let outcome: DicomExport.Outcome
        do { outcome = try DicomExport.write(store: store, folder: folder, anonymize: anonymize) } catch { throw fail(error) }
        for id in outcome.withoutFan { printError("image \(id): no imaging fan found; written black") }
        for failure in outcome.failures { printError("steato: \(failure)") }
        if outcome.diskFull { printError("steato: \(folder): disk full; stopped after \(outcome.written) DICOM files") }
        print("\(outcome.written) DICOM file\(outcome.written == 1 ? "" : "s") written to \(folder)\(anonymize ? " (de-identified)" : "")")
        if !outcome.failures.isEmpty { throw ExitCode.failure }
    }

    /// Decoded pixels, lossless, one PNG per image; anonymised: black outside the detected fan.
    private func exportPNG(store: CaseStore, folder: String) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) }
        catch { throw fail(UserFacingError("\(folder): cannot create the folder")) }
        var written = 0, failed = 0
        studies: for studyId in try store.studyIds(unscoredOnly: false) {
            for image in try store.detail(studyId: studyId).images {
                let target = folder + "/\(image.id!).png"
                do {
                    let (png, fanFound) = try ImageExport.png(image, store: store, anonymize: anonymize)
                    if !fanFound { printError("image \(image.id!): no imaging fan found; written black") }
                    try AtomicFile.write(png, to: target)
                    written += 1
                } catch let error as AtomicFileError {
                    printError("steato: \(error)")
                    failed += 1
                    if error.diskFull { printError("steato: \(folder): disk full; stopped after \(written) PNGs"); break studies }
                } catch {
                    printError("steato: \(target): \(error)")
                    failed += 1
                }
            }
        }
        print("\(written) PNG\(written == 1 ? "" : "s") written to \(folder)")
        if failed > 0 { throw ExitCode.failure }
    }
}
