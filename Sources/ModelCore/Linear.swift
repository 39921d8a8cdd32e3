import CKernels
/// Fully connected: [N, In] → [N, Out], y = x·Wᵀ + b.
public final class Linear: Layer {
    public let inFeatures, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter
    private var input = Tensor(zeros: [0]), output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])

    public init(_ name: String, in inFeatures: Int, out outFeatures: Int, seed: UInt64 = 1) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        var w = Initialise.he([outFeatures, inFeatures], fanIn: inFeatures, seed: seed)
        for i in w.data.indices { w.data[i] *= 0.5 }
        weight = Parameter(name + ".weight", w, decays: true)
        bias = Parameter(name + ".bias", Tensor(zeros: [outFeatures]), decays: false)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        let n = x.shape[0]
        precondition(x.count == n * inFeatures, "linear expects [N, \(inFeatures)], got \(x.shape)")
        if context.training { input = x }
        output.resize([n, outFeatures])
        for b in 0..<n { for o in 0..<outFeatures { output.data[b * outFeatures + o] = bias.value.data[o] } }
        x.data.withUnsafeBufferPointer { xp in weight.value.data.withUnsafeBufferPointer { wp in
        output.data.withUnsafeMutableBufferPointer { op in
            BLAS.gemm(transA: false, transB: true, m: n, n: outFeatures, k: inFeatures, a: xp.baseAddress!, lda: inFeatures,
                      b: wp.baseAddress!, ldb: inFeatures, beta: 1, c: op.baseAddress!, ldc: outFeatures)
        } } }
        return output
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        defer { input = Tensor(zeros: [0]) }   // let the input go (see `Layer`)
        let n = gradient.shape[0]
        inputGrad.resize(input.shape)
        for b in 0..<n { for o in 0..<outFeatures { bias.grad.data[o] += gradient.data[b * outFeatures + o] } }
        gradient.data.withUnsafeBufferPointer { gp in input.data.withUnsafeBufferPointer { xp in
        weight.value.data.withUnsafeBufferPointer { wp in weight.grad.data.withUnsafeMutableBufferPointer { wg in
        inputGrad.data.withUnsafeMutableBufferPointer { dx in
            BLAS.gemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: n, a: gp.baseAddress!, lda: outFeatures,
                      b: xp.baseAddress!, ldb: inFeatures, beta: 1, c: wg.baseAddress!, ldc: inFeatures)
            BLAS.gemm(transA: false, transB: false, m: n, n: inFeatures, k: outFeatures, a: gp.baseAddress!, lda: outFeatures,
                      b: wp.baseAddress!, ldb: inFeatures, beta: 0, c: dx.baseAddress!, ldc: inFeatures)
        } } } } }
        return inputGrad
    }
}

/// Feature-wise linear modulation by a condition (the viewpoint): y = x·(1 + scale[k, c]) + shift[k, c]
/// for sample condition k, so one trunk carries view-specific parameters.
public final class FiLM: Layer {
    public let channels, conditions: Int
    public let scale: Parameter
    public let shift: Parameter
    private var input = Tensor(zeros: [0]), output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])
    private var sampleConditions: [Int] = []

    public init(_ name: String, channels: Int, conditions: Int) {
        self.channels = channels
        self.conditions = conditions
        scale = Parameter(name + ".scale", Tensor(zeros: [conditions, channels]), decays: false)
        shift = Parameter(name + ".shift", Tensor(zeros: [conditions, channels]), decays: false)
    }

    public var parameters: [Parameter] { [scale, shift] }

    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        let n = x.shape[0], p = x.count / (n * channels)
        precondition(context.conditions.count == n, "FiLM needs one condition per sample (\(n)), got \(context.conditions.count)")
        if context.training { input = x; sampleConditions = context.conditions }
        output.resize(x.shape)
        x.data.withUnsafeBufferPointer { xp in output.data.withUnsafeMutableBufferPointer { op in
            for b in 0..<n {
                let k = context.conditions[b]
                precondition(k >= 0 && k < conditions, "condition \(k) outside 0..<\(conditions)")
                for c in 0..<channels {
                    let a = 1 + scale.value.data[k * channels + c], s = shift.value.data[k * channels + c]
                    let base = (b * channels + c) * p
                    for i in 0..<p { op[base + i] = xp[base + i] * a + s }
                }
            }
        } }
        return output
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        defer { input = Tensor(zeros: [0]) }   // let the input go (see `Layer`)
        let n = gradient.shape[0], p = gradient.count / (n * channels)
        inputGrad.resize(gradient.shape)
        gradient.data.withUnsafeBufferPointer { gp in input.data.withUnsafeBufferPointer { xp in
        scale.value.data.withUnsafeBufferPointer { sp in scale.grad.data.withUnsafeMutableBufferPointer { dsp in
        shift.grad.data.withUnsafeMutableBufferPointer { dtp in inputGrad.data.withUnsafeMutableBufferPointer { dxp in
            for b in 0..<n {
                let k = sampleConditions[b], base = b * channels * p
                steato_film_backward(gp.baseAddress! + base, xp.baseAddress! + base, sp.baseAddress! + k * channels, channels, p,
                                     dsp.baseAddress! + k * channels, dtp.baseAddress! + k * channels, dxp.baseAddress! + base)
            }
        } } } } } }
        return inputGrad
    }
}
