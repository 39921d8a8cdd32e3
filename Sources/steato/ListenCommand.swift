import ArgumentParser
import CaseStore
import Casework
import DicomNetwork
import Foundation
import Workstation

/// `steato listen`: a DICOM storage SCP in the foreground; every instance received is imported at once.
struct ListenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Receive studies over DICOM (C-STORE) from scanners and PACS, importing each instance as it arrives.",
        discussion: """
            Answers C-ECHO and C-STORE of ultrasound (single and multi-frame), secondary capture and structured \
            report instances, in every transfer syntax the importer decodes, on up to 8 associations at once. Each \
            instance goes through the same transactional import as files (a SOP instance already stored is a \
            duplicate; a file that cannot be read is refused with a C-STORE failure and one logged line). Calling \
            AE titles are restricted by allowed_callers in the config file (others are rejected at association). \
            Ctrl-C or SIGTERM stops it after the associations in progress.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "TCP port (default: listen_port in the config file, else 11112).") var port: UInt16?
    @Option(help: "Our AE title (default: listen_aet in the config file, else STEATOSCOPE).") var aet: String?
    @Option(help: "Associations served at once.") var associations = 8

    func run() throws {
        let settings: UserSettings
        do { settings = try UserSettings.load() } catch { throw fail(error) }
        let title = aet ?? settings.listenAETitle ?? "STEATOSCOPE"
        guard DicomTitle.isValid(title) else { throw ValidationError("--aet '\(title)' is not an AE title (1–16 characters)") }
        let port = self.port ?? settings.listenPort ?? 11112
        let store = try database.open(forWriting: true)
        let received = ReceivedInstances(store: store)
        let listener: DicomListener
        do {
            listener = try DicomListener(port: port, aeTitle: title, allowedCallers: settings.allowedCallers ?? [], spool: received.spool,
                                         maxAssociations: associations) { path, caller, sop in
                let outcome = received.receive(path: path)
                switch outcome {
                case let .stored(study, isNew): if isNew { printError("\(caller): study \(study) arriving") }
                case .duplicate: break
                case let .refused(reason): printError("\(caller): instance \(sop) refused: \(reason)")
                case let .failed(reason): printError("\(caller): instance \(sop) not stored, the sender may try again: \(reason)")
                }
                return DicomListener.Outcome(outcome)
            }
        } catch { throw fail(error) }
        // SIGINT and SIGTERM end the listener after the associations in progress; nothing is half-stored.
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { listener.stop() }
            source.resume()
            sources.append(source)
        }
        let callers = settings.allowedCallers.map { "calling AE titles " + $0.joined(separator: ", ") } ?? "any calling AE title"
        printError("listening as \(title) on port \(port) (\(callers)); Ctrl-C stops")
        do { try listener.run() } catch { throw fail(error) }
        let c = received.counts
        print("\(count(c.instances, "instance")) stored in \(count(c.newStudies, "study", "studies")), \(count(c.duplicates, "duplicate")), \(c.refused) refused")
        withExtendedLifetime(sources) {}
    }
}
