import CaseStore
import Foundation

/// Imports files and folders on a background thread (`:import PATH`), one study per transaction as
/// `steato import` does; the status bar shows progress and the outcome.
public final class BackgroundImporter: @unchecked Sendable {
    public struct Progress: Sendable, Equatable {
        public var running = false
        public var done = 0
        public var total = 0
        public var summary: ImportSummary?
        public var rejections: [String] = []
        public var generation = 0
    }

    private let store: CaseStore
    private let lock = NSLock()
    private var state = Progress()
    private var stopRequested = false

    public init(store: CaseStore) { self.store = store }

    public var progress: Progress { lock.lock(); defer { lock.unlock() }; return state }

    /// Starts an import unless one is running; false when busy.
    @discardableResult
    public func start(paths: [String], frames: FrameSelection = .first) -> Bool {
        lock.lock()
        guard !state.running else { lock.unlock(); return false }
        state = Progress(running: true, generation: state.generation)
        stopRequested = false
        lock.unlock()
        let store = self.store
        let worker = Thread { [weak self] in
            let plan = ImportPlanner.plan(paths: paths)
            let importer = Importer(store: store)
            importer.frames = frames
            let summary = importer.run(plan, shouldStop: { [weak self] in
                guard let self else { return true }
                self.lock.lock(); defer { self.lock.unlock() }
                return self.stopRequested
            }, onEvent: { event in
                guard let self else { return }
                self.lock.lock()
                switch event {
                case let .rejected(r): self.state.rejections.append(r.description)
                case let .progress(done, total): self.state.done = done; self.state.total = total
                case .study: self.state.generation += 1
                }
                self.lock.unlock()
            })
            guard let self else { return }
            self.lock.lock()
            self.state.summary = summary
            self.state.running = false
            self.state.generation += 1
            self.lock.unlock()
        }
        worker.stackSize = 8 << 20
        worker.start()
        return true
    }

    /// Finishes the study being imported and stops (quitting).
    public func cancel(timeout: Double = 120) {
        lock.lock(); stopRequested = true; lock.unlock()
        wait(timeout: timeout)
    }

    public func wait(timeout: Double = 120) {
        let deadline = Date().addingTimeInterval(timeout)
        while progress.running && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }
}
