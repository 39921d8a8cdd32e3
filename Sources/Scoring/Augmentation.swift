import Foundation
import UltrasoundImaging

/// What differs between scanners, presets and operators, drawn anew for every training image and
/// wide enough that no one cue can carry the grade alone: gain, contrast and grey map, a TGC tilt
/// (±0.25 of the grey range over the window) and bow, a fan cut short (a shallow preset), smoothing (harmonic imaging, speckle
/// reduction), coarser speckle, edge enhancement, noise, JPEG
/// compression at quality 40–95, a scale error of ±12 % (a misread or assumed depth), shifts and
/// mirroring. Relative echogenicity (liver against kidney and vessels), how fast the image darkens
/// with depth beyond the tilt, and the definition of vessel walls and the diaphragm survive.
public struct Augmentation: Sendable {
    public var strength: Double = 1

    public init(strength: Double = 1) { self.strength = strength }

    /// Returns new intensities (0–1) and mask for one sample.
    public func apply(_ sample: TrainingSample, size: Int, rng: inout Xorshift) -> (intensity: [Float], mask: [Bool]) {
        var v = sample.intensity.map { Float($0) / 255 }
        var mask = sample.mask
        let s = Float(strength)
        if rng.uniform(0, 1) < 0.5 * s { (v, mask) = zoom(v, mask, factor: 1 + rng.uniform(-0.12, 0.12) * s, size: size) }
        // A shallower preset than the simulator draws (8–13 cm): the window below it is empty.
        if rng.uniform(0, 1) < 0.2 * s {
            let rows = Int(Float(size) * rng.uniform(8, 13) / Float(Preprocessing.windowCm))
            for i in (rows * size)..<(size * size) { mask[i] = false; v[i] = 0 }
        }
        let gain = rng.uniform(-0.15, 0.15) * s
        let contrast = 1 + rng.uniform(-0.25, 0.3) * s
        let gamma = exp(rng.uniform(-0.5, 0.5) * s)
        let tilt = rng.uniform(-0.25, 0.25) * s, bow = rng.uniform(-0.1, 0.1) * s
        let noise = rng.uniform(0, 0.05) * s
        var mean: Float = 0, count: Float = 0
        for i in v.indices where mask[i] { mean += v[i]; count += 1 }
        mean /= max(count, 1)
        for y in 0..<size {
            let d = Float(y) / Float(size)
            let tgc = tilt * (d - 0.4) + bow * sin(Float.pi * d)
            for x in 0..<size {
                let i = y * size + x
                guard mask[i] else { continue }
                var t = (v[i] - mean) * contrast + mean + gain + tgc
                t = pow(min(max(t, 0), 1), gamma)
                v[i] = t
            }
        }
        // Resolution and processing: harmonic imaging and speckle reduction smooth the texture (a
        // wide Gaussian, or one that spares edges), fundamental imaging at low frequency coarsens it,
        // edge enhancement sharpens it. Refusal scenes get the same, so texture cannot tell them apart.
        let r = rng.uniform(0, 1)
        if r < 0.15 * s { v = blur(v, mask: mask, size: size) }
        else if r < 0.3 * s { v = gaussian(v, mask: mask, size: size, sigma: rng.uniform(0.7, 1.8)) }
        else if r < 0.45 * s { v = speckleReduction(v, mask: mask, size: size, sigma: rng.uniform(1, 2.2), edge: rng.uniform(0.03, 0.1)) }
        else if r < 0.58 * s { v = coarsen(v, size: size, factor: rng.uniform(0, 1) < 0.5 ? 2 : 3) }
        else if r < 0.68 * s { v = sharpen(v, mask: mask, size: size, amount: rng.uniform(0.4, 1.2)) }
        if noise > 0 { for i in v.indices where mask[i] { v[i] = min(max(v[i] + noise * rng.normal(), 0), 1) } }
        if rng.uniform(0, 1) < 0.4 * s { v = jpeg(v, mask: mask, size: size, quality: Int(rng.uniform(40, 95))) }
        let dx = Int(rng.uniform(-8, 8) * s), dy = Int(rng.uniform(-4, 4) * s)
        if dx != 0 || dy != 0 { (v, mask) = shift(v, mask, dx: dx, dy: dy, size: size) }
        if rng.uniform(0, 1) < 0.5 { (v, mask) = mirror(v, mask, size: size) }
        return (v, mask)
    }

    /// Scales about the top centre (the skin under the probe), bilinear; cells from outside are outside the fan.
    func zoom(_ v: [Float], _ m: [Bool], factor: Float, size: Int) -> ([Float], [Bool]) {
        var ov = [Float](repeating: 0, count: v.count), om = [Bool](repeating: false, count: m.count)
        let cx = Float(size) / 2
        for y in 0..<size { for x in 0..<size {
            let sx = cx + (Float(x) + 0.5 - cx) / factor - 0.5, sy = (Float(y) + 0.5) / factor - 0.5
            let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
            guard x0 >= 0, y0 >= 0, x0 + 1 < size, y0 + 1 < size else { continue }
            let tx = sx - Float(x0), ty = sy - Float(y0)
            let i = y0 * size + x0
            guard m[i], m[i + 1], m[i + size], m[i + size + 1] else { continue }
            let top = v[i] + (v[i + 1] - v[i]) * tx, bottom = v[i + size] + (v[i + size + 1] - v[i + size]) * tx
            ov[y * size + x] = top + (bottom - top) * ty
            om[y * size + x] = true
        } }
        return (ov, om)
    }

    /// Coarser resolution and speckle: block means of `factor` cells, spread back.
    func coarsen(_ v: [Float], size: Int, factor f: Int) -> [Float] {
        var out = v
        for by in stride(from: 0, to: size, by: f) { for bx in stride(from: 0, to: size, by: f) {
            var sum: Float = 0, n: Float = 0
            for y in by..<min(size, by + f) { for x in bx..<min(size, bx + f) { sum += v[y * size + x]; n += 1 } }
            for y in by..<min(size, by + f) { for x in bx..<min(size, bx + f) { out[y * size + x] = sum / n } }
        } }
        return out
    }

    /// A JPEG round trip at `quality`, as screenshots and PACS exports are stored.
    func jpeg(_ v: [Float], mask: [Bool], size: Int, quality: Int) -> [Float] {
        let pixels = v.map { UInt8(min(max($0 * 255, 0), 255).rounded()) }
        guard let bytes = try? JPEGCodec.encode(PixelImage(width: size, height: size, channels: 1, pixels: pixels), quality: quality),
              let decoded = try? JPEGCodec.decode(bytes), decoded.width == size, decoded.height == size else { return v }
        let c = decoded.channels
        return (0..<(size * size)).map { i in mask[i] ? Float(decoded.pixels[i * c]) / 255 : 0 }
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

    /// A Gaussian blur of `sigma` cells that only mixes cells inside the fan.
    func gaussian(_ v: [Float], mask: [Bool], size: Int, sigma: Float) -> [Float] {
        let radius = Int((2.5 * sigma).rounded(.up))
        let kernel = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        func pass(_ input: [Float], horizontal: Bool) -> [Float] {
            var out = input
            for y in 0..<size { for x in 0..<size where mask[y * size + x] {
                var sum: Float = 0, weight: Float = 0
                for (k, w) in kernel.enumerated() {
                    let xx = horizontal ? x + k - radius : x, yy = horizontal ? y : y + k - radius
                    guard xx >= 0, xx < size, yy >= 0, yy < size, mask[yy * size + xx] else { continue }
                    sum += w * input[yy * size + xx]; weight += w
                }
                out[y * size + x] = sum / max(weight, 1e-6)
            } }
            return out
        }
        return pass(pass(v, horizontal: true), horizontal: false)
    }

    /// Speckle reduction as scanners do it: smooth where the image is flat, keep strong edges (vessel
    /// walls, the diaphragm) where the local gradient exceeds `edge`.
    func speckleReduction(_ v: [Float], mask: [Bool], size: Int, sigma: Float, edge: Float) -> [Float] {
        let smooth = gaussian(v, mask: mask, size: size, sigma: sigma)
        var out = v
        for y in 1..<(size - 1) { for x in 1..<(size - 1) where mask[y * size + x] {
            let i = y * size + x
            let gx = (smooth[i + 1] - smooth[i - 1]) / 2, gy = (smooth[i + size] - smooth[i - size]) / 2
            let g2 = (gx * gx + gy * gy) / (edge * edge)
            let keep = g2 / (1 + g2)
            out[i] = smooth[i] + keep * (v[i] - smooth[i])
        } }
        return out
    }

    /// Edge enhancement: the image plus `amount` times its difference from a blurred copy.
    func sharpen(_ v: [Float], mask: [Bool], size: Int, amount: Float) -> [Float] {
        let smooth = gaussian(v, mask: mask, size: size, sigma: 1)
        return v.indices.map { i in mask[i] ? min(max(v[i] + amount * (v[i] - smooth[i]), 0), 1) : 0 }
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
