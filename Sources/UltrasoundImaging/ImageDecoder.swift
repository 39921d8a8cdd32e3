/// Decodes JPEG, PNG and DICOM bytes, checking the declared size before any pixel buffer is allocated.
public enum ImageDecoder {
    /// The largest side we accept; anything larger is an error, not an allocation.
    public static let maxSide = 16384

    public struct Header: Sendable, Equatable {
        public let format: ImageFormat
        public let width: Int
        public let height: Int
    }

    /// Reads only the header: format and dimensions, validated against `maxSide`.
    public static func header(_ bytes: [UInt8]) throws -> Header {
        guard !bytes.isEmpty else { throw ImageError.empty }
        guard let format = ImageFormat.sniff(bytes) else { throw ImageError.notAnImage }
        let (w, h): (Int, Int)
        switch format {
        case .jpeg: (w, h) = try JPEGCodec.dimensions(bytes)
        case .png: (w, h) = try PNGCodec.dimensions(bytes)
        case .dicom:
            let file = try DicomFile(bytes: bytes)
            (w, h) = (file.width, file.height)
        }
        try checkDimensions(width: w, height: h)
        return Header(format: format, width: w, height: h)
    }

    /// Decodes the whole image (for DICOM, frame `frame`, 0-based); a truncated or corrupt stream is an
    /// error, not a partial image.
    public static func decode(_ bytes: [UInt8], frame: Int = 0) throws -> (format: ImageFormat, image: PixelImage) {
        guard !bytes.isEmpty else { throw ImageError.empty }
        // A DICOM file checks its own dimensions while it is parsed, once; JPEG and PNG headers first.
        guard let format = ImageFormat.sniff(bytes) else { throw ImageError.notAnImage }
        if format != .dicom { _ = try header(bytes) }
        switch format {
        case .jpeg: return (.jpeg, try JPEGCodec.decode(bytes))
        case .png: return (.png, try PNGCodec.decode(bytes))
        case .dicom: return (.dicom, try DicomFile(bytes: bytes).frame(frame))
        }
    }

    /// The image as preprocessing should see it: for a DICOM file that declares a B-mode region in its
    /// Sequence of Ultrasound Regions, only that region (the fan is then searched inside it, away from
    /// a second image, graphs and text); otherwise the whole frame.
    public static func decodeImagingArea(_ bytes: [UInt8], frame: Int = 0) throws -> PixelImage {
        try decodeImagingAreas(bytes, frames: [frame])[0]
    }

    /// Centimetres per pixel (depth direction) the file declares: a DICOM file's B-mode region's
    /// physical spacing; nil for JPEG and PNG (a screenshot's scale is on its screen, if anywhere).
    public static func declaredSpacing(_ bytes: [UInt8]) -> Double? {
        declaredRegions(bytes).bMode?.cmPerPixelY
    }

    /// The ultrasound regions a DICOM file declares (its Sequence of Ultrasound Regions); none for
    /// JPEG and PNG, or when the header cannot be read.
    public static func declaredRegions(_ bytes: [UInt8]) -> [UltrasoundRegion] {
        guard ImageFormat.sniff(bytes) == .dicom, let metadata = try? DicomFile.metadata(headerBytes: bytes) else { return [] }
        return metadata.regions
    }

    /// The imaging areas as analysis needs them: a large JPEG (a video grabber's 1920×1080, say) decoded
    /// at a reduced scale that keeps it at least as large as the smallest screens the preprocessing is
    /// tested on (640×480), with the reduction to scale a declared pixel spacing by; else as stored.
    public static let analysisMinimum = (width: 640, height: 480)
    public static func decodeImagingAreasForAnalysis(_ bytes: [UInt8], frames: [Int]) throws -> (images: [PixelImage], reduction: Int) {
        guard ImageFormat.sniff(bytes) == .jpeg else { return (try decodeImagingAreas(bytes, frames: frames), 1) }
        let d = try JPEGCodec.reduction(bytes, minimumWidth: analysisMinimum.width, minimumHeight: analysisMinimum.height)
        let image = try JPEGCodec.decode(bytes, reduction: d)
        return (frames.map { _ in image }, d)
    }

    /// Several frames of one file, parsed and decompressed once (a cine's frames are scored together).
    public static func decodeImagingAreas(_ bytes: [UInt8], frames: [Int]) throws -> [PixelImage] {
        guard ImageFormat.sniff(bytes) == .dicom else {
            let image = try decode(bytes).image
            return frames.map { _ in image }
        }
        let file = try DicomFile(bytes: bytes)
        let region = file.metadata.bModeRegion
        return try frames.map { n in
            let image = try file.frame(n)
            guard let region else { return image }
            return image.cropped(x0: region.minX, y0: region.minY, x1: region.maxX + 1, y1: region.maxY + 1) ?? image
        }
    }

    /// The whole frame and which of its pixels are imaging fan (for anonymised export, which blanks the
    /// rest): the fan found in each declared 2D tissue region of a DICOM file, else on the whole frame.
    public static func decodeWithFanMask(_ bytes: [UInt8], frame: Int = 0) throws -> (image: PixelImage, fan: [Bool]) {
        var regions: [UltrasoundRegion] = []
        let image: PixelImage
        if ImageFormat.sniff(bytes) == .dicom {
            let file = try DicomFile(bytes: bytes)
            image = try file.frame(frame)
            regions = file.metadata.regions.filter(\.isTissue2D)
        } else {
            image = try decode(bytes).image
        }
        var mask = [Bool](repeating: false, count: image.width * image.height)
        if regions.isEmpty {
            if let fan = FanDetector.detect(image) { mask = fan.mask }
            return (image, mask)
        }
        for r in regions {
            let x0 = max(0, r.minX), y0 = max(0, r.minY)
            guard let part = image.cropped(x0: x0, y0: y0, x1: r.maxX + 1, y1: r.maxY + 1),
                  let fan = FanDetector.detect(part) else { continue }
            for y in 0..<part.height { for x in 0..<part.width where fan.mask[y * part.width + x] {
                mask[(y0 + y) * image.width + x0 + x] = true
            } }
        }
        return (image, mask)
    }

    static func checkDimensions(width: Int, height: Int) throws {
        guard width > 0, height > 0 else { throw ImageError.invalidDimensions(width: width, height: height) }
        guard width <= maxSide, height <= maxSide else {
            throw ImageError.tooLarge(width: width, height: height, limit: maxSide)
        }
    }
}
