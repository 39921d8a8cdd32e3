import CaseStore
import Casework
import DicomNetwork
import Foundation

/// `steato listen` inside the workstation: the storage SCP on a thread of its own; what it has
/// received shows on the status line and refreshes the worklist.
public final class BackgroundListener: @unchecked Sendable {
    public struct Progress: Sendable, Equatable {
        public var listening = false
        public var port: UInt16 = 0
        public var aeTitle = ""
        public var counts = ReceivedInstances.Counts()
        /// The last refusal or the reason listening ended, for the message line.
        public var lastProblem: String?
        public var generation = 0
    }

    private let store: CaseStore
    private let lock = NSLock()
    private var state = Progress()
    private var listener: DicomListener?
    private var thread: Thread?

    public init(store: CaseStore) { self.store = store }

    public var progress: Progress { lock.lock(); defer { lock.unlock() }; return state }

    /// Starts listening; an error names why it could not (the port in use, a bad title).
    public func start(port: UInt16, aeTitle: String, allowedCallers: [String]) throws {
        lock.lock(); defer { lock.unlock() }
        guard listener == nil else { throw DicomNetworkError("already listening on port \(state.port)") }
        let received = ReceivedInstances(store: store)
        let listener = try DicomListener(port: port, aeTitle: aeTitle, allowedCallers: allowedCallers, spool: received.spool) { [weak self] path, caller, sop in
            let outcome = received.receive(path: path)
            self?.update { p in
                p.counts = received.counts
                if case let .refused(reason) = outcome { p.lastProblem = "\(caller): instance \(sop) refused: \(reason)" }
                if case let .failed(reason) = outcome { p.lastProblem = "\(caller): instance \(sop) not stored: \(reason)" }
            }
            return DicomListener.Outcome(outcome)
        }
        self.listener = listener
        state = Progress(listening: true, port: port, aeTitle: aeTitle, generation: state.generation + 1)
        let thread = Thread { [weak self] in
            var problem: String?
            do { try listener.run() } catch { problem = "\(error)" }
            self?.finished(problem)
        }
        thread.name = "dicom-listener"
        self.thread = thread
        thread.start()
    }

    /// Stops after the associations in progress (the worklist keeps what arrived).
    public func stop() {
        lock.lock(); let listener = self.listener; lock.unlock()
        listener?.stop()
    }

    /// Stops and waits for the listener thread, at exit.
    public func stopAndWait() {
        stop()
        while progress.listening { usleep(50_000) }
    }

    private func finished(_ problem: String?) {
        update { p in
            p.listening = false
            if let problem { p.lastProblem = problem }
        }
        lock.lock(); listener = nil; thread = nil; lock.unlock()
    }

    private func update(_ change: (inout Progress) -> Void) {
        lock.lock(); defer { lock.unlock() }
        change(&state)
        state.generation += 1
    }
}

extension DicomListener.Outcome {
    /// What the sender hears for an import's outcome: a duplicate is safe with us too; an unreadable
    /// instance must not be sent again; a busy database may be tried again.
    public init(_ outcome: ReceivedInstances.Outcome) {
        switch outcome {
        case .stored, .duplicate: self = .stored
        case .refused: self = .cannotUnderstand
        case .failed: self = .outOfResources
        }
    }
}
