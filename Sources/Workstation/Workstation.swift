import CaseStore
import Casework
import Foundation
import TerminalGraphics
import UltrasoundImaging

/// The workstation's state and behaviour, without a terminal: keys go in, a `TextGrid` comes out.
/// `TerminalSession` draws it with ncurses; tests and `steato bench tui` read it directly.
public final class Workstation {
    public let store: CaseStore
    public var theme: Theme
    public var graphics: GraphicsMode
    public internal(set) var wantsQuit = false
    public let scorer: BackgroundScorer
    public let importer: BackgroundImporter
    /// The DICOM listener (`:listen`, `steato --listen`): studies arriving from scanners and PACS.
    public let listener: BackgroundListener
    var seenListenerGeneration = 0
    var seenListenerCounts = ReceivedInstances.Counts()
    /// Where `:listen` listens: the config file's port, AE title and allowed calling titles.
    public var listenSettings = UserSettings()

    enum Overlay {
        case help(scroll: Int)
        case command(String)
        case filter
        case review(grade: Int, reason: String)
    }

    var worklist = WorklistScreen()
    var study: StudyScreen?
    var overlay: Overlay?
    var message: (text: String, warning: Bool)?
    var seenGeneration = 0
    var seenImportGeneration = 0
    var previews = PreviewCache()
    /// The last text searched with / (kept when Esc clears the filter), for n and N.
    var lastSearch: String?
    /// Earlier command lines, newest last, and where Up / Down are in them while typing one.
    var commandHistory: [String] = []
    var historyPosition: Int?

    /// Something only the terminal can do, asked for by a key: the session does it and clears this.
    public enum TerminalRequest: Sendable { case redraw, suspend }
    public var terminalRequest: TerminalRequest?

    /// Forgets decoded previews (for timing the decode).
    public func clearPreviewCache() { previews = PreviewCache() }
    /// The image to draw with a pixel protocol (kitty / sixel) after the text is drawn, if any.
    public internal(set) var pixelImage: PixelImageRequest?
    /// One character cell in pixels: pixel images are sized with it, text-cell images keep their aspect with it.
    public var cell = CellGeometry.assumed
    /// The largest sixel the terminal draws (XTSMGRAPHICS); xterm's default when it does not say.
    public var sixelLimit = PixelSize(width: 1000, height: 1000)
    var lastSize = (width: 0, height: 0)

    public init(store: CaseStore, modelPath: String?, theme: Theme, graphics: GraphicsMode) {
        self.store = store
        self.theme = theme
        self.graphics = graphics
        scorer = BackgroundScorer(store: store, modelPath: modelPath)
        importer = BackgroundImporter(store: store)
        listener = BackgroundListener(store: store)
        worklist.reload(store)
        if store.isReadOnly { message = ("read-only database: browsing only; tags, reviews, scores and imports are refused", true) }
    }

    public func notice(_ text: String) { message = (text, false) }

    /// A pixel image to draw after the text: where (cells), what (a key for "has it changed"), and
    /// its exact size in pixels.
    public struct PixelImageRequest: Equatable {
        public var x: Int, y: Int
        public var placement: PixelPlacement
        public var key: String
        public var rgb: [UInt8]
        public var width: Int, height: Int
        /// What is drawn where: a new identity means the old image must go first.
        public var identity: String { "\(key)@\(x),\(y) \(placement.pixelWidth)x\(placement.pixelHeight)" }
    }

    /// Before the process ends: the study being scored or imported is finished, the rest dropped.
    public func finishBackgroundWork() {
        listener.stopAndWait()
        importer.cancel()
        scorer.cancel()
    }

    var context: KeyContext { study == nil ? .worklist : .study }

    // MARK: keys

    public func handle(_ key: Key) {
        if key == .resize { return }
        if overlay != nil { handleOverlay(key); return }
        message = nil
        switch key {
        case .click(let x, let y): click(x: x, y: y); return
        case .wheelUp: perform(.up); perform(.up); perform(.up); return
        case .wheelDown: perform(.down); perform(.down); perform(.down); return
        default: break
        }
        if study?.hri != nil { handleHRI(key); return }
        guard let action = KeyTable.action(for: key, in: context) else {
            if case let .char(c) = key { message = ("no key '\(c)' here: ? shows the keys", true) }
            return
        }
        perform(action)
    }

    func perform(_ action: Action) {
        let visible = max(1, lastSize.height - 3)
        switch action {
        case .help: overlay = .help(scroll: 0)
        case .commandLine: overlay = .command(""); historyPosition = nil
        case .redraw: terminalRequest = .redraw
        case .suspend: terminalRequest = .suspend
        case .nextMatch, .previousMatch: findMatch(forward: action == .nextMatch)
        case .quit: wantsQuit = true
        case .back:
            if var s = study, s.large { s.large = false; s.frameOffset = 0; study = s }
            else if study != nil { study = nil; worklist.reload(store) }
            else { wantsQuit = true }
        case .scoreAll:
            let ids = (try? store.studyIds(unscoredOnly: true)) ?? []
            scorer.enqueue(ids)
            message = (ids.isEmpty ? "every study is scored" : "scoring \(ids.count) stud\(ids.count == 1 ? "y" : "ies") in the background", false)
        case .score:
            if let id = study?.studyId ?? worklist.row(worklist.cursor, store)?.studyId {
                scorer.enqueue([id])
                message = ("scoring study \(id) in the background", false)
            }
        case .review:
            let grade = study?.detail.study.grade ?? worklist.row(worklist.cursor, store)?.grade
            guard selectedStudyId != nil else { return }
            overlay = .review(grade: grade ?? 0, reason: "")
        default:
            if study != nil { performStudy(action) } else { performWorklist(action, visible: visible) }
        }
    }

    var selectedStudyId: Int64? { study?.studyId ?? worklist.row(worklist.cursor, store)?.studyId }

    func performWorklist(_ action: Action, visible: Int) {
        switch action {
        case .down: worklist.move(to: worklist.cursor + 1, visible: visible)
        case .up: worklist.move(to: worklist.cursor - 1, visible: visible)
        case .pageDown: worklist.move(to: worklist.cursor + visible / 2, visible: visible)
        case .pageUp: worklist.move(to: worklist.cursor - visible / 2, visible: visible)
        case .top: worklist.move(to: 0, visible: visible)
        case .bottom: worklist.move(to: worklist.total - 1, visible: visible)
        case .open:
            guard let row = worklist.row(worklist.cursor, store) else { return }
            openStudy(row.studyId)
        case .filter: overlay = .filter
        case .sortNext:
            let order = WorklistScreen.sortOrder
            worklist.query.sort = order[((order.firstIndex(of: worklist.query.sort) ?? 0) + 1) % order.count]
            worklist.query.descending = false
            worklist.reload(store)
        case .sortReverse:
            worklist.query.descending.toggle()
            worklist.reload(store)
        case .triage:
            worklist.query.sort = .triage
            worklist.query.descending = false
            worklist.reload(store)
        default: break
        }
    }

    func openStudy(_ id: Int64) {
        guard let detail = try? store.detail(studyId: id) else { message = ("study \(id) is gone", true); return }
        study = StudyScreen(studyId: id, detail: detail)
    }

    func reloadStudy() {
        guard var s = study, let detail = try? store.detail(studyId: s.studyId) else { return }
        let selected = s.selected?.id
        s.detail = detail
        if let selected { s.select(imageId: selected) } else { s.clamp() }
        study = s
    }

    func performStudy(_ action: Action) {
        guard var s = study else { return }
        defer { if study != nil { study = s } }
        switch action {
        case .down: s.rowInColumn += 1; s.clamp(); s.frameOffset = 0
        case .up: s.rowInColumn -= 1; s.clamp(); s.frameOffset = 0
        case .left: s.moveColumn(-1)
        case .right: s.moveColumn(1)
        case .top: s.rowInColumn = 0; s.frameOffset = 0
        case .bottom: s.rowInColumn = Int.max / 2; s.clamp(); s.frameOffset = 0
        case .pageDown: s.rowInColumn += 5; s.clamp()
        case .pageUp: s.rowInColumn -= 5; s.clamp()
        case .open: if s.selected != nil { s.large = true }
        case .mark:
            guard let id = s.selected?.id else { return }
            if s.marked.contains(id) { s.marked.remove(id) } else { s.marked.insert(id) }
            s.rowInColumn += 1; s.clamp()
        case .tag(let view):
            tag(&s, view: view, suggested: false)
        case .acceptSuggestion:
            tag(&s, view: nil, suggested: true)
        case .undo:
            guard let last = s.undo.popLast() else { message = ("nothing to undo", true); return }
            do {
                for (id, view) in last { try store.tag(imageIds: [id], view: view) }
                let keep = s.selected?.id
                s.detail = try store.detail(studyId: s.studyId)
                if let keep { s.select(imageId: keep) }
                message = ("undone: \(last.count) image\(last.count == 1 ? "" : "s") restored", false)
            } catch { message = ("undo failed: \(error)", true) }
        case .nextFrame, .previousFrame:
            guard let image = s.selected else { return }
            guard image.frameCount > 1 else { message = ("this image has a single frame", true); return }
            let step = action == .nextFrame ? 1 : -1
            let frame = (image.frameNumber + s.frameOffset + step + image.frameCount) % image.frameCount
            s.frameOffset = frame - image.frameNumber
        case .hepatorenal:
            guard let image = s.selected else { return }
            s.large = true
            let liver = detail(roi: .liver, of: image, in: s) ?? Rect(x: image.width * 2 / 5, y: image.height / 2, width: image.width / 12, height: image.width / 12)
            let kidney = detail(roi: .kidney, of: image, in: s) ?? Rect(x: image.width / 2, y: image.height * 3 / 5, width: image.width / 12, height: image.width / 12)
            s.hri = HRIDraft(liver: liver, kidney: kidney)
            measureHRI(&s)
        default: break
        }
    }

    func detail(roi kind: ROI.Kind, of image: ImageRecord, in s: StudyScreen) -> Rect? {
        s.detail.rois.first { $0.imageId == image.id && $0.kind == kind }?.rect
    }

    /// Tags the marked images (or the selected one) with a view, or each with its suggested view.
    func tag(_ s: inout StudyScreen, view: View?, suggested: Bool) {
        let targets = s.marked.isEmpty ? [s.selected?.id].compactMap { $0 } : Array(s.marked)
        guard !targets.isEmpty else { return }
        let keep = s.selected?.id
        do {
            var previous: [Int64: View?] = [:]
            if suggested {
                for id in targets {
                    guard let v = s.detail.imageScores[id]?.viewSuggested else { continue }
                    previous.merge(try store.tag(imageIds: [id], view: v)) { a, _ in a }
                }
                if previous.isEmpty { message = ("no suggestion yet: score the study first (s)", true); return }
            } else {
                previous = try store.tag(imageIds: targets, view: view)
            }
            s.undo.append(previous)
            s.marked.removeAll()
            s.detail = try store.detail(studyId: s.studyId)
            if let keep { s.select(imageId: keep) }
            let what = suggested ? "their suggested views" : (view?.rawValue ?? "other")
            message = ("tagged \(previous.count) image\(previous.count == 1 ? "" : "s") \(what) (u undoes)", false)
        } catch { message = ("tagging failed: \(error)", true) }
    }
}
