/// Batch normalisation over (N, H, W) per channel. Training uses the batch's statistics and updates
/// running averages; inference uses the running averages (and can be folded into the convolution before it).
public final class BatchNorm2d: Layer {
    public let channels: Int
    public let gamma: Parameter
    public let beta: Parameter
    public var runningMean: Tensor
    public var runningVar: Tensor
    public let momentum: Float
    public let epsilon: Float
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
        if context.training {
            normalised.resize(x.shape)
            inverseStd = [Float](repeating: 0, count: channels)
        }
        x.data.withUnsafeBufferPointer { xp in output.data.withUnsafeMutableBufferPointer { op in
            for c in 0..<channels {
                var mean: Float, variance: Float
                if context.training {
                    var s: Double = 0, s2: Double = 0
                    for b in 0..<n { let base = (b * channels + c) * p; for i in 0..<p { let v = Double(xp[base + i]); s += v; s2 += v * v } }
                    let md = s / Double(m)
                    mean = Float(md)
                    variance = Float(max(0, s2 / Double(m) - md * md))
                    runningMean.data[c] = (1 - momentum) * runningMean.data[c] + momentum * mean
                    runningVar.data[c] = (1 - momentum) * runningVar.data[c] + momentum * variance * m / max(m - 1, 1)
                } else {
                    mean = runningMean.data[c]; variance = runningVar.data[c]
                }
                let inv = 1 / (variance + epsilon).squareRoot()
                let g = gamma.value.data[c], bt = beta.value.data[c]
                if context.training { inverseStd[c] = inv }
                for b in 0..<n {
                    let base = (b * channels + c) * p
                    for i in 0..<p {
                        let xh = (xp[base + i] - mean) * inv
                        if context.training { normalised.data[base + i] = xh }
                        op[base + i] = g * xh + bt
                    }
                }
            }
        } }
        return output
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        let n = gradient.shape[0], p = gradient.shape[2] * gradient.shape[3], m = Float(n * p)
        inputGrad.resize(gradient.shape)
        gradient.data.withUnsafeBufferPointer { gp in normalised.data.withUnsafeBufferPointer { xh in
        inputGrad.data.withUnsafeMutableBufferPointer { dx in
            for c in 0..<channels {
                var sumG: Float = 0, sumGX: Float = 0
                for b in 0..<n { let base = (b * channels + c) * p; for i in 0..<p { sumG += gp[base + i]; sumGX += gp[base + i] * xh[base + i] } }
                gamma.grad.data[c] += sumGX
                beta.grad.data[c] += sumG
                let scale = gamma.value.data[c] * inverseStd[c] / m
                for b in 0..<n {
                    let base = (b * channels + c) * p
                    for i in 0..<p { dx[base + i] = scale * (m * gp[base + i] - sumG - xh[base + i] * sumGX) }
                }
            }
        } } }
        return inputGrad
    }

    /// The per-channel affine this layer applies at inference: y = a·x + b.
    public var inferenceAffine: (scale: [Float], shift: [Float]) {
        var a = [Float](repeating: 0, count: channels), b = a
        for c in 0..<channels {
            a[c] = gamma.value.data[c] / (runningVar.data[c] + epsilon).squareRoot()
            b[c] = beta.value.data[c] - a[c] * runningMean.data[c]
        }
        return (a, b)
    }
}
