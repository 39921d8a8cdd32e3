import CPNG

/// PNG through libpng's simplified API, which reports errors by return value (no setjmp),
/// so it is safe to call from Swift.
public enum PNGCodec {
    static func dimensions(_ bytes: [UInt8]) throws -> (Int, Int) {
        var image = newImage()
        defer { png_image_free(&image) }
        let ok = bytes.withUnsafeBufferPointer {
            png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count)
        }
        guard ok != 0 else { throw ImageError.corrupt(message(image)) }
        return (Int(image.width), Int(image.height))
    }

    /// Decodes to grey or RGB, 8 bits per channel; 16-bit files are reduced, alpha is composed on black.
    public static func decode(_ bytes: [UInt8]) throws -> PixelImage {
        var image = newImage()
        defer { png_image_free(&image) }
        let begun = bytes.withUnsafeBufferPointer {
            png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count)
        }
        guard begun != 0 else { throw ImageError.corrupt(message(image)) }
        let width = Int(image.width), height = Int(image.height)
        try ImageDecoder.checkDimensions(width: width, height: height)
        let colour = (image.format & UInt32(PNG_FORMAT_FLAG_COLOR)) != 0
        image.format = colour ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let channels = colour ? 3 : 1
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, 0, nil)
        }
        guard finished != 0, image.warning_or_error & UInt32(PNG_IMAGE_ERROR) == 0 else {
            throw ImageError.corrupt(message(image))
        }
        return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Lossless 8-bit PNG of a grey or RGB image.
    public static func encode(_ picture: PixelImage) throws -> [UInt8] {
        var image = newImage()
        defer { png_image_free(&image) }
        image.width = UInt32(picture.width)
        image.height = UInt32(picture.height)
        image.format = picture.channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        var size = 0
        let sized = picture.pixels.withUnsafeBytes {
            png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil)
        }
        guard sized != 0, size > 0 else { throw ImageError.encodeFailed(message(image)) }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { dst in
            picture.pixels.withUnsafeBytes { src in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
            }
        }
        guard written != 0 else { throw ImageError.encodeFailed(message(image)) }
        return Array(out.prefix(size))
    }

    private static func newImage() -> png_image {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        return image
    }

    private static func message(_ image: png_image) -> String {
        var copy = image.message
        let text = withUnsafeBytes(of: &copy) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text.isEmpty ? "unreadable PNG" : text
    }
}
