import CaseStore
import Foundation
import GRDB
import Testing
import UltrasoundImaging

/// DICOM files import into patients and studies from their own headers, frames as chosen, SOP
/// instances once; broken DICOM files are rejected without touching the database.
@Suite struct DicomImportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/dicom").path

    func copy(_ names: [String], to scratch: Scratch, folder: String, from: String = fixtures) {
        for name in names {
            scratch.write(folder + "/" + name.replacingOccurrences(of: ".dcm", with: ""),  // no extensions, as scanners write them
                          [UInt8](FileManager.default.contents(atPath: from + "/" + name)!))
        }
    }

    @Test func aDicomFolderImportsByPatientAndStudyWithChosenFrames() throws {
        let scratch = Scratch()
        copy(["jpeg-cine.dcm", "rle-cine.dcm", "implicit-vr.dcm", "big-endian-12bit.dcm"], to: scratch, folder: "export/A/B")
        let store = try scratch.openStore()
        let importer = Importer(store: store)
        importer.frames = .all
        let summary = importer.run(ImportPlanner.plan(paths: [scratch.root + "/export"]))
        #expect(summary.imported == 3 + 2 + 1 + 1 && summary.rejected == 0 && summary.studiesImported == 1)
        let row = try #require(try store.worklist(WorklistQuery()).first)
        #expect(row.patientKey == "DCMTEST01" && row.studyKey == "ACC42")  // from the headers, not the folders A/B
        try store.read { db in
            let patient = try Patient.fetchOne(db)!
            #expect(patient.name == "Kowalski Anna" && patient.birthDate == "1961-03-15" && patient.sex == "F")
            let study = try Study.fetchOne(db)!
            #expect(study.studyInstanceUID == "1.2.826.0.1.3680043.8.498.1001" && study.description == "Liver" && study.studyDate == "2026-01-02")
            let cine = try ImageRecord.filter(Column("originalName") == "jpeg-cine").order(Column("frameNumber")).fetchAll(db)
            #expect(cine.map(\.frameNumber) == [0, 1, 2] && cine.allSatisfy { $0.frameCount == 3 && $0.format == "dicom" })
            let acquisition = try #require(DicomAcquisition(json: cine[0].acquisition))
            #expect(acquisition.bModeRegion?.cmPerPixelY == 0.05 && acquisition.frame_time_ms == 33.3 && acquisition.burned_in_annotation == "YES")
        }
        // Again: every SOP instance frame is already there.
        let again = importer.run(ImportPlanner.plan(paths: [scratch.root + "/export"]))
        #expect(again.imported == 0 && again.duplicates == 7)
    }

    @Test func aScannerExportWithDicomdirImportsItsFiles() throws {
        let scratch = Scratch()
        let store = try scratch.openStore()
        let run = ImportRun(store, [Self.fixtures + "/dicomdir-export"])
        // Two files without extensions in PT/ST/SE folders; the DICOMDIR itself is no image and no error.
        #expect(run.summary.imported == 2 && run.summary.rejected == 0 && run.rejections.isEmpty)
        let row = try #require(try store.worklist(WorklistQuery()).first)
        #expect(row.patientKey == "DIRTEST" && row.studyKey == "ACC42")
    }

    @Test func framesFirstAndEveryN() throws {
        for (selection, expected) in [(FrameSelection.first, 1), (.every(2), 2), (.all, 3)] {
            let scratch = Scratch()
            copy(["jpeg-cine.dcm"], to: scratch, folder: "in")
            let importer = Importer(store: try scratch.openStore())
            importer.frames = selection
            #expect(importer.run(ImportPlanner.plan(paths: [scratch.root + "/in"])).imported == expected)
        }
        #expect(FrameSelection("every:3") == .every(3) && FrameSelection("every:0") == nil && FrameSelection("some") == nil)
    }

    @Test func brokenDicomFilesAreRejectedAndChangeNothing() throws {
        let scratch = Scratch()
        let store = try scratch.openStore()
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures + "/bad").sorted()
        copy(names, to: scratch, folder: "bad", from: Self.fixtures + "/bad")
        let run = ImportRun(store, [scratch.root + "/bad"])
        #expect(run.summary.imported == 0 && run.summary.rejected == names.count)
        #expect(run.rejections.allSatisfy { $0.reason.hasPrefix("DICOM: ") })
        try store.read { db in
            let counts = [try ImageRecord.fetchCount(db), try Study.fetchCount(db), try Patient.fetchCount(db)]
            #expect(counts == [0, 0, 0])
        }
    }
}
