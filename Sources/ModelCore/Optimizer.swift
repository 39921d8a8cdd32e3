import Foundation

/// AdamW (decoupled weight decay), with global gradient-norm clipping.
public final class AdamW {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    private var m: [[Float]], v: [[Float]]
    public private(set) var step = 0

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 1e-4) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
        m = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        v = m
    }

    public func zeroGrad() { for p in parameters { p.grad.zero() } }

    /// Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Float) -> Float {
        var sum: Double = 0
        for p in parameters { for g in p.grad.data { sum += Double(g * g) } }
        let norm = Float(sum.squareRoot())
        if norm > maxNorm {
            let s = maxNorm / norm
            for p in parameters { for i in p.grad.data.indices { p.grad.data[i] *= s } }
        }
        return norm
    }

    public func update() {
        step += 1
        let c1 = 1 - pow(beta1, Float(step)), c2 = 1 - pow(beta2, Float(step))
        for (index, p) in parameters.enumerated() {
            let decay = p.decays ? weightDecay : 0
            p.value.data.withUnsafeMutableBufferPointer { w in p.grad.data.withUnsafeBufferPointer { g in
            m[index].withUnsafeMutableBufferPointer { mm in v[index].withUnsafeMutableBufferPointer { vv in
                for i in w.indices {
                    mm[i] = beta1 * mm[i] + (1 - beta1) * g[i]
                    vv[i] = beta2 * vv[i] + (1 - beta2) * g[i] * g[i]
                    w[i] -= learningRate * ((mm[i] / c1) / ((vv[i] / c2).squareRoot() + epsilon) + decay * w[i])
                }
            } } } }
        }
    }

    /// Optimiser state for checkpoints: first and second moments, in parameter order.
    public var state: (step: Int, m: [[Float]], v: [[Float]]) { (step, m, v) }
    public func restore(step: Int, m: [[Float]], v: [[Float]]) { self.step = step; self.m = m; self.v = v }
}

/// Learning rate: linear warm-up, then a cosine decay to `minimum`.
public struct CosineSchedule: Sendable {
    public var base: Float, minimum: Float, warmupSteps: Int, totalSteps: Int
    public init(base: Float, minimum: Float = 0, warmupSteps: Int, totalSteps: Int) {
        self.base = base; self.minimum = minimum; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
    }
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return base * Float(step + 1) / Float(warmupSteps) }
        let t = Float(step - warmupSteps) / Float(max(1, totalSteps - warmupSteps))
        return minimum + (base - minimum) * 0.5 * (1 + cos(Float.pi * min(1, t)))
    }
}
