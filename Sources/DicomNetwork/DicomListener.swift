import CDicomNet
import Foundation

/// DICOM Application Entity titles: 1–16 characters of the default repertoire, no backslash.
public enum DicomTitle {
    public static func isValid(_ title: String) -> Bool {
        let t = title.trimmingCharacters(in: .whitespaces)
        return (1...16).contains(t.count) && t.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f && $0 != "\\" }
    }
}

/// A DICOM storage SCP (C-ECHO, C-STORE of ultrasound, secondary capture and SR instances) serving
/// several associations at once through DCMTK. Each received instance is handed to `receive` as a
/// complete file on the association's own thread; what `receive` answers goes back to the sender.
public final class DicomListener: @unchecked Sendable {
    /// The C-STORE status sent back for an instance.
    public enum Outcome: UInt16, Sendable {
        case stored = 0x0000
        /// Try again later (the database is busy or the disk full).
        case outOfResources = 0xA700
        /// Refused: not an instance we can read.
        case cannotUnderstand = 0xC000
    }

    /// A received instance: its file (moved or deleted by the handler), the caller's AE title, its SOP Instance UID.
    public typealias Receive = @Sendable (_ path: String, _ callingAETitle: String, _ sopInstanceUID: String) -> Outcome

    public let port: UInt16
    public let aeTitle: String
    private var handle: OpaquePointer?
    private let receive: Receive

    /// `allowedCallers` empty accepts any calling AE title. `spool` holds files while they arrive.
    public init(port: UInt16, aeTitle: String, allowedCallers: [String] = [], spool: String, maxAssociations: Int = 8,
                receive: @escaping Receive) throws {
        self.port = port
        self.aeTitle = aeTitle
        self.receive = receive
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var error = [CChar](repeating: 0, count: 256)
        let titles = allowedCallers.map { strdup($0) }
        defer { titles.forEach { free($0) } }
        let pointers = titles.map { UnsafePointer($0) }
        let callback: steato_store_fn = { context, path, caller, sop in
            let listener = Unmanaged<DicomListener>.fromOpaque(context!).takeUnretainedValue()
            return listener.receive(String(cString: path!), String(cString: caller!).trimmingCharacters(in: .whitespaces),
                                    sop.map { String(cString: $0) } ?? "").rawValue
        }
        handle = pointers.withUnsafeBufferPointer { list in
            steato_listener_new(port, aeTitle, list.baseAddress, list.count, spool, Int32(maxAssociations), callback,
                                Unmanaged.passUnretained(self).toOpaque(), &error, error.count)
        }
        guard handle != nil else { throw DicomNetworkError(String(cString: error)) }
    }

    deinit { if let handle { steato_listener_free(handle) } }

    /// Serves associations until `stop()`; throws when the port cannot be opened.
    public func run() throws {
        var error = [CChar](repeating: 0, count: 256)
        guard steato_listener_run(handle, &error, error.count) != 0 else {
            let reason = String(cString: error)
            throw DicomNetworkError("cannot listen on port \(port): \(reason.isEmpty ? "unknown error" : reason)")
        }
    }

    /// Returns `run()` once the associations in progress have ended (within about a second).
    public func stop() { steato_listener_stop(handle) }
}

/// One line naming what went wrong on the network.
public struct DicomNetworkError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
