import UltrasoundImaging

/// PNG-ready plots: ROC curves and Bland–Altman, drawn on a plain canvas with the 5×7 font.
public enum Plots {
    public struct Series {
        public var name: String
        public var scores: [Double]
        public var truth: [Bool]
        public var colour: RGB
        public init(name: String, scores: [Double], truth: [Bool], colour: RGB) {
            self.name = name; self.scores = scores; self.truth = truth; self.colour = colour
        }
    }

    static let size = 420, margin = 50
    static let ink = RGB(20, 20, 20), grid = RGB(225, 225, 225)

    /// ROC curves (1 − specificity against sensitivity) with AUROCs in the legend.
    public static func roc(title: String, series: [Series]) -> PixelImage {
        var c = frame(title: title, xLabel: "1 - SPECIFICITY", yLabel: "SENSITIVITY")
        let plot = size - 2 * margin
        func point(_ fpr: Double, _ tpr: Double) -> (Int, Int) { (margin + Int(fpr * Double(plot)), size - margin - Int(tpr * Double(plot))) }
        let (d0x, d0y) = point(0, 0), (d1x, d1y) = point(1, 1)
        c.line(d0x, d0y, d1x, d1y, grid, dotted: true)
        for (i, s) in series.enumerated() {
            let positives = Double(s.truth.filter { $0 }.count), negatives = Double(s.truth.count) - positives
            guard positives > 0, negatives > 0 else { continue }
            var previous = point(0, 0)
            for cut in Set(s.scores).sorted(by: >) {
                let tp = Double(zip(s.scores, s.truth).filter { $0.1 && $0.0 >= cut }.count)
                let fp = Double(zip(s.scores, s.truth).filter { !$0.1 && $0.0 >= cut }.count)
                let next = point(fp / negatives, tp / positives)
                c.line(previous.0, previous.1, next.0, next.1, s.colour)
                c.line(previous.0, previous.1 + 1, next.0, next.1 + 1, s.colour)
                previous = next
            }
            let end = point(1, 1)
            c.line(previous.0, previous.1, end.0, end.1, s.colour)
            let auc = ROC.analyse(scores: s.scores, truth: s.truth)?.auc ?? 0
            c.fill(x: margin + plot - 150, y: size - margin - 20 - 14 * (series.count - i), w: 10, h: 7, s.colour)
            c.text(String(format: "%@ %.3f", s.name.uppercased(), auc), x: margin + plot - 136, y: size - margin - 20 - 14 * (series.count - i),
                   scale: 1, ink)
        }
        return c.image()
    }

    /// Bland–Altman: difference against mean, with the bias and 95 % limits of agreement.
    public static func blandAltman(title: String, _ a: [Double], _ b: [Double]) -> PixelImage? {
        guard let ba = Agreement.blandAltman(a, b) else { return nil }
        var c = frame(title: title, xLabel: "MEAN SCORE", yLabel: "DIFFERENCE")
        let plot = size - 2 * margin
        let means = zip(a, b).map { ($0 + $1) / 2 }, diffs = zip(a, b).map { $0 - $1 }
        let xMin = 0.0, xMax = 3.0
        let span = max(1.0, diffs.map(abs).max() ?? 1, abs(ba.lower), abs(ba.upper)) * 1.1
        func point(_ x: Double, _ y: Double) -> (Int, Int) {
            (margin + Int((x - xMin) / (xMax - xMin) * Double(plot)), size - margin - Int((y + span) / (2 * span) * Double(plot)))
        }
        for (value, colour, label) in [(0.0, grid, ""), (ba.bias, RGB(200, 40, 40), String(format: "BIAS %.2f", ba.bias)),
                                       (ba.lower, RGB(60, 60, 200), String(format: "%.2f", ba.lower)),
                                       (ba.upper, RGB(60, 60, 200), String(format: "%.2f", ba.upper))] {
            let (x0, y) = point(xMin, value), (x1, _) = point(xMax, value)
            c.line(x0, y, x1, y, colour, dotted: colour == grid || colour.b == 200)
            if !label.isEmpty { c.text(label, x: x1 - 70, y: y - 10, scale: 1, colour) }
        }
        for (m, d) in zip(means, diffs) {
            let (x, y) = point(min(max(m, xMin), xMax), d)
            c.fill(x: x - 2, y: y - 2, w: 5, h: 5, ink)
        }
        return c.image()
    }

    static func frame(title: String, xLabel: String, yLabel: String) -> Canvas {
        var c = Canvas(width: size, height: size, background: RGB(255, 255, 255))
        let plot = size - 2 * margin
        for t in 0...4 {
            let p = margin + t * plot / 4
            c.line(p, margin, p, size - margin, grid)
            c.line(margin, p, size - margin, p, grid)
        }
        c.line(margin, size - margin, size - margin, size - margin, ink)
        c.line(margin, margin, margin, size - margin, ink)
        c.text(title.uppercased(), x: margin, y: 16, scale: 2, ink)
        c.text(xLabel, x: size / 2 - xLabel.count * 3, y: size - margin + 18, scale: 1, ink)
        c.text(yLabel, x: 4, y: margin - 14, scale: 1, ink)
        return c
    }
}

import Foundation
