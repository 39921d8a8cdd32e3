import Foundation
import GRDB
import Testing
import UltrasoundImaging
@testable import CaseStore

@Suite struct StoreQueryTests {
    func populated(_ scratch: Scratch) throws -> CaseStore {
        let rows = ["image,patient_id,study_id,patient_name,scanner,view,report_grade"] + (0..<12).map { i in
            scratch.image("m/\(i).png", seed: i)
            return "\(i).png,P\(i % 4),S\(i),Name \(i % 4),\(i % 2 == 0 ? "GE" : "Siemens"),\(i % 3 == 0 ? "subcostal" : ""),\(i % 4)"
        }
        let manifest = scratch.text("m/manifest.csv", rows.joined(separator: "\n"))
        let store = try scratch.openStore()
        #expect(ImportRun(store, [manifest]).summary.imported == 12)
        return store
    }

    @Test func worklistSortsFiltersAndPages() throws {
        let scratch = Scratch()
        let store = try populated(scratch)
        #expect(try store.worklistCount(WorklistQuery()) == 12)
        #expect(try store.worklistCount(WorklistQuery(text: "siemens")) == 6)
        #expect(try store.worklistCount(WorklistQuery(text: "name 1")) == 3)
        let page = try store.worklist(WorklistQuery(sort: .patient, offset: 3, limit: 4))
        #expect(page.map(\.patientKey) == ["P1", "P1", "P1", "P2"])
        let last = try store.worklist(WorklistQuery(sort: .id, descending: true, limit: 1))
        #expect(last.first?.studyKey == "S11")
        let tagged = try store.worklist(WorklistQuery(sort: .id, limit: 1))
        #expect(tagged.first?.viewCounts == ["subcostal": 1])
    }

    @Test func triageShowsTheMostSevereUnreviewedFirst() throws {
        let scratch = Scratch()
        let store = try populated(scratch)
        try store.write { db in
            try db.execute(sql: "UPDATE study SET status = 'scored', grade = 3, score = 2.9 WHERE studyKey = 'S1'")
            try db.execute(sql: "UPDATE study SET status = 'reviewed', grade = 3, score = 3.0 WHERE studyKey = 'S2'")
            try db.execute(sql: "UPDATE study SET status = 'scored', grade = 2, score = 2.1 WHERE studyKey = 'S3'")
        }
        let order = try store.worklist(WorklistQuery(sort: .triage, limit: 3)).map(\.studyKey)
        #expect(order == ["S1", "S3", "S0"])
        // Descending is the exact reverse (the workstation reads deep pages from the other end).
        let all = try store.worklist(WorklistQuery(sort: .triage, limit: 100)).map(\.studyKey)
        let reversed = try store.worklist(WorklistQuery(sort: .triage, descending: true, limit: 100)).map(\.studyKey)
        #expect(reversed == all.reversed())
    }

    @Test func taggingWritesTheAuditLog() throws {
        let scratch = Scratch()
        let store = try populated(scratch)
        let image = try store.findImage("2")
        try store.tag(imageIds: [image.id!], view: .leftLobe, who: "reader1")
        try store.tag(imageIds: [image.id!], view: .leftLobe, who: "reader1")  // no change, no entry
        try store.tag(imageIds: [image.id!], view: nil, who: "reader2")
        let entries = try store.audit(entity: "image", id: image.id!)
        #expect(entries.map { "\($0.who):\($0.oldValue ?? "-")→\($0.newValue ?? "-")" } == ["reader1:-→left-lobe", "reader2:left-lobe→-"])
        // Whatever name a reader gives, the entry also holds the account the process ran as.
        let account = String(cString: getpwuid(getuid())!.pointee.pw_name)
        #expect(entries.allSatisfy { $0.systemUser == "\(account) (uid \(getuid()))" })
        let prefix = String(image.sha256.prefix(8))
        #expect(try store.findImage(prefix).id == image.id)
    }

    @Test func ambiguousAndMissingStudiesAreNamed() throws {
        let scratch = Scratch()
        let store = try populated(scratch)
        #expect(throws: CaseStoreError.notFound("study NOPE")) { try store.findStudy("NOPE") }
    }

    @Test func anonymisedExportCarriesNoNamesOrIdentifiers() throws {
        let scratch = Scratch()
        let store = try populated(scratch)
        let plain = try store.exportStudies(anonymize: false)
        #expect(plain.count == 12 && plain[0].patient_name == "Name 0" && plain[0].images[0].file == "0.png")
        let anonymous = try store.exportStudies(anonymize: true)
        let csv = try ExportCSV.render(anonymous)
        #expect(!csv.contains("Name ") && !csv.contains(",P1,") && !csv.contains(",S1,"))
        #expect(anonymous.map(\.patient_id).prefix(5) == ["ANON-0001", "ANON-0002", "ANON-0003", "ANON-0004", "ANON-0001"])
        #expect(anonymous[0].images[0].file.hasPrefix("image-"))
        // The original file's hash would link each image back to the identified file: it is not exported.
        #expect(anonymous.allSatisfy { $0.images.allSatisfy { $0.sha256 == nil } })
        let json = String(decoding: try JSONEncoder().encode(anonymous), as: UTF8.self)
        for image in plain.flatMap(\.images) {
            let hash = try #require(image.sha256)
            #expect(!csv.contains(hash) && !json.contains(hash))
        }
        #expect(csv.split(separator: "\n").count == 13)
    }

    @Test func replacementUIDsNeedTheDatabasesKey() throws {
        let uid = "1.2.840.113619.2.55.3.1234"
        let keyA = [UInt8](repeating: 1, count: 32), keyB = [UInt8](repeating: 2, count: 32)
        #expect(CaseStore.derivedUID(uid, key: keyA) == CaseStore.derivedUID(uid, key: keyA))
        #expect(CaseStore.derivedUID(uid, key: keyA) != CaseStore.derivedUID(uid, key: keyB))
        #expect(CaseStore.derivedUID(uid, key: keyA).hasPrefix("2.25."))
        // Each database has its own key.
        let scratchOne = Scratch(), scratchTwo = Scratch()
        let one = try scratchOne.openStore(), two = try scratchTwo.openStore()
        let key = { (store: CaseStore) in try store.read { db in try Data.fetchOne(db, sql: "SELECT key FROM pseudonymKey") } }
        #expect(try key(one)?.count == 32 && key(one) != key(two))
    }
}

@Suite struct StudyLookupTests {
    @Test func aStudyIdSharedByPatientsNeedsThePatient() throws {
        let scratch = Scratch()
        scratch.image("in/P1/S1/a.png", seed: 1)
        scratch.image("in/P2/S1/b.png", seed: 2)
        let store = try scratch.openStore()
        _ = ImportRun(store, [scratch.root + "/in"])
        #expect { try store.findStudy("S1") } throws: { "\($0)".contains("use PATIENT/STUDY or the number (1, 2)") }
        #expect(try store.findStudy("P2/S1").id == 2)
        #expect(try store.findStudy("1").studyKey == "S1")
    }
}
