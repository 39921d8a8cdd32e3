import Foundation
import UltrasoundImaging

/// A study's result: per view the mean and sd of its scored images, the study the mean over views,
/// its uncertainty, and flags. Refused images count for nothing; a study with nothing scorable has
/// no score and no grade (flag `no-result`), never 0.
public struct StudyResult: Sendable {
    public struct ViewResult: Sendable {
        public var view: View
        public var score: Double
        public var sd: Double?
        public var images: Int
        public var grade: Grade
    }
    public var views: [ViewResult]
    /// nil when nothing was scorable.
    public var score: Double?
    /// One standard deviation of the study score: the ensemble's disagreement and the spread of
    /// the images behind each view mean, together.
    public var scoreSd: Double?
    public var grade: Grade?
    public var fatPercent: Double?
    public var flags: [String]
    /// Each image's refusal (nil: scored), in input order.
    public var refusals: [Refusal?]

    /// `views` are the tagged views (nil where untagged: the suggestion is used and flagged).
    public static func aggregate(_ predictions: [ImagePrediction], views: [View?], calibration: FatCalibration,
                                 rule: ScoreRule = .standard) -> StudyResult {
        var flags: [String] = []
        let refusals = predictions.map { $0.refusal(rule) }
        var byView: [View: [Int]] = [:]
        for (i, (p, tagged)) in zip(predictions, views).enumerated() {
            if let refusal = refusals[i] { flags.append("refused:\(refusal.rawValue)"); continue }
            let view = tagged ?? p.suggestedView
            if tagged == nil { flags.append("views-suggested") }
            guard view != .other else { continue }
            byView[view, default: []].append(i)
        }
        func meanAndSd(_ values: [Double]) -> (Double, Double?) {
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = values.count > 1 ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : nil
            return (mean, sd)
        }
        let results = View.liverViews.compactMap { view -> ViewResult? in
            guard let members = byView[view], !members.isEmpty else { return nil }
            let (mean, sd) = meanAndSd(members.map { predictions[$0].score })
            return ViewResult(view: view, score: mean, sd: sd, images: members.count, grade: rule.grade(mean))
        }
        for r in results where r.images < 3 { flags.append("few-images:\(r.view.rawValue)") }
        for view in View.liverViews where byView[view] == nil { flags.append("missing-view:\(view.rawValue)") }
        let scoresByView = results.map(\.score)
        if let hi = scoresByView.max(), let lo = scoresByView.min(), hi - lo > 1 { flags.append("views-disagree") }
        var unique: [String] = []
        for f in flags where !unique.contains(f) { unique.append(f) }
        guard !results.isEmpty else {
            unique.append("no-result")
            return StudyResult(views: [], score: nil, scoreSd: nil, grade: nil, fatPercent: nil, flags: unique, refusals: refusals)
        }
        let study = scoresByView.reduce(0, +) / Double(scoresByView.count)
        // Sampling: the variance of each view mean (sd²/n, a single image counted as 0.3 grade sd),
        // averaged over views. Ensemble: the spread of the study score as each member alone would give it.
        let sampling = results.map { r in pow(r.sd ?? 0.3, 2) / Double(r.images) }.reduce(0, +) / pow(Double(results.count), 2)
        let memberCount = predictions.first?.memberScores.count ?? 1
        var ensemble = 0.0
        if memberCount > 1 {
            let perMember = (0..<memberCount).map { m in
                results.map { r in byView[r.view]!.map { predictions[$0].memberScores[m] }.reduce(0, +) / Double(r.images) }
                    .reduce(0, +) / Double(results.count)
            }
            ensemble = pow(meanAndSd(perMember).1 ?? 0, 2)
        }
        return StudyResult(views: results, score: study, scoreSd: (sampling + ensemble).squareRoot(), grade: rule.grade(study),
                           fatPercent: calibration.fatPercent(score: study), flags: unique, refusals: refusals)
    }
}
