import Foundation
import UltrasoundImaging

/// What the PDF study report says, as plain values (Casework fills it from the case database).
public struct ReportContent: Sendable {
    public struct ViewLine: Sendable {
        public var view: String
        public var score: Double
        public var sd: Double?
        public var images: Int
        public var grade: String
        public init(view: String, score: Double, sd: Double?, images: Int, grade: String) {
            self.view = view; self.score = score; self.sd = sd; self.images = images; self.grade = grade
        }
    }
    public struct KeyImage: Sendable {
        public var caption: String
        /// The image with the fan outlined.
        public var picture: PixelImage
        public init(caption: String, picture: PixelImage) { self.caption = caption; self.picture = picture }
    }

    public var patientId = "", patientName: String?, birthDate: String?, sex: String?
    public var studyKey = "", studyDate: String?, accession: String?, scanner: String?, studyDescription: String?
    public var score: Double?, scoreSd: Double?, grade: String?, fatPct: Double?
    /// Fat % at score ± one standard deviation.
    public var fatRange: ClosedRange<Double>?
    public var flags: [String] = []
    public var views: [ViewLine] = []
    public var keyImages: [KeyImage] = []
    /// Reference values (histology, report grade, CAP, MRI-PDFF) as label and value.
    public var references: [(String, String)] = []
    public var review: String?
    public var refusals: String?
    public var model = "", modelSha256 = "", software = "", scoredAt = ""
    public init() {}
}

/// The study report for people: one A4 page (a second when key images do not fit) drawn with Cairo.
public enum StudyReportDocument {
    public static func write(_ c: ReportContent, to path: String) throws {
        let page = try CairoCanvas(pdf: path)
        let left = 48.0, right = page.width - 48
        var y = 60.0
        page.text("Liver steatosis — ultrasound score", x: left, y: y, size: 17, weight: .bold, colour: .accent)
        page.text("Steatoscope", x: right, y: y, size: 9, colour: .grey, alignRight: true)
        y += 10
        page.line([(left, y), (right, y)], colour: .light)
        y += 20
        // Patient and study, two columns.
        let patient: [(String, String)] = [("Patient", c.patientName ?? "—"), ("Patient ID", c.patientId),
                                           ("Birth date", c.birthDate ?? "—"), ("Sex", c.sex ?? "—")]
        let study: [(String, String)] = [("Study", c.studyKey), ("Date", c.studyDate ?? "—"),
                                         ("Accession", c.accession ?? "—"), ("Scanner", c.scanner ?? "—")]
        for (i, (a, b)) in zip(patient, study).enumerated() {
            let yy = y + Double(i) * 15
            page.text(a.0, x: left, y: yy, size: 9, colour: .grey); page.text(a.1, x: left + 70, y: yy, size: 10)
            page.text(b.0, x: 310, y: yy, size: 9, colour: .grey); page.text(b.1, x: 375, y: yy, size: 10)
        }
        y += 4 * 15 + 12
        // The result.
        page.fill(x: left, y: y, width: right - left, height: 62, colour: CairoCanvas.Colour(0.94, 0.96, 0.98))
        if let score = c.score, let grade = c.grade {
            page.text("Study score", x: left + 12, y: y + 20, size: 9, colour: .grey)
            page.text(String(format: "%.2f", score) + (c.scoreSd.map { String(format: " ± %.2f", $0) } ?? ""), x: left + 12, y: y + 44, size: 20, weight: .bold)
            page.text("Grade", x: left + 190, y: y + 20, size: 9, colour: .grey)
            page.text(grade, x: left + 190, y: y + 44, size: 20, weight: .bold, colour: .accent)
            page.text("Estimated liver fat", x: left + 340, y: y + 20, size: 9, colour: .grey)
            let fat = c.fatPct.map { String(format: "%.0f %%", $0) } ?? "—"
            let range = c.fatRange.map { String(format: " (%.0f–%.0f %%)", $0.lowerBound, $0.upperBound) } ?? ""
            page.text(fat + range, x: left + 340, y: y + 44, size: 16, weight: .bold)
        } else {
            page.text("No result", x: left + 12, y: y + 30, size: 18, weight: .bold, colour: .warning)
            page.text(c.refusals ?? "No image in this study could be scored.", x: left + 12, y: y + 50, size: 10, colour: .warning)
        }
        y += 62 + 8
        page.text("Score 0–3 on the grade scale (below 0.5 healthy, below 1.5 mild, below 2.5 moderate, else severe); ± one standard deviation between images and networks.",
                  x: left, y: y + 8, size: 7.5, colour: .grey)
        y += 26
        if !c.flags.isEmpty {
            page.text("Notes: " + c.flags.joined(separator: ", "), x: left, y: y, size: 9, colour: .warning)
            y += 16
        }
        // Per view.
        page.text("By view", x: left, y: y, size: 12, weight: .bold)
        y += 16
        let columns = [left, left + 170, left + 270, left + 350, left + 420]
        for (i, h) in ["View", "Score", "± SD", "Images", "Grade"].enumerated() { page.text(h, x: columns[i], y: y, size: 9, colour: .grey) }
        y += 4
        page.line([(left, y), (right, y)], colour: .light)
        for v in c.views {
            y += 15
            page.text(v.view, x: columns[0], y: y, size: 10)
            page.text(String(format: "%.2f", v.score), x: columns[1], y: y, size: 10)
            page.text(v.sd.map { String(format: "%.2f", $0) } ?? "—", x: columns[2], y: y, size: 10)
            page.text(String(v.images), x: columns[3], y: y, size: 10)
            page.text(v.grade, x: columns[4], y: y, size: 10)
        }
        if c.views.isEmpty { y += 15; page.text("No view had a scorable image.", x: left, y: y, size: 10, colour: .grey) }
        if let refusals = c.refusals, c.score != nil { y += 15; page.text(refusals, x: left, y: y, size: 9, colour: .grey) }
        y += 24
        // Key images, up to three in a row.
        if !c.keyImages.isEmpty {
            page.text("Key images (fan outlined)", x: left, y: y, size: 12, weight: .bold)
            y += 8
            let gap = 10.0, w = (right - left - 2 * gap) / 3, h = w * 0.75
            for (i, key) in c.keyImages.prefix(3).enumerated() {
                let x = left + Double(i) * (w + gap)
                page.fill(x: x, y: y, width: w, height: h, colour: .black)
                page.image(key.picture, x: x, y: y, width: w, height: h)
                page.text(key.caption, x: x, y: y + h + 12, size: 8, colour: .grey)
            }
            y += h + 28
        }
        if !c.references.isEmpty {
            page.text("Reference values", x: left, y: y, size: 12, weight: .bold)
            for (label, value) in c.references { y += 15; page.text(label, x: left, y: y, size: 9, colour: .grey); page.text(value, x: left + 150, y: y, size: 10) }
            y += 20
        }
        page.text("Review", x: left, y: y, size: 12, weight: .bold)
        y += 15
        page.text(c.review ?? "Not reviewed.", x: left, y: y, size: 10, colour: c.review == nil ? .grey : .black)
        // Provenance at the foot.
        let foot = page.height - 40
        page.line([(left, foot - 12), (right, foot - 12)], colour: .light)
        page.text("Model \(c.model) (sha256 \(c.modelSha256.prefix(12))…) · steato \(c.software) · scored \(c.scoredAt)", x: left, y: foot, size: 7.5, colour: .grey)
        page.text("A research tool's quantitative estimate, to be read with the images and the clinical picture; not a diagnosis.",
                  x: left, y: foot + 11, size: 7.5, colour: .grey)
        try page.finish()
    }
}
