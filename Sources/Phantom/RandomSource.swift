import Foundation
/// A small, fast, seedable generator (SplitMix64) so a cohort is the same bytes for the same seed,
/// whatever the thread that draws each image.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one named part of a cohort (patient, exam, image), independent of draw order elsewhere.
    public init(seed: UInt64, _ path: UInt64...) {
        var s = seed ^ 0x9E37_79B9_7F4A_7C15
        for p in path { s = RandomSource.mix(s ^ (p &* 0xBF58_476D_1CE4_E5B9)) }
        state = s
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return RandomSource.mix(state)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    public mutating func normal(_ mean: Double, _ sd: Double) -> Double { mean + sd * normal() }

    public mutating func chance(_ p: Double) -> Bool { uniform() < p }

    public mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }

    /// Two approximately normal Float values with unit variance from one draw (Irwin–Hall of four
    /// 16-bit uniforms each): the speckle field needs millions per image, and the beam's convolution
    /// makes the sum Gaussian anyway.
    @inline(__always)
    public mutating func fastNormalPair() -> (Float, Float) {
        let a = next(), b = next()
        @inline(__always) func sum4(_ v: UInt64) -> Float {
            let s = (v & 0xFFFF) + ((v >> 16) & 0xFFFF) + ((v >> 32) & 0xFFFF) + (v >> 48)
            return (Float(s) * (1.0 / 65536.0) - 2.0) * 1.7320508
        }
        return (sum4(a), sum4(b))
    }

    /// Gamma(shape, 1/shape): mean 1 (Marsaglia–Tsang, with the shape < 1 boost).
    public mutating func gammaUnitMean(shape a: Double) -> Double {
        let boost = a < 1 ? pow(max(uniform(), 1e-12), 1 / a) : 1
        let d = (a < 1 ? a + 1 : a) - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat { x = normal(); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x || log(max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + log(v)) {
                return d * v * boost / a
            }
        }
    }
}
