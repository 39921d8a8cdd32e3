import ArgumentParser
import CaseStore
import Evaluation
import Foundation
import Scoring
import UltrasoundImaging

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate the stored study scores against a reference standard, with baselines and agreement.",
        discussion: """
            For ≥ mild, ≥ moderate and severe: AUROC with its 95 % DeLong interval, sensitivity and specificity at the Youden \
            cut-off, and a paired DeLong test against each baseline on the same studies: CAP, the hepatorenal index (studies \
            with ROIs) and a B-mode attenuation estimate from the depth profile. Then the Obuchowski index, Bland–Altman \
            between scanners (patients scanned on several) and between views, and ICC(2,1) of single images with the \
            Spearman–Brown reliability of the mean of 1–5 images per view.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Reference: histology, report, cap or pdff.") var reference = "histology"
    @Option(help: "Repeat the AUROCs per scanner or per view.") var by: String?
    @Flag(help: "One JSON object with every figure.") var json = false
    @Option(help: "Write PNG plots here: ROC curves per threshold (model and baselines), Bland–Altman between scanners.")
    var plots: String?

    func run() throws {
        guard ["histology", "report", "cap", "pdff"].contains(reference) else {
            throw fail(UserFacingError("--reference must be histology, report, cap or pdff"))
        }
        let store = try database.open()
        let studies: [StudyDetail]
        do { studies = try store.studyIds(unscoredOnly: false).map { try store.detail(studyId: $0) }.filter { $0.studyScore != nil } }
        catch { throw fail(error) }
        var rows: [EvaluationRow] = []
        for d in studies {
            guard let grade = referenceGrade(d) else { continue }
            rows.append(EvaluationRow(detail: d, grade: grade, store: store))
        }
        guard rows.count >= 4 else { throw fail(UserFacingError("only \(rows.count) scored studies have a \(reference) reference")) }
        var report: [String: Any] = ["reference": reference, "studies": rows.count]
        var lines: [String] = ["reference \(reference), \(rows.count) scored studies"]
        lines.append(contentsOf: rocTable(rows, into: &report))
        if let by {
            let groups: [String: [EvaluationRow]] = by == "view"
                ? Dictionary(grouping: rows.flatMap { r in r.viewScores.map { EvaluationRow(copy: r, score: $0.value, group: $0.key) } }, by: { $0.group })
                : Dictionary(grouping: rows, by: { $0.scanner })
            var byReport: [String: Any] = [:]
            for (name, group) in groups.sorted(by: { $0.key < $1.key }) where group.count >= 4 {
                var sub: [String: Any] = [:]
                lines.append("")
                lines.append("\(by) \(name), \(group.count) studies")
                lines.append(contentsOf: rocTable(group, into: &sub, baselines: false))
                byReport[name] = sub
            }
            report["by_\(by)"] = byReport
        }
        lines.append("")
        lines.append(contentsOf: agreement(rows, into: &report))
        if let plots { try drawPlots(rows, folder: plots) }
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(lines.joined(separator: "\n"))
        }
    }

    func drawPlots(_ rows: [EvaluationRow], folder: String) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        catch { throw fail(UserFacingError("\(folder): cannot create the folder")) }
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
        let (a, b) = scannerPairs(rows)
        if let ba = Plots.blandAltman(title: "Between scanners", a, b) { images.append(("bland-altman-scanners.png", ba)) }
        for (file, image) in images {
            let path = folder + "/" + file
            guard FileManager.default.createFile(atPath: path, contents: Data(try PNGCodec.encode(image))) else {
                throw fail(UserFacingError("\(path): cannot write"))
            }
        }
    }

    /// Between scanners: the scores of one patient's studies on two scanners (first two by scanner name).
    func scannerPairs(_ rows: [EvaluationRow]) -> ([Double], [Double]) {
        var a: [Double] = [], b: [Double] = []
        for (_, studies) in Dictionary(grouping: rows, by: { $0.patient }) where studies.count >= 2 {
            let sorted = studies.sorted { $0.scanner < $1.scanner }
            if sorted[0].scanner != sorted[1].scanner { a.append(sorted[0].score); b.append(sorted[1].score) }
        }
        return (a, b)
    }

    func referenceGrade(_ d: StudyDetail) -> Int? {
        guard let r = d.reference else { return nil }
        switch reference {
        case "histology": return r.histologyFatPct.map { Grade(fatPercent: $0).rawValue }
        case "report": return r.reportGrade
        case "pdff": return r.mriPdffPct.map { $0 >= 22 ? 3 : $0 >= 14 ? 2 : $0 >= 5 ? 1 : 0 }   // common PDFF cut-offs
        default: return r.capDbm.map { $0 >= 280 ? 3 : $0 >= 268 ? 2 : $0 >= 248 ? 1 : 0 }
        }
    }

    func rocTable(_ rows: [EvaluationRow], into report: inout [String: Any], baselines: Bool = true) -> [String] {
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

    func agreement(_ rows: [EvaluationRow], into report: inout [String: Any]) -> [String] {
        var lines: [String] = []
        let (a, b) = scannerPairs(rows)
        if let ba = Agreement.blandAltman(a, b) {
            lines.append(String(format: "between scanners (%d patients): bias %.3f grade, 95%% limits %.3f to %.3f", a.count, ba.bias, ba.lower, ba.upper))
            report["scanners_bland_altman"] = ["pairs": a.count, "bias": ba.bias, "lower": ba.lower, "upper": ba.upper]
        }
        let views = View.liverViews
        for i in 0..<views.count { for j in (i + 1)..<views.count {
            let pairs = rows.compactMap { r -> (Double, Double)? in
                guard let x = r.viewScores[views[i].rawValue], let y = r.viewScores[views[j].rawValue] else { return nil }
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

/// One scored study with its reference grade, baselines and the scores needed for agreement.
struct EvaluationRow {
    var score: Double
    var grade: Int
    var scanner: String
    var patient: String
    var group = ""
    var cap: Double?
    var hri: Double?
    var attenuation: Double?
    var viewScores: [String: Double]
    var imageScoresByView: [String: [Double]]

    init(detail d: StudyDetail, grade: Int, store: CaseStore) {
        score = d.studyScore!.score
        self.grade = grade
        scanner = d.study.scanner ?? "unknown"
        patient = d.patient.patientKey
        cap = d.reference?.capDbm
        viewScores = Dictionary(uniqueKeysWithValues: d.viewScores.map { ($0.view, $0.score) })
        var byView: [String: [Double]] = [:]
        for image in d.images { if let s = d.imageScores[image.id!], let v = image.view { byView[v, default: []].append(s.score) } }
        imageScoresByView = byView
        // Baselines from the pixels: hepatorenal index where ROIs exist, B-mode attenuation from the depth profile.
        var ratios: [Double] = [], slopes: [Double] = []
        let rois = Dictionary(grouping: d.rois, by: \.imageId)
        for image in d.images {
            guard let bytes = try? store.images.load(sha256: image.sha256), let pixels = try? ImageDecoder.decodeImagingArea(bytes, frame: image.frameNumber) else { continue }
            if let r = rois[image.id!], let liver = r.first(where: { $0.kind == "liver" }), let kidney = r.first(where: { $0.kind == "kidney" }) {
                let k = Baselines.meanGrey(pixels, liver), c = Baselines.meanGrey(pixels, kidney)
                if c > 1 { ratios.append(k / c) }
            }
            if let input = NetworkInput(image: pixels, size: 64), let slope = Baselines.depthSlope(input) { slopes.append(-slope) }
        }
        hri = ratios.isEmpty ? nil : ratios.reduce(0, +) / Double(ratios.count)
        attenuation = slopes.isEmpty ? nil : slopes.reduce(0, +) / Double(slopes.count)
    }

    init(copy: EvaluationRow, score: Double, group: String) {
        self = copy
        self.score = score
        self.group = group
    }
}

enum Baselines {
    static func meanGrey(_ image: PixelImage, _ r: ROI) -> Double {
        var s = 0.0, n = 0.0
        for y in max(0, r.y)..<min(image.height, r.y + r.height) { for x in max(0, r.x)..<min(image.width, r.x + r.width) {
            let i = (y * image.width + x) * image.channels
            s += Double(image.pixels[i]); n += 1
        } }
        return n > 0 ? s / n : 0
    }

    /// Least-squares slope of mean fan brightness (0–1) against relative depth over the middle of the fan.
    static func depthSlope(_ input: NetworkInput) -> Double? {
        var xs: [Double] = [], ys: [Double] = []
        for y in (input.size / 5)..<(input.size * 4 / 5) {
            var s = 0.0, n = 0.0
            for x in 0..<input.size where input.mask[y * input.size + x] { s += Double(input.intensity[y * input.size + x]); n += 1 }
            if n > 4 { xs.append(Double(input.rowDepth[y])); ys.append(s / n) }
        }
        guard xs.count > 5 else { return nil }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        return sxx > 0 ? sxy / sxx : nil
    }
}
