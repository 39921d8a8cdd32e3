import CKernels
import Foundation

/// The architecture a model file describes in its `__metadata__["architecture"]`: a stem convolution,
/// depthwise-separable residual blocks with per-condition FiLM, global pooling and one linear layer
/// carrying every head's outputs.
public struct NetworkSpec: Codable, Sendable, Equatable {
    public struct Block: Codable, Sendable, Equatable {
        public var out: Int
        public var stride: Int
        public init(out: Int, stride: Int) { self.out = out; self.stride = stride }
    }
    public struct Head: Codable, Sendable, Equatable {
        public var name: String
        public var size: Int
        public init(name: String, size: Int) { self.name = name; self.size = size }
    }
    public var format = "steatoscope-convnet-1"
    public var inputChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var conditions: Int
    public var stem: Int
    public var blocks: [Block]
    public var dropout: Float
    public var heads: [Head]

    public init(inputChannels: Int, inputHeight: Int, inputWidth: Int, conditions: Int, stem: Int, blocks: [Block],
                dropout: Float, heads: [Head]) {
        self.inputChannels = inputChannels; self.inputHeight = inputHeight; self.inputWidth = inputWidth
        self.conditions = conditions; self.stem = stem; self.blocks = blocks; self.dropout = dropout; self.heads = heads
    }

    public var outputs: Int { heads.reduce(0) { $0 + $1.size } }

    /// Why this spec cannot be built, or nil. A model file's architecture is untrusted input: a zero
    /// width or stride would divide by zero, a huge one would exhaust memory before any tensor is read.
    public var problem: String? {
        func outside(_ name: String, _ value: Int, _ range: ClosedRange<Int>) -> String? {
            range.contains(value) ? nil : "\(name) \(value) outside \(range.lowerBound)–\(range.upperBound)"
        }
        if let p = outside("input channels", inputChannels, 1...16) ?? outside("input height", inputHeight, 8...2048)
            ?? outside("input width", inputWidth, 8...2048) ?? outside("conditions", conditions, 0...64)
            ?? outside("stem width", stem, 1...4096) ?? outside("blocks", blocks.count, 0...64)
            ?? outside("heads", heads.count, 1...16) { return p }
        for (i, b) in blocks.enumerated() {
            if let p = outside("block \(i) width", b.out, 1...4096) { return p }
            if b.stride != 1 && b.stride != 2 { return "block \(i) stride \(b.stride) is not 1 or 2" }
        }
        for h in heads { if let p = outside("head \(h.name) size", h.size, 1...1024) { return p } }
        guard dropout.isFinite, (0..<1).contains(dropout) else { return "dropout \(dropout) outside 0–1" }
        // Weights and one image's widest activation, in floats: at most 2^26 (256 MB) each.
        var weights = stem * inputChannels * 9, c = stem
        for b in blocks { weights += c * 9 + c * b.out * 2 + b.out * conditions * 2; c = b.out }
        weights += c * outputs
        let widest = ([stem] + blocks.map(\.out)).max()! * ((inputHeight + 1) / 2) * ((inputWidth + 1) / 2)
        if weights > 1 << 26 || widest > 1 << 26 { return "a network too large to load (\(weights) weights)" }
        return nil
    }

    /// Where each head's outputs start in the output row.
    public func offset(of head: String) -> Int? {
        var offset = 0
        for h in heads { if h.name == head { return offset }; offset += h.size }
        return nil
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func from(json: String) throws -> NetworkSpec {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(NetworkSpec.self, from: Data(json.utf8))
    }

    /// Multiply–adds of one forward pass (for GFLOP/s figures).
    public var multiplyAdds: Int {
        var h = (inputHeight + 1) / 2, w = (inputWidth + 1) / 2
        var total = stem * inputChannels * 9 * h * w
        var c = stem
        for b in blocks {
            let ho = (h + 2 - 3) / b.stride + 1, wo = (w + 2 - 3) / b.stride + 1
            total += c * 9 * ho * wo + c * b.out * ho * wo
            if b.stride != 1 || c != b.out { total += c * b.out * ho * wo }
            (h, w, c) = (ho, wo, b.out)
        }
        return total + c * outputs
    }
}

/// The network built from a spec. In training form every convolution is followed by batch
/// normalisation; `folded()` returns the inference form with each normalisation folded into its
/// convolution's weights and bias.
public final class ConvNet {
    public let spec: NetworkSpec
    public let isFolded: Bool
    public let trunk: Sequential
    public let head: Linear
    private let pool = GlobalAvgPool()
    private let dropout: Dropout
    /// Convolutions paired with the normalisation that follows them, by name prefix.
    private var convBN: [(conv: Conv2d, bn: BatchNorm2d?)] = []

    public init(spec: NetworkSpec, folded: Bool = false, seed: UInt64 = 1) {
        self.spec = spec
        isFolded = folded
        var seedCounter = seed
        func nextSeed() -> UInt64 { seedCounter &+= 1; return seedCounter }
        var pairs: [(Conv2d, BatchNorm2d?)] = []
        func convUnit(_ name: String, _ bnName: String, in cin: Int, out cout: Int, kernel: Int, stride: Int, groups: Int) -> [Layer] {
            let conv = Conv2d(name, in: cin, out: cout, kernel: kernel, stride: stride, padding: kernel / 2, groups: groups,
                              bias: folded, seed: nextSeed())
            if folded { pairs.append((conv, nil)); return [conv] }
            let bn = BatchNorm2d(bnName, channels: cout)
            pairs.append((conv, bn))
            return [conv, bn]
        }
        // Each activation runs in the pass that produces its input: in the folded (inference) form inside
        // the stem and depthwise convolutions (and FiLM + residual + SiLU in one fused step), in the
        // training form inside the batch normalisation after them, forward and backward.
        func activated(_ unit: [Layer]) -> [Layer] {
            if folded { (unit[0] as! Conv2d).fusedSiLU = true } else { (unit[1] as! BatchNorm2d).fusedSiLU = true }
            return unit
        }
        var layers: [Layer] = activated(convUnit("stem.conv", "stem.bn", in: spec.inputChannels, out: spec.stem, kernel: 3, stride: 2, groups: 1))
        var c = spec.stem
        for (i, b) in spec.blocks.enumerated() {
            let p = "blocks.\(i)."
            let dw = activated(convUnit(p + "dw", p + "dw_bn", in: c, out: c, kernel: 3, stride: b.stride, groups: c))
            let pw = convUnit(p + "pw", p + "pw_bn", in: c, out: b.out, kernel: 1, stride: 1, groups: 1)
            let film = FiLM(p + "film", channels: b.out, conditions: spec.conditions)
            let shortcut: Layer? = (b.stride != 1 || c != b.out)
                ? Sequential(convUnit(p + "short", p + "short_bn", in: c, out: b.out, kernel: 1, stride: b.stride, groups: 1))
                : nil
            if folded {
                layers.append(FusedBlock(body: Sequential(dw + pw), film: film, shortcut: shortcut))
            } else {
                layers.append(Residual(body: Sequential(dw + pw + [film]), shortcut: shortcut))
                layers.append(SiLU())
            }
            c = b.out
        }
        trunk = Sequential(layers)
        pairs.first?.0.needsInputGradient = false   // training needs no dL/d(image); see computesInputGradient
        dropout = Dropout(spec.dropout)
        head = Linear("head", in: c, out: spec.outputs, seed: nextSeed())
        convBN = pairs.map { (conv: $0.0, bn: $0.1) }
    }

    /// Logits [N, outputs] for images [N, C, H, W] and one condition (view index) per image.
    public func forward(_ x: Tensor, conditions: [Int], context: ForwardContext) -> Tensor {
        context.conditions = conditions
        let features = pool.forward(trunk.forward(x, context), context)
        return head.forward(dropout.forward(features, context), context)
    }

    public func backward(_ gradient: Tensor) {
        let g = dropout.backward(head.backward(gradient))
        lastInputGradient = trunk.backward(pool.backward(g))
    }

    /// Whether backward also computes dL/d(image) (for saliency maps and gradient checks); off by default,
    /// which saves the stem's largest product.
    public var computesInputGradient: Bool {
        get { convBN.first?.conv.needsInputGradient ?? true }
        set { convBN.first?.conv.needsInputGradient = newValue }
    }

    /// dL/d(input) of the last backward pass (when `computesInputGradient`).
    public private(set) var lastInputGradient = Tensor(zeros: [0])

    public var parameters: [Parameter] { trunk.parameters + head.parameters }

    /// Every named tensor: parameters and running statistics.
    public var stateDict: [String: Tensor] {
        var d: [String: Tensor] = [:]
        for p in parameters { d[p.name] = p.value }
        for (name, t) in trunk.buffers { d[name] = t }
        return d
    }

    /// Loads named tensors; every tensor the network has must be present with its exact shape.
    public func load(_ tensors: [String: Tensor], file: String) throws {
        for p in parameters {
            guard let t = tensors[p.name] else { throw ModelFileError.missingTensor(file: file, tensor: p.name) }
            guard t.shape == p.value.shape else { throw ModelFileError.wrongShape(file: file, tensor: p.name, expected: p.value.shape, found: t.shape) }
            p.value = t
        }
        for (name, current) in trunk.buffers {
            guard let t = tensors[name] else { throw ModelFileError.missingTensor(file: file, tensor: name) }
            guard t.shape == current.shape else { throw ModelFileError.wrongShape(file: file, tensor: name, expected: current.shape, found: t.shape) }
            trunk.loadBuffer(name, t)
        }
    }

    /// The inference form: each batch normalisation folded into the convolution before it
    /// (W' = a·W per output channel, b' = a·b + shift), identical outputs with fewer passes over memory.
    public func folded() -> ConvNet {
        precondition(!isFolded, "already folded")
        let net = ConvNet(spec: spec, folded: true)
        for (source, target) in zip(convBN, net.convBN) {
            let perOut = source.conv.weight.value.count / source.conv.outChannels
            var w = source.conv.weight.value
            var b = [Float](repeating: 0, count: source.conv.outChannels)
            if let bn = source.bn {
                let (a, shift) = bn.inferenceAffine
                for o in 0..<source.conv.outChannels {
                    for i in 0..<perOut { w.data[o * perOut + i] *= a[o] }
                    b[o] = shift[o] + a[o] * (source.conv.bias?.value.data[o] ?? 0)
                }
            }
            target.conv.weight.value = w
            target.conv.bias!.value = Tensor(shape: [b.count], data: b)
        }
        let films = trunk.parameters.filter { $0.name.hasSuffix(".scale") || $0.name.hasSuffix(".shift") }
        let targetFilms = net.trunk.parameters.filter { $0.name.hasSuffix(".scale") || $0.name.hasSuffix(".shift") }
        for (s, t) in zip(films, targetFilms) { t.value = s.value }
        net.head.weight.value = head.weight.value
        net.head.bias.value = head.bias.value
        return net
    }

    /// Sets the running-average weight of every batch normalisation (test-time adaptation uses 1/(t+1)).
    public func setBatchNormMomentum(_ momentum: Float) {
        for pair in convBN { pair.bn?.momentum = momentum }
    }

    /// An independent network with the same weights (its own workspaces), for another thread.
    public func copy() -> ConvNet {
        let twin = ConvNet(spec: spec, folded: isFolded)
        for (a, b) in zip(parameters, twin.parameters) { b.value = a.value }
        for (name, t) in trunk.buffers { twin.trunk.loadBuffer(name, t) }
        return twin
    }

    /// Reads a model file: architecture from its metadata, tensors checked by name and shape.
    public static func load(path: String) throws -> (net: ConvNet, metadata: [String: String]) {
        let file = try SafetensorsFile.read(path: path)
        return (try load(file, path: path), file.metadata)
    }

    /// The one way a network comes out of a safetensors file (model files, checkpoints whose tensors
    /// carry a prefix, files already read for their hash): the architecture from `__metadata__`, then
    /// every tensor checked by name and shape.
    public static func load(_ file: SafetensorsFile, path: String, prefix: String = "") throws -> ConvNet {
        guard let architecture = file.metadata["architecture"] else {
            throw ModelFileError.badArchitecture(file: path, reason: "no architecture in the file's __metadata__")
        }
        let spec: NetworkSpec
        do { spec = try NetworkSpec.from(json: architecture) } catch {
            throw ModelFileError.badArchitecture(file: path, reason: "unreadable architecture (\(error))")
        }
        if let problem = spec.problem { throw ModelFileError.badArchitecture(file: path, reason: "an architecture that cannot be built (\(problem))") }
        var tensors = file.tensors
        if !prefix.isEmpty {
            tensors = [:]
            for (k, v) in file.tensors where k.hasPrefix(prefix) { tensors[String(k.dropFirst(prefix.count))] = v }
        }
        let net = ConvNet(spec: spec)
        try net.load(tensors, file: path)
        return net
    }

    /// Writes the training form with the architecture and any extra metadata.
    public func save(path: String, metadata: [String: String] = [:]) throws {
        var meta = metadata
        meta["architecture"] = spec.json()
        try SafetensorsFile(tensors: stateDict, metadata: meta).write(path: path)
    }
}

/// Inference form of a residual block: body (depthwise + pointwise), shortcut, then FiLM, the addition
/// and SiLU in one pass over memory.
final class FusedBlock: Layer {
    let body: Layer, film: FiLM, shortcut: Layer?
    private var output = Tensor(zeros: [0])
    init(body: Layer, film: FiLM, shortcut: Layer?) { self.body = body; self.film = film; self.shortcut = shortcut }

    func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        precondition(!context.training, "a fused block is for inference only")
        let h = body.forward(x, context)
        let s = shortcut?.forward(x, context) ?? x
        let n = h.shape[0], channels = h.shape[1], plane = h.count / (n * channels)
        output.resize(h.shape)
        h.data.withUnsafeBufferPointer { hp in s.data.withUnsafeBufferPointer { sp in
        film.scale.value.data.withUnsafeBufferPointer { scale in film.shift.value.data.withUnsafeBufferPointer { shift in
        output.data.withUnsafeMutableBufferPointer { op in
            for b in 0..<n {
                let k = context.conditions[b], offset = b * channels * plane
                precondition(k >= 0 && k < film.conditions, "condition \(k) outside 0..<\(film.conditions)")
                steato_film_add_silu(hp.baseAddress! + offset, sp.baseAddress! + offset, scale.baseAddress! + k * channels,
                                     shift.baseAddress! + k * channels, channels, plane, op.baseAddress! + offset)
            }
        } } } } }
        return output
    }

    func backward(_ gradient: Tensor) -> Tensor { preconditionFailure("a fused block is for inference only") }
    var parameters: [Parameter] { body.parameters + film.parameters + (shortcut?.parameters ?? []) }
}
