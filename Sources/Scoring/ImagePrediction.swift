import Foundation
import ModelCore
import UltrasoundImaging

/// Where each of the network's heads sits in its output row, read from the network's spec (so a
/// file with the heads in another order or size is read correctly, or refused when one is missing).
public struct HeadLayout: Sendable, Equatable {
    /// Cumulative ordinal logits: P(grade ≥ mild), P(≥ moderate), P(severe).
    public let ordinal: Range<Int>
    /// One logit per `SteatosisNetwork.views` entry.
    public let view: Range<Int>
    /// The gate: logits for a usable liver image, not a liver B-mode image, too poor to score
    /// (a softmax). Files from before the gate have a single quality logit instead.
    public let gate: Range<Int>
    /// Outputs per image.
    public let width: Int

    public init?(_ spec: NetworkSpec) {
        func range(_ name: String) -> Range<Int>? {
            guard let start = spec.offset(of: name), let head = spec.heads.first(where: { $0.name == name }) else { return nil }
            return start..<(start + head.size)
        }
        guard let ordinal = range("ordinal"), ordinal.count == 3, let view = range("view"),
              view.count == SteatosisNetwork.views.count else { return nil }
        if let gate = range("gate"), gate.count == 3 { self.gate = gate }
        else if let quality = range("quality"), quality.count == 1 { gate = quality }
        else { return nil }
        self.ordinal = ordinal; self.view = view; width = spec.outputs
    }

    /// The layout of the network this build trains.
    public static let standard = HeadLayout(SteatosisNetwork.spec)!

    /// The logits of image `b` in a batch's output.
    public func row(_ logits: [Float], _ b: Int) -> ArraySlice<Float> { logits[(b * width)..<((b + 1) * width)] }
}

/// How a model turns probabilities into decisions, chosen on validation data when the model is
/// trained and stored in its file: the score cut-offs between grades, and the gate's threshold.
public struct ScoreRule: Codable, Sendable, Equatable {
    /// Scores at or above `gradeCutoffs[k-1]` are grade k or more (k = 1, 2, 3).
    public var gradeCutoffs: [Double]
    /// Below this P(usable liver image) an image is refused.
    public var gateThreshold: Double
    /// The gate's class weights in training (`steato train --gate-weights`), divided out of its
    /// probabilities before the threshold: weighting a class in the loss inflates its probability by
    /// about that factor, which teaches the rare classes without making them the default answer.
    /// nil (files before it, and unweighted training): the probabilities as the network gives them.
    public var gatePriorWeights: [Double]?

    public init(gradeCutoffs: [Double] = [0.5, 1.5, 2.5], gateThreshold: Double = 0.5, gatePriorWeights: [Double]? = nil) {
        self.gradeCutoffs = gradeCutoffs; self.gateThreshold = gateThreshold; self.gatePriorWeights = gatePriorWeights
    }

    /// Rounding the expected grade, and refusing below even odds: what a model without a fitted rule uses.
    public static let standard = ScoreRule()

    /// The one grade rule, for images, views and studies alike.
    public func grade(_ score: Double) -> Grade {
        Grade(rawValue: gradeCutoffs.filter { score >= $0 }.count) ?? .healthy
    }

    /// The network's expected grade put on the grade scale: piecewise linear through 0 ↦ 0, each
    /// validated cut-off k ↦ k − ½, and 3 ↦ 3, so a reported score rounds to its grade (a score under
    /// 0.5 reads healthy) whatever cut-offs validation chose. Monotone, so rankings and AUROCs do not
    /// change; the identity for the standard cut-offs. Needed because an expected grade learnt from
    /// noisy report grades is pulled towards the middle: a fat-free liver's sits near 0.7, not 0.
    public func onGradeScale(_ score: Double) -> Double { Self.interpolate(score, through: gradeScaleKnots) }

    /// The expected grade a score on the grade scale came from (the inverse of `onGradeScale`), for
    /// what is fitted on expected grades, such as the fat calibration.
    public func expectedGrade(onGradeScale score: Double) -> Double {
        Self.interpolate(score, through: gradeScaleKnots.map { ($0.1, $0.0) })
    }

    private var gradeScaleKnots: [(Double, Double)] {
        [(0, 0), (gradeCutoffs[0], 0.5), (gradeCutoffs[1], 1.5), (gradeCutoffs[2], 2.5), (max(3, gradeCutoffs[2] + 0.1), 3)]
    }

    private static func interpolate(_ x: Double, through knots: [(Double, Double)]) -> Double {
        guard x > knots[0].0 else { return knots[0].1 }
        for (a, b) in zip(knots, knots.dropFirst()) where x < b.0 {
            return a.1 + (x - a.0) / (b.0 - a.0) * (b.1 - a.1)
        }
        return knots.last!.1
    }

    public init?(json: String) {
        guard let rule = try? JSONDecoder().decode(ScoreRule.self, from: Data(json.utf8)), rule.gradeCutoffs.count == 3,
              zip(rule.gradeCutoffs, rule.gradeCutoffs.dropFirst()).allSatisfy({ $0 < $1 }),
              rule.gatePriorWeights.map({ $0.count == 3 && $0.allSatisfy { $0 > 0 && $0.isFinite } }) ?? true else { return nil }
        self = rule
    }

    public var json: String { canonicalJSON(self) }

    /// Chosen on validation data: each grade cut-off where Youden's J (sensitivity + specificity − 1)
    /// for "grade ≥ k" is largest, kept increasing; the gate threshold low enough that at most
    /// `liverRefusal` of the usable liver images are refused, between 0.2 and 0.5.
    public static func fit(scores: [Double], grades: [Int], liverQuality: [Double], liverRefusal: Double = 0.02,
                           gatePriorWeights: [Double]? = nil) -> ScoreRule {
        var cutoffs = ScoreRule.standard.gradeCutoffs
        for k in 1...3 {
            let positives = grades.filter { $0 >= k }.count, negatives = grades.count - positives
            guard positives >= 5, negatives >= 5 else { continue }
            var best = (j: -1.0, cut: cutoffs[k - 1])
            for cut in stride(from: Double(k) - 0.9, through: Double(k) + 0.4, by: 0.02) {
                let tp = zip(scores, grades).filter { $0.0 >= cut && $0.1 >= k }.count
                let tn = zip(scores, grades).filter { $0.0 < cut && $0.1 < k }.count
                let j = Double(tp) / Double(positives) + Double(tn) / Double(negatives) - 1
                if j > best.j + 1e-9 { best = (j, cut) }
            }
            cutoffs[k - 1] = best.cut
        }
        for k in 1..<3 { cutoffs[k] = max(cutoffs[k], cutoffs[k - 1] + 0.1) }
        let sorted = liverQuality.sorted()
        let quantile = sorted.isEmpty ? 0.5 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * liverRefusal))]
        return ScoreRule(gradeCutoffs: cutoffs, gateThreshold: min(0.5, max(0.2, quantile)), gatePriorWeights: gatePriorWeights)
    }
}

/// What the network (or an ensemble of networks, averaged) predicts for one image.
public struct ImagePrediction: Sendable, Equatable {
    /// P(grade ≥ mild), P(grade ≥ moderate), P(severe), made monotone.
    public var cumulative: [Double]
    public var viewProbabilities: [Double]
    /// P(usable liver image), P(not a liver B-mode image), P(too poor to score).
    public var gate: [Double]
    /// Each ensemble member's expected grade (one value for a single network).
    public var memberScores: [Double]
    /// A refusal decided by rule (a colour-Doppler box, a wide fluid pocket, the gain far off); it overrides the gate.
    public var forcedRefusal: Refusal?

    /// One network's output row.
    public init(logits row: ArraySlice<Float>, layout: HeadLayout = .standard) {
        func sigmoid(_ x: Float) -> Double { 1 / (1 + exp(-Double(x))) }
        func softmax(_ v: [Double]) -> [Double] {
            let m = v.max()!, e = v.map { exp($0 - m) }, z = e.reduce(0, +)
            return e.map { $0 / z }
        }
        let base = row.startIndex
        var c = layout.ordinal.map { sigmoid(row[base + $0]) }
        c[1] = min(c[1], c[0]); c[2] = min(c[2], c[1])
        cumulative = c
        viewProbabilities = softmax(layout.view.map { Double(row[base + $0]) })
        if layout.gate.count == 3 {
            gate = softmax(layout.gate.map { Double(row[base + $0]) })
        } else {
            let q = sigmoid(row[base + layout.gate.lowerBound])   // a quality logit: usable, or poor
            gate = [q, 0, 1 - q]
        }
        memberScores = [c.reduce(0, +)]
    }

    public init(logits: [Float], layout: HeadLayout = .standard) { self.init(logits: logits[...], layout: layout) }

    /// The mean of several networks' predictions of one image (an ensemble).
    public init(averaging members: [ImagePrediction]) {
        func mean(_ k: KeyPath<ImagePrediction, [Double]>) -> [Double] {
            let n = Double(members.count)
            return members.dropFirst().reduce(members[0][keyPath: k]) { zip($0, $1[keyPath: k]).map { $0 + $1 } }.map { $0 / n }
        }
        cumulative = mean(\.cumulative)
        viewProbabilities = mean(\.viewProbabilities)
        gate = mean(\.gate)
        memberScores = members.flatMap(\.memberScores)
    }

    /// P(healthy), P(mild), P(moderate), P(severe).
    public var probabilities: [Double] {
        [1 - cumulative[0], cumulative[0] - cumulative[1], cumulative[1] - cumulative[2], cumulative[2]]
    }
    /// Expected grade, 0–3.
    public var score: Double { cumulative.reduce(0, +) }
    public var suggestedView: View {
        SteatosisNetwork.views[viewProbabilities.indices.max { viewProbabilities[$0] < viewProbabilities[$1] }!]
    }
    /// P(usable liver image).
    public var quality: Double { gate[0] }

    /// The same prediction with the gate's training class weights divided out (`ScoreRule.gatePriorWeights`).
    public func dividingGate(by weights: [Double]?) -> ImagePrediction {
        guard let weights, weights.count == gate.count else { return self }
        var out = self
        let raw = zip(gate, weights).map { $0 / $1 }, total = raw.reduce(0, +)
        if total > 0 { out.gate = raw.map { $0 / total } }
        return out
    }

    /// Why the image should not be scored under `rule`, or nil.
    public func refusal(_ rule: ScoreRule) -> Refusal? {
        if let forcedRefusal { return forcedRefusal }
        guard quality < rule.gateThreshold else { return nil }
        return gate[1] >= gate[2] ? .notLiver : .poorQuality
    }
}
