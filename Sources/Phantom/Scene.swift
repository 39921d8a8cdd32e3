import Foundation
/// The anatomy under the probe for one image, in centimetres: `x` lateral from the probe's centre,
/// `y` depth below the skin at the centre. Superficial layers follow the probe face (they are
/// indexed by depth along the beam); deeper organs are shapes drawn in order, later over earlier.
struct Scene: Sendable {
    struct Shape: Sendable {
        enum Form: Sendable {
            case ellipse(cx: Double, cy: Double, rx: Double, ry: Double, cos: Double, sin: Double)
            case capsule(x0: Double, y0: Double, x1: Double, y1: Double, radius: Double)
        }
        var form: Form
        var tissue: Tissue

        func contains(_ x: Double, _ y: Double) -> Bool {
            switch form {
            case let .ellipse(cx, cy, rx, ry, c, s):
                let dx = x - cx, dy = y - cy
                let u = (dx * c + dy * s) / rx, v = (-dx * s + dy * c) / ry
                return u * u + v * v <= 1
            case let .capsule(x0, y0, x1, y1, r):
                let vx = x1 - x0, vy = y1 - y0
                let t = max(0, min(1, ((x - x0) * vx + (y - y0) * vy) / max(vx * vx + vy * vy, 1e-12)))
                let dx = x - (x0 + t * vx), dy = y - (y0 + t * vy)
                return dx * dx + dy * dy <= r * r
            }
        }

        static func ellipse(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double, degrees: Double = 0, _ tissue: Tissue) -> Shape {
            let a = degrees * Double.pi / 180
            return Shape(form: .ellipse(cx: cx, cy: cy, rx: rx, ry: ry, cos: cos(a), sin: sin(a)), tissue: tissue)
        }
    }

    /// Thicknesses (cm, along the beam) of the layers above the liver.
    var skin = 0.15
    var subcutaneousFat = 1.2
    var muscle = 1.0
    var septumSpacing = 0.35
    /// Ribs cut across the beam in the muscle layer: lateral centre and half-width (cm).
    var ribs: [(x: Double, halfWidth: Double)] = []
    /// A diaphragm: the circle's outside below its centre is lung; the band at its edge is the muscle.
    var diaphragm: (cx: Double, cy: Double, radius: Double)?
    /// Below y = a + b·x + c·x² the liver ends (a lobe's posterior edge) and `beneath` begins.
    var lobeEdge: (a: Double, b: Double, c: Double)?
    var shapes: [Shape] = []
    /// A homogeneous medium with no layers (for calibration phantoms).
    var homogeneous = false
    /// What fills the field below the body wall where no organ is drawn: the liver, or (for scenes
    /// that are not a liver) another tissue.
    var background = Tissue.liver
    /// The probe's small movement between repeated frames: shift (cm) and rotation (degrees).
    var shiftX = 0.0, shiftY = 0.0
    var rotation = 0.0 { didSet { rotationCos = cos(rotation * Double.pi / 180); rotationSin = sin(rotation * Double.pi / 180) } }
    private var rotationCos = 1.0, rotationSin = 0.0

    var layersDepth: Double { skin + subcutaneousFat + muscle }

    /// The tissue at beam depth `z` and position (x, y).
    func tissue(x rawX: Double, y rawY: Double, z: Double, texture: Double) -> Tissue {
        if homogeneous { return .liver }
        if z < skin { return .skin }
        if z < skin + subcutaneousFat {
            let phase = (z - skin) / septumSpacing + texture * 0.8 + rawX * 0.07
            return phase - phase.rounded(.down) < 0.09 ? .fatSeptum : .subcutaneousFat
        }
        if z < layersDepth {
            for rib in ribs where abs(rawX - rib.x) < rib.halfWidth && z > layersDepth - 0.9 { return .rib }
            return .muscle
        }
        if z < layersDepth + 0.07 { return .capsule }
        // Deep anatomy moves with the probe.
        let px = rawX - shiftX, py = rawY - shiftY
        let x = px * rotationCos + py * rotationSin, y = -px * rotationSin + py * rotationCos
        var result = background
        if let d = diaphragm {
            let dx = x - d.cx, dy = y - d.cy
            let r = (dx * dx + dy * dy).squareRoot()
            if dy > 0 && r > d.radius { result = r > d.radius + 0.35 ? .lung : .diaphragm }
        }
        if let e = lobeEdge {
            let edge = e.a + e.b * x + e.c * x * x
            if y > edge + 0.08 { result = texture > 0.1 ? .bowel : .pancreas } else if y > edge { result = .capsule }
        }
        for shape in shapes where shape.contains(x, y) { result = shape.tissue }
        return result
    }
}
