import Foundation

/// Batched inference on all cores. The batch is split across `workers` copies of the folded network,
/// one per core, each owning its workspaces: the blocked, fused kernels (`BlockedNetwork`) when the
/// architecture fits them, else the layer-by-layer network, whose products are too small for
/// OpenBLAS's own threads (BLAS runs single-threaded).
public final class InferenceEngine: @unchecked Sendable {
    public let spec: NetworkSpec
    private let replicas: [ConvNet]
    private let blocked: [BlockedNetwork]

    /// `blocked: false` keeps the layer-by-layer path (the reference the blocked kernels are checked against).
    public init(network: ConvNet, workers: Int = ProcessInfo.processInfo.activeProcessorCount, blocked: Bool = true) {
        let folded = network.isFolded ? network : network.folded()
        spec = folded.spec
        if blocked && BlockedNetwork.supports(spec) {
            self.blocked = (0..<max(1, workers)).map { _ in BlockedNetwork(folded: folded) }
            replicas = []
        } else {
            var copies = [folded]
            for _ in 1..<max(1, workers) { copies.append(folded.copy()) }
            replicas = copies
            self.blocked = []
        }
        BLAS.setThreads(1)
    }

    public var workers: Int { blocked.isEmpty ? replicas.count : blocked.count }

    /// Whether the blocked kernels run this network.
    public var isBlocked: Bool { !blocked.isEmpty }

    /// Logits [N, outputs] for images [N, C, H, W], one condition per image.
    public func run(_ x: Tensor, conditions: [Int]) -> Tensor {
        if !blocked.isEmpty { return runBlocked(x, conditions: conditions) }
        let n = x.shape[0], perImage = x.count / max(n, 1), outputs = spec.outputs
        let chunks = min(workers, n)
        if chunks <= 1 { return replicas[0].forward(x, conditions: conditions, context: ForwardContext(training: false)) }
        var result = Tensor(zeros: [n, outputs])
        let slots = UnsafeMutableBufferPointer<Float>.allocate(capacity: n * outputs)
        defer { slots.deallocate() }
        let base = SharedPointer(slots.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: chunks) { worker in
            let start = n * worker / chunks, end = n * (worker + 1) / chunks
            guard start < end else { return }
            let part = Tensor(shape: [end - start] + Array(x.shape.dropFirst()), data: Array(x.data[(start * perImage)..<(end * perImage)]))
            let logits = replicas[worker].forward(part, conditions: Array(conditions[start..<end]), context: ForwardContext(training: false))
            logits.data.withUnsafeBufferPointer { src in
                (base.raw + start * outputs).update(from: src.baseAddress!, count: src.count)
            }
        }
        result.data.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: slots.baseAddress!, count: n * outputs) }
        return result
    }
}

extension InferenceEngine {
    /// Each worker runs its share of the images one at a time, straight from the batch into the logits.
    private func runBlocked(_ x: Tensor, conditions: [Int]) -> Tensor {
        let n = x.shape[0], perImage = x.count / max(n, 1), outputs = spec.outputs
        precondition(conditions.count == n, "one condition per image")
        var result = Tensor(zeros: [n, outputs])
        let chunks = min(workers, n)
        // Fewer images than workers (one image to score): each image's large layers use the spare cores.
        let spare = max(1, workers / max(1, chunks))
        x.data.withUnsafeBufferPointer { input in result.data.withUnsafeMutableBufferPointer { logits in
            let source = SharedPointer(input.baseAddress!), target = SharedPointer(logits.baseAddress!)
            let work: @Sendable (Int) -> Void = { worker in
                for i in (n * worker / chunks)..<(n * (worker + 1) / chunks) {
                    self.blocked[worker].forward(source.raw + i * perImage, condition: conditions[i],
                                                 logits: target.raw + i * outputs, threads: spare)
                }
            }
            if chunks <= 1 { if n > 0 { work(0) } } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
        } }
        return result
    }
}
