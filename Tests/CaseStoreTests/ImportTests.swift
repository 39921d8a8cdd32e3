import Foundation
import GRDB
import Testing
import UltrasoundImaging
@testable import CaseStore

@Suite struct ImportTests {
    @Test func foldersGroupAsPatientStudyFile() throws {
        let scratch = Scratch()
        scratch.image("in/P1/S1/a.png", seed: 1)
        scratch.image("in/P1/S1/b.jpg", seed: 2, format: .jpeg)
        scratch.image("in/P1/S2/c.png", seed: 3)
        scratch.image("in/P2/S9/d.png", seed: 4)
        let store = try scratch.openStore()
        let run = ImportRun(store, [scratch.root + "/in"])
        #expect(run.summary == ImportSummary(imported: 4, duplicates: 0, rejected: 0, studiesImported: 3, studiesRejected: 0))
        let rows = try store.worklist(WorklistQuery(sort: .id))
        #expect(rows.map { "\($0.patientKey)/\($0.studyKey)/\($0.imageCount)" } == ["P1/S1/2", "P1/S2/1", "P2/S9/1"])
        let detail = try store.detail(studyId: rows[0].studyId)
        #expect(detail.images.map(\.originalName) == ["a.png", "b.jpg"])
        #expect(detail.images.map(\.format) == ["png", "jpeg"])
        #expect(detail.images.allSatisfy { store.images.contains(sha256: $0.sha256) })
    }

    @Test func aFlatFolderIsOneStudy() throws {
        let scratch = Scratch()
        scratch.image("flat/x.png", seed: 1)
        scratch.image("flat/y.png", seed: 2)
        let store = try scratch.openStore()
        let run = ImportRun(store, [scratch.root + "/flat"])
        #expect(run.summary.imported == 2 && run.summary.studiesImported == 1)
        let row = try #require(try store.worklist(WorklistQuery()).first)
        #expect(row.patientKey == "flat" && row.studyKey == "flat")
    }

    @Test func theSameBytesAreStoredOnceAndReportedAsDuplicates() throws {
        let scratch = Scratch()
        let a = scratch.image("in/P1/S1/a.png", seed: 7)
        scratch.write("in/P1/S1/copy.png", [UInt8](FileManager.default.contents(atPath: a)!))
        let store = try scratch.openStore()
        let first = ImportRun(store, [scratch.root + "/in"])
        #expect(first.summary.imported == 1 && first.summary.duplicates == 1)
        let second = ImportRun(store, [scratch.root + "/in"])
        #expect(second.summary.imported == 0 && second.summary.duplicates == 2 && second.summary.rejected == 0)
        #expect(try store.read { db in try ImageRecord.fetchCount(db) } == 1)
        let stored = try FileManager.default.subpathsOfDirectory(atPath: store.images.root).filter { $0.count > 3 }
        #expect(stored.count == 1)
    }

    @Test func badFilesAreRejectedOneLineEachAndTheRestGoesOn() throws {
        let scratch = Scratch()
        scratch.image("in/P1/S1/good.png", seed: 1)
        for name in ["truncated.jpg", "truncated.png", "empty.jpg", "text.jpg", "huge.png", "huge.jpg"] {
            scratch.write("in/P1/S1/\(name)", scratch.fixture(name))
        }
        scratch.write("in/P1/S1/misnamed.jpg", scratch.fixture("rgb.png"))
        let store = try scratch.openStore()
        let run = ImportRun(store, [scratch.root + "/in"])
        #expect(run.summary.imported == 2)  // good.png and the PNG called .jpg
        #expect(run.summary.rejected == 6)
        #expect(run.rejected(matching: "truncated.jpg: corrupt or truncated").count == 1)
        #expect(run.rejected(matching: "truncated.png: corrupt or truncated").count == 1)
        #expect(run.rejected(matching: "empty.jpg: empty file").count == 1)
        #expect(run.rejected(matching: "text.jpg: not a JPEG, PNG or DICOM image").count == 1)
        #expect(run.rejected(matching: "huge.png: image is 20000×20000 pixels, more than 16384 a side").count == 1)
        #expect(run.rejected(matching: "huge.jpg: image is 20000×30000 pixels").count == 1)
        let images = try store.detail(studyId: try store.findStudy("S1").id!).images
        #expect(images.first { $0.originalName == "misnamed.jpg" }?.format == "png")
    }

    @Test func aMissingPathIsRejected() throws {
        let scratch = Scratch()
        let run = ImportRun(try scratch.openStore(), [scratch.root + "/nowhere"])
        #expect(run.summary.rejected == 1)
        #expect(run.rejected(matching: "nowhere: no such file or folder").count == 1)
    }

    @Test func anInjectedFailureMidStudyLeavesNoPartialStudy() throws {
        struct Injected: Error {}
        let scratch = Scratch()
        for i in 0..<4 { scratch.image("in/P1/S1/\(i).png", seed: i) }
        scratch.image("in/P1/S2/z.png", seed: 99)
        let store = try scratch.openStore()
        let run = ImportRun(store, [scratch.root + "/in/P1"]) { n in if n == 3 { throw Injected() } }
        // S1 fails after its third image row: nothing of it stays; S2 (one image) never reaches the hook's 3.
        #expect(run.summary.imported == 1)
        #expect(run.summary.rejected == 4)
        let counts = try store.read { db in
            (try ImageRecord.fetchCount(db), try Study.fetchCount(db), try AuditEntry.fetchCount(db))
        }
        #expect(counts.0 == 1 && counts.1 == 1 && counts.2 == 1)
        #expect(try store.worklist(WorklistQuery()).map(\.studyKey) == ["S2"])
    }
}
