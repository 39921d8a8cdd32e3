import Foundation
import GRDB
import Testing
@testable import CaseStore

@Suite struct DatabaseTests {
    @Test func migratesAnEmptyFileAndCreatesItPrivate() throws {
        let scratch = Scratch()
        let store = try scratch.openStore()
        let tables = try store.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name")
        }
        #expect(tables == ["adaptation", "audit", "calibration", "image", "imageScore", "patient", "pseudonymKey", "reference", "report", "review", "roi", "study", "studyScore", "viewScore"])
        let applied = try store.read { db in try Schema.migrator.appliedIdentifiers(db) }
        #expect(applied == ["v1-cases", "v1-scores-reviews-audit", "v2-scanner-adaptation", "v3-dicom", "v4-score-software", "v5-refusal-and-uncertainty", "v6-scanner-calibration", "v7-reports", "v8-pseudonym-key", "v9-audit-system-user"])
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.dbPath)[.posixPermissions] as! Int
        #expect(mode == 0o600)
        let journal = try store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        let foreignKeys = try store.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") }
        #expect(foreignKeys == 1)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func reopeningKeepsDataAndTightensPermissions() throws {
        let scratch = Scratch()
        do { _ = try scratch.openStore() }
        chmod(scratch.dbPath, 0o644)
        let store = try scratch.openStore()
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.dbPath)[.posixPermissions] as! Int
        #expect(mode == 0o600)
        #expect(try store.worklistCount(WorklistQuery()) == 0)
    }

    @Test func aFileThatIsNotADatabaseIsOneClearError() throws {
        let scratch = Scratch()
        let path = scratch.text("junk.sqlite", String(repeating: "not a database ", count: 100))
        #expect {
            try CaseStore(path: path)
        } throws: { error in
            "\(error)".contains("junk.sqlite") && "\(error)".contains("not a SQLite database")
        }
    }

    @Test func pathComesFromFlagThenEnvironmentThenXDG() {
        #expect(CaseStore.resolvePath(explicit: "/a.sqlite", environment: ["STEATO_DB": "/b.sqlite"]) == "/a.sqlite")
        #expect(CaseStore.resolvePath(explicit: nil, environment: ["STEATO_DB": "/b.sqlite", "XDG_DATA_HOME": "/x"]) == "/b.sqlite")
        #expect(CaseStore.resolvePath(explicit: nil, environment: ["XDG_DATA_HOME": "/x", "HOME": "/h"]) == "/x/steatoscope/cases.sqlite")
        #expect(CaseStore.resolvePath(explicit: nil, environment: ["HOME": "/h"]) == "/h/.local/share/steatoscope/cases.sqlite")
    }

    @Test func theAuditLogIsAppendOnly() throws {
        let scratch = Scratch()
        let store = try scratch.openStore()
        try store.write { db in
            var entry = AuditEntry(who: "t", action: "test", entity: "study", entityId: 1, oldValue: nil, newValue: "x")
            try entry.insert(db)
        }
        #expect(throws: (any Error).self) {
            try store.write { db in try db.execute(sql: "UPDATE audit SET newValue = 'y'") }
        }
        #expect(throws: (any Error).self) {
            try store.write { db in try db.execute(sql: "DELETE FROM audit") }
        }
        #expect(try store.read { db in try AuditEntry.fetchCount(db) } == 1)
    }

    /// A study scored again and again (each model change rescoring it) shows each image's latest
    /// score, including one refused in the latest run (runs saved within one millisecond tie on time).
    @Test func aRescoredStudyShowsEachImagesLatestScore() throws {
        let scratch = Scratch()
        scratch.image("in/P1/S1/a.png", seed: 1)
        scratch.image("in/P1/S1/b.png", seed: 2)
        let store = try scratch.openStore()
        _ = ImportRun(store, [scratch.root + "/in"])
        let studyId = try #require(try store.studyIds(unscoredOnly: false).first)
        let images = try store.detail(studyId: studyId).images.map { $0.id! }
        for run in 0..<3 {
            let last = run == 2
            try store.save(ScoringRun(
                studyId: studyId, modelName: "m\(run)", modelSha256: String(repeating: "\(run)", count: 64), software: "test",
                images: images.enumerated().map { k, id in
                    let refused = last && k == 1
                    return ScoringRun.Image(imageId: id, score: refused ? nil : Double(run) + 0.1 * Double(k), grade: refused ? nil : run,
                                            probabilities: [1, 0, 0, 0], quality: 1, suggestedView: .subcostal,
                                            refused: refused ? .poorQuality : nil)
                },
                views: [], score: Double(run), scoreSd: nil, grade: run, fatPercent: nil, flags: []))
        }
        let detail = try store.detail(studyId: studyId)
        #expect(detail.imageScores[images[0]]?.score == 2.0 && detail.imageScores[images[0]]?.modelName == "m2")
        #expect(detail.imageScores[images[1]]?.score == nil && detail.imageScores[images[1]]?.refused == .poorQuality)
        #expect(try store.read { db in try ImageScore.fetchCount(db) } == 6)
    }
}
