/// The network's view of an image: the fan cropped to its bounding box and resampled to size×size,
/// intensities normalised per image (median 0, robust spread 1, so gain and dynamic range carry no
/// information), and a second channel holding each row's depth (0 at the top of the fan, 1 at its
/// deepest row; physical depth / 20 cm when the pixel spacing is known).
public struct NetworkInput: Sendable {
    public static let channels = 2
    public let size: Int
    /// Fan intensities in [0, 1] before normalisation, 0 outside the fan (for augmentation).
    public var intensity: [Float]
    /// Inside the fan and not an overlay.
    public var mask: [Bool]
    /// Depth of each output row (0…1).
    public var rowDepth: [Float]

    public init(size: Int, intensity: [Float], mask: [Bool], rowDepth: [Float]) {
        self.size = size; self.intensity = intensity; self.mask = mask; self.rowDepth = rowDepth
    }

    /// Crops the fan and resamples it with area averaging.
    public init?(image: PixelImage, size: Int, cmPerPixel: Double? = nil) {
        guard let fan = FanDetector.detect(image) else { return nil }
        self.init(image: image, fan: fan, size: size, cmPerPixel: cmPerPixel)
    }

    public init(image: PixelImage, fan: FanRegion, size: Int, cmPerPixel: Double? = nil) {
        self.size = size
        let (grey, _) = FanDetector.greyAndColour(image)
        let bw = fan.x1 - fan.x0, bh = fan.y1 - fan.y0
        var intensity = [Float](repeating: 0, count: size * size)
        var mask = [Bool](repeating: false, count: size * size)
        for oy in 0..<size {
            let sy0 = fan.y0 + oy * bh / size, sy1 = max(sy0 + 1, fan.y0 + (oy + 1) * bh / size)
            for ox in 0..<size {
                let sx0 = fan.x0 + ox * bw / size, sx1 = max(sx0 + 1, fan.x0 + (ox + 1) * bw / size)
                var sum = 0, inside = 0, total = 0
                for sy in sy0..<sy1 { for sx in sx0..<sx1 {
                    total += 1
                    let i = sy * fan.width + sx
                    if fan.mask[i] { sum += Int(grey[i]); inside += 1 }
                } }
                // A cell counts when most of it lies in the fan.
                if inside * 2 > total {
                    intensity[oy * size + ox] = Float(sum) / Float(inside) / 255
                    mask[oy * size + ox] = true
                }
            }
        }
        self.intensity = intensity
        self.mask = mask
        if let cmPerPixel {
            rowDepth = (0..<size).map { Float(min(1, (Double(bh) * (Double($0) + 0.5) / Double(size)) * cmPerPixel / 20)) }
        } else {
            rowDepth = (0..<size).map { (Float($0) + 0.5) / Float(size) }
        }
    }

    /// The two input channels, [2, size, size]: normalised intensity (0 outside the fan) and depth.
    public func channels(intensity values: [Float]? = nil) -> [Float] {
        let v = values ?? intensity
        let inside = v.indices.filter { mask[$0] }.map { v[$0] }.sorted()
        var out = [Float](repeating: 0, count: 2 * size * size)
        guard inside.count > 16 else { return out }
        let median = inside[inside.count / 2]
        let spread = max(inside[inside.count * 3 / 4] - inside[inside.count / 4], 0.02)
        for i in 0..<(size * size) where mask[i] { out[i] = (v[i] - median) / spread }
        for y in 0..<size { for x in 0..<size { out[size * size + y * size + x] = rowDepth[y] } }
        return out
    }
}
