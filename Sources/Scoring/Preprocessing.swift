import Foundation
import UltrasoundImaging

/// The model's preprocessing contract, in one place: decoded pixels (or an image file) in, the
/// network's input out. Training, scoring, adaptation, evaluation baselines and the fan sheets all
/// come through here, so they see an image the same way.
public enum Preprocessing {
    /// The physical window the network sees: this many centimetres deep from the top of the fan, and as wide.
    public static let windowCm = 16.0
    /// The depth a fan is taken to show when no scale is known (a common abdominal preset).
    public static let assumedDepthCm = 15.0

    /// The settings a model file records, so the file says how its inputs were made.
    public static func description(for normalisation: IntensityNormalisation) -> String {
        let names = (normalisation.channelNames + ["depth cm/20"]).map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"window_cm":16,"size":128,"assumed_depth_cm":15,"channels":["# + names + "]}"
    }

    /// The settings of models trained with the default normalisation.
    public static let description = description(for: .medianSpread)

    /// The network input of a decoded imaging area; nil when no imaging fan is found. `cmPerPixel`
    /// is the declared spacing when known; otherwise the screen's depth scale is read, and failing
    /// that the fan is assumed `assumedDepthCm` deep.
    public static func prepare(_ image: PixelImage, cmPerPixel: Double? = nil) -> NetworkInput? {
        prepare(image, cmPerPixel: cmPerPixel, reusing: nil).input
    }

    /// The same, first trying the fan of an earlier image of the same acquisition (`FanDetector.reuse`
    /// checks that it fits) before detecting afresh; also gives the fan used.
    static func prepare(_ image: PixelImage, cmPerPixel: Double?, reusing earlier: FanRegion?) -> (input: NetworkInput?, fan: FanRegion?) {
        let (grey, coloured) = FanDetector.greyAndColour(image)
        let reused = earlier.flatMap { FanDetector.reuse($0, grey: grey, coloured: coloured, width: image.width, height: image.height) }
        guard let fan = reused ?? FanDetector.detect(grey: grey, coloured: coloured, width: image.width, height: image.height) else {
            return (nil, nil)
        }
        return (prepare(grey: grey, coloured: coloured, height: image.height, fan: fan, cmPerPixel: cmPerPixel), fan)
    }

    /// The same, with the fan already found (benchmarks time the two steps apart).
    public static func prepare(_ image: PixelImage, fan: FanRegion, cmPerPixel: Double? = nil) -> NetworkInput {
        let (grey, coloured) = FanDetector.greyAndColour(image)
        return prepare(grey: grey, coloured: coloured, height: image.height, fan: fan, cmPerPixel: cmPerPixel)
    }

    /// Above this share of colour in the fan's box an image is a flow (colour-Doppler) study, not a
    /// B-mode image: the masked colour would leave holes the network cannot see as such.
    public static let colourDopplerShare: Float = 0.02

    /// A fluid pocket at least this wide (cm) makes an image a view of something other than the liver
    /// (an amniotic sac, a full bladder): wider than any liver vessel (the IVC and the aorta reach about
    /// 2.5–3 cm) and a gallbladder's usual short axis. Chosen on 1 350 simulated liver images and 80
    /// studies of scenes to refuse drawn for it (not the held-out cohorts): 3 livers reached it, and
    /// 3 cm would have refused 8 for no more scenes caught.
    public static let fluidPocketCm = 3.5

    /// A fan this much clipped white, or its near field this much black (`Exposure`), is too poor to
    /// score: the gain, not the tissue, sets its echogenicity. Chosen on the training cohort (seed 101,
    /// not the held-out cohorts): of 2 500 liver images none reached either share (the most: 43 %
    /// white, 49 % black); of 106 frames with the gain far off, 27 did.
    public static let unreadableShare = 0.6

    /// Whether an image is too poor to score by rule: the gain far off (`unreadableShare`).
    public static func isTooPoorByRule(_ input: NetworkInput) -> Bool {
        input.clippedWhiteShare >= unreadableShare || input.blackNearFieldShare >= unreadableShare
    }

    /// Whether an image is refused as not a liver B-mode image by rule, whatever the network says:
    /// a colour-Doppler box, a Doppler or M-mode display the file declares, or a fluid pocket wider
    /// than any liver vessel.
    public static func isNotLiverByRule(_ input: NetworkInput) -> Bool {
        input.colouredShare > colourDopplerShare || input.declaresDopplerOrMMode || input.widestFluidPocketCm >= fluidPocketCm
    }

    static func prepare(grey: [UInt8], coloured: [Bool], height: Int, fan: FanRegion, cmPerPixel declared: Double?) -> NetworkInput {
        var source = ScaleSource.declared
        var scale = declared
        if scale == nil {
            scale = DepthScale.read(grey: grey, width: fan.width, height: height, fan: fan)
            source = .screen
        }
        if scale == nil {
            scale = assumedDepthCm / Double(max(1, fan.y1 - fan.y0))
            source = .assumed
        }
        var input = NetworkInput(grey: grey, height: height, fan: fan, size: SteatosisNetwork.size, cmPerPixel: scale!, windowCm: windowCm)
        input.scale = source
        var colour = 0
        for y in fan.y0..<fan.y1 { for x in fan.x0..<fan.x1 where coloured[y * fan.width + x] { colour += 1 } }
        input.colouredShare = Float(colour) / Float(max(1, (fan.x1 - fan.x0) * (fan.y1 - fan.y0)))
        input.widestFluidPocketCm = FluidCollection.widestPocketCm(input, windowCm: windowCm)
        (input.clippedWhiteShare, input.blackNearFieldShare) = Exposure.measure(input)
        return input
    }

    /// An image file's frames as the model sees them: each frame's imaging area (a DICOM file's
    /// declared B-mode region, whose spacing is then declared too) decoded once for the file, then
    /// prepared. A frame without a fan is nil; a file that cannot be decoded throws.
    public static func prepare(file bytes: [UInt8], frames: [Int] = [0], cmPerPixel: Double? = nil) throws -> [NetworkInput?] {
        let (areas, reduction) = try ImageDecoder.decodeImagingAreasForAnalysis(bytes, frames: frames)
        let regions = ImageDecoder.declaredRegions(bytes)
        let spacing = (cmPerPixel ?? regions.bMode?.cmPerPixelY).map { $0 * Double(reduction) }
        return areas.map { area in
            var input = prepare(area, cmPerPixel: spacing)
            input?.declaresDopplerOrMMode = regions.declaresDopplerOrMMode
            return input
        }
    }

    /// Many files' frames on all cores: each file decoded once (a cine's frames share one parse and
    /// decompression), files in parallel, then every frame prepared in parallel. A file that cannot be
    /// decoded gives nil for each of its frames, like a frame without a fan.
    public static func prepare(files: [(bytes: [UInt8], frames: [Int], cmPerPixel: Double?)]) -> [[NetworkInput?]] {
        let decoded = ConcurrentSlots<[PixelImage]>(count: files.count)
        let spacing = ConcurrentSlots<Double>(count: files.count)
        let dopplerOrMMode = ConcurrentSlots<Bool>(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { f in
            // A large JPEG is decoded smaller (DCT scaling); a declared spacing then grows with it.
            let decodedAreas = try? ImageDecoder.decodeImagingAreasForAnalysis(files[f].bytes, frames: files[f].frames)
            if let decodedAreas { decoded.set(f, decodedAreas.images) }
            let reduction = Double(decodedAreas?.reduction ?? 1)
            let regions = ImageDecoder.declaredRegions(files[f].bytes)
            spacing.set(f, (files[f].cmPerPixel ?? regions.bMode?.cmPerPixelY).map { $0 * reduction })
            dopplerOrMMode.set(f, regions.declaresDopplerOrMMode)
        }
        let jobs = files.indices.flatMap { f in files[f].frames.indices.map { (file: f, frame: $0) } }
        let prepared = ConcurrentSlots<NetworkInput>(count: jobs.count)
        // The first two frames of each screen size have their fans detected (one per core); the others
        // first try the more complete of the two (the larger: a dark far field or lung can leave a hull
        // short), so detection runs about twice a study instead of once an image.
        var leadersOfSize: [Int: [Int]] = [:], leaders: [Int] = [], followers: [Int] = []
        for j in jobs.indices {
            guard let image = decoded[jobs[j].file]?[jobs[j].frame] else { continue }
            let key = image.width << 32 | image.height
            if leadersOfSize[key, default: []].count < 2 { leadersOfSize[key, default: []].append(j); leaders.append(j) } else { followers.append(j) }
        }
        let fans = ConcurrentSlots<FanRegion>(count: jobs.count)
        @Sendable func run(_ j: Int, reusing earlier: FanRegion?) {
            guard let image = decoded[jobs[j].file]?[jobs[j].frame] else { return }
            let (input, fan) = prepare(image, cmPerPixel: spacing[jobs[j].file], reusing: earlier)
            if var input {
                input.declaresDopplerOrMMode = dopplerOrMMode[jobs[j].file] ?? false
                prepared.set(j, input)
            }
            if let fan { fans.set(j, fan) }
        }
        let detectAfresh = leaders
        DispatchQueue.concurrentPerform(iterations: detectAfresh.count) { run(detectAfresh[$0], reusing: nil) }
        let reference = leadersOfSize.mapValues { js in js.compactMap { fans[$0] }.max { $0.area < $1.area } }
        let tryReuse = followers
        DispatchQueue.concurrentPerform(iterations: tryReuse.count) { k in
            let j = tryReuse[k], image = decoded[jobs[j].file]![jobs[j].frame]
            run(j, reusing: reference[image.width << 32 | image.height] ?? nil)
        }
        var out = files.map { [NetworkInput?](repeating: nil, count: $0.frames.count) }
        for (j, job) in jobs.enumerated() { out[job.file][job.frame] = prepared[j] }
        return out
    }
}
