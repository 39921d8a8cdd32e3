import Testing
@testable import ModelCore

@Suite struct LayerGradientTests {
    static let tolerance = 2e-3

    func expectGood(_ r: GradientCheck.Result, _ what: String) {
        #expect(r.input < Self.tolerance, "\(what): input gradient relative error \(r.input)")
        for (name, e) in r.parameters { #expect(e < Self.tolerance, "\(what): \(name) relative error \(e)") }
    }

    @Test(arguments: [
        // (in, out, kernel, stride, padding, dilation, groups)
        (3, 4, 3, 1, 1, 1, 1), (3, 5, 3, 2, 1, 1, 1), (4, 6, 3, 2, 2, 2, 2), (4, 4, 3, 1, 1, 1, 4),
        (4, 4, 3, 2, 1, 1, 4), (4, 6, 1, 1, 0, 1, 1), (4, 6, 1, 2, 0, 1, 1), (2, 3, 5, 1, 2, 1, 1),
    ])
    func conv2d(config: (Int, Int, Int, Int, Int, Int, Int)) {
        let (cin, cout, k, s, p, d, g) = config
        for batch in [1, 2] {
            let layer = Conv2d("c", in: cin, out: cout, kernel: k, stride: s, padding: p, dilation: d, groups: g, bias: true, seed: 3)
            layer.bias!.value = GradientCheck.random([cout], seed: 5, scale: 0.3)
            expectGood(GradientCheck.check(layer, input: GradientCheck.random([batch, cin, 7, 6], seed: 11)), "conv \(config) batch \(batch)")
        }
    }

    @Test func batchNormInTraining() {
        let layer = BatchNorm2d("bn", channels: 3)
        layer.gamma.value = GradientCheck.random([3], seed: 2, scale: 1)
        layer.beta.value = GradientCheck.random([3], seed: 3, scale: 1)
        expectGood(GradientCheck.check(layer, input: GradientCheck.random([4, 3, 3, 3], seed: 4)), "batchnorm")
    }

    /// The stem's direct path in training (no input gradient: forward and weight gradient without
    /// unfolding) against the unfolded GEMM path, which the finite-difference checks cover.
    /// The last case is a batch large enough to be split between the cores (images in two parts,
    /// each summing its own dW), so its gradient is compared relative to its size.
    @Test(arguments: [(1, [3, 2, 13, 10]), (2, [3, 2, 13, 10]), (2, [8, 2, 64, 64])])
    func directStemTrainingMatchesTheUnfoldedPath(stride: Int, shape: [Int]) {
        let direct = Conv2d("stem", in: 2, out: 8, kernel: 3, stride: stride, padding: 1, groups: 1, bias: false, seed: 6)
        let unfolded = Conv2d("stem", in: 2, out: 8, kernel: 3, stride: stride, padding: 1, groups: 1, bias: false, seed: 6)
        direct.needsInputGradient = false
        let context = ForwardContext(training: true)
        let x = GradientCheck.random(shape, seed: 21, scale: 2)
        let y = direct.forward(x, context)
        #expect(maxAbsDifference(y, unfolded.forward(x, context)) < 1e-5)
        let dy = GradientCheck.random(y.shape, seed: 22)
        _ = direct.backward(dy)
        _ = unfolded.backward(dy)
        let scale = max(1, unfolded.weight.grad.data.map(abs).max() ?? 1)
        #expect(maxAbsDifference(direct.weight.grad, unfolded.weight.grad) / scale < 1e-5)
    }

    /// Batch normalisation with SiLU fused into its forward and backward passes (the training form's
    /// every normalisation before an activation) against finite differences and against the two layers apart.
    @Test func batchNormWithFusedSiLU() {
        let fused = BatchNorm2d("bn", channels: 3), plain = BatchNorm2d("bn", channels: 3)
        fused.fusedSiLU = true
        for layer in [fused, plain] {
            layer.gamma.value = GradientCheck.random([3], seed: 2, scale: 1.5)
            layer.beta.value = GradientCheck.random([3], seed: 3, scale: 1)
        }
        let x = GradientCheck.random([4, 3, 5, 4], seed: 4, scale: 2)
        expectGood(GradientCheck.check(fused, input: x), "batchnorm + SiLU")
        let context = ForwardContext(training: true)
        fused.gamma.grad = Tensor(zeros: [3])   // the check above accumulated into it
        let silu = SiLU()
        let separate = silu.forward(plain.forward(x, context), context)
        #expect(maxAbsDifference(fused.forward(x, context), separate) < 1e-5)
        let dy = GradientCheck.random(x.shape, seed: 9)
        let dxFused = fused.backward(dy), dxSeparate = plain.backward(silu.backward(dy))
        #expect(maxAbsDifference(dxFused, dxSeparate) < 1e-5)
        #expect(maxAbsDifference(fused.gamma.grad, plain.gamma.grad) < 1e-4)
    }

    @Test func activations() {
        expectGood(GradientCheck.check(ReLU(), input: GradientCheck.random([2, 3, 4, 4], seed: 1, awayFromZero: true)), "relu")
        expectGood(GradientCheck.check(SiLU(), input: GradientCheck.random([2, 3, 4, 4], seed: 2, scale: 3)), "silu")
        expectGood(GradientCheck.check(Dropout(0.3), input: GradientCheck.random([4, 10], seed: 3)), "dropout")
    }

    @Test func pooling() {
        // Distinct, well-separated values so no window's maximum changes under the finite-difference step.
        var x = Tensor(zeros: [2, 2, 6, 6])
        for i in x.data.indices { x.data[i] = Float((i * 37) % x.count) * 0.05 }
        expectGood(GradientCheck.check(MaxPool2d(kernel: 3, stride: 2, padding: 1), input: x), "maxpool")
        expectGood(GradientCheck.check(AvgPool2d(kernel: 2, stride: 2), input: GradientCheck.random([2, 2, 6, 6], seed: 5)), "avgpool")
        expectGood(GradientCheck.check(GlobalAvgPool(), input: GradientCheck.random([2, 3, 4, 5], seed: 6)), "global avg pool")
    }

    @Test func linearAndFiLM() {
        let linear = Linear("fc", in: 6, out: 4, seed: 2)
        linear.bias.value = GradientCheck.random([4], seed: 8)
        expectGood(GradientCheck.check(linear, input: GradientCheck.random([3, 6], seed: 9)), "linear")
        let film = FiLM("film", channels: 3, conditions: 4)
        film.scale.value = GradientCheck.random([4, 3], seed: 10, scale: 0.5)
        film.shift.value = GradientCheck.random([4, 3], seed: 11, scale: 0.5)
        expectGood(GradientCheck.check(film, input: GradientCheck.random([3, 3, 2, 2], seed: 12), conditions: [2, 0, 2]), "film")
    }

    @Test func residualAndConcat() {
        let residual = Residual(body: Sequential([Conv2d("a", in: 3, out: 3, kernel: 3, padding: 1, seed: 4), SiLU()]),
                                shortcut: nil)
        expectGood(GradientCheck.check(residual, input: GradientCheck.random([2, 3, 5, 5], seed: 13)), "residual identity")
        let projected = Residual(body: Conv2d("b", in: 3, out: 5, kernel: 3, stride: 2, padding: 1, seed: 5),
                                 shortcut: Conv2d("s", in: 3, out: 5, kernel: 1, stride: 2, seed: 6))
        expectGood(GradientCheck.check(projected, input: GradientCheck.random([2, 3, 5, 5], seed: 14)), "residual projected")
        let concat = Concat([Conv2d("p", in: 3, out: 2, kernel: 1, seed: 7), SiLU()])
        expectGood(GradientCheck.check(concat, input: GradientCheck.random([2, 3, 4, 4], seed: 15)), "concat")
    }

    @Test func wholeNetworkInTraining() {
        let spec = NetworkSpec(inputChannels: 2, inputHeight: 12, inputWidth: 12, conditions: 3, stem: 4,
                               blocks: [.init(out: 6, stride: 2), .init(out: 6, stride: 1)], dropout: 0,
                               heads: [.init(name: "ordinal", size: 3), .init(name: "view", size: 4)])
        let net = ConvNet(spec: spec, seed: 3)
        net.computesInputGradient = true
        let wrapper = NetLayer(net: net, conditions: [0, 2, 1])
        expectGood(GradientCheck.check(wrapper, input: GradientCheck.random([3, 2, 12, 12], seed: 16), conditions: [0, 2, 1], samples: 25),
                   "network")
    }

    @Test(arguments: ["cross-entropy", "cross-entropy-weighted", "ordinal", "ordinal-smoothed", "mse", "huber"])
    func losses(name: String) {
        let logits = GradientCheck.random([4, 3], seed: 21, scale: 2)
        let labels = [0, 2, 1, 3]
        let targets = GradientCheck.random([4, 3], seed: 22, scale: 2).data
        func evaluate(_ x: Tensor) -> (Float, Tensor) {
            switch name {
            case "cross-entropy": return Loss.softmaxCrossEntropy(x, [0, 2, 1, 1])
            case "cross-entropy-weighted": return Loss.softmaxCrossEntropy(x, [0, 2, 1, 1], classWeights: [1, 4, 2.5])
            case "ordinal": return Loss.ordinal(x, labels, weights: [1, 0.5, 2, 1])
            case "ordinal-smoothed": return Loss.ordinal(x, labels, weights: [1, 0.5, 2, 1], smoothing: 0.15)
            case "mse": return Loss.meanSquaredError(x, targets)
            default: return Loss.huber(x, targets, delta: 0.7)
            }
        }
        let (_, analytic) = evaluate(logits)
        var diff = 0.0, norm = 0.0
        for i in logits.data.indices {
            var plus = logits, minus = logits
            plus.data[i] += 1e-2; minus.data[i] -= 1e-2
            let numeric = (Double(evaluate(plus).0) - Double(evaluate(minus).0)) / 2e-2
            diff += pow(numeric - Double(analytic.data[i]), 2); norm += numeric * numeric
        }
        #expect(diff.squareRoot() / norm.squareRoot() < 5e-3, "\(name)")
    }
}

/// A whole network seen as one layer, for the gradient check.
final class NetLayer: Layer {
    let net: ConvNet, conditions: [Int]
    init(net: ConvNet, conditions: [Int]) { self.net = net; self.conditions = conditions }
    func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor { net.forward(x, conditions: conditions, context: context) }
    private var inputGrad = Tensor(zeros: [0])
    func backward(_ gradient: Tensor) -> Tensor {
        net.backward(gradient)
        return net.lastInputGradient
    }
    var parameters: [Parameter] { Array(net.parameters.prefix(6)) }
}

import Foundation
