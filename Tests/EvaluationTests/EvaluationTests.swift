import Foundation
import Testing
@testable import Evaluation

/// Against scripts/make_evaluation_fixtures.py: scikit-learn's AUROC, DeLong by the fast midrank
/// algorithm, ICC(2,1) from the ANOVA table.
@Suite struct EvaluationTests {
    struct Reference: Decodable {
        var truth: [Bool]; var a: [Double]; var b: [Double]
        var auc_a_sklearn: Double; var auc_b_sklearn: Double; var var_a: Double; var var_b: Double
        var paired_z: Double; var paired_p: Double; var table: [[Double]]; var icc21: Double
        var ba_bias: Double; var ba_lower: Double; var ba_upper: Double
    }

    static let reference: Reference = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/evaluation/reference.json").path
        return try! JSONDecoder().decode(Reference.self, from: FileManager.default.contents(atPath: path)!)
    }()

    @Test func aurocAndDeLongVarianceMatchTheReferences() throws {
        let r = Self.reference
        let a = try #require(ROC.analyse(scores: r.a, truth: r.truth)), b = try #require(ROC.analyse(scores: r.b, truth: r.truth))
        #expect(abs(a.auc - r.auc_a_sklearn) < 1e-12 && abs(b.auc - r.auc_b_sklearn) < 1e-12)
        #expect(abs(a.variance - r.var_a) < 1e-12 && abs(b.variance - r.var_b) < 1e-12)
        #expect(abs(a.lower - (a.auc - 1.959964 * r.var_a.squareRoot())) < 1e-9)
        let paired = try #require(ROC.compare(r.a, r.b, truth: r.truth))
        #expect(abs(paired.z - r.paired_z) < 1e-9 && abs(paired.p - r.paired_p) < 1e-6)
    }

    @Test func youdenPointIsTheBestCutoff() throws {
        let scores = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8], truth = [false, false, false, true, true, false]
        let r = try #require(ROC.analyse(scores: scores, truth: truth))
        #expect(r.cutoff == 0.6 && r.sensitivity == 1 && abs(r.specificity - 0.75) < 1e-12)
    }

    @Test func iccAndBlandAltmanMatchTheReferences() throws {
        let r = Self.reference
        #expect(abs(try #require(Agreement.icc21(r.table)) - r.icc21) < 1e-12)
        let ba = try #require(Agreement.blandAltman(r.table.map { $0[0] }, r.table.map { $0[1] }))
        #expect(abs(ba.bias - r.ba_bias) < 1e-12 && abs(ba.lower - r.ba_lower) < 1e-9 && abs(ba.upper - r.ba_upper) < 1e-9)
    }

    @Test func obuchowskiIndexIsOneForAPerfectOrdering() {
        #expect(Obuchowski.index(scores: [0, 1, 2, 3, 0.5], grades: [0, 1, 2, 3, 0]) == 1)
        #expect(Obuchowski.index(scores: [3, 2, 1, 0], grades: [0, 1, 2, 3]) == 0)
    }
}
