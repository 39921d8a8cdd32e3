import Foundation

/// What differs between scanners and presets, drawn anew for every training image, wide enough that
/// absolute brightness carries no information: gain, dynamic range, grey map, a mild TGC tilt,
/// resolution, noise, small shifts and mirroring. Depth-dependent darkening beyond the mild TGC range,
/// relative echogenicity and structure definition are what survive.
public struct Augmentation: Sendable {
    public var strength: Double = 1

    public init(strength: Double = 1) { self.strength = strength }

    /// Returns new intensities (0–1) and mask for one sample.
    public func apply(_ sample: TrainingSample, size: Int, rng: inout Xorshift) -> (intensity: [Float], mask: [Bool]) {
        var v = sample.intensity.map { Float($0) / 255 }
        var mask = sample.mask
        let s = Float(strength)
        let gain = rng.uniform(-0.15, 0.15) * s
        let contrast = 1 + rng.uniform(-0.25, 0.3) * s
        let gamma = exp(rng.uniform(-0.35, 0.35) * s)
        let tilt = rng.uniform(-0.04, 0.04) * s, bow = rng.uniform(-0.04, 0.04) * s
        let noise = rng.uniform(0, 0.04) * s
        var mean: Float = 0, count: Float = 0
        for i in v.indices where mask[i] { mean += v[i]; count += 1 }
        mean /= max(count, 1)
        for y in 0..<size {
            let d = sample.rowDepth[y]
            let tgc = tilt * (d - 0.5) + bow * sin(Float.pi * d)
            for x in 0..<size {
                let i = y * size + x
                guard mask[i] else { continue }
                var t = (v[i] - mean) * contrast + mean + gain + tgc
                t = pow(min(max(t, 0), 1), gamma)
                v[i] = t
            }
        }
        if rng.uniform(0, 1) < 0.3 * Float(strength) { v = blur(v, mask: mask, size: size) }
        if noise > 0 { for i in v.indices where mask[i] { v[i] = min(max(v[i] + noise * rng.normal(), 0), 1) } }
        let dx = Int(rng.uniform(-6, 6) * s), dy = Int(rng.uniform(-4, 4) * s)
        if dx != 0 || dy != 0 { (v, mask) = shift(v, mask, dx: dx, dy: dy, size: size) }
        if rng.uniform(0, 1) < 0.5 { (v, mask) = mirror(v, mask, size: size) }
        return (v, mask)
    }

    func blur(_ v: [Float], mask: [Bool], size: Int) -> [Float] {
        var out = v
        for y in 1..<(size - 1) { for x in 1..<(size - 1) where mask[y * size + x] {
            var s: Float = 0, n: Float = 0
            for dy in -1...1 { for dx in -1...1 where mask[(y + dy) * size + x + dx] { s += v[(y + dy) * size + x + dx]; n += 1 } }
            out[y * size + x] = s / n
        } }
        return out
    }

    func shift(_ v: [Float], _ m: [Bool], dx: Int, dy: Int, size: Int) -> ([Float], [Bool]) {
        var ov = [Float](repeating: 0, count: v.count), om = [Bool](repeating: false, count: m.count)
        for y in 0..<size { for x in 0..<size {
            let sx = x - dx, sy = y - dy
            guard sx >= 0, sx < size, sy >= 0, sy < size else { continue }
            ov[y * size + x] = v[sy * size + sx]; om[y * size + x] = m[sy * size + sx]
        } }
        return (ov, om)
    }

    func mirror(_ v: [Float], _ m: [Bool], size: Int) -> ([Float], [Bool]) {
        var ov = v, om = m
        for y in 0..<size { for x in 0..<size { ov[y * size + x] = v[y * size + size - 1 - x]; om[y * size + x] = m[y * size + size - 1 - x] } }
        return (ov, om)
    }
}

/// A small seeded generator for training (data order, augmentation, view dropout).
public struct Xorshift: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    public mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    public mutating func uniform(_ a: Float, _ b: Float) -> Float { a + (b - a) * Float(next() >> 40) / Float(1 << 24) }
    public mutating func normal() -> Float {
        let u1 = max(uniform(0, 1), 1e-7), u2 = uniform(0, 1)
        return (-2 * log(u1)).squareRoot() * cos(2 * Float.pi * u2)
    }
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, Int(next() % UInt64(i + 1))) }
    }
}
