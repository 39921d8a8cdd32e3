import Testing
import UltrasoundImaging
@testable import Phantom

@Suite struct PhysicsTests {
    /// The attenuation set in a homogeneous phantom is recovered from the image's depth profile:
    /// TGC compensates the nominal 0.5 dB/cm/MHz (as the beam loses it, downshift included), so the mean
    /// log brightness falls 2·(α − 0.5)·s·f0 dB per cm, where s is the share of the slope left after
    /// the spectrum's downshift at mid-depth.
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
        let s = BeamSimulator.downshift(depth: (depths.first! + depths.last!) / 2)
        let expected = profile.nominalAttenuation + (alpha - profile.nominalAttenuation) * s
        #expect(abs(estimate - expected) / expected < 0.15, "set \(alpha) (\(expected) after downshift), estimated \(estimate)")
    }

    /// With everything else equal (same exam seed), shallow liver brightness and the hepatorenal
    /// index both rise with fat, on every scanner.
    @Test(arguments: ScannerProfile.all.map(\.id))
    func brightnessAndHepatorenalIndexRiseWithFat(scanner: String) throws {
        let profile = try #require(ScannerProfile.named(scanner))
        func exam(fat: Double, seed: UInt64) -> Exam {
            var patient = SimulatedPatient(index: 1, fatPercent: fat, seed: seed)
            patient.kidneyVisibleChance = 1
            // Same body habitus at every fat level, and the typical backscatter rise: only the liver changes.
            patient.subcutaneousFatCm = 1.2
            patient.muscleCm = 1.0
            patient.backscatterGainDB = Steatosis.backscatterGainDB(fatPercent: fat)
            patient.kidneyCortexDB = -2
            patient.attenuation = Steatosis.meanAttenuation(fatPercent: fat)
            // The scanner's own preset: the operator's random settings are the subject of another test.
            var exam = Exam(patient: patient, profile: profile, date: "2025-01-01", seed: seed)
            exam.gainDB = profile.gainDB; exam.dynamicRangeDB = profile.dynamicRangeDB
            exam.tgcDB = [0, 0]; exam.autoTGC = 0; exam.frequencyScale = 1; exam.greyCurve = 0; exam.greyGamma = profile.greyGamma
            return exam
        }
        func frame(fat: Double, seed: UInt64) -> SimulatedFrame { exam(fat: fat, seed: seed).frame(view: .rightIntercostal, index: 0) }
        // The anatomy does not depend on fat: take the first two exams whose kidney cortex is in view.
        let seeds = (UInt64(11)...UInt64(60)).filter {
            exam(fat: 2, seed: $0).hepatorenalROIs(view: .rightIntercostal, index: 0).kidney != nil
        }.prefix(8)
        #expect(seeds.count == 8, "\(scanner): the kidney is rarely in view")
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
        #expect(hri[3] > 1.45, "severe HRI \(hri[3]), all \(hri)")
    }

    @Test func fatPushesAttenuationAndBackscatterUp() {
        let fats = stride(from: 0.0, through: 95, by: 5).map { $0 }
        let alphas = fats.map { Steatosis.meanAttenuation(fatPercent: $0) }
        let gains = fats.map { Steatosis.backscatterGainDB(fatPercent: $0) }
        #expect(zip(alphas, alphas.dropFirst()).allSatisfy { $0 < $1 })
        #expect(zip(gains, gains.dropFirst()).allSatisfy { $0 < $1 })
        #expect(abs(Steatosis.meanAttenuation(fatPercent: 2.5) - 0.52) < 0.01)
        #expect(abs(Steatosis.backscatterGainDB(fatPercent: 80) - 12) < 0.01)
    }

    func leastSquaresSlope(_ x: [Double], _ y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx) }
        return sxy / sxx
    }
}

/// Across random scanners, operators and patients (the training distribution), the pixel cues still
/// follow the physics: shallow liver brightness rises with fat and the brightness falls faster with
/// depth (Spearman |ρ| > 0.3 both), though no single image or scanner shows it cleanly.
@Test func pixelCuesFollowFatAcrossRandomScanners() {
    var fats: [Double] = [], shallow: [Double] = [], slopes: [Double] = []
    for k in 0..<64 {
        var rng = RandomSource(seed: 77, 9, UInt64(k))
        let fat = rng.uniform(0, 90)
        let patient = SimulatedPatient(index: k, fatPercent: fat, seed: 77)
        let exam = Exam(patient: patient, profile: .randomised(seed: rng.next()), date: "2025-01-01", seed: rng.next())
        let frame = exam.frame(view: .subcostal, index: 0)
        let top = 0.2 + 1.1 * (patient.subcutaneousFatCm + patient.muscleCm) + 0.5
        var depths: [Double] = [], greys: [Double] = []
        for d in stride(from: top, through: top + 5, by: 0.5) {
            depths.append(d); greys.append(Measure.band(frame, depths: d...(d + 0.5), halfWidth: 1))
        }
        fats.append(fat); shallow.append(greys[0]); slopes.append(PhysicsTests().leastSquaresSlope(depths, greys))
    }
    func ranks(_ v: [Double]) -> [Double] {
        var r = [Double](repeating: 0, count: v.count)
        for (rank, i) in v.indices.sorted(by: { v[$0] < v[$1] }).enumerated() { r[i] = Double(rank) }
        return r
    }
    func spearman(_ a: [Double], _ b: [Double]) -> Double {
        let x = ranks(a), y = ranks(b), n = Double(a.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        let sxx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +), syy = y.map { ($0 - my) * ($0 - my) }.reduce(0, +)
        return sxy / (sxx * syy).squareRoot()
    }
    let brightness = spearman(fats, shallow), slope = spearman(fats, slopes)
    #expect(brightness > 0.3, "shallow brightness vs fat ρ = \(brightness)")
    #expect(slope < -0.3, "depth slope vs fat ρ = \(slope)")
}
