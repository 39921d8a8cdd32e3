import ArgumentParser
import CaseStore
import Casework
import DicomNetwork
import Foundation
import Workstation

/// `steato send STUDY --to TITLE@HOST:PORT`: the study's result (SR and Encapsulated PDF) to a PACS.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a scored study's result to a PACS: the DICOM SR and the PDF report as Encapsulated PDF (C-STORE).",
        discussion: "The instances are the ones steato report writes, in the study the images came from. Each is named with its C-STORE status; the exit status is non-zero when any was not stored.")

    @Argument(help: "The study: database id, PATIENT/STUDY, or a study id held by one patient.") var study: String
    @Option(help: "The peer, as TITLE@HOST:PORT.") var to: String
    @Option(help: "Our AE title (default: listen_aet in the config file, else STEATOSCOPE).") var aet: String?
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Model that scored the study, for the fat range (default: $STEATO_MODEL, else the shipped model).") var model: String?

    func run() throws {
        guard let peer = DicomPeer(to) else { throw ValidationError("--to must be TITLE@HOST:PORT, not '\(to)'") }
        let settings = (try? UserSettings.load()) ?? UserSettings()
        let store = try database.open()
        let found: Study
        do { found = try store.findStudy(study) } catch { throw fail(error) }
        let folder = NSTemporaryDirectory() + "steato-send-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let statuses: [UInt16]
        do {
            let written = try StudyResultInstances.writeAll(store: store, studyId: found.id!, model: try? ModelLocator.load(explicit: model),
                                                            pdf: folder + "/report.pdf", sr: folder + "/sr.dcm", encapsulated: folder + "/pdf.dcm")
            statuses = try DicomClient(peer: peer, callingAETitle: aet ?? settings.listenAETitle ?? "STEATOSCOPE").store([written.sr, written.pdf])
        } catch { throw fail(error) }
        var failed = 0
        for (file, status) in zip(["structured report", "encapsulated PDF"], statuses) {
            if status == 0 { print("\(file) of study \(found.studyKey) stored on \(peer)") }
            else {
                failed += 1
                printError("steato: \(peer): \(file) of study \(found.studyKey) not stored (" + (status == 0xFFFF ? "not sent: the peer accepted no presentation context for it" : String(format: "status 0x%04X", status)) + ")")
            }
        }
        if failed > 0 { throw ExitCode.failure }
    }
}

/// `steato pull --from TITLE@HOST:PORT`: studies from a PACS (C-FIND, then C-GET), imported as they arrive.
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Query a PACS for studies (C-FIND) and retrieve them (C-GET), importing each instance as it arrives.",
        discussion: "Filters: --patient ID, --date YYYYMMDD-YYYYMMDD (either end may be left out, or one day), --accession. Instances go through the same import as files (duplicates by SOP Instance UID); each study and each failure gets one line.")

    @Option(help: "The peer, as TITLE@HOST:PORT.") var from: String
    @Option(help: "Patient ID.") var patient: String?
    @Option(help: "Study date or range, YYYYMMDD-YYYYMMDD.") var date: String?
    @Option(help: "Accession number.") var accession: String?
    @Option(help: "Our AE title (default: listen_aet in the config file, else STEATOSCOPE).") var aet: String?
    @Flag(help: "List what the query finds without retrieving it.") var list = false
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        guard let peer = DicomPeer(from) else { throw ValidationError("--from must be TITLE@HOST:PORT, not '\(from)'") }
        if let date, date.range(of: #"^(\d{8})?(-(\d{8})?)?$"#, options: .regularExpression) == nil || date.isEmpty {
            throw ValidationError("--date must be YYYYMMDD or a range YYYYMMDD-YYYYMMDD, not '\(date)'")
        }
        let settings = (try? UserSettings.load()) ?? UserSettings()
        let client = DicomClient(peer: peer, callingAETitle: aet ?? settings.listenAETitle ?? "STEATOSCOPE")
        let studies: [FoundStudy]
        do { studies = try client.findStudies(patientId: patient, dateRange: date, accession: accession) } catch { throw fail(error) }
        print("\(count(studies.count, "study", "studies")) found on \(peer)")
        if list {
            var table = TextTable(header: ["PATIENT", "DATE", "ACCESSION", "INSTANCES", "DESCRIPTION"], rightAligned: [3])
            for s in studies { table.rows.append([s.patientId, s.studyDate, s.accession, s.instances.map(String.init) ?? "?", s.description]) }
            if !studies.isEmpty { print(table.render()) }
            return
        }
        let store = try database.open(forWriting: true)
        let received = ReceivedInstances(store: store)
        let spool = received.spool + "/pull-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let progress = ProgressLine(enabled: stderrIsTerminal)
        var problems = 0
        for (n, s) in studies.enumerated() {
            var stored = 0, duplicates = 0, refused = 0
            do {
                let result = try client.getStudy(s.studyInstanceUID, into: spool) { path in
                    switch received.receive(path: path) {
                    case .stored: stored += 1
                    case .duplicate: duplicates += 1
                    case let .refused(reason), let .failed(reason):
                        refused += 1
                        progress.clear()
                        printError("steato: \(peer): an instance of study \(s.accession.isEmpty ? s.studyInstanceUID : s.accession) refused: \(reason)")
                    }
                    try? FileManager.default.removeItem(atPath: path)
                    progress.show(done: stored + duplicates + refused, total: max(s.instances ?? 0, stored + duplicates + refused),
                                  label: "instances of study \(n + 1)/\(studies.count)")
                }
                progress.clear()
                if result.failed > 0 { problems += 1; printError("steato: \(peer): \(result.failed) instance(s) of study \(s.studyInstanceUID) could not be sent by the peer") }
                print("study \(s.accession.isEmpty ? s.studyInstanceUID : s.accession) (patient \(s.patientId)): \(stored) imported, \(duplicates) duplicate, \(refused) refused")
            } catch {
                progress.clear()
                problems += 1
                printError("steato: \(error)")
            }
            problems += refused > 0 ? 1 : 0
        }
        if problems > 0 { throw ExitCode.failure }
    }
}
