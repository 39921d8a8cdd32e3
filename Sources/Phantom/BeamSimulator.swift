import Foundation
/// B-mode image formation for one frame.
///
/// Each sample cell of each scan line holds a point scatterer whose strength is its tissue's
/// backscatter, attenuated two ways along the beam by exp(−2·α·f·z) (α in dB/cm/MHz, applied as
/// dB so the dB→Np factor 8.686 never appears). The received echo is the scatterers convolved
/// with the pulse-echo point-spread function: axially a Gaussian-modulated pulse at the imaging
/// frequency, laterally a Gaussian beam whose width grows away from the focus. We form it directly
/// at baseband — after quadrature demodulation at f0 the pulse is its Gaussian envelope and each
/// scatterer carries the phase of its sub-sample position — which is the demodulated RF signal
/// without computing the carrier. Then come receiver noise, depth-gain compensation for a
/// *nominal* attenuation (so fatty livers still darken with depth), envelope detection, optional
/// compounding of frames with independent speckle, log compression to the dynamic range and
/// optional speckle-reduction smoothing. Output: values in [0, 1] before the grey map.
enum BeamSimulator {
    struct Acquisition: Sendable {
        var profile: ScannerProfile
        var depthCm: Double
        var gainDB: Double
        var dynamicRangeDB: Double
        /// Operator TGC sliders (dB) at evenly spaced depths from top to bottom.
        var tgcDB: [Double]
        var focusCm: Double
        /// The probe's centre frequency relative to the profile's.
        var frequencyScale = 1.0
        /// Attenuation (dB/cm/MHz) beyond the nominal that depth-gain compensation takes back.
        var compensatedAttenuation = 0.0
        /// Body-wall thickness (cm): near-field clutter grows with it.
        var wallCm = 2.0
    }

    struct PolarFrame: Sendable {
        var lines: Int
        var samples: Int
        var sampleCm: Double
        /// Depth-major: values[k * lines + l].
        var values: [Float]
    }

    static func simulate(scene: Scene, acoustics table: [Acoustics], texture: ValueNoise,
                         acquisition a: Acquisition, rng: inout RandomSource) -> PolarFrame {
        let p = a.profile
        let geometry = ScanGeometry(probe: p.geometry, depthCm: a.depthCm, lines: p.lines)
        let fImage = p.imagingFrequencyMHz * a.frequencyScale
        // Harmonic: the transmit pulse travels at f0, the echo returns at 2·f0.
        let fAttenuation = (p.harmonic ? 1.5 * p.centerFrequencyMHz : p.centerFrequencyMHz) * a.frequencyScale
        // Gaussian pulse with −6 dB fractional bandwidth B: σf = B·f/2.355, envelope σt = 1/(2π σf);
        // pulse-echo axial σz = c·σt/2 with c = 0.154 cm/µs.
        let sigmaT = 1 / (2 * Double.pi * p.fractionalBandwidth * fImage / 2.355)
        let sigmaZ = 0.077 * sigmaT
        let n = max(400, min(1800, Int(a.depthCm / sigmaZ)))
        let lines = p.lines
        let dz = a.depthCm / Double(n)
        let count = n * lines

        // 1. Scatterer strength per cell, attenuated along its line.
        var amplitude = [Float](repeating: 0, count: count)
        var coherent = [Bool](repeating: false, count: count)
        let gains = table.map { Float($0.attenuation) * Float(2 * fAttenuation * dz) }
        // The spectrum shifts down as it travels (higher frequencies die first), so the loss per cm
        // eases with depth; a harmonic beam also loses its far field (the harmonic builds up, then fades).
        let eased = (0..<n).map { k in Float(Self.downshift(depth: (Double(k) + 0.5) * dz)) }
        let harmonicLoss = p.harmonic ? Float(0.25 * dz) : 0
        let shapes = table.map(\.speckleShape)
        for l in 0..<lines {
            var lossDB: Float = 0
            for k in 0..<n {
                let z = (Double(k) + 0.5) * dz
                let (x, y) = geometry.position(line: l, depth: z)
                let texture = scene.homogeneous ? 0 : texture.value(x, y)
                let tissue = scene.tissue(x: x, y: y, z: z, texture: Double(texture))
                let ac = table[Int(tissue.rawValue)]
                let step = gains[Int(tissue.rawValue)] * eased[k]
                lossDB += step + (z > a.focusCm ? harmonicLoss : 0)
                let db = ac.backscatterDB + ac.textureDB * texture - lossDB + 0.5 * step
                var value = powf(10, db / 20)
                // Sub-Rayleigh speckle (Nakagami m < 1): scatterer strength varies cell to cell as √Gamma(m, 1/m).
                let m = shapes[Int(tissue.rawValue)]
                if m < 0.99 && !ac.specular { value *= Float(rng.gammaUnitMean(shape: Double(m)).squareRoot()) }
                amplitude[k * lines + l] = Float(value)
                coherent[k * lines + l] = ac.specular
            }
        }

        // 2. Point-spread function: axial kernel in samples, lateral kernel per depth in lines.
        let axial = gaussianKernel(sigma: sigmaZ / dz, maxHalf: 12)
        let lambda = 0.154 / fImage                      // cm
        let sigma0 = 0.42 * lambda * p.fNumber           // focal beam σ (FWHM ≈ λ·F#)
        let rayleigh = 3.5 * lambda * p.fNumber * p.fNumber
        let lateral: [[Float]] = (0..<n).map { k in
            let z = (Double(k) + 0.5) * dz
            let sigmaX = sigma0 * (1 + pow((z - a.focusCm) / rayleigh, 2)).squareRoot()
            return gaussianKernel(sigma: sigmaX / geometry.lineSpacing(depth: z), maxHalf: 20)
        }

        // 3. Speckle frames (independent phases per compounding angle), convolved, noise added, detected.
        var envelope = [Float](repeating: 0, count: count)
        var re = [Float](repeating: 0, count: count), im = [Float](repeating: 0, count: count)
        var tre = [Float](repeating: 0, count: count), tim = [Float](repeating: 0, count: count)
        let noise = Float(pow(10, p.noiseDB / 20))
        let reverberation = Float(pow(10, p.reverberationDB / 20))
        let nearField = min(n / 3, Int((scene.layersDepth + 0.3) / dz))
        let frames = max(1, p.compounding)
        for _ in 0..<frames {
            for k in 0..<n {
                let phase = Float(rng.uniform(0, 2 * Double.pi))
                let cr = cosf(phase), ci = sinf(phase)
                for l in 0..<lines {
                    let i = k * lines + l
                    if coherent[i] {
                        re[i] = amplitude[i] * cr; im[i] = amplitude[i] * ci
                    } else {
                        let (g1, g2) = rng.fastNormalPair()
                        re[i] = amplitude[i] * g1 * 0.70710678; im[i] = amplitude[i] * g2 * 0.70710678
                    }
                }
            }
            convolveAxial(&re, &im, into: &tre, &tim, kernel: axial, lines: lines, samples: n)
            convolveLateral(&tre, &tim, into: &re, &im, kernels: lateral, lines: lines, samples: n)
            // Near-field clutter: haze from the body wall that fades over a few centimetres below it,
            // stronger behind a thick wall.
            let clutter = reverberation * Float(max(0.3, a.wallCm / 2))
            for k in 0..<n {
                let z = (Double(k) + 0.5) * dz
                guard z > a.wallCm * 0.5 else { continue }
                let c = clutter * Float(exp(-(z - a.wallCm * 0.5) / 2.5)) * 0.3
                guard c > 1e-4 else { break }
                for l in 0..<lines {
                    let (g1, g2) = rng.fastNormalPair()
                    re[k * lines + l] += c * g1; im[k * lines + l] += c * g2
                }
            }
            // Near-field reverberation: the superficial echoes again at two and three times their depth.
            for k in 1..<max(1, nearField) {
                for (m, strength) in [(2, -reverberation), (3, reverberation * reverberation)] where k * m < n {
                    for l in 0..<lines {
                        re[k * m * lines + l] += strength * re[k * lines + l]
                        im[k * m * lines + l] += strength * im[k * lines + l]
                    }
                }
            }
            for i in 0..<count {
                let (g1, g2) = rng.fastNormalPair()
                let r = re[i] + noise * g1 * 0.70710678, q = im[i] + noise * g2 * 0.70710678
                envelope[i] += (r * r + q * q).squareRoot()
            }
        }

        // 4. Depth-gain compensation (nominal attenuation + operator knobs), log compression.
        let dr = Float(a.dynamicRangeDB)
        var values = [Float](repeating: 0, count: count)
        for k in 0..<n {
            let z = (Double(k) + 0.5) * dz
            // The preset's TGC is calibrated on a phantom, downshift included: it takes back the
            // nominal attenuation as the beam actually loses it.
            let nearWall = max(0, z - a.wallCm)
            let nominalPath = z * (Self.downshift(depth: z / 2))
            let tgc = 2 * p.nominalAttenuation * fAttenuation * nominalPath + 2 * a.compensatedAttenuation * fAttenuation * nearWall
                + knob(a.tgcDB, at: z / a.depthCm) + a.gainDB
            let offset = Float(tgc) + 0.62 * dr - 20 * log10f(Float(frames))
            for l in 0..<lines {
                let i = k * lines + l
                let db = 20 * log10f(max(envelope[i], 1e-12)) + offset
                values[i] = min(1, max(0, db / dr))
            }
        }
        if p.speckleReduction > 0 { smooth(&values, lines: lines, samples: n, strength: Float(p.speckleReduction)) }
        return PolarFrame(lines: lines, samples: n, sampleCm: dz, values: values)
    }

    /// How much of the attenuation slope remains at a depth once the spectrum has shifted down
    /// (about 1.2 % less per centimetre, never below 75 %).
    static func downshift(depth: Double) -> Double { max(0.75, 1 - 0.012 * depth) }

    /// Normalised to unit energy (Σw² = 1) so diffuse speckle keeps the tissue's mean intensity.
    static func gaussianKernel(sigma: Double, maxHalf: Int) -> [Float] {
        let half = max(0, min(maxHalf, Int((3 * sigma).rounded(.up))))
        guard sigma > 0.3, half > 0 else { return [1] }
        var w = (-half...half).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let energy = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in w.indices { w[i] /= energy }
        return w
    }

    static func knob(_ points: [Double], at t: Double) -> Double {
        guard points.count > 1 else { return points.first ?? 0 }
        let x = max(0, min(1, t)) * Double(points.count - 1)
        let i = min(points.count - 2, Int(x))
        return points[i] + (points[i + 1] - points[i]) * (x - Double(i))
    }

    private static func convolveAxial(_ re: inout [Float], _ im: inout [Float], into ore: inout [Float], _ oim: inout [Float],
                                      kernel: [Float], lines: Int, samples n: Int) {
        let half = kernel.count / 2
        re.withUnsafeBufferPointer { r in im.withUnsafeBufferPointer { q in
        ore.withUnsafeMutableBufferPointer { orr in oim.withUnsafeMutableBufferPointer { oq in
            for k in 0..<n {
                let row = k * lines
                for l in 0..<lines { orr[row + l] = 0; oq[row + l] = 0 }
                for (j, w) in kernel.enumerated() {
                    let src = k + j - half
                    guard src >= 0, src < n else { continue }
                    let srow = src * lines
                    for l in 0..<lines {
                        orr[row + l] += w * r[srow + l]
                        oq[row + l] += w * q[srow + l]
                    }
                }
            }
        } } } }
    }

    private static func convolveLateral(_ re: inout [Float], _ im: inout [Float], into ore: inout [Float], _ oim: inout [Float],
                                        kernels: [[Float]], lines: Int, samples n: Int) {
        re.withUnsafeBufferPointer { r in im.withUnsafeBufferPointer { q in
        ore.withUnsafeMutableBufferPointer { orr in oim.withUnsafeMutableBufferPointer { oq in
            for k in 0..<n {
                let kernel = kernels[k], half = kernel.count / 2, row = k * lines
                for l in 0..<lines {
                    var sr: Float = 0, sq: Float = 0
                    let lo = max(0, l - half), hi = min(lines - 1, l + half)
                    var j = lo
                    while j <= hi {
                        let w = kernel[j - l + half]
                        sr += w * r[row + j]; sq += w * q[row + j]
                        j += 1
                    }
                    orr[row + l] = sr; oq[row + l] = sq
                }
            }
        } } } }
    }

    /// Speckle reduction: a 3×3 mean blended in by `strength` (applied twice above 0.5).
    static func smooth(_ v: inout [Float], lines: Int, samples n: Int, strength: Float) {
        let passes = strength > 0.5 ? 2 : 1
        for _ in 0..<passes {
            let src = v
            for k in 1..<(n - 1) {
                for l in 1..<(lines - 1) {
                    var s: Float = 0
                    for dk in -1...1 { for dl in -1...1 { s += src[(k + dk) * lines + l + dl] } }
                    v[k * lines + l] = (1 - strength) * src[k * lines + l] + strength * s / 9
                }
            }
        }
    }
}
