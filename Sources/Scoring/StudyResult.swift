import UltrasoundImaging

/// A study's result: per view the mean and sd of its images, the study the mean over views, and flags.
public struct StudyResult: Sendable {
    public struct ViewResult: Sendable {
        public var view: View
        public var score: Double
        public var sd: Double?
        public var images: Int
        public var grade: Grade { Grade(score: score) }
    }
    public var views: [ViewResult]
    public var score: Double
    public var grade: Grade { Grade(score: score) }
    public var fatPercent: Double
    public var flags: [String]

    /// `views` are the tagged views (nil where untagged: the suggestion is used and flagged).
    public static func aggregate(_ scores: [ImagePrediction], views: [View?], calibration: FatCalibration,
                                 minimumQuality: Double = 0.5) -> StudyResult {
        var flags: [String] = []
        var byView: [View: [Double]] = [:]
        for (s, tagged) in zip(scores, views) {
            if s.quality < minimumQuality { flags.append("quality"); continue }
            let view = tagged ?? s.suggestedView
            if tagged == nil { flags.append("views-suggested") }
            guard view != .other else { continue }
            byView[view, default: []].append(s.score)
        }
        let results = View.liverViews.compactMap { view -> ViewResult? in
            guard let values = byView[view], !values.isEmpty else { return nil }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = values.count > 1 ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : nil
            return ViewResult(view: view, score: mean, sd: sd, images: values.count)
        }
        for r in results where r.images < 3 { flags.append("few-images:\(r.view.rawValue)") }
        for view in View.liverViews where byView[view] == nil { flags.append("missing-view:\(view.rawValue)") }
        let scoresByView = results.map(\.score)
        if let hi = scoresByView.max(), let lo = scoresByView.min(), hi - lo > 1 { flags.append("views-disagree") }
        let study = scoresByView.isEmpty ? 0 : scoresByView.reduce(0, +) / Double(scoresByView.count)
        if results.isEmpty { flags.append("no-usable-images") }
        var unique: [String] = []
        for f in flags where !unique.contains(f) { unique.append(f) }
        return StudyResult(views: results, score: study, fatPercent: calibration.fatPercent(score: study), flags: unique)
    }
}
