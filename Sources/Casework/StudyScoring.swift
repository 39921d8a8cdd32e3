import CaseStore
import Foundation
import Scoring
import UltrasoundImaging

/// A study scored and saved: its database id and the report (the score JSON contract).
public struct ScoredStudy: Sendable {
    public var id: Int64
    public var report: StudyReport

    /// One line for people: the study, its score, grade and fat, each view's mean ± sd, the flags.
    public var text: String {
        let viewText = View.liverViews.compactMap { view in
            report.views[view.rawValue].map { String(format: "%@ %.2f±%.2f (%d)", view.abbreviation, $0.score, $0.sd ?? 0, $0.nImages) }
        }.joined(separator: "  ")
        return String(format: "study %lld %@/%@: score %.2f (%@), fat %.0f %%  %@%@", id, report.patientId, report.studyId,
                      report.score, Grade(score: report.score).name, report.fatPct, viewText,
                      report.flags.isEmpty ? "" : "  flags: " + report.flags.joined(separator: ", "))
    }
}

/// Scoring a stored study: its images prepared, scored with the model (and the scanner's adaptation
/// when one is stored), aggregated per view and per study, written in one transaction, reported.
public enum StudyScoring {
    public static func score(studyId: Int64, store: CaseStore, model: SteatosisModel) throws -> ScoredStudy {
        let detail = try store.detail(studyId: studyId)
        let prepared = try StoredImages.prepare(detail.images, store: store)
        var inputs: [NetworkInput] = [], views: [View?] = [], used: [ImageRecord] = []
        for (image, input) in zip(detail.images, prepared) {
            guard let input else { continue }
            inputs.append(input); views.append(image.view); used.append(image)
        }
        let adaptation = try detail.study.scanner.flatMap { try store.adaptation(scanner: $0, modelSha256: model.sha256) }
        let predictions = try model.score(inputs, views: views, scanner: detail.study.scanner, adaptation: adaptation)
        var result = StudyResult.aggregate(predictions, views: views, calibration: model.calibration)
        if used.count < detail.images.count { result.flags.append("no-fan-found") }
        if adaptation != nil { result.flags.append("scanner-adapted") }

        let rounded = StudyReport.rounded
        let report = StudyReport(
            studyId: detail.study.studyKey, patientId: detail.patient.patientKey,
            score: rounded(result.score), grade: result.grade.rawValue, fatPct: rounded(result.fatPercent),
            views: Dictionary(uniqueKeysWithValues: result.views.map {
                ($0.view.rawValue, StudyReport.ViewSummary(score: rounded($0.score), grade: $0.grade.rawValue, nImages: $0.images,
                                                           sd: $0.sd.map(rounded)))
            }),
            images: zip(used, predictions).map { image, p in
                StudyReport.ImageResult(imageId: image.id!, sha256: image.sha256, file: image.originalName, view: image.view,
                                        viewSuggested: p.suggestedView, score: rounded(p.score), grade: p.grade.rawValue,
                                        probs: p.probabilities.map(rounded), quality: rounded(p.quality))
            },
            model: .init(name: model.name, sha256: model.sha256), software: SoftwareVersion.current, flags: result.flags)

        try store.save(ScoringRun(
            studyId: studyId, modelName: model.name, modelSha256: model.sha256, software: SoftwareVersion.current,
            images: zip(used, predictions).map { image, p in
                ScoringRun.Image(imageId: image.id!, score: p.score, grade: p.grade.rawValue, probabilities: p.probabilities,
                                 quality: p.quality, suggestedView: p.suggestedView)
            },
            views: result.views.map { .init(view: $0.view, score: $0.score, sd: $0.sd, images: $0.images, grade: $0.grade.rawValue) },
            score: result.score, grade: result.grade.rawValue, fatPercent: result.fatPercent, flags: result.flags))
        return ScoredStudy(id: studyId, report: report)
    }
}
