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
    /// Speckle statistics of the liver (Nakagami m): below 1 for sparse, clumped scatterers; fat makes
    /// the scattering denser and m rises toward 1 (Rayleigh), with spread between patients.
    public var liverSpeckleShape: Double

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
        // Within a grade, attenuation spreads ≈ 0.09 dB/cm/MHz between patients (UGAP / CAP cohorts
        // overlap that much), and the backscatter's rise with fat is ±50 % from patient to patient.
        attenuation = max(0.38, Steatosis.meanAttenuation(fatPercent: fatPercent) + rng.normal(0, 0.09))
        let slope = rng.uniform(0.5, 1.5)
        backscatterGainDB = max(0, Steatosis.backscatterGainDB(fatPercent: fatPercent) * slope + rng.normal(0, 0.8))
        kidneyCortexDB = -2.0 + rng.uniform(-3, 3)
        // Fatty livers come with a little more subcutaneous fat on average (body habitus), weakly.
        subcutaneousFatCm = max(0.4, rng.normal(0.9 + 0.006 * fatPercent, 0.5))
        muscleCm = rng.uniform(0.6, 1.4)
        kidneyVisibleChance = 0.8
        liverSpeckleShape = min(1.2, rng.uniform(0.45, 0.9) + 0.4 * fatPercent / 100)
    }

    /// The acoustic table for this patient's tissues.
    func acoustics() -> [Acoustics] {
        var liver = Acoustics(Float(backscatterGainDB), Float(attenuation), texture: 1.6)
        liver.speckleShape = Float(liverSpeckleShape)
        return Acoustics.table(liver: liver, kidneyCortexDB: Float(kidneyCortexDB))
    }
}
