import Foundation
import UltrasoundImaging

/// Ultrasound frames the model must refuse, drawn with the same beam physics, scanners and screens
/// as the liver: organs that are not the liver (`not-liver`), and liver frames too poor to read
/// (`poor-quality`). None of them depends on the patient's fat.
public enum OtherScene: String, CaseIterable, Sendable {
    /// An apical four-chamber heart: blood-filled chambers inside a myocardial shell.
    case heart
    /// A fetus in amniotic fluid: a skull ring and a body, the placenta along the wall.
    case fetus
    /// The pelvis: a full bladder above the uterus or prostate.
    case bladder
    /// The neck: thyroid lobes either side of the trachea, carotid arteries beside them.
    case thyroid
    /// The kidney filling the view in its fat, no liver.
    case kidney
    /// A liver frame with a colour-Doppler box over it: a flow study, not a B-mode image to score.
    case colourDoppler
    /// A frozen or dark screen: the fan shows next to nothing.
    case blank
    /// The probe in air: reverberation bands at the top, black below.
    case probeInAir
    /// A liver behind ribs: shadows cover most of the fan.
    case ribShadows
    /// A liver with the gain far off: nearly black or washed out.
    case badGain

    public var refusal: Refusal {
        switch self {
        case .heart, .fetus, .bladder, .thyroid, .kidney, .colourDoppler: return .notLiver
        case .blank, .probeInAir, .ribShadows, .badGain: return .poorQuality
        }
    }
}

extension Exam {
    /// Frame `index` of a scene the model must refuse.
    public func frame(other scene: OtherScene, index: Int) -> SimulatedFrame {
        var rng = RandomSource(seed: seed, 60, UInt64(OtherScene.allCases.firstIndex(of: scene)!), UInt64(index))
        switch scene {
        case .colourDoppler:
            var frame = self.frame(view: .rightIntercostal, index: index)
            drawDopplerBox(on: &frame, rng: &rng)
            return frame
        case .badGain:
            var exam = self
            exam.gainDB += rng.chance(0.5) ? rng.uniform(-40, -28) : rng.uniform(22, 32)
            return exam.frame(view: rng.pick([.rightIntercostal, .subcostal, .leftLobe]), index: index)
        case .blank:
            var exam = self
            exam.gainDB -= 70
            return exam.frame(view: .subcostal, index: index)
        default:
            return drawn(scene, index: index, rng: &rng)
        }
    }

    private func drawn(_ kind: OtherScene, index: Int, rng: inout RandomSource) -> SimulatedFrame {
        let geometry = ScanGeometry(probe: profile.geometry, depthCm: depthCm, lines: profile.lines)
        var scene = Scene()
        scene.skin = rng.uniform(0.1, 0.2)
        scene.subcutaneousFat = patient.subcutaneousFatCm * rng.uniform(0.7, 1.2)
        scene.muscle = patient.muscleCm * rng.uniform(0.7, 1.2)
        scene.septumSpacing = rng.uniform(0.25, 0.5)
        scene.background = .softTissue
        let top = scene.layersDepth + 0.3, depth = depthCm
        func ellipse(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double, _ a: Double = 0, _ t: Tissue) {
            scene.shapes.append(.ellipse(cx, cy, rx, ry, degrees: a, t))
        }
        switch kind {
        case .heart:
            let cy = top + depth * rng.uniform(0.3, 0.4), tilt = rng.uniform(-15, 15)
            ellipse(0, cy, 4.6, depth * 0.42, tilt, .vesselWall)          // pericardium
            ellipse(0, cy, 4.3, depth * 0.4, tilt, .myocardium)
            ellipse(1.5, cy - depth * 0.08, 1.5, depth * 0.17, tilt, .blood)   // left ventricle
            ellipse(-1.7, cy - depth * 0.06, 1.3, depth * 0.15, tilt, .blood)  // right ventricle
            ellipse(1.4, cy + depth * 0.2, 1.5, 1.3, tilt, .blood)             // atria
            ellipse(-1.6, cy + depth * 0.2, 1.3, 1.2, tilt, .blood)
            scene.shapes.append(Scene.Shape(form: .capsule(x0: -0.1, y0: cy - depth * 0.2, x1: 0.1, y1: cy + depth * 0.25, radius: 0.35),
                                            tissue: .myocardium))
            scene.background = .lung
        case .fetus:
            let cx = rng.uniform(-1.5, 1.5), cy = top + depth * rng.uniform(0.35, 0.5)
            ellipse(cx, cy, rng.uniform(5, 7), depth * 0.35, 0, .fluid)
            let hx = cx + rng.uniform(-2, 2), hy = cy + rng.uniform(-1.5, 1.5), hr = rng.uniform(2.2, 3.6)
            ellipse(hx, hy, hr + 0.2, hr * 0.82 + 0.2, rng.uniform(0, 180), .bone)   // skull
            ellipse(hx, hy, hr, hr * 0.82, 0, .softTissue)
            ellipse(hx, hy, hr * 0.1, hr * 0.6, 90, .vesselWall)                    // midline echo
            let bx = hx + (rng.chance(0.5) ? 1 : -1) * hr * 1.7
            ellipse(bx, hy + rng.uniform(-1, 1), hr * 1.2, hr * 0.8, rng.uniform(-30, 30), .softTissue)
            scene.shapes.append(Scene.Shape(form: .capsule(x0: -8, y0: top + 0.6, x1: 8, y1: top + 0.9, radius: 0.8), tissue: .pancreas))
        case .bladder:
            let cy = top + rng.uniform(2.5, 4.5), rx = rng.uniform(3, 5.5), ry = rng.uniform(2, 3.5)
            ellipse(0, cy, rx + 0.2, ry + 0.2, rng.uniform(-10, 10), .vesselWall)
            ellipse(0, cy, rx, ry, 0, .fluid)
            ellipse(rng.uniform(-1, 1), cy + ry + rng.uniform(1.8, 3), rng.uniform(2.5, 3.5), rng.uniform(1.5, 2.2), 0, .thyroid)
            scene.background = .bowel
        case .thyroid:
            let y = top + rng.uniform(0.4, 1.0)
            let trachea = rng.uniform(-0.6, 0.6)
            ellipse(trachea - 2.2, y + 1.0, 1.8, 1.0, rng.uniform(-10, 10), .thyroid)
            ellipse(trachea + 2.2, y + 1.0, 1.8, 1.0, rng.uniform(-10, 10), .thyroid)
            ellipse(trachea, y + 1.2, 1.1, 0.9, 0, .bone)                           // tracheal cartilage
            ellipse(trachea, y + 1.3, 0.9, 0.75, 0, .lung)                          // air
            ellipse(trachea - 4.3, y + 1.3, 0.6, 0.6, 0, .blood)                    // carotids
            ellipse(trachea + 4.3, y + 1.3, 0.6, 0.6, 0, .blood)
            scene.background = .muscle
        case .kidney:
            let cx = rng.uniform(-1, 1), cy = top + depth * rng.uniform(0.35, 0.5), a = rng.uniform(-25, 25)
            let rx = rng.uniform(4.5, 6.0), ry = rng.uniform(2.4, 3.2)
            ellipse(cx, cy, rx + 0.35, ry + 0.35, a, .kidneyCapsule)
            ellipse(cx, cy, rx, ry, a, .kidneyCortex)
            for i in 0..<7 {
                let t = (Double(i) + 0.5) / 7 * 2 * Double.pi
                ellipse(cx + cos(t) * rx * 0.6, cy + sin(t) * ry * 0.55, 0.6, 0.45, a + t * 180 / Double.pi, .kidneyMedulla)
            }
            ellipse(cx, cy, rx * 0.55, ry * 0.4, a, .kidneySinus)
            // Scanned from the flank or back: bright perirenal fat and muscle around it, no liver.
            scene.shapes.insert(Scene.Shape.ellipse(cx, cy, rx + rng.uniform(0.8, 1.6), ry + rng.uniform(0.8, 1.6), degrees: a, Tissue.kidneyCapsule), at: 0)
            scene.shapes.insert(Scene.Shape(form: .capsule(x0: -10, y0: cy + ry + 2.2, x1: 10, y1: cy + ry + 2.2 + rng.uniform(-1, 1),
                                                           radius: rng.uniform(1.0, 1.8)), tissue: .muscle), at: 0)
            scene.background = rng.chance(0.5) ? .bowel : .muscle
        case .probeInAir:
            scene.background = .lung
            scene.subcutaneousFat = 0.05; scene.muscle = 0.05
        case .colourDoppler, .blank, .ribShadows, .badGain:
            break
        }
        if kind == .ribShadows {
            scene.background = .liver
            for i in 0..<4 { scene.ribs.append((x: Double(i) * 2.2 - 3.3 + rng.uniform(-0.3, 0.3), halfWidth: rng.uniform(0.8, 1.1))) }
        }
        let texture = ValueNoise(rng: &rng)
        let focus = depthCm * profile.focusFraction
        let acquisition = BeamSimulator.Acquisition(profile: profile, depthCm: depthCm, gainDB: gainDB, dynamicRangeDB: dynamicRangeDB,
                                                    tgcDB: tgcDB, focusCm: focus)
        var frameRNG = RandomSource(seed: seed, 61, UInt64(index))
        let polar = BeamSimulator.simulate(scene: scene, acoustics: patient.acoustics(), texture: texture,
                                           acquisition: acquisition, rng: &frameRNG)
        let placement = FanPlacement(geometry: geometry, box: profile.fanBox)
        var canvas = Canvas(width: profile.imageWidth, height: profile.imageHeight, background: profile.screen.background)
        ScanConverter.draw(polar, placement: placement, gamma: greyGamma, curve: greyCurve, on: &canvas)
        var uiRNG = RandomSource(seed: seed, 62, UInt64(index))
        ScreenOverlay(exam: self, placement: placement, focusCm: focus).draw(on: &canvas, rng: &uiRNG)
        var frame = SimulatedFrame(image: canvas.image(), pixelsPerCm: placement.pixelsPerCm, geometry: profile.geometry)
        frame.describe(placement)
        return frame
    }

    /// A colour-Doppler box: an outlined region of the fan with red and blue flow in its vessels
    /// and speckle-like colour noise, as a flow study shows it.
    private func drawDopplerBox(on frame: inout SimulatedFrame, rng: inout RandomSource) {
        var image = frame.image
        let w = image.width, h = image.height
        let bw = Int(Double(profile.fanBox.width) * rng.uniform(0.3, 0.55)), bh = Int(Double(profile.fanBox.height) * rng.uniform(0.3, 0.5))
        let bx = profile.fanBox.x + Int(rng.uniform(0.15, 0.55) * Double(profile.fanBox.width))
        let by = profile.fanBox.y + Int(rng.uniform(0.1, 0.45) * Double(profile.fanBox.height))
        let fill = rng.uniform(0.25, 0.6)
        let blobs = (0..<Int(rng.uniform(3, 8))).map { _ in
            (x: Double(bx) + rng.uniform(0, Double(bw)), y: Double(by) + rng.uniform(0, Double(bh)), r: rng.uniform(6, 30), red: rng.chance(0.5))
        }
        for y in max(0, by)..<min(h, by + bh) { for x in max(0, bx)..<min(w, bx + bw) {
            let edge = y == by || y == by + bh - 1 || x == bx || x == bx + bw - 1
            var colour: RGB?
            if edge { colour = RGB(200, 200, 90) }
            for b in blobs where pow(Double(x) - b.x, 2) + pow(Double(y) - b.y, 2) < b.r * b.r {
                if rng.uniform() < fill + 0.3 { colour = b.red ? RGB(UInt8(rng.uniform(170, 255)), 30, 20) : RGB(20, 60, UInt8(rng.uniform(170, 255))) }
            }
            if colour == nil && rng.uniform() < fill * 0.15 { colour = rng.chance(0.5) ? RGB(200, 40, 30) : RGB(40, 80, 220) }
            if let c = colour, image.channels == 3 {
                let i = (y * w + x) * 3
                image.pixels[i] = c.r; image.pixels[i + 1] = c.g; image.pixels[i + 2] = c.b
            }
        } }
        frame.image = image
    }
}
