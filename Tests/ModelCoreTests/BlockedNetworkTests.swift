import Foundation
import Testing
@testable import ModelCore
import UltrasoundImaging

/// The blocked, fused kernels against the layer-by-layer reference (itself checked against numpy):
/// every block kind (identity and projection shortcuts, stride 1 and 2), odd sizes (border pixels and
/// strided edges), every view's FiLM, the shipped width and four times it, and the shipped model file.
@Suite struct BlockedNetworkTests {
    /// A network with trained-looking batch-norm statistics and non-zero FiLM, then folded.
    static func foldedNet(stem: Int, widths: [(Int, Int)], height: Int, width: Int, seed: UInt64, inputs: Int = 2) -> ConvNet {
        let spec = NetworkSpec(inputChannels: inputs, inputHeight: height, inputWidth: width, conditions: 4, stem: stem,
                               blocks: widths.map { .init(out: $0.0, stride: $0.1) }, dropout: 0.1,
                               heads: [.init(name: "ordinal", size: 3), .init(name: "view", size: 4), .init(name: "gate", size: 3)])
        let net = ConvNet(spec: spec, seed: seed)
        for (i, p) in net.parameters.enumerated() where p.name.hasSuffix(".scale") || p.name.hasSuffix(".shift") {
            p.value = GradientCheck.random(p.value.shape, seed: seed &+ UInt64(i), scale: 0.5)
        }
        let context = ForwardContext(training: true)
        for step in 0..<3 {
            let x = GradientCheck.random([4, inputs, height, width], seed: seed &+ UInt64(step + 100), scale: 2)
            _ = net.forward(x, conditions: [0, 1, 2, 3], context: context)
        }
        return net.folded()
    }

    static func compare(_ net: ConvNet, images: Int, seed: UInt64) -> Float {
        let spec = net.spec
        let x = GradientCheck.random([images, spec.inputChannels, spec.inputHeight, spec.inputWidth], seed: seed, scale: 1.5)
        let conditions = (0..<images).map { $0 % spec.conditions }
        let reference = net.forward(x, conditions: conditions, context: ForwardContext(training: false))
        let engine = InferenceEngine(network: net, workers: 2)
        #expect(engine.isBlocked)
        return maxAbsDifference(engine.run(x, conditions: conditions), reference)
    }

    @Test(arguments: [(32, 32), (31, 27), (17, 40)])
    func everyBlockKindMatchesTheReference(size: (Int, Int)) {
        let net = Self.foldedNet(stem: 16, widths: [(24, 2), (24, 1), (48, 2), (48, 1), (64, 1), (96, 2)],
                                 height: size.0, width: size.1, seed: 21)
        let difference = Self.compare(net, images: 5, seed: 7)
        #expect(difference < 1e-4, "max |Δ| \(difference) at \(size)")
    }

    /// Two intensity planes and depth (`--intensity both`): the stem takes three input channels.
    @Test func threeInputChannelsMatchTheReference() {
        let net = Self.foldedNet(stem: 16, widths: [(24, 2), (24, 1), (48, 2)], height: 40, width: 36, seed: 13, inputs: 3)
        let difference = Self.compare(net, images: 3, seed: 9)
        #expect(difference < 1e-4, "max |Δ| \(difference)")
    }

    @Test func theShippedArchitectureAndFourTimesItsWidthMatch() {
        let shipped = [(24, 2), (24, 1), (48, 2), (48, 1), (64, 2), (64, 1), (96, 2), (96, 1)]
        let net = Self.foldedNet(stem: 16, widths: shipped, height: 128, width: 128, seed: 3)
        let d1 = Self.compare(net, images: 3, seed: 11)
        #expect(d1 < 1e-4, "shipped: max |Δ| \(d1)")
        let wide = Self.foldedNet(stem: 64, widths: shipped.map { ($0.0 * 4, $0.1) }, height: 64, width: 64, seed: 4)
        let d4 = Self.compare(wide, images: 2, seed: 12)
        #expect(d4 < 1e-4, "4× wide: max |Δ| \(d4)")
    }

    @Test func theDefaultModelFileGivesTheSameLogits() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/steatoscope-default.safetensors").path
        let file = try SafetensorsFile.read(path: path)
        // The default file holds an ensemble; each member's tensors carry a prefix ("member0.", …).
        let prefixes = Set(file.tensors.keys.compactMap { key -> String? in
            guard key.hasPrefix("member"), let dot = key.firstIndex(of: ".") else { return nil }
            return String(key[...dot])
        })
        for prefix in prefixes.isEmpty ? [""] : prefixes.sorted() {
            let net = try ConvNet.load(file, path: path, prefix: prefix).folded()
            let difference = Self.compare(net, images: 4, seed: 5)
            #expect(difference < 1e-4, "\(prefix) max |Δ| \(difference)")
        }
    }

    @Test func channelCountsThatAreNotMultiplesOfEightKeepTheReferencePath() {
        let engine = InferenceEngine(network: ConvNet(spec: ModelFileTests.spec), workers: 1)
        #expect(!engine.isBlocked)
    }

    @Test func packingPutsEachTapsEightOutputsSideBySide() {
        // weight [16 outputs, 3 per output]: value = 100·output + tap
        var weight: [Float] = []
        for o in 0..<16 { for tap in 0..<3 { weight.append(Float(100 * o + tap)) } }
        let packed = BlockedNetwork.packDense(weight, cout: 16, perOut: 3)
        let firstTap: [Float] = (0..<8).map { Float(100 * $0) }
        let secondTap: [Float] = (0..<8).map { Float(100 * $0 + 1) }
        let secondBlock: [Float] = (8..<16).map { Float(100 * $0) }
        #expect(Array(packed[0..<8]) == firstTap)
        #expect(Array(packed[8..<16]) == secondTap)
        #expect(Array(packed[24..<32]) == secondBlock)
    }
}

/// One image with two threads: its large layers split by output channel blocks give the same logits.
@Suite struct BlockedSplitTests {
    @Test func oneImageOnTwoThreadsMatchesTheReference() {
        let net = BlockedNetworkTests.foldedNet(stem: 32, widths: [(96, 2), (96, 1), (192, 2), (192, 1)], height: 96, width: 96, seed: 8)
        let spec = net.spec
        let x = GradientCheck.random([1, 2, spec.inputHeight, spec.inputWidth], seed: 31, scale: 1.5)
        let reference = net.forward(x, conditions: [2], context: ForwardContext(training: false))
        let blocked = BlockedNetwork(folded: net)
        var logits = [Float](repeating: 0, count: spec.outputs)
        for threads in [1, 2] {
            x.data.withUnsafeBufferPointer { xp in logits.withUnsafeMutableBufferPointer { lp in
                blocked.forward(xp.baseAddress!, condition: 2, logits: lp.baseAddress!, threads: threads)
            } }
            let difference = zip(logits, reference.data).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference < 1e-4, "\(threads) threads: max |Δ| \(difference)")
        }
        // The second block's 1×1 layer (96 → 96 channels at 24²) is large enough to be split, so the
        // split path is what ran with two threads.
        #expect(96 * 96 * 24 * 24 >= BlockedNetwork.splitMultiplyAdds)
    }

    /// The process has one helper thread: two networks asking for it at once (two engines scoring one
    /// image each) share it, whoever finds it busy doing the layer alone, and both get the reference.
    @Test func twoNetworksSplittingAtOnceBothMatchTheReference() {
        let net = BlockedNetworkTests.foldedNet(stem: 32, widths: [(96, 2), (96, 1), (192, 2), (192, 1)], height: 96, width: 96, seed: 9)
        let spec = net.spec
        let x = GradientCheck.random([1, 2, spec.inputHeight, spec.inputWidth], seed: 33, scale: 1.5)
        let reference = net.forward(x, conditions: [1], context: ForwardContext(training: false)).data
        // Each network is used by one thread only (as each engine worker owns its own).
        let networks = OwnedPerThread([BlockedNetwork(folded: net), BlockedNetwork(folded: net)])
        let results = ConcurrentSlots<Float>(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            var worst: Float = 0
            var logits = [Float](repeating: 0, count: spec.outputs)
            for _ in 0..<20 {
                x.data.withUnsafeBufferPointer { xp in logits.withUnsafeMutableBufferPointer { lp in
                    networks.value[k].forward(xp.baseAddress!, condition: 1, logits: lp.baseAddress!, threads: 2)
                } }
                worst = max(worst, zip(logits, reference).map { abs($0 - $1) }.max() ?? .infinity)
            }
            results.set(k, worst)
        }
        #expect(results.values.allSatisfy { ($0 ?? .infinity) < 1e-4 }, "max |Δ| \(results.values)")
    }
}

/// Values handed to concurrent workers that each touch only their own element.
final class OwnedPerThread<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
