import Foundation
import UltrasoundImaging

/// One scored study as `steato score --json` writes it: the score JSON contract of DESIGN.md, in
/// one type. Numbers are rounded to three decimals when the report is made, so the JSON, the text
/// line and anything reading the report back agree.
public struct StudyReport: Codable, Sendable, Equatable {
    public struct ModelIdentity: Codable, Sendable, Equatable {
        public var name: String
        public var sha256: String
    }

    /// A view's mean over its images.
    public struct ViewSummary: Codable, Sendable, Equatable {
        public var score: Double
        public var grade: Int
        public var nImages: Int
        /// nil with a single image.
        public var sd: Double?

        enum CodingKeys: String, CodingKey { case score, grade, nImages = "n_images", sd }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(score, forKey: .score); try c.encode(grade, forKey: .grade)
            try c.encode(nImages, forKey: .nImages); try c.encode(sd, forKey: .sd)
        }
    }

    public struct ImageResult: Codable, Sendable, Equatable {
        public var imageId: Int64
        public var sha256: String
        /// The original file name.
        public var file: String
        /// The tagged view; nil when untagged.
        public var view: View?
        public var viewSuggested: View
        /// nil when refused.
        public var score: Double?
        public var grade: Int?
        /// P(healthy), P(mild), P(moderate), P(severe).
        public var probs: [Double]
        /// P(a usable liver image).
        public var quality: Double
        /// Why the image was not scored: `not-liver` or `poor-quality`; nil when scored.
        public var refused: Refusal?

        enum CodingKeys: String, CodingKey {
            case imageId = "image_id", sha256, file, view, viewSuggested = "view_suggested", score, grade, probs, quality, refused
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(imageId, forKey: .imageId); try c.encode(sha256, forKey: .sha256); try c.encode(file, forKey: .file)
            try c.encode(view, forKey: .view); try c.encode(viewSuggested, forKey: .viewSuggested)
            try c.encode(score, forKey: .score); try c.encode(grade, forKey: .grade); try c.encode(probs, forKey: .probs)
            try c.encode(quality, forKey: .quality); try c.encode(refused, forKey: .refused)
        }
    }

    public var studyId: String
    public var patientId: String
    /// nil, like `grade` and `fatPct`, when nothing in the study could be scored (flag `no-result`): never 0.
    public var score: Double?
    /// One standard deviation of `score`.
    public var scoreSd: Double?
    public var grade: Int?
    public var fatPct: Double?
    /// By view name (`right-intercostal`, …), the views that had usable images.
    public var views: [String: ViewSummary]
    public var images: [ImageResult]
    public var model: ModelIdentity
    /// The steato build that scored (preprocessing changes move scores, so it is kept with them).
    public var software: String
    public var flags: [String]

    enum CodingKeys: String, CodingKey {
        case studyId = "study_id", patientId = "patient_id", score, scoreSd = "score_sd", grade, fatPct = "fat_pct", views, images, model,
             software, flags
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(studyId, forKey: .studyId); try c.encode(patientId, forKey: .patientId)
        try c.encode(score, forKey: .score); try c.encode(scoreSd, forKey: .scoreSd); try c.encode(grade, forKey: .grade)
        try c.encode(fatPct, forKey: .fatPct); try c.encode(views, forKey: .views); try c.encode(images, forKey: .images)
        try c.encode(model, forKey: .model); try c.encode(software, forKey: .software); try c.encode(flags, forKey: .flags)
    }

    /// The JSON line: keys sorted, slashes unescaped.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Three decimals: enough for a 0–3 score or a probability, short enough to read.
    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
