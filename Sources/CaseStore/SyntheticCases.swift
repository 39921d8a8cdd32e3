import Foundation
import GRDB

extension CaseStore {
    /// Fills the database with `studies` synthetic studies (9 image rows each, scored and tagged,
    /// no image files) for benchmarks of the worklist queries. Deterministic for a seed.
    public func populateSynthetic(studies: Int, seed: UInt64 = 1) throws {
        try write { db in
            var state = seed
            func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
            let now = Date()
            let scanners = ["GE Logiq E10", "Siemens Acuson", "Canon Aplio i800", "Philips EPIQ", "Mindray Resona"]
            let views = ["right-intercostal", "subcostal", "left-lobe"]
            let patient = try db.makeStatement(sql: "INSERT INTO patient (patientKey, name, createdAt) VALUES (?, ?, ?)")
            let study = try db.makeStatement(sql: """
                INSERT INTO study (patientId, studyKey, studyDate, scanner, imageCount, status, score, grade, importedAt)
                VALUES (?, ?, ?, ?, 9, ?, ?, ?, ?)
                """)
            let image = try db.makeStatement(sql: """
                INSERT INTO image (studyId, sha256, originalName, format, width, height, channels, importedAt, view)
                VALUES (?, ?, ?, 'jpeg', 640, 480, 1, ?, ?)
                """)
            var patientId: Int64 = 0
            for s in 0..<studies {
                if s % 2 == 0 {
                    try patient.execute(arguments: [String(format: "SYN%07d", s / 2), "Synthetic \(next() % 10000)", now])
                    patientId = db.lastInsertedRowID
                }
                let scored = next() % 4 != 0
                let score = Double(next() % 3000) / 1000
                let date = String(format: "20%02d-%02d-%02d", 15 + Int(next() % 11), 1 + Int(next() % 12), 1 + Int(next() % 28))
                try study.execute(arguments: [patientId, "ST\(s)", date, scanners[Int(next() % 5)],
                                              scored ? (next() % 3 == 0 ? "reviewed" : "scored") : "new",
                                              scored ? score : nil, scored ? Int(score.rounded(.down)) : nil, now])
                let studyId = db.lastInsertedRowID
                for i in 0..<9 {
                    try image.execute(arguments: [studyId, String(format: "%016llx%016llx", UInt64(s), UInt64(i)),
                                                  "img\(i).jpg", now, views[i / 3]])
                }
            }
        }
    }
}
