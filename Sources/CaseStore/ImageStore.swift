import Foundation
import UltrasoundImaging

/// Imported bytes kept by content (`images/ab/cdef…`, named by sha256) beside the database, so cases
/// survive when the original files move or vanish. Files are written to a temporary name, flushed to
/// disk and renamed, so a crash never leaves a half-written image under a real name.
public struct ImageStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public func path(forSHA256 sha: String) -> String {
        let prefix = sha.prefix(2)
        return "\(root)/\(prefix)/\(sha.dropFirst(2))"
    }

    public func contains(sha256 sha: String) -> Bool {
        FileManager.default.fileExists(atPath: path(forSHA256: sha))
    }

    /// Stores the bytes unless they are already there; returns true when a new file was written.
    @discardableResult
    public func store(_ bytes: [UInt8], sha256 sha: String) throws -> Bool {
        let target = path(forSHA256: sha)
        if FileManager.default.fileExists(atPath: target) { return false }
        let folder = (target as NSString).deletingLastPathComponent
        try Self.makeDirectory(root)
        try Self.makeDirectory(folder)
        do { try AtomicFile.write(bytes, to: target) } catch let error as AtomicFileError {
            if error.diskFull { throw CaseStoreError.diskFull(path: root) }
            throw CaseStoreError.storage(path: target, reason: "cannot write the image store (\(error.reason))")
        }
        return true
    }

    /// Stores several files at once, each as `store(_:sha256:)` does, written and flushed in parallel
    /// (a flush waits on the disk, not the CPU); throws the first failure after all have finished.
    /// Returns how many new files were written.
    @discardableResult
    public func store(_ files: [(bytes: [UInt8], sha256: String)]) throws -> Int {
        let outcomes = ConcurrentSlots<Result<Bool, Error>>(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            outcomes.set(i, Result { try self.store(files[i].bytes, sha256: files[i].sha256) })
        }
        var written = 0
        for outcome in outcomes.values { if try outcome!.get() { written += 1 } }
        return written
    }

    /// The stored bytes, checked against their name: a file deleted, truncated or altered since it was
    /// stored is named and refused, never decoded as if it were the patient's image.
    public func load(sha256 sha: String) throws -> [UInt8] {
        let target = path(forSHA256: sha)
        guard let data = FileManager.default.contents(atPath: target) else {
            throw CaseStoreError.storage(path: target, reason: "image missing from the image store")
        }
        let bytes = [UInt8](data)
        guard SHA256.hex(bytes) == sha else {
            throw CaseStoreError.storage(path: target, reason: "image altered or damaged in the image store (its content no longer matches its SHA-256)")
        }
        return bytes
    }

    /// Every file under the store's root as (sha256 it is named by, path); files that are not named like
    /// stored images (temporary files a killed import left, anything else) come back with `sha256` nil.
    func listFiles() -> [(sha256: String?, path: String)] {
        guard let prefixes = try? FileManager.default.contentsOfDirectory(atPath: root) else { return [] }
        var files: [(String?, String)] = []
        for prefix in prefixes.sorted() {
            let folder = root + "/" + prefix
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
                  let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                files.append((nil, folder))
                continue
            }
            for name in names.sorted() {
                let sha = prefix + name
                let named = prefix.count == 2 && sha.count == 64 && sha.allSatisfy { $0.isHexDigit && !$0.isUppercase }
                files.append((named ? sha : nil, folder + "/" + name))
            }
        }
        return files
    }

    static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw CaseStoreError.storage(path: path, reason: "cannot create folder (\(errnoText()))")
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
