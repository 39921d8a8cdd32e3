import CTurboJPEG

/// JPEG through libturbojpeg. Warnings (a truncated stream, bad Huffman data) count as errors:
/// a partly grey image must never be scored as if it were whole.
public enum JPEGCodec {
    public static func dimensions(_ bytes: [UInt8]) throws -> (Int, Int) {
        guard let handle = tjInitDecompress() else { throw ImageError.corrupt("cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        let (w, h, _) = try header(handle, bytes)
        return (Int(w), Int(h))
    }

    /// Width, height and colour space from the stream's header.
    private static func header(_ handle: tjhandle, _ bytes: [UInt8]) throws -> (Int32, Int32, Int32) {
        var w: Int32 = 0, h: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
        let rc = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &w, &h, &subsamp, &colorspace)
        }
        guard rc == 0 else { throw ImageError.corrupt(errorText(handle)) }
        return (w, h, colorspace)
    }

    /// Decodes to grey when the JPEG is greyscale, otherwise to RGB.
    public static func decode(_ bytes: [UInt8]) throws -> PixelImage {
        try decode(bytes, reduction: 1)
    }

    /// The largest of 1, 2, 4, 8 by which the image can be shrunk while decoding (libjpeg-turbo's DCT
    /// scaling: the inverse transform itself produces the smaller image, at a fraction of the work) and
    /// still be at least `minimumWidth` × `minimumHeight`.
    public static func reduction(_ bytes: [UInt8], minimumWidth: Int, minimumHeight: Int) throws -> Int {
        let (w, h) = try dimensions(bytes)
        var d = 1
        while d < 8 && (w + 2 * d - 1) / (2 * d) >= minimumWidth && (h + 2 * d - 1) / (2 * d) >= minimumHeight { d *= 2 }
        return d
    }

    /// Decodes at 1/`reduction` of the stored size (1, 2, 4 or 8; rounded up as libjpeg-turbo does).
    public static func decode(_ bytes: [UInt8], reduction: Int) throws -> PixelImage {
        precondition([1, 2, 4, 8].contains(reduction), "libjpeg-turbo scales by 1/1, 1/2, 1/4 or 1/8 here")
        guard let handle = tjInitDecompress() else { throw ImageError.corrupt("cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        let (fullWidth, fullHeight, colorspace) = try header(handle, bytes)
        try ImageDecoder.checkDimensions(width: Int(fullWidth), height: Int(fullHeight))
        let d = Int32(reduction)
        let w = (fullWidth + d - 1) / d, h = (fullHeight + d - 1) / d
        let grey = colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = grey ? 1 : 3
        let pixelFormat = grey ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
        // Not zeroed first: the decoder writes every byte, and on any error the buffer is thrown away.
        var rc: Int32 = 0
        let count = Int(w) * Int(h) * channels
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { dst, initialised in
            rc = bytes.withUnsafeBufferPointer { src in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress,
                              w, 0, h, pixelFormat, TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING)
            }
            initialised = count
        }
        guard rc == 0 else { throw ImageError.corrupt(errorText(handle)) }
        return PixelImage(width: Int(w), height: Int(h), channels: channels, pixels: pixels)
    }

    /// Encodes at the given quality (1–100); grey images are written as single-component JPEGs.
    public static func encode(_ image: PixelImage, quality: Int = 92) throws -> [UInt8] {
        guard let handle = tjInitCompress() else { throw ImageError.encodeFailed("cannot start the JPEG encoder") }
        defer { tjDestroy(handle) }
        let grey = image.channels == 1
        let pixelFormat = grey ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
        let subsamp = grey ? Int32(TJSAMP_GRAY.rawValue) : Int32(TJSAMP_444.rawValue)
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let rc = image.pixels.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(image.width), 0, Int32(image.height), pixelFormat,
                        &out, &size, subsamp, Int32(max(1, min(100, quality))), TJFLAG_ACCURATEDCT)
        }
        defer { if let out { tjFree(out) } }
        guard rc == 0, let out else { throw ImageError.encodeFailed(errorText(handle)) }
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }

    private static func errorText(_ handle: tjhandle) -> String {
        guard let cString = tjGetErrorStr2(handle) else { return "unknown JPEG error" }
        return String(cString: cString)
    }
}
