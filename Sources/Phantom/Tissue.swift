/// The tissues a simulated scan passes through.
public enum Tissue: UInt8, CaseIterable, Sendable {
    case skin, subcutaneousFat, fatSeptum, muscle, rib, capsule, liver
    case portalWall, hepaticWall, blood, bile
    case kidneyCapsule, kidneyCortex, kidneyMedulla, kidneySinus
    case diaphragm, lung, bowel, pancreas, vesselWall, bone
    case gas
    // Scenes that are not a liver (for teaching the model what to refuse).
    case myocardium, fluid, thyroid, softTissue
}

/// Acoustic properties of a tissue: backscatter relative to fat-free liver, attenuation slope,
/// whether it reflects coherently (a smooth specular interface instead of speckle), and the depth
/// of its slow texture.
public struct Acoustics: Sendable {
    public var backscatterDB: Float
    /// dB/cm/MHz, one way.
    public var attenuation: Float
    public var specular: Bool
    public var textureDB: Float
    /// Nakagami m of the tissue's speckle: 1 (or more) is fully developed (Rayleigh) speckle.
    public var speckleShape: Float = 1

    public init(_ backscatterDB: Float, _ attenuation: Float, specular: Bool = false, texture: Float = 0) {
        self.backscatterDB = backscatterDB
        self.attenuation = attenuation
        self.specular = specular
        self.textureDB = texture
    }

    /// Literature-order values: fat ≈ 0.6, muscle ≈ 1, blood ≈ 0.18, bile ≈ 0.02, bone ≈ 20 dB/cm/MHz.
    /// The liver's own values come from the patient (fat), and the kidney cortex's spread is per patient.
    static func table(liver: Acoustics, kidneyCortexDB: Float) -> [Acoustics] {
        Tissue.allCases.map { tissue -> Acoustics in
            switch tissue {
            case .skin: return Acoustics(4, 0.7, texture: 2)
            case .subcutaneousFat: return Acoustics(-13, 0.6, texture: 3)
            case .fatSeptum: return Acoustics(3, 0.6, specular: true)
            case .muscle: return Acoustics(-7, 1.0, texture: 4)
            case .rib: return Acoustics(14, 22, specular: true)
            case .capsule: return Acoustics(9, 0.6, specular: true)
            case .liver: return liver
            case .portalWall: return Acoustics(8, 0.7)
            case .hepaticWall: return Acoustics(1, 0.6)
            case .blood: return Acoustics(-42, 0.18)
            case .bile: return Acoustics(-48, 0.02)
            case .kidneyCapsule: return Acoustics(5, 0.6, texture: 2)
            case .kidneyCortex: return Acoustics(kidneyCortexDB, 0.7, texture: 1)
            case .kidneyMedulla: return Acoustics(kidneyCortexDB - 8, 0.7)
            case .kidneySinus: return Acoustics(7, 0.6, texture: 3)
            case .diaphragm: return Acoustics(15, 0.8, specular: true)
            case .lung: return Acoustics(2, 25, texture: 4)
            case .bowel: return Acoustics(-3, 0.8, texture: 7)
            case .pancreas: return Acoustics(1, 0.7, texture: 3)
            case .vesselWall: return Acoustics(8, 0.7)
            case .bone: return Acoustics(14, 22, specular: true)
            case .gas: return Acoustics(16, 20, texture: 5)      // bowel gas: bright, shadows behind
            case .myocardium: return Acoustics(-4, 0.9, texture: 3)
            case .fluid: return Acoustics(-50, 0.01)          // amniotic fluid, urine
            case .thyroid: return Acoustics(3, 0.8, texture: 1.5)
            case .softTissue: return Acoustics(-2, 0.7, texture: 5)
            }
        }
    }
}
