import Foundation
import Testing
import UltrasoundImaging
@testable import Scoring

/// Wide fluid pockets (an amniotic sac, a full bladder) are found and measured in centimetres; the
/// long narrow vessels of a liver view and the darkness below the diaphragm are not.
@Suite struct FluidCollectionTests {
    let size = 128, cellCm = 16.0 / 128

    /// Tissue everywhere (speckle between 0.35 and 0.65), the whole window inside the fan.
    func tissue(seed: UInt64 = 7) -> NetworkInput {
        var state = seed
        let intensity = (0..<(size * size)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return 0.35 + 0.3 * Float(state >> 40) / Float(1 << 24)
        }
        let rowDepth = (0..<size).map { Float((Double($0) + 0.5) * cellCm / 20) }
        return NetworkInput(size: size, intensity: intensity, mask: [Bool](repeating: true, count: size * size), rowDepth: rowDepth)
    }

    func paint(_ input: inout NetworkInput, value: Float = 0.01, _ inside: (Double, Double) -> Bool) {
        for y in 0..<size { for x in 0..<size where inside((Double(x) + 0.5) * cellCm, (Double(y) + 0.5) * cellCm) {
            input.intensity[y * size + x] = value
        } }
    }

    @Test func aSacFiveCentimetresAcrossIsMeasuredAndRefused() {
        var input = tissue()
        paint(&input) { x, y in (x - 8) * (x - 8) + (y - 7) * (y - 7) < 2.5 * 2.5 }
        let width = FluidCollection.widestPocketCm(input)
        #expect(abs(width - 5) < 0.5, "\(width) cm")
        #expect(width >= Preprocessing.fluidPocketCm)
    }

    @Test func aVesselAcrossTheWholeFieldIsNarrow() {
        // The aorta under the left lobe: 2 cm across, running the window's whole width.
        var input = tissue()
        paint(&input) { _, y in y > 8 && y < 10 }
        let width = FluidCollection.widestPocketCm(input)
        #expect(width > 1.5 && width < 2.3, "\(width) cm")
    }

    @Test func darknessRunningToTheFansEndIsNoPocket() {
        // Below the diaphragm (or in a far field attenuation has darkened): nothing beneath it.
        var input = tissue()
        paint(&input) { _, y in y > 10 }
        #expect(FluidCollection.widestPocketCm(input) == 0)
        // A sac whose far wall lies past the fan's end is not known to be enclosed either.
        var cut = tissue()
        paint(&cut) { x, y in (x - 8) * (x - 8) + (y - 12) * (y - 12) < 2.5 * 2.5 }
        for i in cut.mask.indices where Double(i / size) * cellCm > 14.4 { cut.mask[i] = false }
        #expect(FluidCollection.widestPocketCm(cut) == 0)
    }

    @Test func fadingWithDepthIsNotFluid() {
        // Attenuation: brightness falling steadily to a twentieth of the near field's at the bottom,
        // above a bright diaphragm. No sharp near wall, so no pocket wide enough to refuse.
        var input = tissue()
        for y in 0..<size { for x in 0..<size {
            input.intensity[y * size + x] *= Float(pow(0.05, Double(y) / Double(size - 12)))
        } }
        paint(&input, value: 0.9) { _, y in y > 14.6 && y < 15.2 }
        #expect(FluidCollection.widestPocketCm(input) < Preprocessing.fluidPocketCm)
    }

    @Test func aBlackScreenHasNoPocket() {
        var input = tissue()
        paint(&input) { _, _ in true }
        #expect(FluidCollection.widestPocketCm(input) == 0)
    }

    /// A sector fan split by an anechoic band across its whole width (a vessel across the field): the
    /// part above the band, narrower near the apex, still belongs to the fan.
    @Test func aFanSplitByABandKeepsItsUpperPart() throws {
        let w = 640, h = 480, apex = (x: 320.0, y: 40.0)
        var pixels = [UInt8](repeating: 0, count: w * h)
        var state: UInt64 = 11
        for y in 0..<h { for x in 0..<w {
            let dx = Double(x) - apex.x, dy = Double(y) - apex.y, r = (dx * dx + dy * dy).squareRoot()
            guard dy > 0, abs(atan2(dx, dy)) < 35 * Double.pi / 180, r > 10, r < 400 else { continue }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Int(state >> 57)   // 0–127
            pixels[y * w + x] = r > 240 && r < 265 ? UInt8(noise / 48) : UInt8(70 + noise / 2)
        } }
        let fan = try #require(FanDetector.detect(PixelImage(width: w, height: h, channels: 1, pixels: pixels)))
        // Without the upper part the fan would start where the band ends, about row 257.
        #expect(fan.y0 < 80, "fan starts at row \(fan.y0)")
        #expect(fan.y1 > 420)
    }
}
