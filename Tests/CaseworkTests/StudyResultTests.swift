import CaseStore
import Documents
import Foundation
import Testing
import UltrasoundImaging
@testable import Casework

/// A scored study's results for people and for the PACS: the report's content comes from the stored
/// score, the PDF is a PDF, the SR and the Encapsulated PDF are DICOM instances of the study.
@Suite struct StudyResultTests {
    @Test func aScoredStudyGivesItsReportPDFAndDICOMInstances() throws {
        let folder = NSTemporaryDirectory() + "steato-results-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try CaseStore(path: folder + "/cases.sqlite")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        #expect(Importer(store: store).run(ImportPlanner.plan(paths: [root + "/SampleStudies/SIM00006"])).imported == 9)
        let id = try #require(try store.studyIds(unscoredOnly: true).first)
        // Not scored yet: named, nothing written.
        #expect(throws: StudyReportContent.NotScored.self) { try StudyReportContent.make(store: store, studyId: id, model: nil) }
        let model = try ModelLocator.load(explicit: InstalledFiles.defaultModel)
        let scored = try StudyScoring.score(studyId: id, store: store, model: model).report

        let content = try StudyReportContent.make(store: store, studyId: id, model: model)
        #expect(content.patientId == "SIM00006" && content.studyKey == scored.studyId)
        // The JSON report rounds to three decimals; the stored score is the exact one.
        #expect(abs((content.score ?? -9) - (scored.score ?? 9)) < 0.001 && abs((content.fatPct ?? -9) - (scored.fatPct ?? 9)) < 0.001)
        #expect(content.views.count == scored.views.count && content.keyImages.count == min(3, scored.views.count))
        if let range = content.fatRange, let fat = content.fatPct { #expect(range.contains(fat)) }
        #expect(content.model == model.name && content.modelSha256 == model.sha256)

        let pdf = folder + "/report.pdf"
        try StudyReportDocument.write(content, to: pdf)
        let bytes = [UInt8](FileManager.default.contents(atPath: pdf)!)
        #expect(bytes.starts(with: Array("%PDF-".utf8)) && bytes.count > 10_000)

        let files = try StudyResultInstances.write(store: store, studyId: id, pdf: pdf, srPath: folder + "/sr.dcm", pdfInstancePath: folder + "/pdf.dcm")
        let sr = [UInt8](FileManager.default.contents(atPath: files.sr)!)
        let srMeta = try DicomFile.metadata(headerBytes: sr)
        #expect(srMeta.isStructuredReport && srMeta.patientId == "SIM00006")
        let text = try #require(try DicomFile.reportText(bytes: sr))
        #expect(text.contains("Algorithm Name: \(model.name)") && text.contains("Tracking Identifier: Liver steatosis score"))
        let pdfMeta = try DicomFile.metadata(headerBytes: [UInt8](FileManager.default.contents(atPath: files.pdf)!))
        #expect(pdfMeta.sopClassUID == "1.2.840.10008.5.1.4.1.1.104.1" && pdfMeta.patientId == "SIM00006")
    }
}
