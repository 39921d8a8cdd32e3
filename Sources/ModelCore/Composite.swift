/// Layers applied one after another.
public final class Sequential: Layer {
    public var layers: [Layer]
    public init(_ layers: [Layer]) { self.layers = layers }
    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        var y = x
        for layer in layers { y = layer.forward(y, context) }
        return y
    }
    public func backward(_ gradient: Tensor) -> Tensor {
        var g = gradient
        for layer in layers.reversed() { g = layer.backward(g) }
        return g
    }
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var buffers: [(String, Tensor)] { layers.flatMap(\.buffers) }
    public func loadBuffer(_ name: String, _ value: Tensor) { for l in layers { l.loadBuffer(name, value) } }
}

/// A residual connection: y = body(x) + shortcut(x), with the identity when there is no shortcut layer.
public final class Residual: Layer {
    public let body: Layer
    public let shortcut: Layer?
    private var output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])
    public init(body: Layer, shortcut: Layer?) { self.body = body; self.shortcut = shortcut }

    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        let a = body.forward(x, context)
        let b = shortcut?.forward(x, context) ?? x
        precondition(a.shape == b.shape, "residual branches disagree: \(a.shape) vs \(b.shape)")
        output.resize(a.shape)
        a.data.withUnsafeBufferPointer { ap in b.data.withUnsafeBufferPointer { bp in output.data.withUnsafeMutableBufferPointer { op in
            for i in ap.indices { op[i] = ap[i] + bp[i] }
        } } }
        return output
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        let a = body.backward(gradient)
        let b = shortcut?.backward(gradient) ?? gradient
        inputGrad.resize(a.shape)
        a.data.withUnsafeBufferPointer { ap in b.data.withUnsafeBufferPointer { bp in inputGrad.data.withUnsafeMutableBufferPointer { dp in
            for i in ap.indices { dp[i] = ap[i] + bp[i] }
        } } }
        return inputGrad
    }

    public var parameters: [Parameter] { body.parameters + (shortcut?.parameters ?? []) }
    public var buffers: [(String, Tensor)] { body.buffers + (shortcut?.buffers ?? []) }
    public func loadBuffer(_ name: String, _ value: Tensor) { body.loadBuffer(name, value); shortcut?.loadBuffer(name, value) }
}

/// Runs branches on the same input and concatenates their outputs along channels (dimension 1).
public final class Concat: Layer {
    public let branches: [Layer]
    private var splits: [Int] = [], output = Tensor(zeros: [0]), inputGrad = Tensor(zeros: [0])
    public init(_ branches: [Layer]) { self.branches = branches }

    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        let outs = branches.map { $0.forward(x, context) }
        let n = outs[0].shape[0]
        let spatial = Array(outs[0].shape.dropFirst(2))
        let p = spatial.reduce(1, *)
        splits = outs.map { $0.shape[1] }
        let total = splits.reduce(0, +)
        output.resize([n, total] + spatial)
        for b in 0..<n {
            var offset = 0
            for (o, c) in zip(outs, splits) {
                for i in 0..<(c * p) { output.data[(b * total + offset) * p + i] = o.data[b * c * p + i] }
                offset += c
            }
        }
        return output
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        let n = gradient.shape[0], total = gradient.shape[1], p = gradient.count / (n * total)
        var offset = 0
        var sum: Tensor? = nil
        for (branch, c) in zip(branches, splits) {
            var g = Tensor(zeros: [n, c] + Array(gradient.shape.dropFirst(2)))
            for b in 0..<n { for i in 0..<(c * p) { g.data[b * c * p + i] = gradient.data[(b * total + offset) * p + i] } }
            offset += c
            let dx = branch.backward(g)
            if var s = sum { for i in s.data.indices { s.data[i] += dx.data[i] }; sum = s } else { sum = dx }
        }
        inputGrad = sum!
        return inputGrad
    }

    public var parameters: [Parameter] { branches.flatMap(\.parameters) }
    public var buffers: [(String, Tensor)] { branches.flatMap(\.buffers) }
    public func loadBuffer(_ name: String, _ value: Tensor) { for b in branches { b.loadBuffer(name, value) } }
}
