/// An 8-bit image held in memory: grey (1 channel) or interleaved RGB (3 channels), rows top to bottom.
public struct PixelImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "channels must be 1 or 3")
        precondition(pixels.count == width * height * channels, "pixel count does not match dimensions")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A black image of the given size.
    public init(width: Int, height: Int, channels: Int = 1) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: 0, count: width * height * channels))
    }

    public subscript(x: Int, y: Int, c: Int = 0) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// The rectangle x0..<x1, y0..<y1 clipped to the image, or nil when too little of it remains.
    public func cropped(x0: Int, y0: Int, x1: Int, y1: Int) -> PixelImage? {
        let left = max(0, x0), top = max(0, y0), right = min(width, x1), bottom = min(height, y1)
        guard right - left >= 16, bottom - top >= 16 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity((right - left) * (bottom - top) * channels)
        for y in top..<bottom { out += pixels[((y * width + left) * channels)..<((y * width + right) * channels)] }
        return PixelImage(width: right - left, height: bottom - top, channels: channels, pixels: out)
    }
}
