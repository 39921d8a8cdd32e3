import Foundation
import Testing
@testable import ModelCore

enum Fixture {
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/modelcore/\(name)").path
    }
}

func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.data, b.data).map { abs($0 - $1) }.max() ?? .infinity
}

/// Forward passes against numpy (scripts/make_modelcore_fixtures.py), inference mode.
@Suite struct ReferenceTests {
    @Test func tinyNetworkMatchesNumpy() throws {
        let (net, _) = try ConvNet.load(path: Fixture.path("tiny_model.safetensors"))
        let io = try SafetensorsFile.read(path: Fixture.path("tiny_io.safetensors"))
        let input = try #require(io.tensors["input"]), expected = try #require(io.tensors["logits"])
        let conditions = try #require(io.tensors["conditions"]).data.map { Int($0) }
        let out = net.forward(input, conditions: conditions, context: ForwardContext(training: false))
        #expect(out.shape == expected.shape)
        #expect(maxAbsDifference(out, expected) < 1e-4, "max |Δ| \(maxAbsDifference(out, expected))")
        let folded = net.folded().forward(input, conditions: conditions, context: ForwardContext(training: false))
        #expect(maxAbsDifference(folded, expected) < 1e-4)
    }

    @Test func dilatedGroupedConvolutionAndPoolingMatchNumpy() throws {
        let f = try SafetensorsFile.read(path: Fixture.path("layers.safetensors"))
        let x = try #require(f.tensors["x"])
        let conv = Conv2d("conv", in: 4, out: 6, kernel: 3, stride: 2, padding: 2, dilation: 2, groups: 2, bias: true)
        conv.weight.value = try #require(f.tensors["conv.weight"])
        conv.bias!.value = try #require(f.tensors["conv.bias"])
        let context = ForwardContext(training: false)
        #expect(maxAbsDifference(conv.forward(x, context), try #require(f.tensors["conv.out"])) < 1e-5)
        #expect(maxAbsDifference(MaxPool2d(kernel: 3, stride: 2, padding: 1).forward(x, context), try #require(f.tensors["maxpool.out"])) < 1e-6)
        #expect(maxAbsDifference(AvgPool2d(kernel: 2, stride: 2).forward(x, context), try #require(f.tensors["avgpool.out"])) < 1e-6)
    }
}

@Suite struct ModelFileTests {
    static let spec = NetworkSpec(inputChannels: 2, inputHeight: 16, inputWidth: 16, conditions: 4, stem: 6,
                                  blocks: [.init(out: 8, stride: 2), .init(out: 8, stride: 1), .init(out: 12, stride: 2)],
                                  dropout: 0.1, heads: [.init(name: "ordinal", size: 3), .init(name: "view", size: 4)])

    /// A network with trained-looking batch-norm statistics (a few training steps on random data).
    func trainedNet() -> ConvNet {
        let net = ConvNet(spec: Self.spec, seed: 5)
        let context = ForwardContext(training: true)
        for step in 0..<5 {
            let x = GradientCheck.random([4, 2, 16, 16], seed: UInt64(step + 1), scale: 2)
            _ = net.forward(x, conditions: [0, 1, 2, 3], context: context)
        }
        return net
    }

    @Test func foldingBatchNormLeavesOutputsUnchanged() {
        let net = trainedNet()
        let x = GradientCheck.random([3, 2, 16, 16], seed: 40)
        let inference = ForwardContext(training: false)
        let a = net.forward(x, conditions: [3, 0, 1], context: inference)
        let b = net.folded().forward(x, conditions: [3, 0, 1], context: inference)
        #expect(maxAbsDifference(a, b) < 1e-5, "max |Δ| \(maxAbsDifference(a, b))")
    }

    @Test func saveThenLoadGivesIdenticalOutputs() throws {
        let net = trainedNet()
        let path = NSTemporaryDirectory() + "model-\(UUID()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try net.save(path: path, metadata: ["name": "test"])
        let (loaded, metadata) = try ConvNet.load(path: path)
        #expect(metadata["name"] == "test" && loaded.spec == Self.spec)
        let x = GradientCheck.random([2, 2, 16, 16], seed: 41)
        let inference = ForwardContext(training: false)
        #expect(net.forward(x, conditions: [1, 2], context: inference) == loaded.forward(x, conditions: [1, 2], context: inference))
    }

    @Test func badModelFilesNameTheProblem() throws {
        let net = trainedNet()
        let dir = NSTemporaryDirectory() + "models-\(UUID())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good.safetensors"
        try net.save(path: good)
        let bytes = [UInt8](FileManager.default.contents(atPath: good)!)

        func error(_ data: [UInt8]) -> String {
            let path = dir + "/bad.safetensors"
            _ = FileManager.default.createFile(atPath: path, contents: Data(data))
            do { _ = try ConvNet.load(path: path); return "loaded" } catch { return "\(error)" }
        }
        #expect(error(Array(bytes.prefix(bytes.count - 100))).contains("truncated model file (tensor '"))
        #expect(error(Array(bytes.prefix(5))).contains("truncated model file"))
        #expect(error([]).contains("truncated"))
        #expect(error(Array("not a model at all, just text".utf8)).contains("truncated") )

        var tensors = net.stateDict
        tensors.removeValue(forKey: "blocks.1.pw.weight")
        #expect(error(SafetensorsFile(tensors: tensors, metadata: ["architecture": Self.spec.json()]).serialized())
                .contains("tensor 'blocks.1.pw.weight' is missing"))
        tensors = net.stateDict
        tensors["head.weight"] = Tensor(zeros: [7, 11])
        #expect(error(SafetensorsFile(tensors: tensors, metadata: ["architecture": Self.spec.json()]).serialized())
                .contains("tensor 'head.weight' has shape [7, 11], expected [7, 12]"))
        let f16 = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"F32\"", with: "\"F16\"")
        #expect(error(Array(f16.utf8)).contains("has dtype F16, expected F32"))
        #expect(error(SafetensorsFile(tensors: net.stateDict).serialized()).contains("no architecture"))
        // An architecture is untrusted: widths, strides and sizes that cannot be built are named, not trapped
        // on (a stem of 0 divided by zero; the fuzzer found it) or allocated (a network too large to hold).
        func architecture(_ edit: (inout NetworkSpec) -> Void) -> String {
            var spec = Self.spec
            edit(&spec)
            return error(SafetensorsFile(tensors: net.stateDict, metadata: ["architecture": spec.json()]).serialized())
        }
        #expect(architecture { $0.stem = 0 }.contains("stem width 0 outside 1–4096"))
        #expect(architecture { $0.blocks[0].stride = 0 }.contains("block 0 stride 0 is not 1 or 2"))
        #expect(architecture { $0.blocks[1].out = -3 }.contains("block 1 width -3 outside"))
        #expect(architecture { $0.inputHeight = 2048; $0.inputWidth = 2048; $0.stem = 4096 }.contains("too large to load"))
        #expect(architecture { $0.dropout = 1.5 }.contains("dropout 1.5 outside 0–1"))
        #expect(error(Array(bytes)) == "loaded")
    }
}

/// A tiny network learns a toy task: which image half is brighter, with a condition that flips the answer.
@Suite struct ToyTrainingTests {
    @Test func aTinyNetworkLearnsAToyTask() {
        let spec = NetworkSpec(inputChannels: 1, inputHeight: 12, inputWidth: 12, conditions: 2, stem: 6,
                               blocks: [.init(out: 8, stride: 2)], dropout: 0, heads: [.init(name: "class", size: 2)])
        let net = ConvNet(spec: spec, seed: 9)
        let optimiser = AdamW(net.parameters, learningRate: 3e-3, weightDecay: 1e-4)
        let schedule = CosineSchedule(base: 3e-3, minimum: 1e-4, warmupSteps: 10, totalSteps: 400)
        var state: UInt64 = 12345
        func next() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(state >> 40) / Float(1 << 24) }
        func batch(_ n: Int) -> (Tensor, [Int], [Int]) {
            var x = Tensor(zeros: [n, 1, 12, 12]); var labels: [Int] = [], conditions: [Int] = []
            for b in 0..<n {
                let left = next() < 0.5, condition = next() < 0.5 ? 1 : 0
                for y in 0..<12 { for xx in 0..<12 {
                    let bright = (xx < 6) == left
                    x.data[b * 144 + y * 12 + xx] = (bright ? 0.6 : 0.2) + (next() - 0.5) * 0.5
                } }
                labels.append((left ? 1 : 0) ^ condition); conditions.append(condition)
            }
            return (x, labels, conditions)
        }
        let context = ForwardContext(training: true)
        for step in 0..<400 {
            let (x, labels, conditions) = batch(16)
            optimiser.zeroGrad()
            let logits = net.forward(x, conditions: conditions, context: context)
            let (_, grad) = Loss.softmaxCrossEntropy(logits, labels)
            net.backward(grad)
            optimiser.clipGradients(maxNorm: 5)
            optimiser.learningRate = schedule.rate(at: step)
            optimiser.update()
        }
        let (x, labels, conditions) = batch(200)
        let logits = net.forward(x, conditions: conditions, context: ForwardContext(training: false))
        let correct = (0..<200).filter { b in (logits.data[2 * b + 1] > logits.data[2 * b] ? 1 : 0) == labels[b] }.count
        #expect(correct >= 190, "accuracy \(correct)/200")
    }

    @Test func scheduleWarmsUpThenDecays() {
        let s = CosineSchedule(base: 1, minimum: 0.1, warmupSteps: 10, totalSteps: 110)
        #expect(abs(s.rate(at: 0) - 0.1) < 1e-6 && abs(s.rate(at: 9) - 1) < 1e-6)
        #expect(abs(s.rate(at: 60) - 0.55) < 1e-4 && abs(s.rate(at: 110) - 0.1) < 1e-6)
    }

    @Test func clippingBoundsTheGlobalNorm() {
        let p = Parameter("w", Tensor(zeros: [2]), decays: true)
        p.grad = Tensor(shape: [2], data: [3, 4])
        let optimiser = AdamW([p])
        #expect(optimiser.clipGradients(maxNorm: 1) == 5)
        #expect(abs(p.grad.data[0] - 0.6) < 1e-6 && abs(p.grad.data[1] - 0.8) < 1e-6)
    }
}

/// SiLU runs on CKernels' polynomial exp; over a wide range it stays within a few parts in 10⁷ of
/// x·σ(x) computed with libm in Double.
@Suite struct FastSiLUTests {
    @Test func siluIsAccurate() {
        var x = Tensor(zeros: [20000])
        for i in 0..<x.count { x.data[i] = -80 + Float(i) * 0.0084 }
        let y = SiLU().forward(x, ForwardContext(training: false))
        var worst = 0.0
        for i in 0..<x.count {
            let v = Double(x.data[i]), exact = v / (1 + Foundation.exp(-v))
            worst = max(worst, abs(Double(y.data[i]) - exact) / max(abs(exact), 1e-30))
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
    }
}

/// The inference kernels (direct 3×3, C depthwise, image-by-image GEMM, fused activation) agree with
/// the training path (batched im2col + GEMM), which the gradient checks and numpy cover.
@Suite struct InferencePathTests {
    @Test(arguments: [
        (2, 16, 3, 2, 1, 1), (3, 8, 3, 1, 1, 1), (8, 8, 3, 1, 1, 8), (8, 8, 3, 2, 1, 8),
        (8, 12, 1, 1, 0, 1), (8, 12, 1, 2, 0, 1), (12, 16, 3, 2, 1, 1), (6, 6, 5, 1, 2, 3),
    ])
    func inferenceMatchesTraining(config: (Int, Int, Int, Int, Int, Int)) {
        let (cin, cout, k, s, p, g) = config
        for batch in [1, 3] {
            let conv = Conv2d("c", in: cin, out: cout, kernel: k, stride: s, padding: p, groups: g, bias: true, seed: 4)
            conv.bias!.value = GradientCheck.random([cout], seed: 6)
            let x = GradientCheck.random([batch, cin, 11, 10], seed: 8, scale: 2)
            let reference = conv.forward(x, ForwardContext(training: true))
            let fast = conv.forward(x, ForwardContext(training: false))
            #expect(maxAbsDifference(reference, fast) < 1e-5, "\(config) batch \(batch)")
            conv.fusedSiLU = true
            let activated = conv.forward(x, ForwardContext(training: false))
            let expected = reference.data.map { $0 / (1 + Foundation.exp(-$0)) }
            #expect(zip(activated.data, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(config) fused SiLU batch \(batch)")
        }
    }

    @Test func theEngineSplitsBatchesWithoutChangingResults() {
        let spec = ModelFileTests.spec
        let net = ConvNet(spec: spec, seed: 12)
        let x = GradientCheck.random([5, 2, 16, 16], seed: 9)
        let conditions = [0, 3, 1, 2, 0]
        let single = net.folded().forward(x, conditions: conditions, context: ForwardContext(training: false))
        let engine = InferenceEngine(network: net, workers: 2)
        #expect(maxAbsDifference(engine.run(x, conditions: conditions), single) < 1e-6)
    }
}
