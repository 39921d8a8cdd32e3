import ArgumentParser
import CaseStore
import Casework
import Foundation

/// `steato report STUDY`: the study's result for people (PDF) and for the PACS (DICOM SR, and the PDF
/// as Encapsulated PDF).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a scored study's report: a PDF for people and a DICOM Structured Report (with the PDF encapsulated) for the PACS.",
        discussion: """
            The PDF (Cairo): patient and study, the study score with its spread, grade and estimated fat % with its \
            range, per-view scores, key images with the fan outlined, reference values, the review decision, the \
            model and steato version. The DICOM SR is a TID 1500 measurement report (coded score, grade and fat %, \
            referencing the scored images' SOP instances); the PDF also goes out as an Encapsulated PDF instance. \
            Default file names: STUDY-report.pdf, STUDY-report-sr.dcm and STUDY-report-pdf.dcm in the current folder.
            """)

    @Argument(help: "The study: database id, PATIENT/STUDY, or a study id held by one patient.") var study: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The PDF to write.") var pdf: String?
    @Option(help: "The DICOM SR to write.") var sr: String?
    @Option(help: "The Encapsulated PDF DICOM instance to write.") var encapsulated: String?
    @Option(help: "Model that scored the study, for the fat range (default: $STEATO_MODEL, else the shipped model).") var model: String?

    func run() throws {
        let store = try database.open()
        let found: Study
        do { found = try store.findStudy(study) } catch { throw fail(error) }
        let base = found.studyKey.replacingOccurrences(of: "/", with: "_") + "-report"
        do {
            let pdfPath = pdf ?? base + ".pdf"
            let files = try StudyResultInstances.writeAll(store: store, studyId: found.id!, model: try? ModelLocator.load(explicit: model),
                                                          pdf: pdfPath, sr: sr ?? base + "-sr.dcm", encapsulated: encapsulated ?? base + "-pdf.dcm")
            print("PDF written to \(pdfPath)")
            print("DICOM SR written to \(files.sr)")
            print("Encapsulated PDF written to \(files.pdf)")
        } catch { throw fail(error) }
    }
}
