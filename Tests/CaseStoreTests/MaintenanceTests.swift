import Foundation
import GRDB
import Testing
import UltrasoundImaging
@testable import CaseStore

/// `steato check` and `steato backup`, and the hash check every read of a stored image makes.
@Suite struct MaintenanceTests {
    func imported(_ scratch: Scratch, studies: Int = 3) throws -> CaseStore {
        for i in 0..<(studies * 2) { scratch.image("in/P\(i / 2)/S1/\(i).png", seed: i) }
        let store = try scratch.openStore()
        #expect(ImportRun(store, [scratch.root + "/in"]).summary.imported == studies * 2)
        return store
    }

    func storedPaths(_ store: CaseStore) throws -> [(id: Int64, path: String)] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT id, sha256 FROM image ORDER BY id").map { row -> (Int64, String) in (row[0], row[1]) }
        }.map { ($0.0, store.images.path(forSHA256: $0.1)) }
    }

    @Test func aSoundStoreChecksClean() throws {
        let scratch = Scratch()
        let store = try imported(scratch)
        let result = try store.check()
        #expect(result.isClean && result.imagesChecked == 6 && result.bytesChecked > 0)
    }

    @Test func alteredMissingAndOrphanFilesAreEachNamed() throws {
        let scratch = Scratch()
        let store = try imported(scratch)
        let files = try storedPaths(store)
        let handle = try #require(FileHandle(forWritingAtPath: files[1].path))
        try handle.seek(toOffset: 20)
        handle.write(Data([0xff]))   // one byte flipped, size unchanged
        try handle.close()
        unlink(files[4].path)
        let stray = store.images.root + "/ab/" + String(repeating: "c", count: 62)
        try FileManager.default.createDirectory(atPath: store.images.root + "/ab", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: stray, contents: Data([1, 2, 3]))

        let result = try store.check()
        #expect(result.problems.count == 2)
        #expect(result.problems[0].hasPrefix("image \(files[1].id) of study S1: \(files[1].path): image altered or damaged"))
        #expect(result.problems[1].hasPrefix("image \(files[4].id) of study S1: \(files[4].path): image missing"))
        #expect(result.orphans == [stray])
        // Reading the altered image names it instead of decoding damaged bytes.
        let sha = String(files[1].path.split(separator: "/").suffix(2).joined())
        #expect { try store.images.load(sha256: sha) } throws: { "\($0)".contains("altered or damaged") && "\($0)".contains(files[1].path) }
        // Orphans younger than the cut-off may belong to an import in progress: kept.
        #expect(store.pruneOrphans(result.orphans).isEmpty)
        #expect(store.pruneOrphans(result.orphans, olderThan: -1) == [stray])
        #expect(try store.check().orphans.isEmpty)
    }

    @Test func aDanglingRowIsAForeignKeyProblem() throws {
        let scratch = Scratch()
        let store = try imported(scratch)
        try store.database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "UPDATE image SET studyId = 999 WHERE id = 2")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let problems = try store.check().problems
        #expect(problems.contains("database: image row 2 refers to a missing study"))
    }

    @Test func aBackupOpensAsItsOwnDatabaseWithEveryImage() throws {
        let scratch = Scratch()
        let store = try imported(scratch)
        try store.tag(imageIds: [1], view: .subcostal, who: "reader")
        let destination = scratch.root + "/backup dir/é/copy.sqlite"
        let summary = try store.backup(to: destination)
        #expect(summary.images == 6 && summary.problems.isEmpty)
        let copy = try CaseStore(path: destination)
        #expect(try copy.worklistCount(WorklistQuery()) == 3)
        #expect(try copy.check().isClean)
        #expect(try copy.read { db in try String.fetchOne(db, sql: "SELECT view FROM image WHERE id = 1") } == "subcostal")
        var info = stat()
        #expect(stat(destination, &info) == 0 && info.st_mode & 0o777 == 0o600)
        // Never over an existing file; nothing half-written is left beside it.
        #expect { try store.backup(to: destination) } throws: { "\($0)".contains("already exists") }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.root + "/backup dir/é")
        #expect(!leftovers.contains { $0.contains("partial") })
    }

    @Test func aBackupTakenDuringAWriteHoldsTheCommittedState() throws {
        let scratch = Scratch()
        let store = try imported(scratch)
        let writer = try CaseStore(path: scratch.dbPath)
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let thread = Thread {
            try? writer.write { db in
                try db.execute(sql: "UPDATE image SET view = 'left-lobe'")
                started.signal()
                release.wait()   // the transaction stays open while the backup runs
            }
        }
        thread.start()
        started.wait()
        let summary = try store.backup(to: scratch.root + "/b/copy.sqlite")
        release.signal()
        #expect(summary.images == 6)
        let copy = try CaseStore(path: scratch.root + "/b/copy.sqlite")
        #expect(try copy.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM image WHERE view IS NOT NULL") } == 0)
    }

    @Test func aDamagedImageIsNamedAndTheRestIsBackedUp() throws {
        let scratch = Scratch()
        let store = try imported(scratch)
        unlink(try storedPaths(store)[0].path)
        let summary = try store.backup(to: scratch.root + "/b/copy.sqlite")
        #expect(summary.images == 5 && summary.problems.count == 1 && summary.problems[0].contains("image missing"))
    }
}
