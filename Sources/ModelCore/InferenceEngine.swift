import Foundation

/// Batched inference on all cores. The network's layers are tiny products for BLAS, where OpenBLAS's
/// own threads cost more than they give; instead BLAS runs single-threaded and the batch is split
/// across `workers` copies of the folded network, one per core (each copy owns its workspaces).
public final class InferenceEngine: @unchecked Sendable {
    public let spec: NetworkSpec
    private let replicas: [ConvNet]

    public init(network: ConvNet, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        let folded = network.isFolded ? network : network.folded()
        spec = folded.spec
        var copies = [folded]
        for _ in 1..<max(1, workers) { copies.append(folded.copy()) }
        replicas = copies
        BLAS.setThreads(1)
    }

    public var workers: Int { replicas.count }

    /// Logits [N, outputs] for images [N, C, H, W], one condition per image.
    public func run(_ x: Tensor, conditions: [Int]) -> Tensor {
        let n = x.shape[0], perImage = x.count / max(n, 1), outputs = spec.outputs
        let chunks = min(workers, n)
        if chunks <= 1 { return replicas[0].forward(x, conditions: conditions, context: ForwardContext(training: false)) }
        var result = Tensor(zeros: [n, outputs])
        let slots = UnsafeMutableBufferPointer<Float>.allocate(capacity: n * outputs)
        defer { slots.deallocate() }
        let base = UnsafeMutableSendable(slots.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: chunks) { worker in
            let start = n * worker / chunks, end = n * (worker + 1) / chunks
            guard start < end else { return }
            let part = Tensor(shape: [end - start] + Array(x.shape.dropFirst()), data: Array(x.data[(start * perImage)..<(end * perImage)]))
            let logits = replicas[worker].forward(part, conditions: Array(conditions[start..<end]), context: ForwardContext(training: false))
            logits.data.withUnsafeBufferPointer { src in
                (base.pointer + start * outputs).update(from: src.baseAddress!, count: src.count)
            }
        }
        result.data.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: slots.baseAddress!, count: n * outputs) }
        return result
    }
}

/// A raw pointer handed to workers that write disjoint ranges.
struct UnsafeMutableSendable: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
