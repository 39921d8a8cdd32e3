import CaseStore
import Foundation
import Scoring
import UltrasoundImaging

/// A study scored and saved: its database id and the report (the score JSON contract).
public struct ScoredStudy: Sendable {
    public var id: Int64
    public var report: StudyReport

    /// One line for people: the study, its score (or why there is none), each view's mean ± sd, the flags.
    public var text: String {
        let viewText = View.liverViews.compactMap { view in
            report.views[view.rawValue].map { String(format: "%@ %.2f±%.2f (%d)", view.abbreviation, $0.score, $0.sd ?? 0, $0.nImages) }
        }.joined(separator: "  ")
        let result: String
        if let score = report.score, let grade = report.grade.flatMap(Grade.init(rawValue:)) {
            result = String(format: "score %.2f ± %.2f (%@), fat %.0f %%", score, report.scoreSd ?? 0, grade.name, report.fatPct ?? 0)
        } else {
            result = "no result (\(StudyScoring.whyNoResult(report.images.compactMap(\.refused))))"
        }
        return "study \(id) \(report.patientId)/\(report.studyId): \(result)" + (viewText.isEmpty ? "" : "  " + viewText)
            + (report.flags.isEmpty ? "" : "  flags: " + report.flags.joined(separator: ", "))
    }
}

/// Scoring a stored study: its images prepared, scored with the model (and the scanner's adaptation
/// when one is stored), aggregated per view and per study, written in one transaction, reported.
public enum StudyScoring {
    /// A study through the model (with its scanner's adaptation), before any scanner calibration.
    struct Raw {
        var detail: StudyDetail
        var prepared: [NetworkInput?]
        var inputs: [NetworkInput]
        var predictions: [ImagePrediction]
        var result: StudyResult
        var adapted: Bool
    }

    /// A study read from the database with its images prepared for the network (what `StudyPipeline`
    /// does for the next study while this one is scored).
    struct Prepared: @unchecked Sendable {
        var detail: StudyDetail
        var inputs: [NetworkInput?]
    }

    static func prepare(studyId: Int64, store: CaseStore) throws -> Prepared {
        let detail = try store.detail(studyId: studyId)
        return Prepared(detail: detail, inputs: try StoredImages.prepare(detail.images, store: store))
    }

    static func raw(studyId: Int64, store: CaseStore, model: SteatosisModel, prepared ready: Prepared? = nil) throws -> Raw {
        let study = try ready ?? prepare(studyId: studyId, store: store)
        let (detail, prepared) = (study.detail, study.inputs)
        var inputs: [NetworkInput] = [], views: [View?] = []
        for (image, input) in zip(detail.images, prepared) {
            guard let input else { continue }
            inputs.append(input); views.append(image.view)
        }
        let adaptation = try detail.study.scanner.flatMap { try store.adaptation(scanner: $0, modelSha256: model.sha256) }
        let predictions = try model.score(inputs, views: views, scanner: detail.study.scanner, adaptation: adaptation)
        let result = StudyResult.aggregate(predictions, views: views, calibration: model.calibration, rule: model.rule)
        return Raw(detail: detail, prepared: prepared, inputs: inputs, predictions: predictions, result: result, adapted: adaptation != nil)
    }

    /// The study score before the scanner's calibration (what `steato calibrate` fits on).
    public static func rawScore(studyId: Int64, store: CaseStore, model: SteatosisModel) throws -> Double? {
        try raw(studyId: studyId, store: store, model: model).result.score
    }

    public static func score(studyId: Int64, store: CaseStore, model: SteatosisModel) throws -> ScoredStudy {
        try score(studyId: studyId, store: store, model: model, prepared: nil)
    }

    static func score(studyId: Int64, store: CaseStore, model: SteatosisModel, prepared: Prepared?) throws -> ScoredStudy {
        let raw = try raw(studyId: studyId, store: store, model: model, prepared: prepared)
        let (detail, prepared, inputs, predictions) = (raw.detail, raw.prepared, raw.inputs, raw.predictions)
        var result = raw.result
        if inputs.count < detail.images.count { result.flags.insert("no-fan-found", at: 0) }
        if raw.adapted { result.flags.append("scanner-adapted") }
        // The scanner's own calibration, when `steato calibrate` has fitted one for this model.
        let calibration = try detail.study.scanner.flatMap { try store.calibration(scanner: $0, modelSha256: model.sha256) }
            .flatMap(ScoreCalibration.init(json:))
        // Else the model's own grade scale (its validated cut-offs at the halfway points).
        result = calibration.map { result.calibrated(by: $0, modelFat: model.calibration) } ?? result.onGradeScale(model.rule)
        let imageScore = { (raw: Double) in calibration?.apply(raw) ?? model.rule.onGradeScale(raw) }
        // Either scale puts the grade boundaries at the halfway points, as for views and the study.
        let imageGrade = { (raw: Double) in ScoreRule.standard.grade(imageScore(raw)) }
        if inputs.contains(where: { $0.scale == .assumed }) { result.flags.append("no-scale") }
        // One pass in stored order: a scored image carries its prediction; one without a fan (a blank
        // or frozen screen, a non-image) is refused as too poor to read.
        let rounded = StudyReport.rounded
        var next = 0
        let images = zip(detail.images, prepared).map { image, input -> StudyReport.ImageResult in
            guard input != nil else {
                return StudyReport.ImageResult(imageId: image.id!, sha256: image.sha256, file: image.originalName, view: image.view,
                                               viewSuggested: .other, score: nil, grade: nil, probs: [], quality: 0, refused: .poorQuality)
            }
            let p = predictions[next], refusal = result.refusals[next]
            next += 1
            return StudyReport.ImageResult(
                imageId: image.id!, sha256: image.sha256, file: image.originalName, view: image.view, viewSuggested: p.suggestedView,
                score: refusal == nil ? rounded(imageScore(p.score)) : nil, grade: refusal == nil ? imageGrade(p.score).rawValue : nil,
                probs: p.probabilities.map(rounded), quality: rounded(p.quality), refused: refusal)
        }
        let report = StudyReport(
            studyId: detail.study.studyKey, patientId: detail.patient.patientKey,
            score: result.score.map(rounded), scoreSd: result.scoreSd.map(rounded), grade: result.grade?.rawValue,
            fatPct: result.fatPercent.map(rounded),
            views: Dictionary(uniqueKeysWithValues: result.views.map {
                ($0.view.rawValue, StudyReport.ViewSummary(score: rounded($0.score), grade: $0.grade.rawValue, nImages: $0.images,
                                                           sd: $0.sd.map(rounded)))
            }),
            images: images,
            model: .init(name: model.name, sha256: model.sha256), software: SoftwareVersion.current, flags: result.flags)

        try store.save(ScoringRun(
            studyId: studyId, modelName: model.name, modelSha256: model.sha256, software: SoftwareVersion.current,
            images: report.images.map { r in
                ScoringRun.Image(imageId: r.imageId, score: r.score, grade: r.grade, probabilities: r.probs, quality: r.quality,
                                 suggestedView: r.viewSuggested, refused: r.refused)
            },
            views: result.views.map { .init(view: $0.view, score: $0.score, sd: $0.sd, images: $0.images, grade: $0.grade.rawValue) },
            score: result.score, scoreSd: result.scoreSd, grade: result.grade?.rawValue, fatPercent: result.fatPercent, flags: result.flags))
        return ScoredStudy(id: studyId, report: report)
    }

    /// Why a study has no result, from its images' refusals: "9 images not liver", "3 too poor", …
    public static func whyNoResult(_ refusals: [Refusal]) -> String {
        guard !refusals.isEmpty else { return "no images" }
        let notLiver = refusals.filter { $0 == .notLiver }.count, poor = refusals.count - notLiver
        return [notLiver > 0 ? "\(notLiver) not liver" : nil, poor > 0 ? "\(poor) too poor to score" : nil]
            .compactMap { $0 }.joined(separator: ", ")
    }
}
