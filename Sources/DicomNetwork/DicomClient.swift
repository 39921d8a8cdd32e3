import CDicomNet
import Foundation

/// A DICOM peer named as `TITLE@HOST:PORT` (a PACS, another workstation, a scanner).
public struct DicomPeer: Sendable, Equatable, CustomStringConvertible {
    public var aeTitle: String
    public var host: String
    public var port: UInt16

    public init(aeTitle: String, host: String, port: UInt16) { self.aeTitle = aeTitle; self.host = host; self.port = port }

    /// Parses `TITLE@HOST:PORT`; nil when it is not that shape.
    public init?(_ text: String) {
        guard let at = text.firstIndex(of: "@"), let colon = text.lastIndex(of: ":"), at < colon,
              let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
        let title = String(text[..<at]), host = String(text[text.index(after: at)..<colon])
        guard DicomTitle.isValid(title), !host.isEmpty else { return nil }
        self.init(aeTitle: title, host: host, port: port)
    }

    public var description: String { "\(aeTitle)@\(host):\(port)" }
}

/// A study a C-FIND found.
public struct FoundStudy: Sendable, Equatable {
    public var studyInstanceUID: String
    public var patientId: String
    public var patientName: String
    public var studyDate: String
    public var accession: String
    public var description: String
    public var instances: Int?
}

/// Talks to a peer as a service user through DCMTK: C-STORE, C-FIND, C-GET, each on its own association.
public struct DicomClient: Sendable {
    public var peer: DicomPeer
    /// Our AE title.
    public var callingAETitle: String
    public var timeoutSeconds = 30

    public init(peer: DicomPeer, callingAETitle: String) { self.peer = peer; self.callingAETitle = callingAETitle }

    /// C-STOREs the files on one association; each file's status (0 stored, 0xFFFF not sent).
    public func store(_ paths: [String]) throws -> [UInt16] {
        var statuses = [UInt16](repeating: 0xFFFF, count: paths.count)
        var error = [CChar](repeating: 0, count: 512)
        let ok = try withPeer { p in
            withCStrings(paths) { list in steato_scu_store(&p, list, paths.count, &statuses, &error, error.count) }
        }
        guard ok != 0 else { throw DicomNetworkError("\(peer): " + String(cString: error)) }
        return statuses
    }

    /// C-FIND at study level; `dateRange` as DICOM `YYYYMMDD-YYYYMMDD` (either end may be left out).
    public func findStudies(patientId: String? = nil, dateRange: String? = nil, accession: String? = nil) throws -> [FoundStudy] {
        var out: UnsafeMutablePointer<CChar>?
        var error = [CChar](repeating: 0, count: 512)
        let n = try withPeer { p in steato_scu_find_studies(&p, patientId ?? "", dateRange ?? "", accession ?? "", &out, &error, error.count) }
        guard n >= 0, let out else { throw DicomNetworkError("\(peer): " + String(cString: error)) }
        defer { steato_scu_free(out) }
        return String(cString: out).split(separator: "\n").map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) + Array(repeating: "", count: 7)
            return FoundStudy(studyInstanceUID: f[0], patientId: f[1], patientName: f[2].replacingOccurrences(of: "^", with: " "),
                              studyDate: f[3], accession: f[4], description: f[5], instances: Int(f[6]))
        }
    }

    /// C-GETs a study into `folder`; `received` sees each file as it lands. Returns (received, failed).
    public func getStudy(_ studyInstanceUID: String, into folder: String, received: @escaping (String) -> Void) throws -> (received: Int, failed: Int) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        final class Box { let f: (String) -> Void; init(_ f: @escaping (String) -> Void) { self.f = f } }
        let box = Box(received)
        var error = [CChar](repeating: 0, count: 512)
        var failed = 0
        let callback: steato_received_file_fn = { context, path in
            Unmanaged<Box>.fromOpaque(context!).takeUnretainedValue().f(String(cString: path!))
        }
        let n = try withPeer { p in
            withExtendedLifetime(box) {
                steato_scu_get_study(&p, studyInstanceUID, folder, callback, Unmanaged.passUnretained(box).toOpaque(), &failed, &error, error.count)
            }
        }
        guard n >= 0 else { throw DicomNetworkError("\(peer): " + String(cString: error)) }
        return (n, failed)
    }

    private func withPeer<T>(_ body: (inout SteatoPeer) throws -> T) throws -> T {
        try peer.host.withCString { host in
            try peer.aeTitle.withCString { called in
                try callingAETitle.withCString { calling in
                    var p = SteatoPeer(host: host, port: peer.port, called_aet: called, calling_aet: calling, timeout_seconds: Int32(timeoutSeconds))
                    return try body(&p)
                }
            }
        }
    }

    private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let copies = strings.map { UnsafePointer(strdup($0)) }
        defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
