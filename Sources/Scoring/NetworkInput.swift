import CKernels
import UltrasoundImaging

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

    /// Crops the fan and resamples it with area averaging (through `Preprocessing.prepare`).
    init?(image: PixelImage, size: Int, cmPerPixel: Double? = nil) {
        let (grey, coloured) = FanDetector.greyAndColour(image)
        guard let fan = FanDetector.detect(grey: grey, coloured: coloured, width: image.width, height: image.height) else { return nil }
        self.init(grey: grey, fan: fan, size: size, cmPerPixel: cmPerPixel)
    }

    init(image: PixelImage, fan: FanRegion, size: Int, cmPerPixel: Double? = nil) {
        self.init(grey: FanDetector.greyAndColour(image).grey, fan: fan, size: size, cmPerPixel: cmPerPixel)
    }

    /// A cell counts when most of it lies in the fan.
    init(grey: [UInt8], fan: FanRegion, size: Int, cmPerPixel: Double?) {
        self.size = size
        let bh = fan.y1 - fan.y0
        var intensity = [Float](repeating: 0, count: size * size)
        var mask = [Bool](repeating: false, count: size * size)
        steato_area_resample(grey, fan.mask, fan.width, fan.x0, fan.y0, fan.x1, fan.y1, size, &intensity, &mask)
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
        var inside: [Float] = []
        inside.reserveCapacity(v.count)
        for i in v.indices where mask[i] { inside.append(v[i]) }
        var out = [Float](repeating: 0, count: 2 * size * size)
        guard inside.count > 16 else { return out }
        // The k-th smallest values, as in the sorted list (selection is enough).
        let n = inside.count
        let median = steato_select(&inside, n, n / 2)
        let upper = steato_select(&inside, n, n * 3 / 4)
        let lower = steato_select(&inside, n, n / 4)
        let spread = max(upper - lower, 0.02)
        for i in 0..<(size * size) where mask[i] { out[i] = (v[i] - median) / spread }
        for y in 0..<size { for x in 0..<size { out[size * size + y * size + x] = rowDepth[y] } }
        return out
    }
}
