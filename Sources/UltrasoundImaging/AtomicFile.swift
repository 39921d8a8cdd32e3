import CKernels
import Foundation

/// A file written whole or not at all (temporary beside it, flushed, renamed): a full disk or a crash
/// never leaves half a report, export or model under the real name.
public enum AtomicFile {
    /// Throws a one-line reason ("No space left on device") naming `path`.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let failure = bytes.withUnsafeBytes { steato_write_file_atomically(path, $0.baseAddress, $0.count, mode) }
        guard failure == 0 else { throw AtomicFileError(path: path, code: failure) }
    }
}

public struct AtomicFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    /// The errno: ENOSPC or EDQUOT when the disk is full.
    public let code: Int32
    public var reason: String { String(cString: strerror(code)) }
    public var diskFull: Bool { code == ENOSPC || code == EDQUOT }
    public var description: String { "\(path): cannot write (\(reason))" }
}
