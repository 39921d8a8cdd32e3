import ArgumentParser
import CaseStore
import Casework
import DicomNetwork
import Foundation
import Phantom
import UltrasoundImaging
import Workstation

/// `steato bench listen`: instances per second received and imported by steato listen from several
/// parallel associations, against DCMTK's own storescp (which only writes files) in the same run.
struct BenchListenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "DICOM receive rate: instances/s stored and imported by the listener from parallel associations, against storescp.")

    @Option(help: "Distinct instances sent per run.") var instances = 200
    @Option(help: "Parallel associations.") var associations = 4
    @Option(help: "Runs; the median is reported.") var runs = 3

    func run() throws {
        let work = NSTemporaryDirectory() + "steato-bench-listen-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let files = try makeInstances(folder: work + "/send")
        var ours: [Double] = [], peer: [Double] = []
        for r in 0..<runs {
            ours.append(try timeListener(files: files, folder: work + "/run\(r)"))
            if let t = try timeStorescp(files: files, folder: work + "/scp\(r)") { peer.append(t) }
        }
        let rate = Double(files.count) / median(ours)
        print(String(format: "steato listen: %.0f instances/s (median of %d runs, %d instances of %d×%d grey sent by storescu over %d associations, each imported)",
                     rate, runs, files.count, 640, 480, associations))
        if !peer.isEmpty {
            let peerRate = Double(files.count) / median(peer)
            print(String(format: "storescp (DCMTK, files only, --fork): %.0f instances/s; ratio %.2f", peerRate, rate / peerRate))
        } else {
            print("storescp not found: no peer measured (apt-get install dcmtk)")
        }
    }

    /// Distinct instances of one study: simulated frames, each with its own SOP Instance UID and bytes.
    func makeInstances(folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let exam = Exam(patient: SimulatedPatient(index: 1, seed: 5), profile: ScannerProfile.named("meridian-c5")!, date: "2026-01-01", seed: 5)
        let images = (0..<4).map { exam.frame(view: .rightIntercostal, index: $0).image }
        let frames = images.map { FanDetector.greyAndColour($0).grey }
        let template = images[0]
        var study = DicomResultWriter.Study()
        study.patientId = "BENCH1"; study.studyInstanceUID = "1.2.826.0.1.3680043.9.7433.5.1"; study.accession = "BENCH"
        return try (0..<instances).map { i in
            var pixels = frames[i % frames.count]
            pixels[i % pixels.count] &+= 1   // distinct bytes too
            let path = folder + "/\(i).dcm"
            try DicomResultWriter.greyImage(path: path, study: study, sopInstanceUID: "1.2.826.0.1.3680043.9.7433.5.1.\(getpid()).\(i)",
                                            image: PixelImage(width: template.width, height: template.height, channels: 1, pixels: pixels))
            return path
        }
    }

    func timeListener(files: [String], folder: String) throws -> Double {
        let store = try CaseStore(path: folder + "/cases.sqlite")
        let received = ReceivedInstances(store: store)
        let port = try freePort()
        let listener = try DicomListener(port: port, aeTitle: "BENCH", spool: received.spool, maxAssociations: associations) { path, _, _ in
            DicomListener.Outcome(received.receive(path: path))
        }
        let thread = Thread { try? listener.run() }
        thread.start()
        let client = DicomClient(peer: DicomPeer(aeTitle: "BENCH", host: "127.0.0.1", port: port), callingAETitle: "SENDER")
        waitUntilListening(client)
        let seconds = try send(files, client: client)
        listener.stop()
        guard received.counts.instances == files.count else {
            throw UserFacingError("the listener stored \(received.counts.instances) of \(files.count) instances")
        }
        return seconds
    }

    func timeStorescp(files: [String], folder: String) throws -> Double? {
        guard let storescp = ["/usr/bin/storescp", "/usr/local/bin/storescp"].first(where: FileManager.default.isExecutableFile) else { return nil }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: storescp)
        process.arguments = ["--fork", "-od", folder, "-aet", "BENCH", String(port)]
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        let client = DicomClient(peer: DicomPeer(aeTitle: "BENCH", host: "127.0.0.1", port: port), callingAETitle: "SENDER")
        waitUntilListening(client)
        return try send(files, client: client)
    }

    /// Sends the files split over the associations at once; the wall time until every one is stored.
    /// The senders are DCMTK's storescu processes, as scanners are other programs (else in-process).
    func send(_ files: [String], client: DicomClient) throws -> Double {
        let shares = (0..<associations).map { a in stride(from: a, to: files.count, by: associations).map { files[$0] } }
        if let storescu = ["/usr/bin/storescu", "/usr/local/bin/storescu"].first(where: FileManager.default.isExecutableFile) {
            let start = Date()
            let senders = try shares.enumerated().map { a, share -> Process in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: storescu)
                p.arguments = ["-aet", "SENDER\(a)", "-aec", client.peer.aeTitle, client.peer.host, String(client.peer.port)] + share
                p.standardError = FileHandle.nullDevice; p.standardOutput = FileHandle.nullDevice
                try p.run()
                return p
            }
            senders.forEach { $0.waitUntilExit() }
            let seconds = Date().timeIntervalSince(start)
            guard senders.allSatisfy({ $0.terminationStatus == 0 }) else { throw UserFacingError("storescu reported failures") }
            return seconds
        }
        let failures = Atomic()
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: associations) { a in
            let statuses = (try? client.store(shares[a])) ?? []
            failures.add(shares[a].count - statuses.filter { $0 == 0 }.count)
        }
        let seconds = Date().timeIntervalSince(start)
        guard failures.value == 0 else { throw UserFacingError("\(failures.value) instances were not stored") }
        return seconds
    }

    /// Waits (up to 5 s) until something accepts connections on the client's port.
    func waitUntilListening(_ client: DicomClient) {
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = client.peer.port.bigEndian
            let connected = withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if connected { return }
            usleep(50_000)
        }
    }

    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    final class Atomic: @unchecked Sendable {
        private let lock = NSLock(); private var n = 0
        func add(_ k: Int) { lock.lock(); n += k; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }
}

/// A TCP port nobody listens on now (the kernel's choice).
func freePort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw UserFacingError("cannot open a socket") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw UserFacingError("cannot find a free port") }
    return UInt16(bigEndian: address.sin_port)
}
