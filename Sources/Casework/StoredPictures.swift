import CaseStore
import UltrasoundImaging

/// Stored images as people see them: the whole frame, as RGB for a preview and as grey (luma) for
/// measuring boxes drawn on it. Keeps the last DICOM file parsed, so stepping through a cine decodes
/// one frame at a time.
public final class StoredPictures {
    public struct Frame: Sendable {
        public var rgb: [UInt8]
        public var grey: [UInt8]
        public var width: Int
        public var height: Int
    }

    private var dicom: (sha256: String, file: DicomFile)?
    /// Why the last `frame` call returned nil, for the viewer to say (the file's own reason, e.g.
    /// "image altered or damaged in the image store").
    public private(set) var lastFailure: String?

    public init() {}

    /// A frame of a stored image; nil when it cannot be read or decoded (`lastFailure` says why).
    public func frame(_ image: ImageRecord, frame: Int, store: CaseStore) -> Frame? {
        do {
            lastFailure = nil
            if let dicom, dicom.sha256 == image.sha256 { return Self.frame(try dicom.file.frame(frame)) }
            let bytes = try store.images.load(sha256: image.sha256)
            if ImageFormat.sniff(bytes) == .dicom {
                let file = try DicomFile(bytes: bytes)
                dicom = (image.sha256, file)
                return Self.frame(try file.frame(frame))
            }
            return Self.frame(try ImageDecoder.decode(bytes, frame: frame).image)
        } catch {
            lastFailure = (error as? CaseStoreError)?.reason ?? "\(error)"
            return nil
        }
    }

    /// A frame decoded on its own (no cache), throwing the reason when it cannot be.
    public static func fullFrame(_ image: ImageRecord, frame: Int, store: CaseStore) throws -> Frame {
        Self.frame(try ImageDecoder.decode(try store.images.load(sha256: image.sha256), frame: frame).image)
    }

    static func frame(_ pixels: PixelImage) -> Frame {
        let grey = FanDetector.greyAndColour(pixels).grey
        let rgb = pixels.channels == 3 ? pixels.pixels : grey.flatMap { [$0, $0, $0] }
        return Frame(rgb: rgb, grey: grey, width: pixels.width, height: pixels.height)
    }
}
