import UltrasoundImaging

/// A simulated patient: the truth (fat fraction) and the physics and anatomy that follow from it.
public struct SimulatedPatient: Sendable {
    public var index: Int
    public var fatPercent: Double
    /// Liver attenuation coefficient (dB/cm/MHz), with patient-to-patient spread around the grade mean.
    public var attenuation: Double
    /// Liver backscatter above a fat-free liver (dB).
    public var backscatterGainDB: Double
    /// Kidney cortex backscatter relative to fat-free liver (dB); does not change with liver fat.
    public var kidneyCortexDB: Double
    public var subcutaneousFatCm: Double
    public var muscleCm: Double
    public var kidneyVisibleChance: Double

    public var grade: Grade { Grade(fatPercent: fatPercent) }

    /// Draws a patient; grades are equally likely (or `grade` when given), fat is uniform within the grade.
    public init(index: Int, seed: UInt64, grade fixedGrade: Int? = nil) {
        var rng = RandomSource(seed: seed, 1, UInt64(index))
        let drawn = Int(rng.next() % 4)
        let grade = fixedGrade ?? drawn
        let ranges: [(Double, Double)] = [(0, 5), (5, 33), (33, 66), (66, 92)]
        self.init(index: index, fatPercent: rng.uniform(ranges[grade].0, ranges[grade].1), rng: &rng)
    }

    /// A patient with a given fat fraction (for tests and contact sheets).
    public init(index: Int, fatPercent: Double, seed: UInt64) {
        var rng = RandomSource(seed: seed, 2, UInt64(index))
        self.init(index: index, fatPercent: fatPercent, rng: &rng)
    }

    private init(index: Int, fatPercent: Double, rng: inout RandomSource) {
        self.index = index
        self.fatPercent = fatPercent
        attenuation = max(0.4, Steatosis.meanAttenuation(fatPercent: fatPercent) + rng.normal(0, 0.035))
        backscatterGainDB = max(0, Steatosis.backscatterGainDB(fatPercent: fatPercent) + rng.normal(0, 0.8))
        kidneyCortexDB = rng.normal(-2.0, 0.8)
        // Fatty livers come with more subcutaneous fat on average (body habitus).
        subcutaneousFatCm = max(0.4, rng.normal(0.9 + 0.012 * fatPercent, 0.4))
        muscleCm = rng.uniform(0.6, 1.4)
        kidneyVisibleChance = 0.8
    }

    /// The acoustic table for this patient's tissues.
    func acoustics() -> [Acoustics] {
        Acoustics.table(liver: Acoustics(Float(backscatterGainDB), Float(attenuation), texture: 1.6),
                        kidneyCortexDB: Float(kidneyCortexDB))
    }
}
