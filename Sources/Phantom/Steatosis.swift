import Foundation
/// How liver fat changes the tissue's acoustics, from published cohorts:
/// attenuation coefficient means by grade from a GE UGAP biopsy cohort (0.52 / 0.63 / 0.74 / 0.78–0.85
/// dB/cm/MHz), backscatter rising by about an order of magnitude (+12 dB at 80 % fat; Lu and Zagzebski 1999).
public enum Steatosis {
    /// Mean attenuation (dB/cm/MHz) for a fat fraction, interpolated between grade means.
    public static func meanAttenuation(fatPercent fat: Double) -> Double {
        interpolate(fat, [(0, 0.50), (2.5, 0.52), (19, 0.63), (50, 0.74), (80, 0.81), (100, 0.85)])
    }

    /// Liver backscatter above a fat-free liver, in dB.
    public static func backscatterGainDB(fatPercent fat: Double) -> Double {
        12.0 * pow(min(max(fat, 0), 100) / 80.0, 0.75)
    }

    /// The report grade a sonographer writes: right about two times in three, mostly one grade off
    /// otherwise (inter-reader kappa 0.3–0.5 in the literature).
    public static func readerGrade(trueGrade: Int, rng: inout RandomSource) -> Int {
        let u = rng.uniform()
        if u < 0.66 { return trueGrade }
        if u < 0.96 {
            let down = trueGrade > 0, up = trueGrade < 3
            if down && up { return trueGrade + (rng.chance(0.5) ? 1 : -1) }
            return trueGrade + (up ? 1 : -1)
        }
        let far = trueGrade >= 2 ? trueGrade - 2 : trueGrade + 2
        return far
    }

    /// A FibroScan CAP reading (dB/m): the mean passes the usual cut-offs (248 / 268 / 280 at 5 / 33 / 66 %
    /// fat) with a measurement spread that gives AUROC about 0.8–0.87 against histology.
    public static func cap(fatPercent fat: Double, rng: inout RandomSource) -> Double {
        let mean = interpolate(fat, [(0, 218), (5, 248), (33, 268), (66, 282), (100, 305)])
        return min(400, max(100, rng.normal(mean, 24)))
    }

    static func interpolate(_ x: Double, _ points: [(Double, Double)]) -> Double {
        if x <= points[0].0 { return points[0].1 }
        for i in 1..<points.count where x <= points[i].0 {
            let (x0, y0) = points[i - 1], (x1, y1) = points[i]
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        }
        return points[points.count - 1].1
    }
}
