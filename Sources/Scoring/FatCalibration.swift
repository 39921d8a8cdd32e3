import Foundation

/// Monotone map from the 0–3 score to liver fat percent: piecewise linear through knots fitted against
/// histology (isotonic), or the grade midpoints until a fit exists.
public struct FatCalibration: Sendable, Codable, Equatable {
    public var scores: [Double]
    public var fat: [Double]

    public static let gradeMidpoints = FatCalibration(scores: [0, 1, 2, 3], fat: [2, 19, 49.5, 83])

    public init(scores: [Double], fat: [Double]) { self.scores = scores; self.fat = fat }

    public init?(json: String) {
        guard let c = try? JSONDecoder().decode(FatCalibration.self, from: Data(json.utf8)), c.scores.count == c.fat.count, c.scores.count >= 2 else { return nil }
        self = c
    }

    public var json: String { canonicalJSON(self) }

    /// Isotonic (pool-adjacent-violators) fit of fat percent on score, reduced to at most `knots` points.
    public static func fit(scores: [Double], fat: [Double], knots: Int = 12) -> FatCalibration? {
        guard scores.count >= 10 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var blocks: [(x: Double, y: Double, w: Double)] = []
        for i in order {
            blocks.append((scores[i], fat[i], 1))
            while blocks.count > 1 && blocks[blocks.count - 2].y > blocks[blocks.count - 1].y {
                let b = blocks.removeLast(), a = blocks.removeLast()
                let w = a.w + b.w
                blocks.append(((a.x * a.w + b.x * b.w) / w, (a.y * a.w + b.y * b.w) / w, w))
            }
        }
        let step = max(1, blocks.count / knots)
        var xs: [Double] = [], ys: [Double] = []
        for i in Swift.stride(from: 0, to: blocks.count, by: step) where xs.last.map({ blocks[i].x > $0 }) ?? true {
            xs.append(blocks[i].x); ys.append(blocks[i].y)
        }
        if let last = blocks.last, last.x > xs.last! { xs.append(last.x); ys.append(last.y) }
        return xs.count >= 2 ? FatCalibration(scores: xs, fat: ys) : nil
    }

    public func fatPercent(score: Double) -> Double {
        if score <= scores[0] { return fat[0] }
        for i in 1..<scores.count where score <= scores[i] {
            let t = (score - scores[i - 1]) / max(scores[i] - scores[i - 1], 1e-9)
            return fat[i - 1] + t * (fat[i] - fat[i - 1])
        }
        return fat[fat.count - 1]
    }
}
