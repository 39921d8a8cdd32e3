import Foundation
import Testing
import ModelCore
@testable import Scoring

/// Rank normalisation (`steato train --intensity rank`): normal scores of the ranks, the same under
/// any monotone change of grey levels, and named in the model file so scoring uses what training did.
@Suite struct NormalisationTests {
    /// Φ⁻¹ against Python's statistics.NormalDist().inv_cdf (an independent reference).
    @Test func inverseNormalMatchesPython() {
        let reference: [(Double, Double)] = [(0.001, -3.090232306167813), (0.025, -1.9599639845400538), (0.1, -1.2815515655446008),
                                             (0.3, -0.5244005127080407), (0.5, 0), (0.8, 0.8416212335729144),
                                             (0.975, 1.9599639845400536), (0.999, 3.090232306167813)]
        for (p, z) in reference { #expect(abs(InverseNormal.quantile(p) - z) < 2e-3, "Φ⁻¹(\(p)) = \(InverseNormal.quantile(p)), Python \(z)") }
    }

    /// Ties share their mean rank; scores follow Φ⁻¹((rank + ½) / n) / 1.349.
    @Test func tiesShareTheirMeanRank() {
        let scores = NetworkInput.normalScores([0.2, 0.0, 0.0, 0.7])
        // ranks 2, 0.5, 0.5, 3 of n = 4 → p = 0.625, 0.25, 0.25, 0.875
        let expected = [0.31863936396437526, -0.6744897501960817, -0.6744897501960817, 1.1503493803760079].map { $0 / 1.349 }
        for (s, e) in zip(scores, expected) { #expect(abs(Double(s) - e) < 2e-3, "\(scores)") }
    }

    /// Gain, contrast and a grey-map curve change the median-and-spread channel but not the ranked one.
    @Test func monotoneGreyMapsDropOut() {
        let size = 16
        var state: UInt64 = 7
        let values: [Float] = (0..<(size * size)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        let input = NetworkInput(size: size, intensity: values, mask: Array(repeating: true, count: size * size),
                                 rowDepth: Array(repeating: 0.1, count: size))
        let remapped = values.map { 0.1 + 0.8 * pow($0, 2.2) }
        let ranked = input.channels(normalisation: .rank), rankedAfter = input.channels(intensity: remapped, normalisation: .rank)
        #expect(ranked == rankedAfter)
        let plain = input.channels(), plainAfter = input.channels(intensity: remapped)
        #expect(zip(plain, plainAfter).map { abs($0 - $1) }.max()! > 0.3)
        // A uniform sample's normal scores: median near 0, interquartile range near 1.
        let inside = Array(ranked[0..<(size * size)]).sorted()
        #expect(abs(inside[inside.count / 2]) < 0.02 && abs(inside[inside.count * 3 / 4] - inside[inside.count / 4] - 1) < 0.03)
    }

    /// A model file names its normalisation in `preprocessing`; files from before it used median and spread.
    @Test func theModelFileSaysWhichNormalisation() {
        for normalisation in IntensityNormalisation.allCases {
            #expect(IntensityNormalisation(preprocessing: Preprocessing.description(for: normalisation)) == normalisation)
        }
        #expect(IntensityNormalisation(preprocessing: nil) == .medianSpread)
        #expect(IntensityNormalisation(preprocessing: Preprocessing.description) == .medianSpread)
        #expect(IntensityNormalisation(option: "rank") == .rank && IntensityNormalisation(option: "ranks") == nil)
        // Files written before the choice existed say exactly this.
        #expect(Preprocessing.description ==
                #"{"window_cm":16,"size":128,"assumed_depth_cm":15,"channels":["intensity normalised per image","depth cm/20"]}"#)
    }

    /// `.both`: the median-and-spread plane, then the ranked plane, then depth.
    @Test func bothGivesTwoIntensityPlanes() {
        let size = 16, plane = size * size
        let values: [Float] = (0..<plane).map { Float(($0 * 37) % 101) / 100 }
        var mask = Array(repeating: true, count: plane)
        for i in 0..<size { mask[i] = false }
        let input = NetworkInput(size: size, intensity: values, mask: mask, rowDepth: (0..<size).map { Float($0) / 20 })
        let both = input.channels(normalisation: .both)
        #expect(both.count == 3 * plane)
        #expect(Array(both[0..<plane]) == Array(input.channels(normalisation: .medianSpread)[0..<plane]))
        #expect(Array(both[plane..<(2 * plane)]) == Array(input.channels(normalisation: .rank)[0..<plane]))
        #expect(Array(both[(2 * plane)...]) == Array(input.channels()[plane...]))
    }

    /// A model file of three input channels loads and scores when its preprocessing says `.both`,
    /// and is refused as another architecture when it does not.
    @Test func aTwoPlaneModelLoadsOnlyWithItsPreprocessing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("both-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let net = ConvNet(spec: SteatosisNetwork.spec(for: .both), seed: 3)
        try SteatosisModel.save([net], path: folder + "/both.safetensors", metadata: ["preprocessing": Preprocessing.description(for: .both)])
        let model = try SteatosisModel(path: folder + "/both.safetensors", workers: 1)
        #expect(model.normalisation == .both)
        let size = SteatosisNetwork.size
        let input = NetworkInput(size: size, intensity: (0..<(size * size)).map { Float($0 % 97) / 97 },
                                 mask: Array(repeating: true, count: size * size), rowDepth: (0..<size).map { Float($0) / 160 })
        let predictions = model.score([input], views: [.subcostal])
        #expect(predictions.count == 1 && abs(predictions[0].gate.reduce(0, +) - 1) < 1e-9)
        try SteatosisModel.save([net], path: folder + "/mislabelled.safetensors", metadata: ["preprocessing": Preprocessing.description])
        #expect(throws: (any Error).self) { try SteatosisModel(path: folder + "/mislabelled.safetensors", workers: 1) }
    }
}
