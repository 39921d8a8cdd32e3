import Foundation
import GRDB

/// The case database: one SQLite file (WAL, foreign keys, busy timeout, mode 0600) with its image store
/// beside it. Only this module writes SQL.
public final class CaseStore: Sendable {
    public let path: String
    public let images: ImageStore
    /// True when the file or its file system cannot be written: the database is opened for reading only
    /// and every change is refused with `CaseStoreError.readOnly`.
    public let isReadOnly: Bool
    let database: any DatabaseWriter

    /// How long a writer waits for another process's transaction before giving up
    /// (30 s; `STEATO_BUSY_TIMEOUT` seconds overrides it, which the tests use).
    public static var busyTimeout: TimeInterval {
        ProcessInfo.processInfo.environment["STEATO_BUSY_TIMEOUT"].flatMap(TimeInterval.init) ?? 30
    }

    /// `--db`, then `STEATO_DB`, then `$XDG_DATA_HOME/steatoscope/cases.sqlite`, then `~/.local/share/…`.
    public static func resolvePath(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnv = environment["STEATO_DB"], !fromEnv.isEmpty { return fromEnv }
        let dataHome: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            dataHome = xdg
        } else {
            dataHome = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        }
        return dataHome + "/steatoscope/cases.sqlite"
    }

    /// Who is acting, for the audit log: `STEATO_USER`, else the login name.
    public static var currentUser: String {
        let env = ProcessInfo.processInfo.environment
        if let user = env["STEATO_USER"], !user.isEmpty { return user }
        if let user = env["USER"], !user.isEmpty { return user }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "unknown"
    }

    /// The account this process runs as, from the system's user database (not the environment), with
    /// its numeric id: the audit's record of who really acted.
    public static let systemUser: String = {
        let uid = getuid()
        if let pw = getpwuid(uid), let name = pw.pointee.pw_name { return "\(String(cString: name)) (uid \(uid))" }
        return "uid \(uid)"
    }()

    /// Opens (creating when absent) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        self.path = absolute
        let folder = (absolute as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw CaseStoreError.cannotOpen(path: absolute, reason: "cannot create folder \(folder)")
        }
        isReadOnly = try Self.createPrivateFile(absolute)
        self.images = ImageStore(root: folder + "/images")

        var config = Configuration()
        config.busyMode = .timeout(Self.busyTimeout)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // A committed study must survive a power cut, not only a crash.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        if isReadOnly {
            database = try Self.openReadOnly(path: absolute, configuration: config)
        } else {
            database = try Self.openPool(path: absolute, configuration: config)
            for suffix in ["-wal", "-shm"] { chmod(absolute + suffix, 0o600) }
        }
    }

    /// Runs `body` in one IMMEDIATE transaction: everything in it is committed together or not at all.
    public func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        if isReadOnly { throw CaseStoreError.readOnly(path: path) }
        do { return try database.write(body) } catch let error as DatabaseError { throw Self.translate(error, path: path) }
    }

    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch let error as DatabaseError { throw Self.translate(error, path: path) }
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    /// Opens the pool and migrates. Two processes opening a new file at once race to switch it to WAL,
    /// which SQLite refuses with SQLITE_BUSY without waiting: the loser waits a moment and tries again,
    /// up to the busy timeout.
    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(busyTimeout)
        var attempt = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                try migrate(pool)
                return pool
            } catch let error as DatabaseError where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && Date() < deadline {
                attempt += 1
                usleep(useconds_t(min(200_000, 10_000 * attempt)))
            } catch let error as DatabaseError {
                throw translate(error, path: path)
            }
        }
    }

    /// GRDB reads which steps are applied outside the steps' own transactions, so two processes opening a
    /// new file at once can both try a step; the loser's transaction rolls back and it tries again.
    private static func migrate(_ pool: DatabasePool) throws {
        let migrator = Schema.migrator
        for attempt in 1...5 {
            do {
                try migrator.migrate(pool)
                return
            } catch {
                if try pool.read(migrator.hasCompletedMigrations) { return }
                if attempt == 5 { throw error }
                usleep(useconds_t(20_000 * attempt))
            }
        }
    }

    /// Creates the file (mode 0600) when absent; returns true when it exists but cannot be written
    /// (permissions, or a read-only file system), so it is opened for reading only.
    private static func createPrivateFile(_ path: String) throws -> Bool {
        let fd = open(path, O_RDWR | O_CREAT, 0o600)
        guard fd >= 0 else {
            let reason = errno
            if [EACCES, EROFS, EPERM].contains(reason), access(path, R_OK) == 0 { return true }
            throw CaseStoreError.cannotOpen(path: path, reason: String(cString: strerror(reason)))
        }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_uid == getuid(), info.st_mode & 0o077 != 0 {
            fchmod(fd, 0o600)  // patient data: owner only
        }
        close(fd)
        return false
    }

    /// A read-only connection. A WAL database whose -shm file cannot be created (read-only file system)
    /// opens only as immutable, which is safe there because nobody can be writing it.
    private static func openReadOnly(path: String, configuration: Configuration) throws -> DatabaseQueue {
        var config = configuration
        config.readonly = true
        func open(_ path: String) throws -> DatabaseQueue {
            let queue = try DatabaseQueue(path: path, configuration: config)
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return queue
        }
        let queue: DatabaseQueue
        do {
            queue = try open(path)
        } catch {
            // Immutable ignores the -wal file: only when there is nothing in it.
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
            guard wal == 0 else {
                throw CaseStoreError.cannotOpen(path: path, reason: "read-only, with changes still in its -wal file: open it writable once to fold them in")
            }
            let uri = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1"
            do { queue = try open(uri) } catch let error as DatabaseError { throw translate(error, path: path) }
        }
        do {
            guard try queue.read(Schema.migrator.hasCompletedMigrations) else {
                throw CaseStoreError.cannotOpen(path: path, reason: "read-only, and written by an older steato: open it writable once to upgrade it")
            }
        } catch let error as DatabaseError { throw translate(error, path: path) }
        return queue
    }

    static func translate(_ error: DatabaseError, path: String) -> CaseStoreError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(path: path)
        case .SQLITE_NOTADB: return .cannotOpen(path: path, reason: "the file is not a SQLite database")
        case .SQLITE_CORRUPT: return .cannotOpen(path: path, reason: "the database file is corrupt")
        case .SQLITE_READONLY: return .readOnly(path: path)
        case .SQLITE_FULL: return .diskFull(path: path)
        case .SQLITE_CANTOPEN, .SQLITE_PERM:
            return .cannotOpen(path: path, reason: error.message ?? "permission denied")
        default: return .storage(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }
}
