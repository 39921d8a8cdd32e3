import Foundation

/// ROC analysis of a continuous score against a binary truth, with DeLong's variance.
///
/// DeLong, DeLong & Clarke-Pearson (1988): the AUROC is the mean of the placement values
/// V10(x_i) = P(score of a negative < x_i) over positives; its variance is
/// S10/m + S01/n from the variances of the placement values. Two scores on the same cases are
/// compared through the covariance of their placement values (the paired DeLong test).
public struct ROCResult: Sendable, Equatable {
    public var auc: Double
    public var variance: Double
    public var lower: Double
    public var upper: Double
    public var positives: Int
    public var negatives: Int
    /// Youden's optimal cut-off (score ≥ cut-off calls positive) with its sensitivity and specificity.
    public var cutoff: Double
    public var sensitivity: Double
    public var specificity: Double
}

public enum ROC {
    static func placements(_ scores: [Double], _ truth: [Bool]) -> (v10: [Double], v01: [Double])? {
        let pos = zip(scores, truth).filter { $0.1 }.map(\.0), neg = zip(scores, truth).filter { !$0.1 }.map(\.0)
        guard !pos.isEmpty, !neg.isEmpty else { return nil }
        func psi(_ x: Double, _ y: Double) -> Double { x > y ? 1 : (x == y ? 0.5 : 0) }
        let v10 = pos.map { x in neg.reduce(0) { $0 + psi(x, $1) } / Double(neg.count) }
        let v01 = neg.map { y in pos.reduce(0) { $0 + psi($1, y) } / Double(pos.count) }
        return (v10, v01)
    }

    static func variance(_ a: [Double]) -> Double {
        let m = a.reduce(0, +) / Double(a.count)
        return a.count > 1 ? a.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(a.count - 1) : 0
    }

    static func covariance(_ a: [Double], _ b: [Double]) -> Double {
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        return a.count > 1 ? zip(a, b).map { ($0 - ma) * ($1 - mb) }.reduce(0, +) / Double(a.count - 1) : 0
    }

    /// AUROC with its 95 % DeLong confidence interval (logit-free, clipped to [0, 1]) and the Youden point.
    public static func analyse(scores: [Double], truth: [Bool]) -> ROCResult? {
        guard let (v10, v01) = placements(scores, truth) else { return nil }
        let auc = v10.reduce(0, +) / Double(v10.count)
        let variance = variance(v10) / Double(v10.count) + variance(v01) / Double(v01.count)
        let half = 1.959964 * variance.squareRoot()
        var best = (j: -1.0, cut: 0.0, se: 0.0, sp: 0.0)
        for cut in Set(scores).sorted() {
            let tp = zip(scores, truth).filter { $0.1 && $0.0 >= cut }.count
            let tn = zip(scores, truth).filter { !$0.1 && $0.0 < cut }.count
            let se = Double(tp) / Double(v10.count), sp = Double(tn) / Double(v01.count)
            if se + sp - 1 > best.j { best = (se + sp - 1, cut, se, sp) }
        }
        return ROCResult(auc: auc, variance: variance, lower: max(0, auc - half), upper: min(1, auc + half),
                         positives: v10.count, negatives: v01.count, cutoff: best.cut, sensitivity: best.se, specificity: best.sp)
    }

    /// Paired DeLong test of two scores on the same cases: the AUROC difference and its two-sided p-value.
    public static func compare(_ a: [Double], _ b: [Double], truth: [Bool]) -> (difference: Double, z: Double, p: Double)? {
        guard let (a10, a01) = placements(a, truth), let (b10, b01) = placements(b, truth) else { return nil }
        let m = Double(a10.count), n = Double(a01.count)
        let aucA = a10.reduce(0, +) / m, aucB = b10.reduce(0, +) / m
        let varDiff = (variance(a10) + variance(b10) - 2 * covariance(a10, b10)) / m
                    + (variance(a01) + variance(b01) - 2 * covariance(a01, b01)) / n
        guard varDiff > 0 else { return (aucA - aucB, 0, 1) }
        let z = (aucA - aucB) / varDiff.squareRoot()
        return (aucA - aucB, z, 2 * (1 - normalCDF(abs(z))))
    }

    static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
}

/// Agreement statistics.
public enum Agreement {
    /// Bland–Altman: mean difference (a − b) and its 95 % limits of agreement.
    public static func blandAltman(_ a: [Double], _ b: [Double]) -> (bias: Double, lower: Double, upper: Double)? {
        guard a.count == b.count, a.count > 1 else { return nil }
        let d = zip(a, b).map { $0 - $1 }
        let bias = d.reduce(0, +) / Double(d.count)
        let sd = ROC.variance(d).squareRoot()
        return (bias, bias - 1.96 * sd, bias + 1.96 * sd)
    }

    /// ICC(2,1) (Shrout & Fleiss: two-way random effects, absolute agreement, single measurement) of
    /// an n-subjects × k-raters table.
    public static func icc21(_ table: [[Double]]) -> Double? {
        let n = table.count
        guard n > 1, let k = table.first?.count, k > 1, table.allSatisfy({ $0.count == k }) else { return nil }
        let grand = table.flatMap { $0 }.reduce(0, +) / Double(n * k)
        let rowMeans = table.map { $0.reduce(0, +) / Double(k) }
        let colMeans = (0..<k).map { j in table.map { $0[j] }.reduce(0, +) / Double(n) }
        let ssRows = Double(k) * rowMeans.map { ($0 - grand) * ($0 - grand) }.reduce(0, +)
        let ssCols = Double(n) * colMeans.map { ($0 - grand) * ($0 - grand) }.reduce(0, +)
        let ssTotal = table.flatMap { $0 }.map { ($0 - grand) * ($0 - grand) }.reduce(0, +)
        let ssError = ssTotal - ssRows - ssCols
        let msr = ssRows / Double(n - 1), msc = ssCols / Double(k - 1), mse = ssError / Double((n - 1) * (k - 1))
        return (msr - mse) / (msr + Double(k - 1) * mse + Double(k) * (msc - mse) / Double(n))
    }
}

/// Obuchowski's index for an ordinal reference: the average over pairs of grades (weighted equally)
/// of P(score ranks the higher grade above the lower), a multi-class AUROC.
public enum Obuchowski {
    public static func index(scores: [Double], grades: [Int]) -> Double? {
        let levels = Set(grades).sorted()
        var total = 0.0, pairs = 0
        for (i, lo) in levels.enumerated() { for hi in levels[(i + 1)...] {
            let a = zip(scores, grades).filter { $0.1 == hi }.map(\.0), b = zip(scores, grades).filter { $0.1 == lo }.map(\.0)
            var wins = 0.0
            for x in a { for y in b { wins += x > y ? 1 : (x == y ? 0.5 : 0) } }
            total += wins / Double(a.count * b.count); pairs += 1
        } }
        return pairs > 0 ? total / Double(pairs) : nil
    }
}
