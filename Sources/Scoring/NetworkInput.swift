import CKernels
import UltrasoundImaging

/// Where an image's centimetres-per-pixel came from.
public enum ScaleSource: String, Sendable, Codable {
    /// Declared by the file: a DICOM ultrasound region, or the manifest's `pixel_spacing_mm`.
    case declared
    /// Read off the depth scale burned in beside the image.
    case screen
    /// Not known: the fan taken to be `Preprocessing.assumedDepthCm` deep (flag `no-scale`).
    case assumed
}

/// The network's view of an image: a fixed physical window (`Preprocessing.windowCm` deep from the
/// top of the fan and as wide, centred on the fan) resampled to size×size, so one cell is the same
/// number of millimetres on every scanner and depth setting; intensities normalised per image
/// (median 0, robust spread 1, so gain and dynamic range carry no information); and a second
/// channel holding each row's depth in centimetres / 20.
public struct NetworkInput: Sendable {
    public static let channels = 2
    public let size: Int
    /// Fan intensities in [0, 1] before normalisation, 0 outside the fan (for augmentation).
    public var intensity: [Float]
    /// Inside the fan and not an overlay.
    public var mask: [Bool]
    /// Depth of each output row (cm / 20).
    public var rowDepth: [Float]
    /// Where the scale came from.
    public var scale: ScaleSource = .declared
    /// Share of the fan's bounding box in colour (a colour-Doppler box shows tens of percent;
    /// calipers, labels and markers a fraction of one).
    public var colouredShare: Float = 0
    /// The widest enclosed fluid pocket in the window, cm (`FluidCollection`).
    public var widestFluidPocketCm: Double = 0

    /// How deep the fan reaches inside the window, in cm (at most the window's depth).
    public var fanDepthCm: Double {
        guard let last = mask.lastIndex(of: true) else { return 0 }
        // The first row's centre is half a cell deep (rowDepth is cm / 20).
        let cellCm = Double(rowDepth[0]) * 20 * 2
        return Double(last / size + 1) * cellCm
    }

    public init(size: Int, intensity: [Float], mask: [Bool], rowDepth: [Float]) {
        self.size = size; self.intensity = intensity; self.mask = mask; self.rowDepth = rowDepth
    }

    /// Cuts the physical window out of the image around the fan and resamples it with area averaging.
    init(grey: [UInt8], height: Int, fan: FanRegion, size: Int, cmPerPixel: Double, windowCm: Double) {
        self.size = size
        let span = windowCm / cmPerPixel
        let centre = Double(fan.x0 + fan.x1) / 2
        let x0 = Int((centre - span / 2).rounded()), y0 = fan.y0
        let x1 = x0 + Int(span.rounded()), y1 = y0 + Int(span.rounded())
        var intensity = [Float](repeating: 0, count: size * size)
        var mask = [Bool](repeating: false, count: size * size)
        steato_area_resample(grey, fan.mask, fan.width, height, x0, y0, x1, y1, size, &intensity, &mask)
        self.intensity = intensity
        self.mask = mask
        rowDepth = (0..<size).map { Float((Double($0) + 0.5) / Double(size) * windowCm / 20) }
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
