import Foundation
import Phantom
import Testing
import UltrasoundImaging
@testable import Scoring

/// The shares of the fan clipped white and of its near field left black, on inputs made by hand.
@Suite struct ExposureTests {
    let size = 64

    /// Every cell `value`, the fan covering rows `rows` of the window.
    func input(_ value: Float, rows: Range<Int>? = nil) -> NetworkInput {
        let rows = rows ?? 0..<size
        let mask = (0..<(size * size)).map { rows.contains($0 / size) }
        return NetworkInput(size: size, intensity: [Float](repeating: value, count: size * size), mask: mask,
                            rowDepth: (0..<size).map { Float($0) / Float(size) * 0.8 })
    }

    @Test func midGreyIsNeitherClippedNorBlack() {
        let e = Exposure.measure(input(0.5))
        #expect(e.clippedWhite == 0 && e.blackNearField == 0)
    }

    @Test func washedOutIsClippedWhite() {
        var x = input(0.99)
        for i in 0..<(size * size / 4) { x.intensity[i] = 0.5 }   // the top quarter readable
        let e = Exposure.measure(x)
        #expect(e.clippedWhite == 0.75 && e.blackNearField == 0)
    }

    @Test func onlyTheUpperHalfOfTheFanCountsForBlack() {
        // The fan from row 8 to row 55 (48 rows): its upper half is rows 8–31.
        var x = input(0.4, rows: 8..<56)
        for i in (32 * size)..<(size * size) { x.intensity[i] = 0 }   // a dark far field: not counted
        #expect(Exposure.measure(x).blackNearField == 0)
        for i in (20 * size)..<(32 * size) { x.intensity[i] = 0.01 }  // half of the near field black
        #expect(Exposure.measure(x).blackNearField == 0.5)
    }

    @Test func noFanMeasuresNothing() {
        let e = Exposure.measure(input(1, rows: 0..<0))
        #expect(e.clippedWhite == 0 && e.blackNearField == 0)
    }
}

/// The rule on a simulated liver frame: as drawn it is readable; with its grey levels pushed up four
/// times (the gain about 12 dB up on an already bright preset) most of it clips, and the shipped
/// model does not score it.
@Suite struct ExposureRuleTests {
    @Test func aWashedOutLiverIsNotScored() throws {
        let exam = Exam(patient: SimulatedPatient(index: 1, fatPercent: 10, seed: 2), profile: .meridian, date: "2025-01-01", seed: 4)
        let plain = try #require(Preprocessing.prepare(exam.frame(view: .subcostal, index: 0).image))
        #expect(!Preprocessing.isTooPoorByRule(plain))
        var washed = plain
        washed.intensity = plain.intensity.map { min(1, $0 * 4) }
        (washed.clippedWhiteShare, washed.blackNearFieldShare) = Exposure.measure(washed)
        #expect(Preprocessing.isTooPoorByRule(washed), "clipped white \(washed.clippedWhiteShare)")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let model = try SteatosisModel(path: root.appendingPathComponent("Models/steatoscope-default.safetensors").path, workers: 1)
        let p = model.score([washed], views: [.subcostal])[0]
        // Refused: by the rule as too poor, unless the gate had refused it already (its reason then stands).
        #expect(p.refusal(model.rule) != nil)
        #expect(p.forcedRefusal == .poorQuality || (p.forcedRefusal == nil && p.quality < model.rule.gateThreshold))
    }
}
