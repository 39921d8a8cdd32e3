import DicomNetwork
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import UltrasoundImaging

/// The DICOM listener as a network peer meets it: each input is the byte stream of one TCP connection
/// (association request, data PDUs, release…) sent to a `DicomListener` running in this process, whose
/// received instances go through the DICOM reader as an import would read them.
final class ListenerTarget: @unchecked Sendable {
    static let shared = ListenerTarget()
    let port: UInt16
    private let listener: DicomListener

    private init() {
        signal(SIGPIPE, SIG_IGN)
        port = UInt16(ProcessInfo.processInfo.environment["STEATO_FUZZ_PORT"].flatMap(Int.init) ?? 41000 + Int(getpid() % 5000))
        let spool = NSTemporaryDirectory() + "steato-fuzz-spool-\(getpid())"
        listener = try! DicomListener(port: port, aeTitle: "STEATOSCOPE", spool: spool) { path, _, _ in
            defer { unlink(path) }
            let readable = FileManager.default.contents(atPath: path).flatMap { try? DicomFile(bytes: [UInt8]($0)) } != nil
            if ProcessInfo.processInfo.environment["STEATO_FUZZ_VERBOSE"] != nil { print("received an instance: \(readable ? "read" : "refused")") }
            return readable ? .stored : .cannotUnderstand
        }
        let listener = self.listener
        Thread.detachNewThread { try! listener.run() }
        for _ in 0..<100 where !send([]) { usleep(50_000) }
    }

    /// One connection: the bytes written, our side closed, then everything the listener answers read
    /// until it closes (at most 5 s). Returns false when nothing is listening.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n <= 0 { break }
            offset += n
        }
        shutdown(fd, Int32(SHUT_WR))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while read(fd, &buffer, buffer.count) > 0 {}
        return true
    }
}
