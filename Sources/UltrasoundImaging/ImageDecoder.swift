/// Decodes JPEG and PNG bytes, checking the declared size before any pixel buffer is allocated.
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
        }
        try checkDimensions(width: w, height: h)
        return Header(format: format, width: w, height: h)
    }

    /// Decodes the whole image; a truncated or corrupt stream is an error, not a partial image.
    public static func decode(_ bytes: [UInt8]) throws -> (format: ImageFormat, image: PixelImage) {
        let head = try header(bytes)
        switch head.format {
        case .jpeg: return (.jpeg, try JPEGCodec.decode(bytes))
        case .png: return (.png, try PNGCodec.decode(bytes))
        }
    }

    static func checkDimensions(width: Int, height: Int) throws {
        guard width > 0, height > 0 else { throw ImageError.invalidDimensions(width: width, height: height) }
        guard width <= maxSide, height <= maxSide else {
            throw ImageError.tooLarge(width: width, height: height, limit: maxSide)
        }
    }
}
