/// The viewpoints a liver image is tagged with (DESIGN.md contract). Untagged is `nil`, not a view.
public enum View: String, Sendable, Codable, CaseIterable, Comparable {
    case rightIntercostal = "right-intercostal"
    case subcostal
    case leftLobe = "left-lobe"
    case other

    /// The three liver views a study is scored on, in display order.
    public static let liverViews: [View] = [.rightIntercostal, .subcostal, .leftLobe]

    /// A two-letter label for narrow table columns.
    public var abbreviation: String {
        switch self {
        case .rightIntercostal: return "RI"
        case .subcostal: return "SC"
        case .leftLobe: return "LL"
        case .other: return "OT"
        }
    }

    public static func < (a: View, b: View) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Steatosis grades: 0 healthy (<5 % fat), 1 mild (5–33 %), 2 moderate (34–66 %), 3 severe (>66 %).
public enum Grade: Int, Sendable, Codable, CaseIterable, Comparable {
    case healthy = 0, mild, moderate, severe

    public var name: String {
        switch self {
        case .healthy: return "healthy"
        case .mild: return "mild"
        case .moderate: return "moderate"
        case .severe: return "severe"
        }
    }

    /// The histological grade for a liver fat fraction in percent (thresholds 5 / 33 / 66).
    public init(fatPercent: Double) {
        switch fatPercent {
        case ..<5: self = .healthy
        case ..<33: self = .mild
        case ..<66: self = .moderate
        default: self = .severe
        }
    }

    public static func < (a: Grade, b: Grade) -> Bool { a.rawValue < b.rawValue }
}

/// Why an image was not scored (DESIGN.md contract): not a liver B-mode image (another organ, a
/// fetus, a colour-Doppler box, a non-ultrasound screen), or a liver image too poor to read.
public enum Refusal: String, Sendable, Codable, CaseIterable {
    case notLiver = "not-liver"
    case poorQuality = "poor-quality"
}
