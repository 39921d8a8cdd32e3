/// Why an image could not be read or written; the description is one line a user can act on.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    case empty
    case notAnImage
    case tooLarge(width: Int, height: Int, limit: Int)
    case invalidDimensions(width: Int, height: Int)
    case corrupt(String)
    case encodeFailed(String)
    case dicom(String)

    public var description: String {
        switch self {
        case .empty: return "empty file"
        case .notAnImage: return "not a JPEG, PNG or DICOM image"
        case let .tooLarge(w, h, limit): return "image is \(w)×\(h) pixels, more than \(limit) a side"
        case let .invalidDimensions(w, h): return "invalid image dimensions \(w)×\(h)"
        case let .corrupt(why): return "corrupt or truncated image (\(why))"
        case let .encodeFailed(why): return "cannot encode image (\(why))"
        case let .dicom(why): return "DICOM: \(why)"
        }
    }
}
