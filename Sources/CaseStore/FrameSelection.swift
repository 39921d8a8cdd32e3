/// Which frames of a multi-frame (cine) DICOM file become images of the study; the file itself, with
/// every frame, is always kept in the image store.
public enum FrameSelection: Sendable, Equatable {
    case all
    case first
    case every(Int)

    /// Parses `all`, `first` or `every:N` (N ≥ 1).
    public init?(_ text: String) {
        switch text {
        case "all": self = .all
        case "first": self = .first
        default:
            guard text.hasPrefix("every:"), let n = Int(text.dropFirst(6)), n >= 1 else { return nil }
            self = .every(n)
        }
    }

    /// The 0-based frame numbers chosen from `count` frames.
    public func frames(of count: Int) -> [Int] {
        switch self {
        case .all: return Array(0..<count)
        case .first: return count > 0 ? [0] : []
        case .every(let n): return Array(Swift.stride(from: 0, to: count, by: n))
        }
    }
}
