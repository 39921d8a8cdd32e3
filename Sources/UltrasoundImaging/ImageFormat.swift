/// The file formats Steatoscope reads, recognised by their content, never by the file name.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case jpeg
    case png

    /// The format of the bytes, or nil when they are no image we read.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8, Array(bytes[0..<8]) == pngSignature { return .png }
        return nil
    }

    public var fileExtension: String {
        switch self {
        case .jpeg: return "jpg"
        case .png: return "png"
        }
    }
}
