import CaseStore
import Evaluation
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

    /// Writes ROC curves per threshold (model and baselines) and Bland–Altman between scanners as PNG files.
    public func writePlots(folder: String) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        catch { throw PlotError(description: "\(folder): cannot create the folder") }
        var images: [(String, PixelImage)] = []
        for (k, name) in [(1, "mild"), (2, "moderate"), (3, "severe")] {
            var series = [Plots.Series(name: "model", scores: rows.map(\.score), truth: rows.map { $0.grade >= k }, colour: RGB(200, 40, 40))]
            for (label, key, colour) in [("CAP", \EvaluationRow.cap, RGB(40, 90, 200)), ("HRI", \EvaluationRow.hri, RGB(40, 160, 60)),
                                         ("attenuation", \EvaluationRow.attenuation, RGB(150, 80, 180))] {
                let paired = rows.filter { $0[keyPath: key] != nil }
                if paired.count >= 4 {
                    series.append(Plots.Series(name: label, scores: paired.map { $0[keyPath: key]! }, truth: paired.map { $0.grade >= k }, colour: colour))
                }
            }
            images.append(("roc-\(name).png", Plots.roc(title: "ROC \(k == 3 ? "severe" : ">= " + name)", series: series)))
        }
        let (a, b) = Self.scannerPairs(rows)
        if let ba = Plots.blandAltman(title: "Between scanners", a, b) { images.append(("bland-altman-scanners.png", ba)) }
        for (file, image) in images {
            let path = folder + "/" + file
            guard FileManager.default.createFile(atPath: path, contents: Data(try PNGCodec.encode(image))) else {
                throw PlotError(description: "\(path): cannot write")
            }
        }
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
