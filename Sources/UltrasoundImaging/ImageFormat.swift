/// The file formats Steatoscope reads, recognised by their content, never by the file name.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case jpeg
    case png
    case dicom

    /// The format of the bytes, or nil when they are no image we read.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8, Array(bytes[0..<8]) == pngSignature { return .png }
        if bytes.count >= 132, bytes[128] == 0x44, bytes[129] == 0x49, bytes[130] == 0x43, bytes[131] == 0x4D { return .dicom }
        // Without the preamble: "DICM" first, or a dataset starting with a group 0002 or 0008 attribute
        // (little endian, or big endian for group 0008) followed by an explicit VR or a small implicit length.
        if bytes.count >= 8, bytes[0] == 0x44, bytes[1] == 0x49, bytes[2] == 0x43, bytes[3] == 0x4D { return .dicom }
        if bytes.count >= 8, (bytes[0] == 0x02 || bytes[0] == 0x08) && bytes[1] == 0 || bytes[0] == 0 && bytes[1] == 0x08 {
            let vrLetters = (0x41...0x5A).contains(bytes[4]) && (0x41...0x5A).contains(bytes[5])
            let implicitLength = bytes[6] == 0 && bytes[7] == 0
            if vrLetters || implicitLength { return .dicom }
        }
        return nil
    }

    public var fileExtension: String {
        switch self {
        case .jpeg: return "jpg"
        case .png: return "png"
        case .dicom: return "dcm"
        }
    }
}
