import CKernels
/// Batch normalisation over (N, H, W) per channel. Training uses the batch's statistics and updates
/// running averages; inference uses the running averages (and can be folded into the convolution before it).
public final class BatchNorm2d: Layer {
    public let channels: Int
    public let gamma: Parameter
    public let beta: Parameter
    public var runningMean: Tensor
    public var runningVar: Tensor
    /// Weight of the newest batch in the running averages (1/(t+1) gives the plain average of t+1 batches).
    public var momentum: Float
    public let epsilon: Float
    /// SiLU applied in the same pass (forward and backward), instead of a separate layer after this one.
    public var fusedSiLU = false
    let name: String

    private var normalised = Tensor(zeros: [0])
    private var inverseStd: [Float] = []
    private var output = Tensor(zeros: [0])
    private var inputGrad = Tensor(zeros: [0])

    public init(_ name: String, channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.name = name
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter(name + ".weight", Tensor(shape: [channels], data: [Float](repeating: 1, count: channels)), decays: false)
        beta = Parameter(name + ".bias", Tensor(zeros: [channels]), decays: false)
        runningMean = Tensor(zeros: [channels])
        runningVar = Tensor(shape: [channels], data: [Float](repeating: 1, count: channels))
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [(String, Tensor)] { [(name + ".running_mean", runningMean), (name + ".running_var", runningVar)] }
    public func loadBuffer(_ key: String, _ value: Tensor) {
        if key == name + ".running_mean" { runningMean = value }
        if key == name + ".running_var" { runningVar = value }
    }

    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        let n = x.shape[0], p = x.shape[2] * x.shape[3], m = Float(n * p)
        output.resize(x.shape)
        var mean = context.training ? [Float](repeating: 0, count: channels) : runningMean.data
        var variance = context.training ? [Float](repeating: 0, count: channels) : runningVar.data
        if context.training {
            normalised.resize(x.shape)
            if inverseStd.count != channels { inverseStd = [Float](repeating: 0, count: channels) }
        }
        let training: Int32 = context.training ? 1 : 0
        let (channels, epsilon) = (self.channels, self.epsilon)
        let silu: Int32 = fusedSiLU ? 1 : 0
        x.data.withUnsafeBufferPointer { xp in output.data.withUnsafeMutableBufferPointer { op in
        gamma.value.data.withUnsafeBufferPointer { g in beta.value.data.withUnsafeBufferPointer { b in
        normalised.data.withUnsafeMutableBufferPointer { xh in inverseStd.withUnsafeMutableBufferPointer { inv in
        mean.withUnsafeMutableBufferPointer { mp in variance.withUnsafeMutableBufferPointer { vp in
            let (x, y, g, b) = (SharedPointer(xp.baseAddress!), SharedPointer(op.baseAddress!), SharedPointer(g.baseAddress!), SharedPointer(b.baseAddress!))
            let (m, v) = (SharedPointer(mp.baseAddress!), SharedPointer(vp.baseAddress!))
            let (xhat, invStd) = (xh.baseAddress.map(SharedPointer.init), inv.baseAddress.map(SharedPointer.init))
            ChannelChunks.run(channels: channels, values: xp.count) { range in
                steato_batchnorm_forward(x.raw, n, channels, p, range.lowerBound, range.upperBound, g.raw, b.raw, m.raw, v.raw,
                                         epsilon, training, xhat?.raw, invStd?.raw, silu, y.raw)
            }
        } } } } } } } }
        if context.training {
            for c in 0..<channels {
                runningMean.data[c] = (1 - momentum) * runningMean.data[c] + momentum * mean[c]
                runningVar.data[c] = (1 - momentum) * runningVar.data[c] + momentum * variance[c] * m / max(m - 1, 1)
            }
        }
        return output
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        let n = gradient.shape[0], p = gradient.shape[2] * gradient.shape[3]
        inputGrad.resize(gradient.shape)
        gradient.data.withUnsafeBufferPointer { gp in normalised.data.withUnsafeBufferPointer { xh in
        gamma.value.data.withUnsafeBufferPointer { g in beta.value.data.withUnsafeBufferPointer { b in
        inverseStd.withUnsafeBufferPointer { inv in
        gamma.grad.data.withUnsafeMutableBufferPointer { dg in beta.grad.data.withUnsafeMutableBufferPointer { db in
        inputGrad.data.withUnsafeMutableBufferPointer { dx in
            let (dy, xhat, g, b, inv) = (SharedPointer(gp.baseAddress!), SharedPointer(xh.baseAddress!), SharedPointer(g.baseAddress!),
                                         SharedPointer(b.baseAddress!), SharedPointer(inv.baseAddress!))
            let (dg, db, dx) = (SharedPointer(dg.baseAddress!), SharedPointer(db.baseAddress!), SharedPointer(dx.baseAddress!))
            let (channels, fused) = (self.channels, fusedSiLU)
            ChannelChunks.run(channels: channels, values: gp.count) { range in
                steato_batchnorm_backward(dy.raw, xhat.raw, n, channels, p, range.lowerBound, range.upperBound, g.raw, b.raw,
                                          inv.raw, fused ? 1 : 0, dg.raw, db.raw, dx.raw)
            }
        } } } } } } } }
        return inputGrad
    }

    /// The per-channel affine this layer applies at inference: y = a·x + b (before any fused SiLU).
    public var inferenceAffine: (scale: [Float], shift: [Float]) {
        var a = [Float](repeating: 0, count: channels), b = a
        for c in 0..<channels {
            a[c] = gamma.value.data[c] / (runningVar.data[c] + epsilon).squareRoot()
            b[c] = beta.value.data[c] - a[c] * runningMean.data[c]
        }
        return (a, b)
    }
}
