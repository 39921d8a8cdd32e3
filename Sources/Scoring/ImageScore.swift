import Foundation
import UltrasoundImaging

/// What the network says about one image, from its 8 logits.
public struct ImageScore: Sendable, Equatable {
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

    public init(logits: [Float]) {
        func sigmoid(_ x: Float) -> Double { 1 / (1 + exp(-Double(x))) }
        var c = (0..<3).map { sigmoid(logits[$0]) }
        c[1] = min(c[1], c[0]); c[2] = min(c[2], c[1])
        cumulative = c
        probabilities = [1 - c[0], c[0] - c[1], c[1] - c[2], c[2]]
        let expected = c.reduce(0, +)
        score = expected
        // The grade is the expected grade rounded, as for views and studies, so every level reads alike.
        grade = Grade(rawValue: min(3, max(0, Int(expected.rounded()))))!
        let v = (3..<7).map { Double(logits[$0]) }
        let m = v.max()!
        let e = v.map { exp($0 - m) }
        let z = e.reduce(0, +)
        let vp = e.map { $0 / z }
        viewProbabilities = vp
        suggestedView = SteatosisNetwork.views[vp.indices.max { vp[$0] < vp[$1] }!]
        quality = sigmoid(logits[7])
    }
}
