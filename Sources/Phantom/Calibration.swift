import Foundation
import UltrasoundImaging

/// Calibration phantoms: the same beam and processing chain imaging a homogeneous medium.
public enum Calibration {
    /// A homogeneous medium of the given attenuation (dB/cm/MHz), imaged by `profile` with its nominal
    /// TGC, flat operator knobs, a linear grey map and no interface extras inside the fan.
    public static func homogeneousFrame(attenuation: Double, profile base: ScannerProfile, depthCm: Double,
                                        gainDB: Double = 0, seed: UInt64) -> SimulatedFrame {
        var profile = base
        profile.speckleReduction = 0
        profile.screen.caliperChance = 0
        profile.screen.labelChance = 0
        var scene = Scene()
        scene.homogeneous = true
        var rng = RandomSource(seed: seed, 50)
        let texture = ValueNoise(rng: &rng)
        let acquisition = BeamSimulator.Acquisition(profile: profile, depthCm: depthCm, gainDB: gainDB,
                                                    dynamicRangeDB: profile.dynamicRangeDB, tgcDB: [0, 0, 0, 0, 0],
                                                    focusCm: depthCm * profile.focusFraction)
        let liver = Acoustics(0, Float(attenuation))
        let table = Acoustics.table(liver: liver, kidneyCortexDB: 0)
        let polar = BeamSimulator.simulate(scene: scene, acoustics: table, texture: texture, acquisition: acquisition, rng: &rng)
        let geometry = ScanGeometry(probe: profile.geometry, depthCm: depthCm, lines: profile.lines)
        let placement = FanPlacement(geometry: geometry, box: profile.fanBox)
        var canvas = Canvas(width: profile.imageWidth, height: profile.imageHeight, background: profile.screen.background)
        ScanConverter.draw(polar, placement: placement, gamma: 1, on: &canvas)
        var frame = SimulatedFrame(image: canvas.image(), pixelsPerCm: placement.pixelsPerCm, geometry: profile.geometry)
        frame.describe(placement)
        return frame
    }
}
