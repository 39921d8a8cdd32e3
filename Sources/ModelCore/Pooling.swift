/// Max pooling (square window, stride, zero padding that never wins).
public final class MaxPool2d: Layer {
    public let kernel, stride, padding: Int
    private var argmax: [Int32] = [], inputShape: [Int] = []
    private var output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])
    public init(kernel: Int, stride: Int, padding: Int = 0) { self.kernel = kernel; self.stride = stride; self.padding = padding }

    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let ho = (h + 2 * padding - kernel) / stride + 1, wo = (w + 2 * padding - kernel) / stride + 1
        output.resize([n, c, ho, wo])
        inputShape = x.shape
        if argmax.count != output.count { argmax = [Int32](repeating: 0, count: output.count) }
        for plane in 0..<(n * c) {
            let base = plane * h * w
            for oy in 0..<ho { for ox in 0..<wo {
                var best = -Float.infinity, at = -1
                for ky in 0..<kernel { for kx in 0..<kernel {
                    let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                    let v = x.data[base + iy * w + ix]
                    if v > best { best = v; at = base + iy * w + ix }
                } }
                let o = (plane * ho + oy) * wo + ox
                output.data[o] = best
                argmax[o] = Int32(at)
            } }
        }
        return output
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        inputGrad.resize(inputShape)
        inputGrad.zero()
        for i in gradient.data.indices { inputGrad.data[Int(argmax[i])] += gradient.data[i] }
        return inputGrad
    }
}

/// Average pooling (square window, stride; padding counts as zeros in the average).
public final class AvgPool2d: Layer {
    public let kernel, stride, padding: Int
    private var inputShape: [Int] = []
    private var output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])
    public init(kernel: Int, stride: Int, padding: Int = 0) { self.kernel = kernel; self.stride = stride; self.padding = padding }

    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let ho = (h + 2 * padding - kernel) / stride + 1, wo = (w + 2 * padding - kernel) / stride + 1
        output.resize([n, c, ho, wo])
        inputShape = x.shape
        let norm = 1 / Float(kernel * kernel)
        for plane in 0..<(n * c) {
            for oy in 0..<ho { for ox in 0..<wo {
                var s: Float = 0
                for ky in 0..<kernel { for kx in 0..<kernel {
                    let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                    if iy >= 0, iy < h, ix >= 0, ix < w { s += x.data[(plane * h + iy) * w + ix] }
                } }
                output.data[(plane * ho + oy) * wo + ox] = s * norm
            } }
        }
        return output
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let ho = gradient.shape[2], wo = gradient.shape[3]
        inputGrad.resize(inputShape)
        inputGrad.zero()
        let norm = 1 / Float(kernel * kernel)
        for plane in 0..<(n * c) {
            for oy in 0..<ho { for ox in 0..<wo {
                let g = gradient.data[(plane * ho + oy) * wo + ox] * norm
                for ky in 0..<kernel { for kx in 0..<kernel {
                    let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                    if iy >= 0, iy < h, ix >= 0, ix < w { inputGrad.data[(plane * h + iy) * w + ix] += g }
                } }
            } }
        }
        return inputGrad
    }
}

/// Global average pooling: [N, C, H, W] → [N, C].
public final class GlobalAvgPool: Layer {
    private var inputShape: [Int] = []
    private var output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])
    public init() {}
    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        let (n, c, p) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        inputShape = x.shape
        output.resize([n, c])
        x.data.withUnsafeBufferPointer { xp in
            for i in 0..<(n * c) {
                var s: Float = 0
                for j in 0..<p { s += xp[i * p + j] }
                output.data[i] = s / Float(p)
            }
        }
        return output
    }
    public func backward(_ gradient: Tensor) -> Tensor {
        let p = inputShape[2] * inputShape[3]
        inputGrad.resize(inputShape)
        for i in 0..<gradient.count {
            let g = gradient.data[i] / Float(p)
            for j in 0..<p { inputGrad.data[i * p + j] = g }
        }
        return inputGrad
    }
}
