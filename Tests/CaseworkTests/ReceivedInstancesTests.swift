import CaseStore
import Foundation
import GRDB
import Testing
import UltrasoundImaging
@testable import Casework

/// Instances from parallel associations: each stored exactly once whoever sends it and however many
/// times, broken ones refused with their reason, and the batches written by group commit.
@Suite struct ReceivedInstancesTests {
    @Test func parallelSendersStoreEachInstanceOnce() throws {
        let folder = NSTemporaryDirectory() + "steato-received-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try CaseStore(path: folder + "/cases.sqlite")
        var study = DicomResultWriter.Study()
        study.patientId = "PAR1"; study.studyInstanceUID = "1.2.826.0.1.3680043.9.7433.6.1"; study.accession = "PAR"
        // 24 distinct instances; each is sent by 3 of 8 senders (a retry, a second route).
        let originals = try (0..<24).map { i -> String in
            let pixels = (0..<(64 * 48)).map { UInt8(truncatingIfNeeded: $0 &* (i + 3)) }
            let path = folder + "/original-\(i).dcm"
            try DicomResultWriter.greyImage(path: path, study: study, sopInstanceUID: "1.2.826.0.1.3680043.9.7433.6.1.\(i)",
                                            image: PixelImage(width: 64, height: 48, channels: 1, pixels: pixels))
            return path
        }
        try Data("not DICOM at all".utf8).write(to: URL(fileURLWithPath: folder + "/broken.txt"))
        let received = ReceivedInstances(store: store)
        final class Log: @unchecked Sendable {
            let lock = NSLock(); var outcomes: [ReceivedInstances.Outcome] = []
            func add(_ o: ReceivedInstances.Outcome) { lock.lock(); outcomes.append(o); lock.unlock() }
        }
        let log = Log()
        DispatchQueue.concurrentPerform(iterations: 8) { sender in
            for i in 0..<24 where (i + sender) % 8 < 3 {
                // Each delivery is its own file, as the listener's spool gives it.
                let copy = folder + "/s\(sender)-\(i).dcm"
                try! FileManager.default.copyItem(atPath: originals[i], toPath: copy)
                log.add(received.receive(path: copy))
            }
            if sender == 0 {
                let copy = folder + "/broken-copy.dcm"
                try! FileManager.default.copyItem(atPath: folder + "/broken.txt", toPath: copy)
                log.add(received.receive(path: copy))
            }
        }
        let outcomes = log.outcomes
        let stored = outcomes.filter { if case .stored = $0 { return true } else { return false } }.count
        let duplicates = outcomes.filter { $0 == .duplicate }.count
        let refused = outcomes.filter { if case .refused = $0 { return true } else { return false } }
        #expect(stored + duplicates == 72 && refused.count == 1)
        #expect(stored >= 24)   // a batch may hold two deliveries of one instance: both are "stored" for their senders
        let images = try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM image")! }
        let distinct = try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT sopInstanceUID) FROM image")! }
        #expect(images == 24 && distinct == 24)
        #expect(received.counts.newStudies == 1 && received.counts.refused == 1)
        if case let .refused(reason)? = refused.first { #expect(!reason.isEmpty) }
    }
}
