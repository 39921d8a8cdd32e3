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
    /// P(usable liver image).
    public let quality: Int
    /// Outputs per image.
    public let width: Int

    public init?(_ spec: NetworkSpec) {
        func range(_ name: String) -> Range<Int>? {
            guard let start = spec.offset(of: name), let head = spec.heads.first(where: { $0.name == name }) else { return nil }
            return start..<(start + head.size)
        }
        guard let ordinal = range("ordinal"), ordinal.count == 3, let view = range("view"),
              view.count == SteatosisNetwork.views.count, let quality = range("quality"), quality.count == 1 else { return nil }
        self.ordinal = ordinal; self.view = view; self.quality = quality.lowerBound; width = spec.outputs
    }

    /// The layout of the network this build trains.
    public static let standard = HeadLayout(SteatosisNetwork.spec)!

    /// The logits of image `b` in a batch's output.
    public func row(_ logits: [Float], _ b: Int) -> ArraySlice<Float> { logits[(b * width)..<((b + 1) * width)] }
}

/// What the network predicts for one image, read from its output row.
public struct ImagePrediction: Sendable, Equatable {
    /// P(grade ≥ mild), P(grade ≥ moderate), P(severe), made monotone.
    public var cumulative: [Double]
    /// P(healthy), P(mild), P(moderate), P(severe).
    public var probabilities: [Double]
    /// Expected grade, 0–3.
    public var score: Double
    public var grade: Grade
    public var suggestedView: View
    public var viewProbabilities: [Double]
    /// P(usable liver image).
    public var quality: Double

    public init(logits row: ArraySlice<Float>, layout: HeadLayout = .standard) {
        func sigmoid(_ x: Float) -> Double { 1 / (1 + exp(-Double(x))) }
        let base = row.startIndex
        var c = layout.ordinal.map { sigmoid(row[base + $0]) }
        c[1] = min(c[1], c[0]); c[2] = min(c[2], c[1])
        cumulative = c
        probabilities = [1 - c[0], c[0] - c[1], c[1] - c[2], c[2]]
        score = c.reduce(0, +)
        grade = Grade(score: score)
        let v = layout.view.map { Double(row[base + $0]) }
        let m = v.max()!
        let e = v.map { exp($0 - m) }
        let z = e.reduce(0, +)
        let vp = e.map { $0 / z }
        viewProbabilities = vp
        suggestedView = SteatosisNetwork.views[vp.indices.max { vp[$0] < vp[$1] }!]
        quality = sigmoid(row[base + layout.quality])
    }

    public init(logits: [Float], layout: HeadLayout = .standard) { self.init(logits: logits[...], layout: layout) }
}
