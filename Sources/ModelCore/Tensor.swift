/// A dense Float32 array with a shape, row-major (NCHW for images). A value type: layers keep their
/// output tensors between calls and overwrite them in place, so steady-state inference allocates nothing.
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) values")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.shape = shape
        data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }

    /// Makes this tensor `shape`, reusing its storage when it already has enough; contents are undefined.
    public mutating func resize(_ newShape: [Int]) {
        let n = newShape.reduce(1, *)
        if data.count != n { data = [Float](repeating: 0, count: n) }
        shape = newShape
    }

    public mutating func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == data.count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    public mutating func zero() {
        data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = 0 } }
    }
}

/// A trainable tensor with its gradient; optimisers update it in place.
public final class Parameter {
    public let name: String
    public var value: Tensor
    public var grad: Tensor
    /// Weight decay applies to weights, not to biases and normalisation parameters.
    public let decays: Bool

    public init(_ name: String, _ value: Tensor, decays: Bool) {
        self.name = name
        self.value = value
        self.grad = Tensor(zeros: value.shape)
        self.decays = decays
    }
}

/// What a forward pass needs besides its input: training or inference, the per-sample condition
/// (view) index for FiLM layers, and a random source for dropout.
public final class ForwardContext {
    public var training: Bool
    public var conditions: [Int]
    var rngState: UInt64

    public init(training: Bool, conditions: [Int] = [], seed: UInt64 = 1) {
        self.training = training
        self.conditions = conditions
        rngState = seed
    }

    func uniform() -> Float {
        rngState = rngState &* 6364136223846793005 &+ 1442695040888963407
        return Float(rngState >> 40) / Float(1 << 24)
    }
}

/// One differentiable step. `backward` takes dL/d(output) of the last `forward` and returns dL/d(input),
/// accumulating parameter gradients.
/// A layer keeps what its backward pass needs from the last training forward (often its input, which
/// is the previous layer's output buffer) and lets it go at the end of `backward`:
/// a layer still holding last step's input made the previous layer's next write copy the whole
/// buffer first (copy on write), about 5 % of a training step. One backward per training forward.
public protocol Layer: AnyObject {
    func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor
    func backward(_ gradient: Tensor) -> Tensor
    var parameters: [Parameter] { get }
    /// Non-trainable state saved with the model (batch-norm running statistics).
    var buffers: [(String, Tensor)] { get }
    func loadBuffer(_ name: String, _ value: Tensor)
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [(String, Tensor)] { [] }
    public func loadBuffer(_ name: String, _ value: Tensor) {}
}
