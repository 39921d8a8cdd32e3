import CaseStore
import Foundation
import GRDB
import Testing

/// Reports that come with a study — DICOM structured reports and *report*.txt files — are stored
/// with it, joined to a study already imported when they arrive later, and refused with a reason
/// when they belong to no study.
@Suite struct ReportImportTests {
    static let sr = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reports/basic-text-sr.dcm").path
    var srBytes: [UInt8] { [UInt8](FileManager.default.contents(atPath: Self.sr)!) }

    @Test func aStructuredReportsTextIsItsItemsWithTheirConceptNames() throws {
        let scratch = Scratch()
        scratch.image("PSR1/ACC-SR-1/a.png", seed: 1)
        scratch.write("PSR1/ACC-SR-1/report.dcm", srBytes)
        let store = try scratch.openStore()
        let run = ImportRun(store, [scratch.root + "/PSR1"])
        #expect(run.summary.imported == 1 && run.summary.reports == 1 && run.summary.rejected == 0)
        let reports = try store.storedReports()
        #expect(reports.count == 1)
        let r = try #require(reports.first)
        #expect(r.patientKey == "PSR1" && r.studyKey == "ACC-SR-1" && r.source == .dicomSR)
        #expect(r.text == """
            Finding: Compared with the previous study, which showed marked fatty infiltration. The liver is normal in size with smooth margins.
            Impression: Mild hepatic steatosis, improved.
            """)
    }

    @Test func aReportSentAfterItsImagesJoinsTheirStudyOnce() throws {
        let scratch = Scratch()
        scratch.image("PSR1/ACC-SR-1/a.png", seed: 2)
        let store = try scratch.openStore()
        #expect(ImportRun(store, [scratch.root + "/PSR1"]).summary.imported == 1)
        scratch.write("later/sr", srBytes)
        let run = ImportRun(store, [scratch.root + "/later"])
        #expect(run.summary.reports == 1 && run.summary.rejected == 0 && run.summary.imported == 0)
        #expect(try store.storedReports().map(\.studyKey) == ["ACC-SR-1"])
        // The same file again adds nothing.
        #expect(ImportRun(store, [scratch.root + "/later"]).summary.reports == 0)
        let audit = try store.read { db in try String.fetchAll(db, sql: "SELECT newValue FROM audit WHERE action = 'report'") }
        #expect(audit == ["dicom-sr sr"])
    }

    @Test func aReportWithoutItsStudyIsRefusedAndNothingIsWritten() throws {
        let scratch = Scratch()
        scratch.write("lonely/sr", srBytes)
        let store = try scratch.openStore()
        let run = ImportRun(store, [scratch.root + "/lonely"])
        #expect(run.summary.reports == 0 && run.summary.rejected == 1)
        #expect(run.rejected(matching: "no study ACC-SR-1 of patient PSR1 for its report").count == 1)
        #expect(try store.worklist(WorklistQuery()).isEmpty && store.storedReports().isEmpty)
    }

    @Test func textReportsAreStoredAndBrokenOnesNamed() throws {
        let scratch = Scratch()
        scratch.image("P1/S1/a.png", seed: 3)
        scratch.write("P1/S1/US report.txt", Array("IMPRESSION: Moderate fatty liver.\n".utf8))
        scratch.write("P1/S1/notes.txt", Array("not a report by its name".utf8))   // an ordinary file: rejected as an image
        scratch.image("P2/S2/a.png", seed: 4)
        scratch.write("P2/S2/report.txt", [0x4c, 0x00, 0x01])
        let store = try scratch.openStore()
        let run = ImportRun(store, [scratch.root])
        #expect(run.summary.reports == 1 && run.summary.imported == 2)
        #expect(run.rejected(matching: "report.txt: not a text file").count == 1)
        #expect(try store.storedReports().map(\.text) == ["IMPRESSION: Moderate fatty liver."])
    }
}
