import CaseStore
import Casework
import Foundation
import Scoring

/// Scores studies on a background thread, one at a time, so the interface stays responsive; the
/// main loop reads `progress` and reloads what changed. The model is loaded on first use.
public final class BackgroundScorer: @unchecked Sendable {
    public struct Progress: Sendable, Equatable {
        public var done = 0
        public var total = 0
        public var failed = 0
        public var current: Int64?
        public var lastError: String?
        /// Increments with every study written, so the screen knows to reload.
        public var generation = 0
        public var running: Bool { done + failed < total }
    }

    private let store: CaseStore
    private let modelPath: String?
    private let lock = NSLock()
    private var queue: [Int64] = []
    private var state = Progress()
    private var model: SteatosisModel?
    private var thread: Thread?

    public init(store: CaseStore, modelPath: String?) {
        self.store = store
        self.modelPath = modelPath
    }

    public var progress: Progress { lock.lock(); defer { lock.unlock() }; return state }

    /// Adds studies (those already queued are skipped) and starts the worker if idle.
    public func enqueue(_ ids: [Int64]) {
        lock.lock()
        let fresh = ids.filter { !queue.contains($0) && $0 != state.current }
        if !state.running { state.done = 0; state.total = 0; state.failed = 0 }
        queue += fresh
        state.total += fresh.count
        let start = thread == nil && !queue.isEmpty
        if start {
            let worker = Thread { [weak self] in self?.work() }
            worker.stackSize = 8 << 20
            thread = worker
            worker.start()
        }
        lock.unlock()
    }

    private func work() {
        while true {
            lock.lock()
            guard !queue.isEmpty else { thread = nil; state.current = nil; lock.unlock(); return }
            let id = queue.removeFirst()
            state.current = id
            lock.unlock()
            var failure: String?
            do {
                if model == nil {
                    guard let modelPath else { throw ModelLocator.NoModel() }
                    model = try SteatosisModel(path: modelPath)
                }
                _ = try StudyScoring.score(studyId: id, store: store, model: model!)
            } catch { failure = "\(error)" }
            lock.lock()
            if let failure { state.failed += 1; state.lastError = "study \(id): \(failure)" } else { state.done += 1 }
            state.generation += 1
            lock.unlock()
        }
    }

    /// Drops the studies not yet started and waits for the one being scored (quitting: its write is
    /// one transaction either way, but the process must not end under a running thread).
    public func cancel(timeout: Double = 60) {
        lock.lock()
        state.total -= queue.count
        queue.removeAll()
        lock.unlock()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock(); let busy = thread != nil; lock.unlock()
            if !busy { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Waits until the queue is empty (tests, and quitting cleanly mid-write).
    public func wait(timeout: Double = 120) {
        let deadline = Date().addingTimeInterval(timeout)
        while progress.running && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }
}
