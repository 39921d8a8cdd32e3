/// Smooth random texture over the body (two octaves of bilinear value noise, unit-ish variance),
/// for the slow echo variations of organs and the wavy fat septa.
struct ValueNoise: Sendable {
    private let coarse: [Float]
    private let fine: [Float]
    private static let size = 64
    private static let originX = -16.0, originY = -3.0

    init(rng: inout RandomSource) {
        coarse = (0..<(Self.size * Self.size)).map { _ in Float(rng.normal()) }
        fine = (0..<(Self.size * Self.size)).map { _ in Float(rng.normal()) }
    }

    @inline(__always)
    func value(_ x: Double, _ y: Double) -> Float {
        0.8 * sample(coarse, x, y, cell: 0.7) + 0.6 * sample(fine, x, y, cell: 0.25)
    }

    @inline(__always)
    private func sample(_ grid: [Float], _ x: Double, _ y: Double, cell: Double) -> Float {
        let n = Self.size
        let gx = (x - Self.originX) / cell, gy = (y - Self.originY) / cell
        let fx = gx - gx.rounded(.down), fy = gy - gy.rounded(.down)
        let ix = ((Int(gx.rounded(.down)) % n) + n) % n, iy = ((Int(gy.rounded(.down)) % n) + n) % n
        let ix1 = (ix + 1) % n, iy1 = (iy + 1) % n
        let a = grid[iy * n + ix], b = grid[iy * n + ix1], c = grid[iy1 * n + ix], d = grid[iy1 * n + ix1]
        let top = a + (b - a) * Float(fx), bottom = c + (d - c) * Float(fx)
        return top + (bottom - top) * Float(fy)
    }
}
