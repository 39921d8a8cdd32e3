import CaseStore
import Evaluation
import Foundation
import Scoring
import UltrasoundImaging

/// One scored study with its reference grade, the baselines measured on its pixels, and the scores
/// the agreement figures need.
public struct EvaluationRow: Sendable {
    public var score: Double
    public var grade: Int
    public var scanner: String
    public var patient: String
    /// The view name when rows are regrouped per view.
    public var group = ""
    public var cap: Double?
    /// Hepatorenal index, mean over the study's images with both boxes.
    public var hri: Double?
    /// B-mode attenuation (brightness fall with depth), mean over the study's images.
    public var attenuation: Double?
    public var viewScores: [View: Double]
    public var imageScoresByView: [View: [Double]]

    /// The same study with a view's score in place of the study's.
    public func regrouped(score: Double, group: String) -> EvaluationRow {
        var copy = self
        copy.score = score; copy.group = group
        return copy
    }
}

public enum EvaluationRows {
    /// Every scored study with a result and a grade by `reference`, with its baselines (a study the
    /// model refused has no score to rank and is left out).
    public static func build(store: CaseStore, reference: ReferenceStandard) throws -> [EvaluationRow] {
        var rows: [EvaluationRow] = []
        for id in try store.studyIds(unscoredOnly: false) {
            let d = try store.detail(studyId: id)
            guard let score = d.studyScore?.score, let grade = reference.grade(d.reference) else { continue }
            rows.append(try row(d, score: score, grade: grade, store: store))
        }
        return rows
    }

    static func row(_ d: StudyDetail, score: Double, grade: Int, store: CaseStore) throws -> EvaluationRow {
        var byView: [View: [Double]] = [:]
        for image in d.images { if let s = d.imageScores[image.id!]?.score, let v = image.view { byView[v, default: []].append(s) } }
        // Hepatorenal index on the whole stored frame, where the boxes were drawn (a DICOM frame's
        // B-mode crop would shift them); attenuation on what the network sees.
        var ratios: [Double] = [], slopes: [Double] = []
        let rois = Dictionary(grouping: d.rois, by: \.imageId)
        for image in d.images {
            if let r = rois[image.id!], let liver = r.first(where: { $0.kind == .liver }), let kidney = r.first(where: { $0.kind == .kidney }),
               let ratio = try? hepatorenalIndex(image, liver: liver.rect, kidney: kidney.rect, store: store) {
                ratios.append(ratio)
            }
        }
        for input in try StoredImages.prepare(d.images, store: store) {
            if let input, let slope = attenuation(input) { slopes.append(slope) }
        }
        return EvaluationRow(score: score, grade: grade, scanner: d.study.scanner ?? "unknown", patient: d.patient.patientKey,
                             cap: d.reference?.capDbm, hri: mean(ratios), attenuation: mean(slopes),
                             viewScores: Dictionary(uniqueKeysWithValues: d.viewScores.map { ($0.view, $0.score) }),
                             imageScoresByView: byView)
    }

    /// The hepatorenal index of a stored image's boxes (full-frame pixels); nil when it cannot be measured.
    public static func hepatorenalIndex(_ image: ImageRecord, liver: Rect, kidney: Rect, store: CaseStore) throws -> Double? {
        hepatorenalIndex(try StoredPictures.fullFrame(image, frame: image.frameNumber, store: store), liver: liver, kidney: kidney)
    }

    /// The hepatorenal index of two boxes on a decoded frame (the workstation's box tool measures here).
    public static func hepatorenalIndex(_ frame: StoredPictures.Frame, liver: Rect, kidney: Rect) -> Double? {
        Baselines.hepatorenalIndex(grey: frame.grey, width: frame.width, height: frame.height,
                                   liver: (liver.x, liver.y, liver.width, liver.height),
                                   kidney: (kidney.x, kidney.y, kidney.width, kidney.height))
    }

    /// Brightness against relative depth over the middle three fifths of the fan.
    static func attenuation(_ input: NetworkInput) -> Double? {
        var depths: [Double] = [], brightness: [Double] = []
        for y in (input.size / 5)..<(input.size * 4 / 5) {
            var s = 0.0, n = 0.0
            for x in 0..<input.size where input.mask[y * input.size + x] { s += Double(input.intensity[y * input.size + x]); n += 1 }
            if n > 4 { depths.append(Double(input.rowDepth[y])); brightness.append(s / n) }
        }
        return Baselines.attenuation(depths: depths, brightness: brightness)
    }

    static func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
}
