import CaseStore
import Evaluation
import Foundation
import Scoring
import UltrasoundImaging

/// `steato calibrate`: a scanner's monotone score map fitted on its labelled studies, checked by
/// five-fold cross-validation over those studies, and stored for the model so scoring uses it.
public enum ScannerCalibrationFit {
    public struct Check: Sendable {
        public var studies: Int
        /// Mean difference (reported score − reference grade) and 95 % limits of agreement, before and after
        /// calibration, each study scored by a map fitted without it.
        public var before: (bias: Double, limits: Double)
        public var after: (bias: Double, limits: Double)
        public var calibration: ScoreCalibration
    }

    public enum Reference: String, Sendable { case report, histology }

    public static func fit(scanner: String, store: CaseStore, model: SteatosisModel, reference: Reference) throws -> Check {
        var scores: [Double] = [], grades: [Int] = [], fat: [Double?] = []
        for id in try store.studyIds(scanner: scanner) {
            let detail = try store.detail(studyId: id)
            let grade: Int?
            switch reference {
            case .report: grade = detail.reference?.reportGrade
            case .histology: grade = detail.reference?.histologyFatPct.map { Grade(fatPercent: $0).rawValue }
            }
            guard let grade, let score = try StudyScoring.rawScore(studyId: id, store: store, model: model) else { continue }
            scores.append(score); grades.append(grade); fat.append(detail.reference?.histologyFatPct ?? detail.reference?.mriPdffPct)
        }
        guard scores.count >= ScoreCalibration.minimumStudies else {
            throw CaseStoreError.invalid("calibrating \(scanner) needs at least \(ScoreCalibration.minimumStudies) scored studies with a \(reference.rawValue) reference; it has \(scores.count)")
        }
        guard let calibration = ScoreCalibration.fit(scores: scores, grades: grades, fat: fat) else {
            throw CaseStoreError.invalid("calibrating \(scanner) needs studies of at least two grades")
        }
        // Five folds: each study mapped by a calibration fitted on the other four fifths.
        var after = [Double](repeating: 0, count: scores.count)
        for fold in 0..<5 {
            let test = scores.indices.filter { $0 % 5 == fold }, train = scores.indices.filter { $0 % 5 != fold }
            // A fold fits on four fifths of the studies, fewer than the stored map needs: its own floor.
            let c = ScoreCalibration.fit(scores: train.map { scores[$0] }, grades: train.map { grades[$0] }, fat: train.map { fat[$0] },
                                         minimum: 8)
            for i in test { after[i] = c?.apply(scores[i]) ?? model.rule.onGradeScale(scores[i]) }
        }
        func agreement(_ values: [Double]) -> (Double, Double) {
            let d = zip(values, grades).map { $0 - Double($1) }
            let mean = d.reduce(0, +) / Double(d.count)
            let sd = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, d.count - 1))).squareRoot()
            return (mean, 1.96 * sd)
        }
        try store.saveCalibration(scanner: scanner, modelSha256: model.sha256, json: calibration.json, studies: scores.count)
        // Before: the scores as reported without a scanner map, on the model's grade scale.
        return Check(studies: scores.count, before: agreement(scores.map(model.rule.onGradeScale)), after: agreement(after),
                     calibration: calibration)
    }
}
