import Foundation

/// A scanner's own reading of the model's score, fitted on its labelled studies: a monotone map from
/// the model's score to the reference grade scale (isotonic, so it can only reorder nothing and
/// shift or stretch the scale), and, where fat percentages were known, the score → fat % map.
public struct ScoreCalibration: Sendable, Codable, Equatable {
    /// Knots of the score → grade-scale map (reusing the isotonic fit of the fat calibration).
    public var grade: FatCalibration
    public var fat: FatCalibration?
    public var studies: Int

    public init(grade: FatCalibration, fat: FatCalibration?, studies: Int) { self.grade = grade; self.fat = fat; self.studies = studies }

    public init?(json: String) {
        guard let c = try? JSONDecoder().decode(ScoreCalibration.self, from: Data(json.utf8)) else { return nil }
        self = c
    }

    public var json: String { canonicalJSON(self) }

    /// The score on the scanner's reference scale (0–3).
    public func apply(_ score: Double) -> Double { min(3, max(0, grade.fatPercent(score: score))) }

    /// Fewest labelled studies to fit on: below this a monotone map follows the noise.
    public static let minimumStudies = 20

    /// Fits on study scores and reference grades (and fat % where known); nil with too few studies.
    /// `minimum` is for the stored map; cross-validation folds fit on fewer (four fifths of them).
    public static func fit(scores: [Double], grades: [Int], fat: [Double?], minimum: Int = minimumStudies) -> ScoreCalibration? {
        guard scores.count >= minimum, Set(grades).count >= 2 else { return nil }
        guard let map = FatCalibration.fit(scores: scores, fat: grades.map(Double.init), knots: 8) else { return nil }
        let withFat = fat.indices.filter { fat[$0] != nil }
        let fatMap = withFat.count >= minimumStudies ? FatCalibration.fit(scores: withFat.map { scores[$0] }, fat: withFat.map { fat[$0]! }) : nil
        return ScoreCalibration(grade: map, fat: fatMap, studies: scores.count)
    }
}

extension StudyResult {
    /// The result read on a scanner's calibrated scale: view and study scores mapped, their spread
    /// stretched as the map stretches there, grades by the scale's own halfway points, fat % from the
    /// scanner's map when it has one (else the model's, on the raw score).
    public func calibrated(by calibration: ScoreCalibration, modelFat: FatCalibration) -> StudyResult {
        var out = mapped(calibration.apply)
        if let raw = score { out.fatPercent = (calibration.fat ?? modelFat).fatPercent(score: raw) }
        out.flags.append("scanner-calibrated")
        return out
    }

    /// The result on the grade scale of the model's rule (`ScoreRule.onGradeScale`): the grades and
    /// fat % stay as they are (the map sends each cut-off to its halfway point), the scores move.
    public func onGradeScale(_ rule: ScoreRule) -> StudyResult { mapped(rule.onGradeScale) }

    /// View and study scores through a monotone map, their spread stretched as the map stretches
    /// there, grades by the mapped scale's halfway points.
    func mapped(_ map: (Double) -> Double) -> StudyResult {
        var out = self
        func slope(_ s: Double) -> Double { (map(s + 0.1) - map(max(0, s - 0.1))) / (s + 0.1 - max(0, s - 0.1)) }
        out.views = views.map { v in
            var m = v
            m.score = map(v.score)
            m.sd = v.sd.map { $0 * slope(v.score) }
            m.grade = ScoreRule.standard.grade(m.score)
            return m
        }
        if let raw = score {
            out.score = map(raw)
            out.scoreSd = scoreSd.map { $0 * slope(raw) }
            out.grade = ScoreRule.standard.grade(out.score!)
        }
        return out
    }
}
