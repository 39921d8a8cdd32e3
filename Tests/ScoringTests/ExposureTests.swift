import Testing
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
