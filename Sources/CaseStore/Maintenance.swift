import Foundation
import GRDB
import UltrasoundImaging

/// What `steato check` found: each problem is one line naming the record or file and what is wrong.
public struct StoreCheck: Sendable {
    public var problems: [String] = []
    /// Files in the image store that no image refers to (left by an import that failed or was killed).
    public var orphans: [String] = []
    public var imagesChecked = 0
    public var bytesChecked = 0
    public var isClean: Bool { problems.isEmpty && orphans.isEmpty }
}

/// What `steato backup` wrote.
public struct BackupSummary: Sendable {
    public var path: String
    public var images = 0
    public var bytes = 0
    /// Images that could not be copied (missing or damaged in the source store); the backup holds the rest.
    public var problems: [String] = []
}

extension CaseStore {
    /// Verifies the database (integrity, foreign keys) and every stored image against its SHA-256, and
    /// lists files in the image store that nothing refers to, like `git fsck`.
    public func check() throws -> StoreCheck {
        var result = StoreCheck()
        let (integrity, foreignKeys, stored) = try read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row -> String in
                let table: String = row[0], rowid: Int64? = row[1], parent: String = row[2]
                return "database: \(table) row \(rowid.map(String.init) ?? "?") refers to a missing \(parent)"
            }
            let stored = try Row.fetchAll(db, sql: """
                SELECT image.sha256, min(image.id), count(*), min(study.studyKey)
                FROM image JOIN study ON study.id = image.studyId GROUP BY image.sha256 ORDER BY min(image.id)
                """).map { row -> (sha: String, imageId: Int64, count: Int, study: String) in (row[0], row[1], row[2], row[3]) }
            return (integrity, foreignKeys, stored)
        }
        if integrity != ["ok"] { result.problems += integrity.map { "database: \($0)" } }
        result.problems += foreignKeys

        let outcomes = ConcurrentSlots<(problem: String?, bytes: Int)>(count: stored.count)
        DispatchQueue.concurrentPerform(iterations: stored.count) { i in
            let entry = stored[i]
            let who = "image \(entry.imageId)\(entry.count > 1 ? " (and \(entry.count - 1) more frames of the file)" : "") of study \(entry.study)"
            do {
                let bytes = try images.load(sha256: entry.sha)
                outcomes.set(i, (nil, bytes.count))
            } catch {
                outcomes.set(i, ("\(who): \(error)", 0))
            }
        }
        for outcome in outcomes.values {
            if let problem = outcome!.problem { result.problems.append(problem) }
            result.bytesChecked += outcome!.bytes
        }
        result.imagesChecked = stored.count

        let known = Set(stored.map(\.sha))
        for file in images.listFiles() where file.sha256.map({ !known.contains($0) }) ?? true {
            result.orphans.append(file.path)
        }
        return result
    }

    /// Removes orphan files older than `age` seconds (younger ones may belong to an import in progress,
    /// which writes its files before its transaction commits). Returns the paths removed.
    public func pruneOrphans(_ orphans: [String], olderThan age: TimeInterval = 600) -> [String] {
        let cutoff = Date().addingTimeInterval(-age)
        return orphans.filter { path in
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                  modified < cutoff else { return false }
            return unlink(path) == 0
        }
    }

    /// An online, consistent copy: the database through SQLite's backup API (a snapshot, so writers carry
    /// on), then every image that snapshot refers to, each checked against its hash, into an image store
    /// beside `destination`. The copy is written under a temporary name and renamed when whole, so a
    /// failed backup (a full disk) leaves no database at `destination`. Never overwrites.
    public func backup(to destination: String) throws -> BackupSummary {
        let target = URL(fileURLWithPath: destination).standardizedFileURL.path
        guard !FileManager.default.fileExists(atPath: target) else {
            throw CaseStoreError.storage(path: target, reason: "already exists; a backup never overwrites (choose a new path)")
        }
        let folder = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CaseStoreError.storage(path: folder, reason: "cannot create the backup folder")
        }
        let temporary = folder + "/.\((target as NSString).lastPathComponent).partial-\(getpid())"
        let destinationImages = ImageStore(root: folder + "/images")
        let hadImageStore = FileManager.default.fileExists(atPath: destinationImages.root)
        var summary = BackupSummary(path: target)
        do {
            let copy = try DatabaseQueue(path: temporary)
            chmod(temporary, 0o600)
            do {
                try database.backup(to: copy)
            } catch let error as DatabaseError {
                try? copy.close()
                throw Self.translate(error, path: target)
            }
            let shas = try copy.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM image ORDER BY sha256") }
            try copy.close()

            // In slices, so memory holds a slice of images and not the store.
            var start = 0
            while start < shas.count {
                let slice = Array(shas[start..<min(start + 64, shas.count)])
                let loaded = ConcurrentSlots<Result<[UInt8], Error>>(count: slice.count)
                DispatchQueue.concurrentPerform(iterations: slice.count) { i in
                    loaded.set(i, Result { try images.load(sha256: slice[i]) })
                }
                var files: [(bytes: [UInt8], sha256: String)] = []
                for (sha, outcome) in zip(slice, loaded.values) {
                    switch outcome! {
                    case let .success(bytes): files.append((bytes, sha)); summary.bytes += bytes.count
                    case let .failure(error): summary.problems.append("not copied: \(error)")
                    }
                }
                try destinationImages.store(files)
                summary.images += files.count
                start += slice.count
            }
            try Self.flush(temporary)
            guard rename(temporary, target) == 0 else {
                throw CaseStoreError.storage(path: target, reason: "cannot rename the finished backup (\(ImageStore.errnoText()))")
            }
            try? Self.flush(folder)
        } catch {
            unlink(temporary)
            for suffix in ["-wal", "-shm", "-journal"] { unlink(temporary + suffix) }
            if !hadImageStore { try? FileManager.default.removeItem(atPath: destinationImages.root) }
            rmdir(folder)  // only when empty: a folder this backup created and could not fill
            if let error = error as? CaseStoreError { throw error }
            if let error = error as? DatabaseError { throw Self.translate(error, path: target) }
            throw CaseStoreError.storage(path: target, reason: "\(error)")
        }
        return summary
    }

    /// fsync of a file or folder, so a finished backup survives a power cut.
    static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CaseStoreError.storage(path: path, reason: ImageStore.errnoText()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CaseStoreError.storage(path: path, reason: "cannot flush to disk (\(ImageStore.errnoText()))") }
    }
}
