import Testing
import UltrasoundImaging
@testable import Phantom

@Suite struct PhysicsTests {
    /// The attenuation set in a homogeneous phantom is recovered from the image's depth profile:
    /// TGC compensates the nominal 0.5 dB/cm/MHz, so the mean log brightness falls 2·(α − 0.5)·f0 dB per cm.
    @Test(arguments: [0.5, 0.65, 0.8, 0.95])
    func attenuationIsRecoveredFromTheDepthProfile(alpha: Double) {
        let profile = ScannerProfile.meridian
        let frame = Calibration.homogeneousFrame(attenuation: alpha, profile: profile, depthCm: 16, gainDB: 4, seed: 7)
        var depths: [Double] = [], decibels: [Double] = []
        for d in stride(from: 1.5, through: 14.0, by: 0.25) {
            let grey = Measure.band(frame, depths: d...(d + 0.25), halfWidth: 2)
            guard grey > 25, grey < 245 else { continue }  // away from clipping at either end
            depths.append(d)
            decibels.append(grey / 255 * profile.dynamicRangeDB)
        }
        #expect(depths.count > 20)
        let slope = leastSquaresSlope(depths, decibels)
        let estimate = profile.nominalAttenuation - slope / (2 * profile.centerFrequencyMHz)
        #expect(abs(estimate - alpha) / alpha < 0.15, "set \(alpha), estimated \(estimate)")
    }

    /// With everything else equal (same exam seed), shallow liver brightness and the hepatorenal
    /// index both rise with fat, on every scanner.
    @Test(arguments: ScannerProfile.all.map(\.id))
    func brightnessAndHepatorenalIndexRiseWithFat(scanner: String) throws {
        let profile = try #require(ScannerProfile.named(scanner))
        func exam(fat: Double, seed: UInt64) -> Exam {
            var patient = SimulatedPatient(index: 1, fatPercent: fat, seed: seed)
            patient.kidneyVisibleChance = 1
            // Same body habitus at every fat level: only the liver changes.
            patient.subcutaneousFatCm = 1.2
            patient.muscleCm = 1.0
            return Exam(patient: patient, profile: profile, date: "2025-01-01", seed: seed)
        }
        func frame(fat: Double, seed: UInt64) -> SimulatedFrame { exam(fat: fat, seed: seed).frame(view: .rightIntercostal, index: 0) }
        // The anatomy does not depend on fat: take the first two exams whose kidney cortex is in view.
        let seeds = (UInt64(11)...UInt64(40)).filter {
            exam(fat: 2, seed: $0).hepatorenalROIs(view: .rightIntercostal, index: 0).kidney != nil
        }.prefix(2)
        #expect(seeds.count == 2, "\(scanner): the kidney is rarely in view")
        var shallow: [Double] = [], hri: [Double] = []
        for fat in [2.0, 20, 50, 80] {
            var sumShallow = 0.0, sumHRI = 0.0
            for seed in seeds {
                let f = frame(fat: fat, seed: seed)
                let rois = (f.liverROI, f.kidneyROI)
                let liver = try #require(rois.0), kidney = try #require(rois.1)
                sumHRI += Measure.mean(f.image, liver) / max(1, Measure.mean(f.image, kidney))
                // Shallow liver: the first centimetre below the deepest the capsule can be for this patient.
                let p = exam(fat: fat, seed: seed).patient
                let top = 0.2 + 1.15 * (p.subcutaneousFatCm + p.muscleCm) + 0.3
                sumShallow += Measure.band(f, depths: top...(top + 1), halfWidth: 1.2)
            }
            shallow.append(sumShallow / Double(seeds.count))
            hri.append(sumHRI / Double(seeds.count))
        }
        #expect(zip(shallow, shallow.dropFirst()).allSatisfy { $0 < $1 }, "shallow liver grey by fat: \(shallow)")
        #expect(zip(hri, hri.dropFirst()).allSatisfy { $0 < $1 }, "hepatorenal index by fat: \(hri)")
        #expect(hri[0] > 0.9 && hri[0] < 1.35, "healthy HRI \(hri[0])")
        #expect(hri[3] > 1.45, "severe HRI \(hri[3])")
    }

    @Test func fatPushesAttenuationAndBackscatterUp() {
        let fats = stride(from: 0.0, through: 95, by: 5).map { $0 }
        let alphas = fats.map { Steatosis.meanAttenuation(fatPercent: $0) }
        let gains = fats.map { Steatosis.backscatterGainDB(fatPercent: $0) }
        #expect(zip(alphas, alphas.dropFirst()).allSatisfy { $0 < $1 })
        #expect(zip(gains, gains.dropFirst()).allSatisfy { $0 < $1 })
        #expect(abs(Steatosis.meanAttenuation(fatPercent: 2.5) - 0.52) < 0.01)
        #expect(abs(Steatosis.backscatterGainDB(fatPercent: 80) - 11) < 0.01)
    }

    func leastSquaresSlope(_ x: [Double], _ y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx) }
        return sxy / sxx
    }
}
