import CKernels
import Foundation
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

/// How intensities inside the fan are put on one scale before the network; a model file records
/// which one it was trained with (`Preprocessing.description(for:)`).
public enum IntensityNormalisation: String, Sendable, CaseIterable {
    /// Median 0, interquartile range 1: gain and contrast drop out, the grey map's curve does not.
    case medianSpread = "intensity normalised per image"
    /// Each value replaced by its rank among the fan's values, as the normal quantile of that rank
    /// scaled to an interquartile range of 1: any monotone change of grey levels (gain, contrast,
    /// dynamic range, grey map) drops out, while the order of echogenicities (liver against kidney,
    /// shallow against deep) and the texture's layout stay.
    case rank = "intensity ranked per image"
    /// Both, as two channels: ranks for what a grey map must not change (what is a liver), median
    /// and spread for what ranks discard (the shape of the grey-level histogram).
    case both = "intensity normalised per image, and ranked per image"

    /// The intensity channels' names, as a model file's `preprocessing` lists them.
    public var channelNames: [String] {
        switch self {
        case .medianSpread, .rank: return [rawValue]
        case .both: return [Self.medianSpread.rawValue, Self.rank.rawValue]
        }
    }

    /// Input channels of the network: the intensity channels and depth.
    public var inputChannels: Int { channelNames.count + 1 }

    /// The normalisation a model file's `preprocessing` metadata names (files before it: median and spread).
    public init(preprocessing json: String?) {
        let text = json ?? ""
        let ranked = text.contains(Self.rank.rawValue), plain = text.contains(Self.medianSpread.rawValue)
        self = ranked && plain ? .both : ranked ? .rank : .medianSpread
    }

    /// Short names for the command line.
    public init?(option: String) {
        switch option {
        case "median-spread": self = .medianSpread
        case "rank": self = .rank
        case "both": self = .both
        default: return nil
        }
    }
}

/// The network's view of an image: a fixed physical window (`Preprocessing.windowCm` deep from the
/// top of the fan and as wide, centred on the fan) resampled to size×size, so one cell is the same
/// number of millimetres on every scanner and depth setting; intensities normalised per image
/// (median 0, robust spread 1, so gain and dynamic range carry no information); and a second
/// channel holding each row's depth in centimetres / 20.
public struct NetworkInput: Sendable {
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
    /// The file declares a Doppler or M-mode display on the screen (`UltrasoundRegion.isDopplerOrMMode`).
    public var declaresDopplerOrMMode = false
    /// The share of the fan clipped white, and of its upper half left black (`Exposure`).
    public var clippedWhiteShare = 0.0
    public var blackNearFieldShare = 0.0

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

    /// The input channels, [normalisation.inputChannels, size, size]: the normalised intensities (0
    /// outside the fan; one plane, or two for `.both`) and depth.
    public func channels(intensity values: [Float]? = nil, normalisation: IntensityNormalisation = .medianSpread) -> [Float] {
        let v = values ?? intensity
        var inside: [Float] = []
        inside.reserveCapacity(v.count)
        for i in v.indices where mask[i] { inside.append(v[i]) }
        let plane = size * size, planes = normalisation.channelNames.count
        var out = [Float](repeating: 0, count: (planes + 1) * plane)
        guard inside.count > 16 else { return out }
        if normalisation != .medianSpread {
            // Ranked: the last intensity plane (ranks need the values unreordered, so before selection).
            let ranked = Self.normalScores(inside)
            let base = (planes - 1) * plane
            var k = 0
            for i in 0..<plane where mask[i] { out[base + i] = ranked[k]; k += 1 }
        }
        if normalisation != .rank {
            // The k-th smallest values, as in the sorted list (selection is enough).
            let n = inside.count
            let median = steato_select(&inside, n, n / 2)
            let upper = steato_select(&inside, n, n * 3 / 4)
            let lower = steato_select(&inside, n, n / 4)
            let spread = max(upper - lower, 0.02)
            for i in 0..<plane where mask[i] { out[i] = (v[i] - median) / spread }
        }
        for y in 0..<size { for x in 0..<size { out[planes * plane + y * size + x] = rowDepth[y] } }
        return out
    }

    /// Rank-based normal scores: the value of rank r (ties share their mean rank) among n becomes
    /// Φ⁻¹((r + ½) / n) / 1.349, so a normal sample's interquartile range maps to 1 as with median and spread.
    static func normalScores(_ values: [Float]) -> [Float] {
        let n = values.count
        let order = values.indices.sorted { values[$0] < values[$1] }
        var out = [Float](repeating: 0, count: n)
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && values[order[end]] == values[order[start]] { end += 1 }
            let rank = Double(start + end - 1) / 2
            let score = Float(InverseNormal.quantile((rank + 0.5) / Double(n)) / 1.349)
            for j in start..<end { out[order[j]] = score }
            start = end
        }
        return out
    }
}

/// Φ⁻¹ by table: 4 097 quantiles found once by bisection on erf, then interpolated.
enum InverseNormal {
    static let steps = 4096
    static let table: [Double] = (0...steps).map { i in
        let p = min(max(Double(i) / Double(steps), 0.5 / Double(steps)), 1 - 0.5 / Double(steps))
        var low = -9.0, high = 9.0
        for _ in 0..<60 {
            let mid = (low + high) / 2
            if 0.5 * erfc(-mid / 2.0.squareRoot()) < p { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    static func quantile(_ p: Double) -> Double {
        let x = min(max(p, 0), 1) * Double(steps)
        let i = min(Int(x), steps - 1)
        let t = x - Double(i)
        return table[i] + (table[i + 1] - table[i]) * t
    }
}
