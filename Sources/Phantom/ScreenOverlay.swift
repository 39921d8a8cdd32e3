import Foundation
import UltrasoundImaging

/// The burned-in interface of a scanner screen: header text, settings, depth scale, grey bar, focus and
/// orientation markers, sometimes a caliper or a typed label inside the fan, an ECG trace on some.
/// It reads only the exam's settings and the frame's own random draws, never the patient's fat.
struct ScreenOverlay {
    let exam: Exam
    let placement: FanPlacement
    let focusCm: Double

    func draw(on canvas: inout Canvas, rng: inout RandomSource) {
        let p = exam.profile, s = p.screen, scale = s.fontScale
        let header = RGB(min(255, s.background.r &+ 14), min(255, s.background.g &+ 18), min(255, s.background.b &+ 22))
        canvas.fill(x: 0, y: 0, w: canvas.width, h: s.headerHeight, header)
        canvas.text(p.displayName, x: 8 * scale, y: 5 * scale, scale: scale, s.accent)
        canvas.text("\(exam.date)  \(String(format: "%02d:%02d", 8 + Int(exam.seed % 9), Int(exam.seed % 60)))",
                    x: 8 * scale, y: 16 * scale, scale: scale, s.text)
        canvas.text("ABDOMEN", x: canvas.width / 2 - 21 * scale, y: 5 * scale, scale: scale, s.text)
        canvas.text(String(format: "MI %.1f  TIS %.1f", 0.9 + Double(exam.seed % 6) / 10, 0.4 + Double(exam.seed % 3) / 10),
                    x: canvas.width - 100 * scale, y: 5 * scale, scale: scale, s.text)

        // Settings column to the right of the fan.
        let column = min(canvas.width - 62 * scale, p.fanBox.x + p.fanBox.width + 12)
        let settings = [
            p.harmonic ? "THI" : "2D",
            String(format: "F %.1f", p.imagingFrequencyMHz),
            "G \(exam.gainSetting)",
            String(format: "DR %d", Int(exam.dynamicRangeDB.rounded())),
            String(format: "D %.1f", exam.depthCm),
            p.compounding > 1 ? "CMP \(p.compounding)" : "CMP OFF",
        ]
        for (i, line) in settings.enumerated() {
            canvas.text(line, x: column, y: s.headerHeight + 12 * scale + i * 11 * scale, scale: scale, s.text)
        }

        // Depth scale: a tick per centimetre (or half), a longer one and a number every five centimetres.
        let scaleX = s.scaleAtEdge ? 4 * scale : p.fanBox.x - 18 * scale
        let step = s.halfCentimetreTicks ? 0.5 : 1.0
        for i in 0...Int(exam.depthCm / step) {
            let depth = Double(i) * step
            let (_, y) = placement.screen(x: 0, y: depth)
            let major = depth.truncatingRemainder(dividingBy: 5) == 0
            canvas.fill(x: scaleX, y: Int(y), w: (major ? 6 : 3) * scale, h: scale, s.text)
            if major {
                let label = s.scaleAtEdge ? scaleX + 9 * scale : scaleX - 14 * scale
                canvas.text("\(Int(depth))", x: label, y: Int(y) - 3 * scale, scale: scale, s.text)
            }
        }
        let (_, fy) = placement.screen(x: 0, y: focusCm)
        for i in 0..<(4 * scale) { canvas.fill(x: scaleX + 8 * scale + i, y: Int(fy) - (4 * scale - i), w: 1, h: 2 * (4 * scale - i), s.accent) }

        if s.greyBar {
            let top = s.headerHeight + 12 * scale, height = 100 * scale
            for y in 0..<height {
                let v = UInt8(255 - y * 255 / height)
                canvas.fill(x: 10 * scale, y: top + y, w: 8 * scale, h: 1, RGB(v, v, v))
            }
        }

        // Orientation marker near the top of the fan.
        let (mx, my) = placement.screen(x: placement.geometry.bounds.minX, y: placement.geometry.bounds.minY)
        canvas.fill(x: Int(mx) + 6 * scale, y: Int(my) - 2 * scale, w: 7 * scale, h: 7 * scale, s.accent)

        if rng.chance(s.caliperChance) { drawCaliper(on: &canvas, rng: &rng) }
        if rng.chance(s.labelChance) {
            let label = rng.pick(["LIVER", "RT", "ABD", "LT", "LIVER RT", "SAG", "TRV"])
            let (lx, ly) = placement.screen(x: rng.uniform(-3, 1), y: rng.uniform(0.3, 0.8) * exam.depthCm)
            canvas.text(label, x: Int(lx), y: Int(ly), scale: max(1, scale), rng.pick([s.accent, RGB(40, 230, 90), RGB(255, 230, 60)]))
        }
        if s.ecg { drawECG(on: &canvas, rng: &rng) }
    }

    private func drawCaliper(on canvas: inout Canvas, rng: inout RandomSource) {
        let colour = RGB(255, 235, 40)
        let (ax, ay) = placement.screen(x: rng.uniform(-3, 0), y: rng.uniform(0.25, 0.6) * exam.depthCm)
        let (bx, by) = placement.screen(x: rng.uniform(0, 3), y: rng.uniform(0.3, 0.7) * exam.depthCm)
        let size = 5 * exam.profile.screen.fontScale
        for (x, y) in [(Int(ax), Int(ay)), (Int(bx), Int(by))] {
            canvas.line(x - size, y, x + size, y, colour)
            canvas.line(x, y - size, x, y + size, colour)
        }
        canvas.line(Int(ax), Int(ay), Int(bx), Int(by), colour, dotted: true)
    }

    private func drawECG(on canvas: inout Canvas, rng: inout RandomSource) {
        let green = RGB(40, 220, 80)
        let base = canvas.height - 24 * exam.profile.screen.fontScale
        let period = Int(rng.uniform(90, 140)), start = Int(rng.uniform(0, Double(period)))
        var previous = base
        for x in 0..<canvas.width {
            let t = (x + start) % period
            var y = base
            switch t {
            case 10..<18: y = base - Int(4 * sin(Double(t - 10) / 8 * Double.pi))
            case 28..<31: y = base + (t - 28) * 3
            case 31..<36: y = base - (t - 31) * 7 + 6
            case 36..<40: y = base - 29 + (t - 36) * 9
            case 55..<75: y = base - Int(7 * sin(Double(t - 55) / 20 * Double.pi))
            default: y = base
            }
            canvas.line(max(0, x - 1), previous, x, y, green)
            previous = y
        }
    }
}
