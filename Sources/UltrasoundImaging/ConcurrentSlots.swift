import Foundation

/// Results written by concurrent workers (DispatchQueue.concurrentPerform), one slot each, read in
/// order afterwards: how the simulator, training and scoring keep parallel work deterministic.
public final class ConcurrentSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    private var finished = 0

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Stores slot `i` (nil for "no result") and counts it as done.
    public func set(_ i: Int, _ value: T?) {
        lock.lock(); slots[i] = value; finished += 1; lock.unlock()
    }

    /// How many slots have been set so far.
    public var done: Int { lock.lock(); defer { lock.unlock() }; return finished }

    public subscript(i: Int) -> T? { lock.lock(); defer { lock.unlock() }; return slots[i] }

    public var values: [T?] { lock.lock(); defer { lock.unlock() }; return slots }
}
