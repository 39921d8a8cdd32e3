import ArgumentParser
import Foundation
import Phantom
import UltrasoundImaging

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a cohort of B-mode liver ultrasound studies (JPEGs and manifest.csv).",
        discussion: "Scanners: \(ScannerProfile.all.map(\.id).joined(separator: ", ")); outside every training range, \(ScannerProfile.outOfRange.id) (held-out evaluation) and \(ScannerProfile.developmentOutliers.map(\.id).joined(separator: ", ")) (development). The same seed gives the same bytes.")

    @Option(help: "Output folder.") var out: String?
    @Option(help: "Instead of a cohort, write a PNG contact sheet (grades × scanners × views) to this file.")
    var contactSheet: String?
    @Option(help: "Number of patients.") var patients = 10
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Comma-separated scanner profiles (default: all).") var scanners: String?
    @Option(help: "Comma-separated views (default: right-intercostal,subcostal,left-lobe).") var views: String?
    @Option(help: "Images per view.") var imagesPerView = 3
    @Option(help: "Studies per patient, each on a different scanner.") var studiesPerPatient = 1
    @Option(help: "Number of the first patient.") var firstPatient = 1
    @Option(help: "JPEG quality (1–100).") var quality = 90
    @Flag(help: "Cycle the true grades healthy, mild, moderate, severe over the patients.") var balanced = false
    @Flag(help: "A new randomly drawn scanner for every study (training cohorts), instead of the named profiles.")
    var randomScanners = false
    @Option(help: "Also this many studies of scenes to refuse (heart, fetus, bladder, thyroid, kidney, colour Doppler, blank, probe in air, rib shadows, bad gain), with a content column.")
    var otherStudies = 0

    func run() throws {
        if let contactSheet {
            do {
                try Data(try PNGCodec.encode(ContactSheet.render())).write(to: URL(fileURLWithPath: contactSheet))
            } catch { throw fail(UserFacingError("\(contactSheet): cannot write the contact sheet (\(error))")) }
            print("contact sheet written to \(contactSheet)")
            return
        }
        guard let out else { throw fail(UserFacingError("--out FOLDER is required")) }
        var options = Cohort.Options(patients: patients, seed: seed)
        if let scanners {
            options.scanners = try scanners.split(separator: ",").map { name in
                guard let p = ScannerProfile.named(String(name)) else {
                    throw fail(UserFacingError("unknown scanner '\(name)' (expected \(ScannerProfile.all.map(\.id).joined(separator: ", ")))"))
                }
                return p
            }
        }
        if let views {
            options.views = try views.split(separator: ",").map { name in
                guard let v = View(rawValue: String(name)) else { throw fail(UserFacingError("unknown view '\(name)'")) }
                return v
            }
        }
        guard patients > 0, imagesPerView > 0, studiesPerPatient > 0 else {
            throw fail(UserFacingError("--patients, --images-per-view and --studies-per-patient must be positive"))
        }
        options.imagesPerView = imagesPerView
        options.studiesPerPatient = studiesPerPatient
        options.firstPatient = firstPatient
        options.jpegQuality = quality
        options.balancedGrades = balanced
        options.randomScanners = randomScanners
        options.otherStudies = max(0, otherStudies)
        let progress = ProgressLine(enabled: stderrIsTerminal)
        let start = Date()
        let rows: [Cohort.Row]
        do {
            rows = try Cohort.write(options, to: out) { done, total in progress.show(done: done, total: total, label: "images") }
        } catch { progress.clear(); throw fail(error) }
        progress.clear()
        let seconds = Date().timeIntervalSince(start)
        print("\(count(rows.count, "image")) of \(count(patients * studiesPerPatient + options.otherStudies, "study", "studies")) written to \(out) "
              + String(format: "in %.1f s (%.1f images/s)", seconds, Double(rows.count) / seconds))
    }
}
