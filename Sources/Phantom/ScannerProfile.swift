import UltrasoundImaging

/// How a probe lays its scan lines out.
public enum ProbeGeometry: Sendable, Equatable {
    /// A convex array of the given radius (cm) spanning the field of view (degrees).
    case curvilinear(radiusCm: Double, fieldDegrees: Double)
    /// A phased array steering from a small footprint over the field of view (degrees).
    case sector(fieldDegrees: Double)
    /// A flat array of the given width (cm).
    case linear(widthCm: Double)

    public var name: String {
        switch self {
        case .curvilinear: return "curvilinear"
        case .sector: return "sector"
        case .linear: return "linear"
        }
    }
}

/// The look of the burned-in user interface around the image.
public struct ScreenStyle: Sendable {
    public var text: RGB
    public var accent: RGB
    public var background: RGB
    public var headerHeight: Int
    public var fontScale: Int
    public var ecg: Bool
    public var greyBar: Bool
    /// Chances per image of a coloured caliper and of a typed label inside the fan.
    public var caliperChance: Double
    public var labelChance: Double
    /// The depth scale at the screen's left edge instead of beside the fan; ticks every half centimetre.
    public var scaleAtEdge = false
    public var halfCentimetreTicks = false
}

/// One scanner model: probe, beam, processing chain and screen. Per exam the gain, TGC, depth and
/// dynamic range vary around these values, as an operator would set them.
public struct ScannerProfile: Sendable {
    public var id: String
    public var displayName: String
    public var geometry: ProbeGeometry
    public var depthRangeCm: ClosedRange<Double>
    /// Transmit centre frequency (MHz); with `harmonic` the image is formed at 2·f0.
    public var centerFrequencyMHz: Double
    public var harmonic: Bool
    public var fractionalBandwidth: Double
    public var fNumber: Double
    /// Transmit focus as a fraction of the displayed depth.
    public var focusFraction: Double
    public var lines: Int
    public var dynamicRangeDB: Double
    public var gainDB: Double
    /// The attenuation the depth-gain compensation assumes (dB/cm/MHz).
    public var nominalAttenuation: Double
    /// Grey map exponent: below 1 brightens mid-greys, above 1 darkens them.
    public var greyGamma: Double
    /// Frames at different steering angles averaged (spatial compounding); 1 for none.
    public var compounding: Int
    /// Strength (0–1) of the speckle-reduction filter.
    public var speckleReduction: Double
    /// Receiver noise relative to a fat-free liver echo at the skin (dB).
    public var noiseDB: Double
    /// Near-field reverberation relative to the superficial echoes (dB).
    public var reverberationDB: Double
    public var imageWidth: Int
    public var imageHeight: Int
    /// Where the fan is drawn (x, y, width, height in pixels).
    public var fanBox: (x: Int, y: Int, width: Int, height: Int)
    public var screen: ScreenStyle

    /// The imaging frequency: the harmonic's when harmonic imaging is on.
    public var imagingFrequencyMHz: Double { harmonic ? 2 * centerFrequencyMHz : centerFrequencyMHz }
}

extension ScannerProfile {
    /// Five scanners spanning textbook speckle to modern harmonic, compounded, filtered images;
    /// dark to bright grey maps; curvilinear, sector and linear probes; 640×480 to 1024×768 screens.
    public static let all: [ScannerProfile] = [meridian, aurora, vega, lumen, orca]

    public static func named(_ id: String) -> ScannerProfile? { (all + [outOfRange] + developmentOutliers).first { $0.id == id } }

    /// For development only, never for held-out numbers: two scanners outside the training ranges in
    /// other directions than `outOfRange`, to see how a model copes with an unfamiliar look before
    /// the held-out scanner is scored. `grain-s1`: a dark preset under a flat grey map, grainy (no
    /// compounding or speckle reduction), 1.5 MHz, TGC over-compensating. `glare-c3`: a bright
    /// preset with a flat map at 1.6 MHz, very smooth, wide dynamic range, TGC under-compensating.
    public static let developmentOutliers: [ScannerProfile] = [
        ScannerProfile(
            id: "grain-s1", displayName: "GRAIN S1", geometry: .sector(fieldDegrees: 95),
            depthRangeCm: 16...22, centerFrequencyMHz: 1.5, harmonic: false, fractionalBandwidth: 0.4, fNumber: 3.8,
            focusFraction: 0.7, lines: 128, dynamicRangeDB: 50, gainDB: -9, nominalAttenuation: 0.75, greyGamma: 0.65,
            compounding: 1, speckleReduction: 0, noiseDB: -74, reverberationDB: -20, imageWidth: 720, imageHeight: 540,
            fanBox: (x: 100, y: 44, width: 520, height: 480),
            screen: ScreenStyle(text: RGB(255, 230, 120), accent: RGB(120, 255, 120), background: RGB(0, 0, 20),
                                headerHeight: 36, fontScale: 1, ecg: true, greyBar: true, caliperChance: 0.2, labelChance: 0.2)),
        ScannerProfile(
            id: "glare-c3", displayName: "GLARE C3", geometry: .curvilinear(radiusCm: 4, fieldDegrees: 85),
            depthRangeCm: 10...14, centerFrequencyMHz: 1.6, harmonic: false, fractionalBandwidth: 0.4, fNumber: 2,
            focusFraction: 0.3, lines: 280, dynamicRangeDB: 75, gainDB: 7, nominalAttenuation: 0.25, greyGamma: 0.7,
            compounding: 4, speckleReduction: 0.9, noiseDB: -95, reverberationDB: -45, imageWidth: 1280, imageHeight: 960,
            fanBox: (x: 260, y: 90, width: 760, height: 820),
            screen: ScreenStyle(text: RGB(200, 200, 255), accent: RGB(255, 255, 0), background: RGB(24, 24, 24),
                                headerHeight: 70, fontScale: 2, ecg: false, greyBar: false, caliperChance: 0.3, labelChance: 0.3)),
    ]

    /// For evaluation only: a scanner whose settings lie outside every range the training scanners
    /// are drawn from (a high-frequency curvilinear probe, weak preset TGC, a bright preset, heavy
    /// speckle reduction, a steep grey map, dense lines).
    public static let outOfRange = ScannerProfile(
        id: "outlier-x7", displayName: "OUTLIER X7", geometry: .curvilinear(radiusCm: 8, fieldDegrees: 50),
        depthRangeCm: 12...16, centerFrequencyMHz: 6.5, harmonic: false, fractionalBandwidth: 0.9, fNumber: 4,
        focusFraction: 0.3, lines: 320, dynamicRangeDB: 60, gainDB: 10, nominalAttenuation: 0.3, greyGamma: 1.8,
        compounding: 4, speckleReduction: 0.95, noiseDB: -70, reverberationDB: -18, imageWidth: 1152, imageHeight: 864,
        fanBox: (x: 230, y: 60, width: 700, height: 760),
        screen: ScreenStyle(text: RGB(255, 255, 255), accent: RGB(255, 80, 200), background: RGB(40, 40, 40),
                            headerHeight: 50, fontScale: 2, ecg: false, greyBar: true, caliperChance: 0.3, labelChance: 0.3))

    /// A classic curvilinear abdominal probe: fundamental imaging, plain speckle, 640×480.
    public static let meridian = ScannerProfile(
        id: "meridian-c5", displayName: "MERIDIAN C5", geometry: .curvilinear(radiusCm: 5, fieldDegrees: 62),
        depthRangeCm: 14...17, centerFrequencyMHz: 3.5, harmonic: false, fractionalBandwidth: 0.6, fNumber: 3,
        focusFraction: 0.5, lines: 192, dynamicRangeDB: 60, gainDB: 0, nominalAttenuation: 0.5, greyGamma: 1.0,
        compounding: 1, speckleReduction: 0, noiseDB: -82, reverberationDB: -24, imageWidth: 640, imageHeight: 480,
        fanBox: (x: 90, y: 40, width: 460, height: 430),
        screen: ScreenStyle(text: RGB(230, 230, 230), accent: RGB(255, 210, 0), background: RGB(0, 0, 0),
                            headerHeight: 30, fontScale: 1, ecg: false, greyBar: true, caliperChance: 0.2, labelChance: 0.15))

    /// A modern harmonic curvilinear system with compounding and speckle reduction, bright preset, ECG.
    public static let aurora = ScannerProfile(
        id: "aurora-hx", displayName: "AURORA HX", geometry: .curvilinear(radiusCm: 5.5, fieldDegrees: 70),
        depthRangeCm: 14...18, centerFrequencyMHz: 2.0, harmonic: true, fractionalBandwidth: 0.5, fNumber: 2.5,
        focusFraction: 0.45, lines: 224, dynamicRangeDB: 60, gainDB: -8, nominalAttenuation: 0.45, greyGamma: 1.2,
        compounding: 3, speckleReduction: 0.5, noiseDB: -88, reverberationDB: -38, imageWidth: 1024, imageHeight: 768,
        fanBox: (x: 160, y: 85, width: 700, height: 560),
        screen: ScreenStyle(text: RGB(200, 220, 235), accent: RGB(0, 200, 140), background: RGB(16, 24, 34),
                            headerHeight: 68, fontScale: 2, ecg: true, greyBar: true, caliperChance: 0.25, labelChance: 0.3))

    /// A cardiac-style phased array: sector, low frequency, dark grey map, ECG.
    public static let vega = ScannerProfile(
        id: "vega-p4", displayName: "VEGA P4", geometry: .sector(fieldDegrees: 76),
        depthRangeCm: 15...18, centerFrequencyMHz: 2.5, harmonic: false, fractionalBandwidth: 0.65, fNumber: 2.5,
        focusFraction: 0.55, lines: 168, dynamicRangeDB: 55, gainDB: -2, nominalAttenuation: 0.5, greyGamma: 1.3,
        compounding: 1, speckleReduction: 0.2, noiseDB: -80, reverberationDB: -26, imageWidth: 800, imageHeight: 600,
        fanBox: (x: 130, y: 50, width: 540, height: 520),
        screen: ScreenStyle(text: RGB(235, 225, 150), accent: RGB(0, 230, 255), background: RGB(0, 0, 0),
                            headerHeight: 40, fontScale: 1, ecg: true, greyBar: true, caliperChance: 0.2, labelChance: 0.2))

    /// A linear array at 5 MHz with compounding: fine detail, shallow field, 640×480.
    public static let lumen = ScannerProfile(
        id: "lumen-l5", displayName: "LUMEN L5", geometry: .linear(widthCm: 5.5),
        depthRangeCm: 8...10, centerFrequencyMHz: 5.0, harmonic: false, fractionalBandwidth: 0.7, fNumber: 2.2,
        focusFraction: 0.4, lines: 200, dynamicRangeDB: 65, gainDB: 1, nominalAttenuation: 0.5, greyGamma: 1.1,
        compounding: 2, speckleReduction: 0.3, noiseDB: -84, reverberationDB: -26, imageWidth: 640, imageHeight: 480,
        fanBox: (x: 170, y: 45, width: 300, height: 420),
        screen: ScreenStyle(text: RGB(150, 230, 150), accent: RGB(255, 120, 40), background: RGB(0, 0, 0),
                            headerHeight: 32, fontScale: 1, ecg: false, greyBar: false, caliperChance: 0.2, labelChance: 0.15))

    /// A premium harmonic curvilinear probe with strong speckle reduction: smooth, bright texture.
    public static let orca = ScannerProfile(
        id: "orca-cx", displayName: "ORCA CX", geometry: .curvilinear(radiusCm: 6, fieldDegrees: 64),
        depthRangeCm: 13...17, centerFrequencyMHz: 2.5, harmonic: true, fractionalBandwidth: 0.55, fNumber: 2.8,
        focusFraction: 0.5, lines: 232, dynamicRangeDB: 62, gainDB: 2, nominalAttenuation: 0.5, greyGamma: 0.9,
        compounding: 2, speckleReduction: 0.75, noiseDB: -86, reverberationDB: -36, imageWidth: 960, imageHeight: 720,
        fanBox: (x: 150, y: 70, width: 660, height: 600),
        screen: ScreenStyle(text: RGB(240, 240, 240), accent: RGB(255, 150, 0), background: RGB(8, 8, 8),
                            headerHeight: 56, fontScale: 2, ecg: false, greyBar: true, caliperChance: 0.35, labelChance: 0.25))
}

extension ScannerProfile {
    /// A scanner drawn at random, for training: probe geometry, frequency, harmonic imaging, beam,
    /// processing chain (compounding, speckle reduction, noise, reverberation), grey map and screen
    /// layout and colours all vary, so no one look is learnt. The five named profiles stay fixed
    /// (SampleStudies, held-out evaluation).
    public static func randomised(seed: UInt64) -> ScannerProfile {
        var rng = RandomSource(seed: seed, 50)
        let kind = rng.uniform()
        let geometry: ProbeGeometry = kind < 0.72 ? .curvilinear(radiusCm: rng.uniform(3, 7), fieldDegrees: rng.uniform(55, 80))
            : kind < 0.92 ? .sector(fieldDegrees: rng.uniform(60, 90)) : .linear(widthCm: rng.uniform(4, 6.5))
        let linear = kind >= 0.92
        let harmonic = !linear && rng.chance(0.6)
        // Imaging frequency 1.8–6 MHz: a harmonic image forms at twice the transmit frequency.
        let imaging = linear ? rng.uniform(4, 6) : rng.uniform(1.8, 5)
        let width = rng.pick([640, 800, 960, 1024, 1280]), height = width * 3 / 4
        let header = Int(Double(height) * rng.uniform(0.05, 0.1))
        let boxHeight = Int(Double(height - header) * rng.uniform(0.78, 0.92))
        let boxWidth = linear ? boxHeight * 2 / 3 : min(width - 160, Int(Double(boxHeight) * rng.uniform(1.1, 1.4)))
        let boxX = (width - boxWidth) / 2 + Int(rng.uniform(-0.05, 0.05) * Double(width))
        func colour() -> RGB { RGB(UInt8(rng.uniform(120, 255)), UInt8(rng.uniform(120, 255)), UInt8(rng.uniform(120, 255))) }
        let dark = UInt8(rng.chance(0.6) ? 0 : rng.uniform(4, 30))
        return ScannerProfile(
            id: String(format: "random-%05d", seed % 100_000), displayName: rng.pick(["SONO", "ECHO", "US", "VISTA", "NOVA", "ARC"]) + " " + String(seed % 97),
            geometry: geometry, depthRangeCm: linear ? 6...10 : 11...20,
            centerFrequencyMHz: harmonic ? imaging / 2 : imaging, harmonic: harmonic,
            fractionalBandwidth: rng.uniform(0.45, 0.75), fNumber: rng.uniform(2, 3.5), focusFraction: rng.uniform(0.35, 0.65),
            lines: Int(rng.uniform(150, 260)), dynamicRangeDB: 60, gainDB: rng.uniform(-4, 3),
            nominalAttenuation: rng.uniform(0.4, 0.6), greyGamma: rng.uniform(0.8, 1.35),
            compounding: rng.pick([1, 1, 2, 3]), speckleReduction: rng.chance(0.3) ? 0 : rng.uniform(0.1, 0.85),
            noiseDB: rng.uniform(-92, -78), reverberationDB: rng.uniform(-40, -22), imageWidth: width, imageHeight: height,
            fanBox: (x: max(60, boxX), y: header + Int(rng.uniform(4, 20)), width: boxWidth, height: boxHeight),
            screen: ScreenStyle(text: colour(), accent: colour(), background: RGB(dark, dark, UInt8(min(255, Int(dark) + Int(rng.uniform(0, 12))))),
                                headerHeight: header, fontScale: width >= 960 ? 2 : 1, ecg: rng.chance(0.25), greyBar: rng.chance(0.7),
                                caliperChance: rng.uniform(0, 0.35), labelChance: rng.uniform(0, 0.35),
                                scaleAtEdge: rng.chance(0.4), halfCentimetreTicks: rng.chance(0.4)))
    }
}
