import CKernels
import Foundation

public final class ReLU: Layer {
    private var input = Tensor(zeros: [0]), output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])
    public init() {}
    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        if context.training { input = x }
        output.resize(x.shape)
        x.data.withUnsafeBufferPointer { xp in output.data.withUnsafeMutableBufferPointer { op in
            for i in xp.indices { op[i] = max(0, xp[i]) }
        } }
        return output
    }
    public func backward(_ gradient: Tensor) -> Tensor {
        defer { input = Tensor(zeros: [0]) }   // let the input go (see `Layer`)
        inputGrad.resize(gradient.shape)
        for i in gradient.data.indices { inputGrad.data[i] = input.data[i] > 0 ? gradient.data[i] : 0 }
        return inputGrad
    }
}

/// SiLU (swish): x·σ(x).
public final class SiLU: Layer {
    private var input = Tensor(zeros: [0]), output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])
    public init() {}
    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        if context.training { input = x }
        output.resize(x.shape)
        x.data.withUnsafeBufferPointer { xp in output.data.withUnsafeMutableBufferPointer { op in
            steato_silu(xp.baseAddress!, op.baseAddress!, xp.count)
        } }
        return output
    }
    public func backward(_ gradient: Tensor) -> Tensor {
        defer { input = Tensor(zeros: [0]) }   // let the input go (see `Layer`)
        inputGrad.resize(gradient.shape)
        input.data.withUnsafeBufferPointer { xp in gradient.data.withUnsafeBufferPointer { gp in
        inputGrad.data.withUnsafeMutableBufferPointer { dp in
            steato_silu_backward(xp.baseAddress!, gp.baseAddress!, dp.baseAddress!, xp.count)
        } } }
        return inputGrad
    }
}

/// Inverted dropout: in training, zeroes each value with probability p and scales the rest by 1/(1−p).
public final class Dropout: Layer {
    public let probability: Float
    private var mask: [Float] = [], output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])
    public init(_ probability: Float) { self.probability = probability }
    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        guard context.training, probability > 0 else { return x }
        output.resize(x.shape)
        mask = (0..<x.count).map { _ in context.uniform() < probability ? 0 : 1 / (1 - probability) }
        for i in x.data.indices { output.data[i] = x.data[i] * mask[i] }
        return output
    }
    public func backward(_ gradient: Tensor) -> Tensor {
        guard !mask.isEmpty else { return gradient }
        inputGrad.resize(gradient.shape)
        for i in gradient.data.indices { inputGrad.data[i] = gradient.data[i] * mask[i] }
        return inputGrad
    }
}
