import Foundation

/// Splits a layer's channels between the cores when the tensor is large enough to pay for it (training
/// batches; never a single inference image): the C kernels then run on disjoint channel ranges, which
/// write disjoint memory.
enum ChannelChunks {
    /// Below this many values a layer runs on the calling thread.
    static let minimumValues = 1 << 17
    nonisolated(unsafe) static var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// How many parts a layer of `values` values over `channels` channels (or images) is split into.
    static func count(channels: Int, values: Int) -> Int {
        values >= minimumValues ? max(1, min(workers, channels)) : 1
    }

    static func run(channels: Int, values: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let chunks = count(channels: channels, values: values)
        if chunks <= 1 { body(0..<channels); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            body((channels * k / chunks)..<(channels * (k + 1) / chunks))
        }
    }
}

/// How many threads training's layers use: the model core splits each large layer between them
/// itself, so BLAS runs single-threaded (OpenBLAS's own threads would spin against these).
public enum Parallelism {
    public static func use(threads: Int) {
        ChannelChunks.workers = max(1, threads)
        BLAS.setThreads(1)
    }
}

/// A pointer handed to workers that touch disjoint parts of what it points to.
struct SharedPointer<T>: @unchecked Sendable {
    let raw: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { raw = pointer }
    init(_ pointer: UnsafePointer<T>) { raw = UnsafeMutablePointer(mutating: pointer) }
}

/// One result per worker, read in order after the workers finish (ModelCore's own; the app's
/// `ConcurrentSlots` lives in UltrasoundImaging, which ModelCore does not depend on).
final class ConcurrentResults<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: T) { lock.lock(); slots[i] = value; lock.unlock() }
    subscript(i: Int) -> T { lock.lock(); defer { lock.unlock() }; return slots[i]! }
}
