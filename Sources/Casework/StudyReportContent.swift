import CaseStore
import Documents
import Foundation
import Scoring
import UltrasoundImaging

/// A scored study's report for people: what the PDF shows, read from the case database — the latest
/// score, its views, key images with the fan outlined, reference values and the review.
public enum StudyReportContent {
    public struct NotScored: Error, CustomStringConvertible {
        public var description: String
    }

    /// `model` (when it is the model that scored) turns score ± SD into a fat range.
    public static func make(store: CaseStore, studyId: Int64, model: SteatosisModel?) throws -> ReportContent {
        let d = try store.detail(studyId: studyId)
        guard let s = d.studyScore else {
            throw NotScored(description: "study \(d.study.studyKey) of patient \(d.patient.patientKey) is not scored: run steato score first")
        }
        var c = ReportContent()
        c.patientId = d.patient.patientKey; c.patientName = d.patient.name; c.birthDate = d.patient.birthDate; c.sex = d.patient.sex
        c.studyKey = d.study.studyKey; c.studyDate = d.study.studyDate; c.accession = d.study.accession
        c.scanner = d.study.scanner; c.studyDescription = d.study.description
        c.score = s.score; c.scoreSd = s.scoreSd; c.fatPct = s.fatPct
        c.grade = s.grade.flatMap { Grade(rawValue: $0)?.name }
        c.flags = s.flags
        // The fat calibration reads expected grades: the reported score (on the model's grade scale) is
        // taken back to one. A scanner's own map is not inverted here, so its studies show no range.
        if let model, model.sha256 == s.modelSha256, let score = s.score, let sd = s.scoreSd, !s.flags.contains("scanner-calibrated") {
            let fat = { (reported: Double) in model.calibration.fatPercent(score: model.rule.expectedGrade(onGradeScale: reported)) }
            let low = fat(max(0, score - sd)), high = fat(min(3, score + sd))
            c.fatRange = min(low, high)...max(low, high)
        }
        c.views = d.viewScores.sorted { $0.view.rawValue < $1.view.rawValue }.map {
            ReportContent.ViewLine(view: $0.view.rawValue, score: $0.score, sd: $0.sd, images: $0.imageCount,
                                   grade: Grade(rawValue: $0.grade)?.name ?? "")
        }
        let refused = d.images.compactMap { d.imageScores[$0.id!]?.refused }
        if !refused.isEmpty {
            let notLiver = refused.filter { $0 == .notLiver }.count, poor = refused.count - notLiver
            c.refusals = "\(refused.count) of \(d.images.count) images not scored (" +
                [notLiver > 0 ? "\(notLiver) not a liver B-mode image" : nil, poor > 0 ? "\(poor) too poor" : nil].compactMap { $0 }.joined(separator: ", ") + ")."
        }
        // Key images: the scored image of each view the model was surest was a usable liver image.
        let pictures = StoredPictures()
        var byView: [String: (ImageRecord, ImageScore)] = [:]
        for image in d.images {
            guard let score = d.imageScores[image.id!], score.score != nil else { continue }
            let view = (image.view ?? score.viewSuggested)?.rawValue ?? "untagged"
            if let best = byView[view], (best.1.quality ?? 0) >= (score.quality ?? 0) { continue }
            byView[view] = (image, score)
        }
        for (view, (image, score)) in byView.sorted(by: { $0.key < $1.key }).prefix(3) {
            guard let frame = pictures.frame(image, frame: image.frameNumber, store: store) else { continue }
            c.keyImages.append(.init(caption: "\(view), score \(String(format: "%.2f", score.score ?? 0))",
                                     picture: outlined(frame)))
        }
        if let r = d.reference {
            if let v = r.histologyFatPct { c.references.append(("Histology fat", String(format: "%.1f %%", v))) }
            if let v = r.reportGrade { c.references.append(("Report grade", Grade(rawValue: v)?.name ?? String(v))) }
            if let v = r.capDbm { c.references.append(("CAP", String(format: "%.0f dB/m", v))) }
            if let v = r.mriPdffPct { c.references.append(("MRI-PDFF", String(format: "%.1f %%", v))) }
        }
        if let review = d.reviews.max(by: { $0.reviewedAt < $1.reviewedAt }) {
            c.review = "\(review.decision.rawValue.capitalized) by \(review.reader) on \(Self.day(review.reviewedAt)): grade \(Grade(rawValue: review.grade)?.name ?? String(review.grade))"
                + (review.reason.map { " — \($0)" } ?? "")
        }
        c.model = s.modelName; c.modelSha256 = s.modelSha256; c.software = s.software ?? "unknown"
        c.scoredAt = Self.day(s.scoredAt)
        return c
    }

    /// The frame with its fan's edge drawn in yellow (what the model looked at).
    static func outlined(_ frame: StoredPictures.Frame) -> PixelImage {
        var picture = PixelImage(width: frame.width, height: frame.height, channels: 3, pixels: frame.rgb)
        guard let fan = FanDetector.detect(grey: frame.grey, coloured: [Bool](repeating: false, count: frame.grey.count),
                                           width: frame.width, height: frame.height) else { return picture }
        let w = frame.width, h = frame.height
        for y in 1..<(h - 1) { for x in 1..<(w - 1) where fan.mask[y * w + x] {
            let edge = !fan.mask[y * w + x - 1] || !fan.mask[y * w + x + 1] || !fan.mask[(y - 1) * w + x] || !fan.mask[(y + 1) * w + x]
            guard edge else { continue }
            for dy in -1...1 { for dx in -1...1 {
                let i = ((y + dy) * w + x + dx) * 3
                picture.pixels[i] = 255; picture.pixels[i + 1] = 210; picture.pixels[i + 2] = 0
            } }
        } }
        return picture
    }

    static func day(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB_POSIX"); f.dateFormat = "yyyy-MM-dd HH:mm"; f.timeZone = .current
        return f.string(from: date)
    }
}
