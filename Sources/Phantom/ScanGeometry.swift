import Foundation
/// Where each scan line and sample sits in the body, and where the fan lands on the screen.
struct ScanGeometry: Sendable {
    let probe: ProbeGeometry
    let depthCm: Double
    let lines: Int

    /// The apex-to-skin radius (cm): the probe's curvature, a small virtual footprint for a phased array.
    var radius: Double {
        switch probe {
        case let .curvilinear(r, _): return r
        case .sector: return 0.15
        case .linear: return 0
        }
    }

    var halfField: Double {
        switch probe {
        case let .curvilinear(_, f), let .sector(f): return f * Double.pi / 360
        case .linear: return 0
        }
    }

    var halfWidth: Double {
        if case let .linear(w) = probe { return w / 2 }
        return 0
    }

    /// Body position (x lateral, y depth below the centre of the skin) of line `l` at beam depth `z`.
    @inline(__always)
    func position(line l: Int, depth z: Double) -> (x: Double, y: Double) {
        let t = (Double(l) + 0.5) / Double(lines)
        if case .linear = probe { return (-halfWidth + 2 * halfWidth * t, z) }
        let theta = -halfField + 2 * halfField * t
        return ((radius + z) * sin(theta), (radius + z) * cos(theta) - radius)
    }

    /// Distance between neighbouring lines at beam depth `z` (cm).
    func lineSpacing(depth z: Double) -> Double {
        if case .linear = probe { return 2 * halfWidth / Double(lines) }
        return (radius + z) * 2 * halfField / Double(lines)
    }

    /// The body-coordinate bounds of the fan.
    var bounds: (minX: Double, maxX: Double, minY: Double, maxY: Double) {
        if case .linear = probe { return (-halfWidth, halfWidth, 0, depthCm) }
        let xMax = (radius + depthCm) * sin(halfField)
        return (-xMax, xMax, radius * (cos(halfField) - 1), depthCm)
    }

    /// Inverse of `position`: fractional (line, depth) of a body point, or nil outside the fan.
    @inline(__always)
    func beamCoordinates(x: Double, y: Double) -> (line: Double, depth: Double)? {
        if case .linear = probe {
            guard abs(x) <= halfWidth, y >= 0, y <= depthCm else { return nil }
            return ((x + halfWidth) / (2 * halfWidth) * Double(lines) - 0.5, y)
        }
        let yy = y + radius
        let r = (x * x + yy * yy).squareRoot()
        let theta = atan2(x, yy)
        let z = r - radius
        guard abs(theta) <= halfField, z >= 0, z <= depthCm else { return nil }
        return ((theta + halfField) / (2 * halfField) * Double(lines) - 0.5, z)
    }
}

/// How the fan maps onto screen pixels: one scale for both axes, so distances are true.
struct FanPlacement: Sendable {
    let geometry: ScanGeometry
    let pixelsPerCm: Double
    let originX: Double   // screen x of body x = 0
    let originY: Double   // screen y of body y = 0

    init(geometry: ScanGeometry, box: (x: Int, y: Int, width: Int, height: Int)) {
        self.geometry = geometry
        let b = geometry.bounds
        pixelsPerCm = min(Double(box.width) / (b.maxX - b.minX), Double(box.height) / (b.maxY - b.minY))
        originX = Double(box.x) + Double(box.width) / 2
        originY = Double(box.y) - b.minY * pixelsPerCm
    }

    func screen(x: Double, y: Double) -> (Double, Double) { (originX + x * pixelsPerCm, originY + y * pixelsPerCm) }
    func body(px: Double, py: Double) -> (Double, Double) { ((px - originX) / pixelsPerCm, (py - originY) / pixelsPerCm) }
}
