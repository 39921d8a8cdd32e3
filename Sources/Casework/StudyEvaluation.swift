import CaseStore
import Evaluation
import Documents
import Foundation
import UltrasoundImaging

/// The evaluation of stored scores against a reference standard: AUROCs with DeLong intervals and
/// paired tests against the baselines, the Obuchowski index, Bland–Altman between scanners and views,
/// ICC of single images; optionally per scanner or per view, and as PNG plots.
public struct StudyEvaluation {
    public enum Grouping: String, CaseIterable, Sendable { case scanner, view }

    public struct TooFewStudies: Error, CustomStringConvertible {
        public var count: Int, reference: ReferenceStandard
        public var description: String { "only \(count) scored studies have a \(reference.rawValue) reference" }
    }

    public let reference: ReferenceStandard
    public let rows: [EvaluationRow]
    /// The figures as text lines, and as one JSON object.
    public private(set) var lines: [String] = []
    public private(set) var report: [String: Any] = [:]

    /// Builds the rows from the store and computes every figure.
    public init(store: CaseStore, reference: ReferenceStandard, by grouping: Grouping? = nil) throws {
        let rows = try EvaluationRows.build(store: store, reference: reference)
        guard rows.count >= 4 else { throw TooFewStudies(count: rows.count, reference: reference) }
        self.reference = reference
        self.rows = rows
        report = ["reference": reference.rawValue, "studies": rows.count]
        lines = ["reference \(reference.rawValue), \(rows.count) scored studies"]
        lines.append(contentsOf: Self.rocTable(rows, into: &report))
        if let grouping {
            let groups: [String: [EvaluationRow]] = grouping == .view
                ? Dictionary(grouping: rows.flatMap { r in r.viewScores.map { r.regrouped(score: $0.value, group: $0.key.rawValue) } }, by: { $0.group })
                : Dictionary(grouping: rows, by: { $0.scanner })
            var byReport: [String: Any] = [:]
            for (name, group) in groups.sorted(by: { $0.key < $1.key }) where group.count >= 4 {
                var sub: [String: Any] = [:]
                lines.append("")
                lines.append("\(grouping.rawValue) \(name), \(group.count) studies")
                lines.append(contentsOf: Self.rocTable(group, into: &sub, baselines: false))
                byReport[name] = sub
            }
            report["by_\(grouping.rawValue)"] = byReport
        }
        lines.append("")
        lines.append(contentsOf: Self.agreement(rows, into: &report))
    }

    public var json: String {
        String(decoding: try! JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Writes ROC curves per threshold (model and baselines, with 95 % bands on sensitivity) and
    /// Bland–Altman between scanners (with confidence bands on the bias and limits) as PNG files.
    public func writePlots(folder: String) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        catch { throw PlotError(description: "\(folder): cannot create the folder") }
        do {
            for (k, name) in [(1, "mild"), (2, "moderate"), (3, "severe")] {
                var curves: [Plots.Curve] = []
                let sources: [(String, KeyPath<EvaluationRow, Double?>?, Plots.Colour)] = [
                    ("model", nil, Plots.Colour(0.8, 0.15, 0.15)), ("CAP", \EvaluationRow.cap, Plots.Colour(0.15, 0.35, 0.8)),
                    ("HRI", \EvaluationRow.hri, Plots.Colour(0.15, 0.6, 0.25)), ("attenuation", \EvaluationRow.attenuation, Plots.Colour(0.6, 0.3, 0.7))]
                for (label, key, colour) in sources {
                    let paired = key.map { key in rows.filter { $0[keyPath: key] != nil } } ?? rows
                    guard paired.count >= 4 else { continue }
                    let scores = paired.map { row in key.map { row[keyPath: $0]! } ?? row.score }
                    guard var curve = Self.curve(label, colour, scores: scores, truth: paired.map { $0.grade >= k }) else { continue }
                    if key != nil { curve.band = [] }   // the model's band only: four would hide the curves
                    curves.append(curve)
                }
                try Plots.roc(path: folder + "/roc-\(name).png", title: "ROC, " + (k == 3 ? "severe" : "≥ \(name)"), curves: curves)
            }
            let (a, b) = Self.scannerPairs(rows)
            if a.count > 2 {
                try Plots.blandAltman(path: folder + "/bland-altman-scanners.png", title: "Between scanners (same patients)",
                                      means: zip(a, b).map { ($0 + $1) / 2 }, differences: zip(a, b).map { $0 - $1 })
            }
        } catch { throw PlotError(description: "\(error)") }
    }

    /// An empirical ROC curve with a Wilson 95 % interval on the sensitivity at each step.
    static func curve(_ name: String, _ colour: Plots.Colour, scores: [Double], truth: [Bool]) -> Plots.Curve? {
        let positives = Double(truth.filter { $0 }.count), negatives = Double(truth.count) - positives
        guard positives > 0, negatives > 0, let roc = ROC.analyse(scores: scores, truth: truth) else { return nil }
        var points: [(Double, Double)] = [(0, 0)]
        var band: [(x: Double, low: Double, high: Double)] = []
        for cut in Set(scores).sorted(by: >) {
            let tp = Double(zip(scores, truth).filter { $0.1 && $0.0 >= cut }.count)
            let fp = Double(zip(scores, truth).filter { !$0.1 && $0.0 >= cut }.count)
            let x = fp / negatives, (low, high) = wilson(tp, positives)
            if let last = points.last { band.append((x, wilson(last.1 * positives, positives).0, wilson(last.1 * positives, positives).1)) }
            points.append((x, tp / positives))
            band.append((x, low, high))
        }
        points.append((1, 1))
        band.append((1, wilson(positives, positives).0, 1))
        let legend = String(format: "%@ %.3f (%.2f–%.2f)", name, roc.auc, roc.lower, roc.upper)
        return Plots.Curve(name: name, colour: colour, points: points, band: band, legend: legend)
    }

    /// Wilson score interval (95 %) for k successes of n.
    static func wilson(_ k: Double, _ n: Double) -> (Double, Double) {
        guard n > 0 else { return (0, 1) }
        let z = 1.96, p = k / n, d = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / d, half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / d
        return (max(0, centre - half), min(1, centre + half))
    }

    /// Between scanners: the scores of one patient's studies on two scanners (first two by scanner name).
    static func scannerPairs(_ rows: [EvaluationRow]) -> ([Double], [Double]) {
        var a: [Double] = [], b: [Double] = []
        for (_, studies) in Dictionary(grouping: rows, by: { $0.patient }) where studies.count >= 2 {
            let sorted = studies.sorted { $0.scanner < $1.scanner }
            if sorted[0].scanner != sorted[1].scanner { a.append(sorted[0].score); b.append(sorted[1].score) }
        }
        return (a, b)
    }

    static func rocTable(_ rows: [EvaluationRow], into report: inout [String: Any], baselines: Bool = true) -> [String] {
        var lines = ["              AUROC (95% CI)        cut-off   sens   spec   n+/n-   vs CAP        vs HRI        vs attenuation"]
        let names = ["≥ mild", "≥ moderate", "severe"]
        var entries: [[String: Any]] = []
        for k in 1...3 {
            let truth = rows.map { $0.grade >= k }
            guard let roc = ROC.analyse(scores: rows.map(\.score), truth: truth) else {
                lines.append(names[k - 1].padding(toLength: 14, withPad: " ", startingAt: 0) + "needs both classes"); continue
            }
            var entry: [String: Any] = ["threshold": names[k - 1], "auc": roc.auc, "ci": [roc.lower, roc.upper], "cutoff": roc.cutoff,
                                        "sensitivity": roc.sensitivity, "specificity": roc.specificity]
            var line = names[k - 1].padding(toLength: 14, withPad: " ", startingAt: 0)
                + String(format: "%.3f (%.3f–%.3f)   %6.2f   %.2f   %.2f   %d/%d", roc.auc, roc.lower, roc.upper, roc.cutoff,
                         roc.sensitivity, roc.specificity, roc.positives, roc.negatives)
            if baselines {
                for (name, key) in [("CAP", \EvaluationRow.cap), ("HRI", \EvaluationRow.hri), ("attenuation", \EvaluationRow.attenuation)] {
                    let paired = rows.filter { $0[keyPath: key] != nil }
                    guard paired.count >= 4, let base = ROC.analyse(scores: paired.map { $0[keyPath: key]! }, truth: paired.map { $0.grade >= k }),
                          let test = ROC.compare(paired.map(\.score), paired.map { $0[keyPath: key]! }, truth: paired.map { $0.grade >= k })
                    else { line += "   -           "; continue }
                    line += String(format: "   %.3f p=%.3f", base.auc, test.p)
                    entry[name] = ["auc": base.auc, "model_minus_baseline": test.difference, "p": test.p, "studies": paired.count]
                }
            }
            lines.append(line)
            entries.append(entry)
        }
        if let o = Obuchowski.index(scores: rows.map(\.score), grades: rows.map(\.grade)) {
            lines.append(String(format: "Obuchowski index %.3f", o))
            report["obuchowski"] = o
        }
        report["roc"] = entries
        return lines
    }

    static func agreement(_ rows: [EvaluationRow], into report: inout [String: Any]) -> [String] {
        var lines: [String] = []
        let (a, b) = Self.scannerPairs(rows)
        if let ba = Agreement.blandAltman(a, b) {
            lines.append(String(format: "between scanners (%d patients): bias %.3f grade, 95%% limits %.3f to %.3f", a.count, ba.bias, ba.lower, ba.upper))
            report["scanners_bland_altman"] = ["pairs": a.count, "bias": ba.bias, "lower": ba.lower, "upper": ba.upper]
        }
        let views = View.liverViews
        for i in 0..<views.count { for j in (i + 1)..<views.count {
            let pairs = rows.compactMap { r -> (Double, Double)? in
                guard let x = r.viewScores[views[i]], let y = r.viewScores[views[j]] else { return nil }
                return (x, y)
            }
            if let ba = Agreement.blandAltman(pairs.map(\.0), pairs.map(\.1)) {
                lines.append(String(format: "%@ − %@ (%d studies): bias %.3f, 95%% limits %.3f to %.3f", views[i].abbreviation,
                                    views[j].abbreviation, pairs.count, ba.bias, ba.lower, ba.upper))
            }
        } }
        // Repeatability: single images of a view as raters (three per view, or two when no view has three).
        let raters = rows.flatMap { $0.imageScoresByView.values.map(\.count) }.contains { $0 >= 3 } ? 3 : 2
        let table = rows.flatMap { r in r.imageScoresByView.values.filter { $0.count >= raters }.map { Array($0.prefix(raters)) } }
        if let icc = Agreement.icc21(table) {
            let k = (1...5).map { n in Double(n) * icc / (1 + Double(n - 1) * icc) }
            lines.append(String(format: "ICC(2,1) of single images %.3f (%d views); mean of 1–5 images: %@", icc, table.count,
                                k.map { String(format: "%.3f", $0) }.joined(separator: " / ")))
            report["icc21_single_image"] = icc
            report["icc_mean_of_k_images"] = k
        }
        return lines
    }
}

struct PlotError: Error, CustomStringConvertible { var description: String }
