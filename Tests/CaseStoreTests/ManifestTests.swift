import Foundation
import GRDB
import Testing
import UltrasoundImaging
@testable import CaseStore

@Suite struct ManifestTests {
    let header = "image,patient_id,study_id,patient_name,study_date,scanner,view,histology_fat_pct,report_grade,cap_dbm,mri_pdff_pct,liver_roi,kidney_roi"

    func goodCohort(_ scratch: Scratch, extraRows: [String] = []) -> String {
        for i in 0..<3 { scratch.image("m/p1/img\(i).png", seed: i, width: 64, height: 48) }
        scratch.image("m/p2/img0.png", seed: 10)
        let rows = [
            header,
            "p1/img0.png,P001,ST1,\"Kowalski, Anna\",2026-01-03,GE-Logiq,right-intercostal,12.5,1,270,10.5,4 4 10 10,30 20 12 12",
            "p1/img1.png,P001,ST1,\"Kowalski, Anna\",2026-01-03,GE-Logiq,subcostal,12.5,1,270,,,",
            "p1/img2.png,P001,ST1,\"Kowalski, Anna\",2026-01-03,GE-Logiq,,12.5,1,,,,",
            "p2/img0.png,P002,ST2,,2026-02-01,Siemens,left-lobe,,0,,,,",
        ] + extraRows
        return scratch.text("m/manifest.csv", rows.joined(separator: "\n") + "\n")
    }

    @Test func aGoodManifestImportsEverything() throws {
        let scratch = Scratch()
        let manifest = goodCohort(scratch)
        let store = try scratch.openStore()
        let run = ImportRun(store, [manifest])
        #expect(run.rejections.isEmpty)
        #expect(run.summary.imported == 4 && run.summary.studiesImported == 2)
        let st1 = try store.detail(studyId: try store.findStudy("ST1").id!)
        #expect(st1.patient.name == "Kowalski, Anna")
        #expect(st1.study.studyDate == "2026-01-03" && st1.study.scanner == "GE-Logiq")
        #expect(st1.images.map(\.view) == [.rightIntercostal, .subcostal, nil])
        #expect(st1.reference == Reference(studyId: st1.study.id!, histologyFatPct: 12.5, reportGrade: 1, capDbm: 270, mriPdffPct: 10.5))
        #expect(st1.rois.map(\.kind) == [.kidney, .liver])
        #expect(st1.rois.first { $0.kind == .liver }?.rect == Rect(x: 4, y: 4, width: 10, height: 10))
        let tags = try store.audit(entity: "image", id: st1.images[0].id!)
        #expect(tags.map(\.newValue) == ["right-intercostal"])
    }

    @Test func aFolderHoldingAManifestIsImportedByIt() throws {
        let scratch = Scratch()
        _ = goodCohort(scratch)
        let run = ImportRun(try scratch.openStore(), [scratch.root + "/m"])
        #expect(run.summary.imported == 4 && run.rejections.isEmpty)
    }

    @Test func missingRequiredColumnIsOneErrorAndNothingIsWritten() throws {
        let scratch = Scratch()
        scratch.image("m/a.png", seed: 1)
        let manifest = scratch.text("m/manifest.csv", "image,patient_id\na.png,P1\n")
        let store = try scratch.openStore()
        let run = ImportRun(store, [manifest])
        #expect(run.rejections.map(\.description) == ["\(manifest): missing required column study_id"])
        #expect(try store.worklistCount(WorklistQuery()) == 0)
    }

    @Test func unknownColumnsAreNamed() throws {
        let scratch = Scratch()
        scratch.image("m/a.png", seed: 1)
        let manifest = scratch.text("m/manifest.csv", "image,patient_id,study_id,liver_colour,notes\na.png,P1,S1,red,x\n")
        let store = try scratch.openStore()
        let run = ImportRun(store, [manifest])
        #expect(run.rejections.map(\.description) == ["\(manifest): unknown columns liver_colour, notes"])
        #expect(try store.worklistCount(WorklistQuery()) == 0)
    }

    @Test(arguments: [
        ("p2/img0.png,P003,ST3,,,,sideways,,,,,,", "row 6: unknown view 'sideways'"),
        ("p2/img0.png,P003,ST3,,,,,,4,,,,", "row 6: report_grade '4' is not a grade 0–3"),
        ("p2/img0.png,P003,ST3,,,,,,mild,,,,", "row 6: report_grade 'mild' is not a grade 0–3"),
        ("p2/missing.png,P003,ST3,,,,,,,,,,", "row 6: image 'p2/missing.png' not found"),
        ("p2/img0.png,P003,ST3,,2026-02-30,,,,,,,,", "row 6: study_date '2026-02-30' is not YYYY-MM-DD"),
        ("p2/img0.png,P003,ST3,,,,,150,,,,,", "row 6: histology_fat_pct 150 is outside 0–100"),
        ("p2/img0.png,P003,ST3,,,,,,,,,1 2 3,", "row 6: liver_roi '1 2 3' is not 'x y w h' in pixels"),
    ])
    func aBadRowRejectsItsStudyOnly(row: String, message: String) throws {
        let scratch = Scratch()
        scratch.image("m/p3/ok.png", seed: 33)
        // The bad row's study also has a good row: nothing of that study may be written.
        let manifest = goodCohort(scratch, extraRows: [row, "p3/ok.png,P003,ST3,,,,,,,,,,"])
        let store = try scratch.openStore()
        let run = ImportRun(store, [manifest])
        #expect(run.rejected(matching: "manifest.csv:\(message)").count == 1)
        #expect(run.rejected(matching: "study ST3 of patient P003: not imported").count == 1)
        #expect(run.summary.imported == 4)
        #expect(run.summary.rejected == 2)
        #expect(try store.worklist(WorklistQuery()).map(\.studyKey) == ["ST1", "ST2"])
        #expect(try store.read { db in try Patient.filter(Column("patientKey") == "P003").fetchCount(db) } == 0)
    }

    @Test func aCorruptImageRejectsItsManifestStudyWhole() throws {
        let scratch = Scratch()
        scratch.write("m/p3/bad.jpg", scratch.fixture("truncated.jpg"))
        scratch.image("m/p3/ok.png", seed: 33)
        let manifest = goodCohort(scratch, extraRows: ["p3/ok.png,P003,ST3,,,,,,,,,,", "p3/bad.jpg,P003,ST3,,,,,,,,,,"])
        let store = try scratch.openStore()
        let run = ImportRun(store, [manifest])
        #expect(run.rejected(matching: "manifest.csv:row 7 (p3/bad.jpg): corrupt or truncated image").count == 1)
        #expect(try store.worklist(WorklistQuery()).map(\.studyKey) == ["ST1", "ST2"])
    }

    @Test func anROIOutsideTheImageIsAnError() throws {
        let scratch = Scratch()
        let manifest = goodCohort(scratch, extraRows: [])
        // Rewrite row 2 with a kidney box past the 64×48 image.
        let text = try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "30 20 12 12", with: "60 40 12 12")
        try text.write(toFile: manifest, atomically: true, encoding: .utf8)
        let run = ImportRun(try scratch.openStore(), [manifest])
        #expect(run.rejected(matching: "kidney_roi 60 40 12 12 lies outside the 64×48 image").count == 1)
        #expect(run.summary.imported == 1)  // only ST2
    }
}
