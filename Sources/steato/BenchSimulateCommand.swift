import ArgumentParser
import Foundation
import Phantom
import UltrasoundImaging

struct BenchSimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Images per second of the simulator (frame + JPEG), on one core and on all cores.")

    @Option(help: "Scanner profile (meridian-c5 draws 640×480).") var scanner = "meridian-c5"
    @Option(help: "Images per measurement.") var images = 40

    func run() throws {
        guard let profile = ScannerProfile.named(scanner) else { throw fail(UserFacingError("unknown scanner '\(scanner)'")) }
        let views = View.liverViews
        @Sendable func render(_ i: Int) -> Int {
            let exam = Exam(patient: SimulatedPatient(index: i, seed: 1), profile: profile, date: "2025-01-01", seed: UInt64(i))
            let frame = exam.frame(view: views[i % 3], index: i % 3)
            return (try? JPEGCodec.encode(frame.image, quality: 90).count) ?? 0
        }
        _ = render(0)  // warm-up
        var perImage: [Double] = []
        let serialStart = Date()
        for i in 0..<images {
            let t = Date()
            _ = render(i)
            perImage.append(Date().timeIntervalSince(t) * 1000)
        }
        let serial = Double(images) / Date().timeIntervalSince(serialStart)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let parallelStart = Date()
        DispatchQueue.concurrentPerform(iterations: images) { _ = render($0) }
        let parallel = Double(images) / Date().timeIntervalSince(parallelStart)
        perImage.sort()
        print("\(profile.id) \(profile.imageWidth)×\(profile.imageHeight), \(images) images each run")
        print(String(format: "one core:  %.1f images/s (median %.1f ms per image)", serial, perImage[perImage.count / 2]))
        print(String(format: "%d cores:   %.1f images/s", cores, parallel))
    }
}
