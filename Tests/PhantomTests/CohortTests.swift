import Foundation
import Testing
import UltrasoundImaging
@testable import Phantom

@Suite struct CohortTests {
    @Test func theSameSeedGivesTheSameBytes() throws {
        let a = NSTemporaryDirectory() + "phantom-a-\(UUID())", b = NSTemporaryDirectory() + "phantom-b-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        var options = Cohort.Options(patients: 2, seed: 42)
        options.imagesPerView = 1
        let rowsA = try Cohort.write(options, to: a), rowsB = try Cohort.write(options, to: b)
        #expect(rowsA.count == 6 && rowsA.map(\.image) == rowsB.map(\.image))
        for row in rowsA {
            #expect(FileManager.default.contents(atPath: a + "/" + row.image) == FileManager.default.contents(atPath: b + "/" + row.image))
        }
        #expect(FileManager.default.contents(atPath: a + "/manifest.csv") == FileManager.default.contents(atPath: b + "/manifest.csv"))
        options.seed = 43
        let other = NSTemporaryDirectory() + "phantom-c-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: other) }
        let rowsC = try Cohort.write(options, to: other)
        #expect(FileManager.default.contents(atPath: a + "/" + rowsA[0].image) != FileManager.default.contents(atPath: other + "/" + rowsC[0].image))
    }

    @Test func framesOfOneViewDifferLikeRepeatedFrames() throws {
        let exam = Exam(patient: SimulatedPatient(index: 1, fatPercent: 20, seed: 3), profile: .meridian, date: "2025-01-01", seed: 3)
        let f1 = exam.frame(view: .subcostal, index: 0), f2 = exam.frame(view: .subcostal, index: 1)
        let differing = zip(f1.image.pixels, f2.image.pixels).filter { $0 != $1 }.count
        #expect(differing > f1.image.pixels.count / 10)  // new speckle and a small movement
        let m1 = Measure.band(f1, depths: 3...8, halfWidth: 2), m2 = Measure.band(f2, depths: 3...8, halfWidth: 2)
        #expect(abs(m1 - m2) < 12)                     // but the same liver
    }

    @Test func everyViewAndGeometryAppears() {
        var options = Cohort.Options(patients: 10, seed: 9)
        options.studiesPerPatient = 2
        let exams = Cohort.exams(options)
        #expect(Set(exams.map { $0.exam.profile.geometry.name }) == ["curvilinear", "sector", "linear"])
        #expect(Set(options.views) == Set(View.liverViews))
        // Each patient's studies are on different scanners, for agreement studies.
        for p in stride(from: 0, to: exams.count, by: 2) {
            #expect(exams[p].exam.profile.id != exams[p + 1].exam.profile.id)
        }
        for view in View.liverViews {
            let frame = exams[0].exam.frame(view: view, index: 0)
            #expect(frame.image.width == exams[0].exam.profile.imageWidth)
        }
    }

    /// Nothing burned into the screen depends on fat: outside the fan, a healthy and a severe
    /// liver imaged in the same exam give identical pixels (inside, the only overlays are calipers
    /// and labels drawn from the frame's own random draws).
    @Test(arguments: ScannerProfile.all.map(\.id))
    func theInterfaceNeverShowsTheGrade(scanner: String) throws {
        let profile = try #require(ScannerProfile.named(scanner))
        let healthy = Exam(patient: SimulatedPatient(index: 1, fatPercent: 1, seed: 5), profile: profile, date: "2025-02-03", seed: 77)
        let severe = Exam(patient: SimulatedPatient(index: 1, fatPercent: 85, seed: 5), profile: profile, date: "2025-02-03", seed: 77)
        let a = healthy.frame(view: .rightIntercostal, index: 0), b = severe.frame(view: .rightIntercostal, index: 0)
        var outside = 0, differ = 0
        for y in 0..<a.image.height { for x in 0..<a.image.width where !a.insideFan(x, y) {
            outside += 1
            if Measure.grey(a.image, x, y) != Measure.grey(b.image, x, y) { differ += 1 }
        } }
        #expect(outside > 0 && differ == 0)
    }

    /// The development scanners must lie outside what training draws, or they would not show how a
    /// model copes with an unfamiliar look: each is outside the random scanners' range of preset
    /// gain, grey map, frequency and TGC compensation (checked over 400 random scanners).
    @Test func developmentScannersAreOutsideTheTrainingRanges() throws {
        let drawn = (0..<400).map { ScannerProfile.randomised(seed: UInt64(1000 + $0)) }
        func span(_ key: (ScannerProfile) -> Double) -> ClosedRange<Double> { drawn.map(key).min()!...drawn.map(key).max()! }
        let gain = span(\.gainDB), grey = span(\.greyGamma), tgc = span(\.nominalAttenuation)
        let frequency = span { $0.centerFrequencyMHz * ($0.harmonic ? 2 : 1) }
        for profile in ScannerProfile.developmentOutliers {
            #expect(try #require(ScannerProfile.named(profile.id)).id == profile.id)
            #expect(!gain.contains(profile.gainDB) && !grey.contains(profile.greyGamma) && !tgc.contains(profile.nominalAttenuation),
                    "\(profile.id) gain \(profile.gainDB) of \(gain), grey \(profile.greyGamma) of \(grey), TGC \(profile.nominalAttenuation) of \(tgc)")
            #expect(!frequency.contains(profile.centerFrequencyMHz * (profile.harmonic ? 2 : 1)), "\(profile.id) frequency of \(frequency)")
            #expect(!ScannerProfile.all.contains { $0.id == profile.id }, "not a sample or held-out scanner")
        }
    }

    @Test func readersAgreeAboutTwoTimesInThreeAndCAPDiscriminates() {
        var options = Cohort.Options(patients: 3000, seed: 21)
        options.scanners = [.meridian]
        let exams = Cohort.exams(options)
        let truth = exams.map { $0.exam.patient.grade.rawValue }
        let report = exams.map(\.reportGrade)
        let agreement = Double(zip(truth, report).filter { $0 == $1 }.count) / Double(exams.count)
        let offByOne = zip(truth, report).filter { abs($0 - $1) == 1 }.count
        let wrong = zip(truth, report).filter { $0 != $1 }.count
        #expect(agreement > 0.6 && agreement < 0.72, "agreement \(agreement)")
        #expect(Double(offByOne) / Double(wrong) > 0.85)
        let auc = auroc(scores: exams.map(\.cap), positive: truth.map { $0 >= 1 })
        #expect(auc > 0.78 && auc < 0.9, "CAP AUROC for ≥ mild \(auc)")
        let caps = exams.map(\.cap)
        #expect(caps.allSatisfy { (100...400).contains($0) })
    }

    /// Mann–Whitney AUROC (ties count half).
    func auroc(scores: [Double], positive: [Bool]) -> Double {
        let pos = zip(scores, positive).filter { $0.1 }.map(\.0), neg = zip(scores, positive).filter { !$0.1 }.map(\.0)
        var wins = 0.0
        for p in pos { for n in neg { wins += p > n ? 1 : (p == n ? 0.5 : 0) } }
        return wins / Double(pos.count * neg.count)
    }
}
