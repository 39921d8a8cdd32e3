import Foundation
import UltrasoundImaging

/// One examination: a patient on a scanner on a date, with the operator's settings for it.
/// Frames of the same view share the anatomy layout; each frame gets new speckle and a small probe movement.
public struct Exam: Sendable {
    public var patient: SimulatedPatient
    public var profile: ScannerProfile
    public var date: String
    public var seed: UInt64
    var depthCm: Double
    var gainDB: Double
    var dynamicRangeDB: Double
    var tgcDB: [Double]
    var greyGamma: Double
    /// S-shaped grey map strength (0: a plain power curve).
    var greyCurve: Double
    /// The probe's centre frequency this exam, relative to the profile's (presets, penetration modes).
    var frequencyScale: Double
    /// Share of the patient's attenuation beyond the nominal that the scanner's automatic gain
    /// compensation (or the operator's sliders) takes back; 0 for none.
    var autoTGC: Double

    public init(patient: SimulatedPatient, profile: ScannerProfile, date: String, seed: UInt64) {
        self.patient = patient
        self.profile = profile
        self.date = date
        self.seed = seed
        var rng = RandomSource(seed: seed, 10)
        depthCm = (rng.uniform(profile.depthRangeCm.lowerBound, profile.depthRangeCm.upperBound) * 2).rounded() / 2
        // What operators and presets vary (ranges from scanner manuals and scanning practice): overall
        // gain ±6 dB, dynamic range 45–80 dB, eight TGC sliders each ±8 dB around a tilt of up to
        // ±5 dB over the depth, grey maps from flat to contrasty, the probe run at 0.8–1.25× its
        // centre frequency, and auto-TGC taking back up to 70 % of a patient's extra attenuation.
        gainDB = profile.gainDB + rng.uniform(-6, 6)
        dynamicRangeDB = rng.uniform(45, 80)
        let tilt = rng.uniform(-5, 5)
        tgcDB = (0..<8).map { i in tilt * (Double(i) / 7 - 0.5) + max(-8, min(8, rng.normal(0, 3))) }
        greyGamma = profile.greyGamma * rng.uniform(0.75, 1.3)
        greyCurve = rng.chance(0.4) ? rng.uniform(0.2, 0.8) : 0
        frequencyScale = rng.uniform(0.8, 1.25)
        autoTGC = rng.chance(0.6) ? rng.uniform(0.1, 0.7) : 0
    }

    /// The displayed gain setting, as a scanner prints it.
    var gainSetting: Int { Int((50 + gainDB * 2).rounded()) }
}

/// A simulated screen capture with what is known about it.
public struct SimulatedFrame: Sendable {
    public var image: PixelImage
    public var pixelsPerCm: Double
    /// Hepatorenal-index boxes (pixels) when the kidney cortex is in view.
    public var liverROI: Rect?
    public var kidneyROI: Rect?
    public var geometry: ProbeGeometry
    /// Screen position of the skin at the probe's centre: depth d cm lies at y = skinY + d·pixelsPerCm.
    public var skinX: Double = 0
    public var skinY: Double = 0
    /// True when screen pixel (x, y) lies inside the imaging fan.
    public var insideFan: @Sendable (Int, Int) -> Bool = { _, _ in false }
}

/// A pixel rectangle.
public struct Rect: Sendable, Equatable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }
    public var manifestText: String { "\(x) \(y) \(width) \(height)" }
}

extension Exam {
    /// Frame `index` of `view`. The anatomy depends on (exam, view); speckle, probe movement and
    /// interface extras on the frame too; nothing on screen depends on the patient's fat.
    public func frame(view: View, index: Int) -> SimulatedFrame {
        let layout = self.layout(view: view, index: index)
        var frameRNG = RandomSource(seed: seed, 30, UInt64(View.allCases.firstIndex(of: view)!), UInt64(index))
        var acquisition = BeamSimulator.Acquisition(profile: profile, depthCm: depthCm, gainDB: gainDB,
                                                    dynamicRangeDB: dynamicRangeDB, tgcDB: tgcDB, focusCm: layout.focusCm)
        acquisition.frequencyScale = frequencyScale
        acquisition.compensatedAttenuation = autoTGC * max(0, patient.attenuation - profile.nominalAttenuation)
        acquisition.wallCm = layout.scene.layersDepth
        let polar = BeamSimulator.simulate(scene: layout.scene, acoustics: patient.acoustics(), texture: layout.texture,
                                           acquisition: acquisition, rng: &frameRNG)
        var canvas = Canvas(width: profile.imageWidth, height: profile.imageHeight, background: profile.screen.background)
        ScanConverter.draw(polar, placement: layout.placement, gamma: greyGamma, curve: greyCurve, on: &canvas)
        var uiRNG = RandomSource(seed: seed, 40, UInt64(View.allCases.firstIndex(of: view)!), UInt64(index))
        ScreenOverlay(exam: self, placement: layout.placement, focusCm: layout.focusCm).draw(on: &canvas, rng: &uiRNG)

        var frame = SimulatedFrame(image: canvas.image(), pixelsPerCm: layout.placement.pixelsPerCm, geometry: profile.geometry)
        frame.describe(layout.placement)
        (frame.liverROI, frame.kidneyROI) = hepatorenalROIs(layout, view: view)
        return frame
    }

    /// The hepatorenal-index boxes of a frame (pixels), without drawing it; nil when no cortex is in view.
    public func hepatorenalROIs(view: View, index: Int) -> (liver: Rect?, kidney: Rect?) {
        hepatorenalROIs(layout(view: view, index: index), view: view)
    }

    struct Layout {
        var scene: Scene
        var texture: ValueNoise
        var focusCm: Double
        var geometry: ScanGeometry
        var placement: FanPlacement
    }

    /// The anatomy for (exam, view) with the frame's small probe movement.
    func layout(view: View, index: Int) -> Layout {
        // Each image of a view is a new look at the liver (another intercostal space, another angle).
        var layoutRNG = RandomSource(seed: seed, 20, UInt64(View.allCases.firstIndex(of: view)!), UInt64(index))
        let geometry = ScanGeometry(probe: profile.geometry, depthCm: depthCm, lines: profile.lines)
        let halfWidth = geometry.position(line: profile.lines - 1, depth: depthCm * 0.6).x
        var scene = Anatomy.scene(for: view, patient: patient, depthCm: depthCm, halfWidthCm: halfWidth, rng: &layoutRNG)
        let texture = ValueNoise(rng: &layoutRNG)
        let focus = depthCm * profile.focusFraction * layoutRNG.uniform(0.85, 1.15)
        var moveRNG = RandomSource(seed: seed, 35, UInt64(View.allCases.firstIndex(of: view)!), UInt64(index))
        scene.shiftX = moveRNG.normal(0, 0.25)
        scene.shiftY = moveRNG.normal(0, 0.15)
        scene.rotation = moveRNG.normal(0, 1.5)
        return Layout(scene: scene, texture: texture, focusCm: focus, geometry: geometry,
                      placement: FanPlacement(geometry: geometry, box: profile.fanBox))
    }

    private func hepatorenalROIs(_ layout: Layout, view: View) -> (Rect?, Rect?) {
        guard view == .rightIntercostal else { return (nil, nil) }
        let geometry = layout.geometry, scene = layout.scene, placement = layout.placement
        let half = 0.45
        // A box must be well inside the fan and not in a rib's shadow.
        let inside: (Double, Double) -> Bool = { x, y in
            guard let b = geometry.beamCoordinates(x: x, y: y),
                  b.line > 2, b.line < Double(geometry.lines - 3), b.depth < depthCm - 0.3 else { return false }
            let line = Int(b.line.rounded())
            for z in stride(from: 0.0, to: scene.layersDepth, by: 0.05) {
                let p = geometry.position(line: line, depth: z)
                if scene.tissue(x: p.x, y: p.y, z: z, texture: 0) == .rib { return false }
            }
            return true
        }
        guard let boxes = Anatomy.hepatorenalBoxes(scene, halfSize: half, isInside: inside) else { return (nil, nil) }
        func rect(_ c: (x: Double, y: Double)) -> Rect {
            let (px, py) = placement.screen(x: c.x - half, y: c.y - half)
            let size = Int((2 * half * placement.pixelsPerCm).rounded())
            return Rect(x: Int(px.rounded()), y: Int(py.rounded()), width: size, height: size)
        }
        return (rect(boxes.liver), rect(boxes.kidney))
    }
}

extension SimulatedFrame {
    mutating func describe(_ placement: FanPlacement) {
        (skinX, skinY) = placement.screen(x: 0, y: 0)
        insideFan = { px, py in
            let (x, y) = placement.body(px: Double(px) + 0.5, py: Double(py) + 0.5)
            return placement.geometry.beamCoordinates(x: x, y: y) != nil
        }
    }
}

/// Draws the polar frame into the fan: bilinear in (line, depth), then the grey map.
enum ScanConverter {
    static func draw(_ polar: BeamSimulator.PolarFrame, placement: FanPlacement, gamma: Double, curve: Double = 0, on canvas: inout Canvas) {
        let lut: [UInt8] = (0..<1024).map { i in
            let t = pow(Double(i) / 1023, gamma)
            let s = t * t * (3 - 2 * t)   // smoothstep: an S-shaped map
            return UInt8(min(255, (((1 - curve) * t + curve * s) * 255).rounded()))
        }
        let g = placement.geometry
        let b = g.bounds
        let (x0, y0) = placement.screen(x: b.minX, y: b.minY)
        let (x1, y1) = placement.screen(x: b.maxX, y: b.maxY)
        let lines = polar.lines, n = polar.samples
        polar.values.withUnsafeBufferPointer { v in
            for py in max(0, Int(y0))...min(canvas.height - 1, Int(y1) + 1) {
                for px in max(0, Int(x0))...min(canvas.width - 1, Int(x1) + 1) {
                    let (x, y) = placement.body(px: Double(px) + 0.5, py: Double(py) + 0.5)
                    guard let beam = g.beamCoordinates(x: x, y: y) else { continue }
                    let fl = max(0, min(Double(lines - 1), beam.line))
                    let fk = max(0, min(Double(n - 1), beam.depth / polar.sampleCm - 0.5))
                    let l0 = min(lines - 2, Int(fl)), k0 = min(n - 2, Int(fk))
                    let tl = Float(fl - Double(l0)), tk = Float(fk - Double(k0))
                    let a = v[k0 * lines + l0], bb = v[k0 * lines + l0 + 1]
                    let c = v[(k0 + 1) * lines + l0], d = v[(k0 + 1) * lines + l0 + 1]
                    let top = a + (bb - a) * tl, bottom = c + (d - c) * tl
                    let value = top + (bottom - top) * tk
                    let grey = lut[Int(value * 1023)]
                    canvas.set(px, py, RGB(grey, grey, grey))
                }
            }
        }
    }
}
