import Foundation

/// Evaluation plots drawn with Cairo (PNG): ROC curves with a pointwise 95 % band on sensitivity, and
/// Bland–Altman with 95 % confidence bands on the bias and on each limit of agreement.
public enum Plots {
    public typealias Colour = CairoCanvas.Colour

    public struct Curve: Sendable {
        public var name: String
        public var colour: Colour
        /// (1 − specificity, sensitivity) from (0, 0) to (1, 1).
        public var points: [(Double, Double)]
        /// At each point: the sensitivity's 95 % interval (Wilson), drawn as a band; empty for none.
        public var band: [(x: Double, low: Double, high: Double)]
        /// Legend text, e.g. "model 0.912 (0.88–0.94)".
        public var legend: String
        public init(name: String, colour: Colour, points: [(Double, Double)], band: [(x: Double, low: Double, high: Double)], legend: String) {
            self.name = name; self.colour = colour; self.points = points; self.band = band; self.legend = legend
        }
    }

    static let size = 560.0, left = 70.0, right = 24.0, top = 48.0, bottom = 60.0

    /// A square plot area with ticks and labels; maps data to canvas coordinates.
    struct Frame {
        let x0: Double, x1: Double, y0: Double, y1: Double
        let canvas: CairoCanvas
        func point(_ x: Double, _ y: Double) -> (Double, Double) {
            (left + (x - x0) / (x1 - x0) * (size - left - right), size - bottom - (y - y0) / (y1 - y0) * (size - top - bottom))
        }
    }

    static func frame(_ canvas: CairoCanvas, title: String, xLabel: String, yLabel: String,
                      x: (Double, Double, Double), y: (Double, Double, Double), format: String = "%.1f") -> Frame {
        let f = Frame(x0: x.0, x1: x.1, y0: y.0, y1: y.1, canvas: canvas)
        canvas.text(title, x: left, y: 30, size: 15, weight: .bold)
        for t in stride(from: x.0, through: x.1 + 1e-9, by: x.2) {
            let (px, _) = f.point(t, y.0)
            canvas.line([(px, top), (px, size - bottom)], colour: Colour(0.9, 0.9, 0.9), width: 0.8)
            canvas.line([(px, size - bottom), (px, size - bottom + 5)])
            canvas.text(String(format: format, t), x: px, y: size - bottom + 18, size: 10, centred: true)
        }
        for t in stride(from: y.0, through: y.1 + 1e-9, by: y.2) {
            let (_, py) = f.point(x.0, t)
            canvas.line([(left, py), (size - right, py)], colour: Colour(0.9, 0.9, 0.9), width: 0.8)
            canvas.line([(left - 5, py), (left, py)])
            canvas.text(String(format: format, t), x: left - 8, y: py + 3.5, size: 10, alignRight: true)
        }
        canvas.line([(left, top), (left, size - bottom), (size - right, size - bottom)], width: 1.2)
        canvas.text(xLabel, x: (left + size - right) / 2, y: size - 18, size: 11, centred: true)
        canvas.verticalText(yLabel, x: 20, y: (top + size - bottom) / 2, size: 11)
        return f
    }

    public static func roc(path: String, title: String, curves: [Curve]) throws {
        let canvas = CairoCanvas(png: path, width: Int(size), height: Int(size))
        let f = frame(canvas, title: title, xLabel: "1 − specificity", yLabel: "Sensitivity", x: (0, 1, 0.2), y: (0, 1, 0.2))
        canvas.line([f.point(0, 0), f.point(1, 1)], colour: .grey, width: 0.8, dash: [4, 4])
        for c in curves where !c.band.isEmpty {
            // A step band: the upper edge forward, the lower edge back.
            let upper = c.band.map { f.point($0.x, $0.high) }, lower = c.band.reversed().map { f.point($0.x, $0.low) }
            canvas.band(upper + lower, colour: c.colour, alpha: 0.15)
        }
        for c in curves { canvas.line(c.points.map { f.point($0.0, $0.1) }, colour: c.colour, width: 2) }
        // Legend, bottom right.
        for (i, c) in curves.enumerated() {
            let y = size - bottom - 14 - Double(curves.count - 1 - i) * 16
            canvas.fill(x: size - right - 250, y: y - 8, width: 14, height: 4, colour: c.colour)
            canvas.text(c.legend, x: size - right - 230, y: y - 3, size: 10)
        }
        try canvas.finish()
    }

    /// Differences against means with the bias and 95 % limits of agreement and their 95 % confidence bands.
    public static func blandAltman(path: String, title: String, means: [Double], differences: [Double]) throws {
        let n = Double(differences.count)
        guard n > 2 else { return }
        let bias = differences.reduce(0, +) / n
        let sd = (differences.map { ($0 - bias) * ($0 - bias) }.reduce(0, +) / (n - 1)).squareRoot()
        let lower = bias - 1.96 * sd, upper = bias + 1.96 * sd
        // Bland & Altman (1986): SE of the bias sd/√n, of each limit √(3/n)·sd.
        let biasHalf = 1.96 * sd / n.squareRoot(), limitHalf = 1.96 * (3 / n).squareRoot() * sd
        let span = max(1, (differences.map(abs).max() ?? 1), abs(lower) + limitHalf, abs(upper) + limitHalf) * 1.1
        let step = span > 2 ? 1.0 : 0.5
        let canvas = CairoCanvas(png: path, width: Int(size), height: Int(size))
        let f = frame(canvas, title: title, xLabel: "Mean score of the two", yLabel: "Difference",
                      x: (0, 3, 0.5), y: (-(span / step).rounded(.up) * step, (span / step).rounded(.up) * step, step))
        for (value, half, colour, label) in [(bias, biasHalf, Colour.warning, String(format: "bias %.2f", bias)),
                                             (lower, limitHalf, Colour.accent, String(format: "−1.96 SD %.2f", lower)),
                                             (upper, limitHalf, Colour.accent, String(format: "+1.96 SD %.2f", upper))] {
            canvas.band([f.point(0, value - half), f.point(3, value - half), f.point(3, value + half), f.point(0, value + half)], colour: colour, alpha: 0.15)
            canvas.line([f.point(0, value), f.point(3, value)], colour: colour, width: 1.5, dash: colour.r == Colour.accent.r ? [6, 3] : [])
            let (x, y) = f.point(3, value)
            canvas.text(label, x: x - 4, y: y - 5, size: 10, colour: colour, alignRight: true)
        }
        for (m, d) in zip(means, differences) {
            let (x, y) = f.point(min(max(m, 0), 3), d)
            canvas.circle(x: x, y: y, radius: 2.6, colour: .black)
        }
        canvas.text("n = \(differences.count)", x: left + 8, y: top + 14, size: 10, colour: .grey)
        try canvas.finish()
    }
}
