import CaseStore
import Foundation
import TerminalGraphics
import UltrasoundImaging

/// The workstation's state and behaviour, without a terminal: keys go in, a `TextGrid` comes out.
/// `TerminalSession` draws it with ncurses; tests and `steato bench tui` read it directly.
public final class Workstation {
    public let store: CaseStore
    public var theme: Theme
    public var graphics: GraphicsMode
    public private(set) var wantsQuit = false
    public let scorer: BackgroundScorer
    public let importer: BackgroundImporter

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
    private var seenGeneration = 0
    private var previews = PreviewCache()

    /// Forgets decoded previews (for timing the decode).
    public func clearPreviewCache() { previews = PreviewCache() }
    /// The image to draw with a pixel protocol (kitty / sixel) after the text is drawn, if any.
    public private(set) var pixelImage: (area: (x: Int, y: Int, columns: Int, rows: Int), key: String, rgb: [UInt8], width: Int, height: Int)?
    var lastSize = (width: 0, height: 0)

    public init(store: CaseStore, modelPath: String?, theme: Theme, graphics: GraphicsMode) {
        self.store = store
        self.theme = theme
        self.graphics = graphics
        scorer = BackgroundScorer(store: store, modelPath: modelPath)
        importer = BackgroundImporter(store: store)
        worklist.reload(store)
    }

    public func notice(_ text: String) { message = (text, false) }

    /// Before the process ends: the study being scored or imported is finished, the rest dropped.
    public func finishBackgroundWork() {
        importer.cancel()
        scorer.cancel()
    }

    var context: KeyContext { study == nil ? .worklist : .study }

    // MARK: keys

    public func handle(_ key: Key) {
        if key == .resize { return }
        if overlay != nil { handleOverlay(key); return }
        message = nil
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
        case .commandLine: overlay = .command("")
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
        case .tag(let raw):
            tag(&s, view: raw.flatMap(View.init(rawValue:)) ?? .other, suggested: false)
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
        s.detail.rois.first { $0.imageId == image.id && $0.kind == kind.rawValue }?.rect
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
                    guard let sv = s.detail.imageScores[id]?.viewSuggested, let v = View(rawValue: sv) else { continue }
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

    // MARK: overlays

    func handleOverlay(_ key: Key) {
        switch overlay {
        case .help(let scroll):
            switch key {
            case .down, .char("j"): overlay = .help(scroll: scroll + 1)
            case .up, .char("k"): overlay = .help(scroll: max(0, scroll - 1))
            default: overlay = nil
            }
        case .filter:
            var text = worklist.query.text ?? ""
            switch key {
            case .enter: overlay = nil; if !worklist.totalIsExact { worklist.reload(store) }; return
            case .escape: text = ""; overlay = nil
            case .backspace: if !text.isEmpty { text.removeLast() }
            case .char(let c): text.append(c)
            default: return
            }
            worklist.query.text = text.isEmpty ? nil : text
            worklist.cursor = 0; worklist.top = 0
            // While typing, the count stops at a bound; Enter counts exactly.
            worklist.reload(store, bounded: overlay != nil)
        case .command(var text):
            switch key {
            case .enter: overlay = nil; run(command: text)
            case .escape: overlay = nil
            case .backspace: if text.isEmpty { overlay = nil } else { text.removeLast(); overlay = .command(text) }
            case .char(let c): text.append(c); overlay = .command(text)
            default: break
            }
        case .review(var grade, var reason):
            switch key {
            case .escape: overlay = nil
            case .enter:
                overlay = nil
                guard let id = selectedStudyId else { return }
                do {
                    let review = try store.review(studyId: id, grade: grade, reason: reason)
                    message = ("study \(id) reviewed: \(review.decision) \(Grade(rawValue: grade)?.name ?? "")", false)
                    if study != nil { reloadStudy() } else { worklist.reload(store) }
                } catch { message = ("review not saved: \(error)", true) }
            case .backspace: if !reason.isEmpty { reason.removeLast() }; overlay = .review(grade: grade, reason: reason)
            case .left: grade = max(0, grade - 1); overlay = .review(grade: grade, reason: reason)
            case .right: grade = min(3, grade + 1); overlay = .review(grade: grade, reason: reason)
            case .char(let c):
                if reason.isEmpty, let g = c.wholeNumberValue, (0...3).contains(g) { grade = g } else { reason.append(c) }
                overlay = .review(grade: grade, reason: reason)
            default: break
            }
        case nil: break
        }
    }

    /// `:score [all]`, `:filter TEXT | grade>=N`, `:sort COLUMN`, `:theme NAME`, `:q`.
    func run(command: String) {
        let words = command.split(separator: " ").map(String.init)
        guard let verb = words.first else { return }
        let rest = words.dropFirst().joined(separator: " ")
        switch verb {
        case "q", "quit": wantsQuit = true
        case "help": overlay = .help(scroll: 0)
        case "score": perform(rest == "all" ? .scoreAll : .score)
        case "import":
            let path = (rest as NSString).expandingTildeInPath
            guard !rest.isEmpty else { message = ("usage: :import PATH (files, folders, manifest.csv, DICOM)", true); return }
            guard FileManager.default.fileExists(atPath: path) else { message = ("\(rest): no such file or folder", true); return }
            if importer.start(paths: [path]) { message = ("importing \(rest) in the background", false) }
            else { message = ("an import is already running", true) }
        case "filter":
            if rest.hasPrefix("grade>="), let g = Int(rest.dropFirst(7)), (0...3).contains(g) {
                worklist.query.minGrade = g
            } else if rest.isEmpty {
                worklist.query.minGrade = nil; worklist.query.text = nil
            } else {
                worklist.query.text = rest
            }
            study = nil
            worklist.cursor = 0; worklist.top = 0
            worklist.reload(store)
        case "sort":
            guard let sort = WorklistSort(rawValue: rest) else {
                message = ("sort by: " + WorklistSort.allCases.map(\.rawValue).joined(separator: ", "), true); return
            }
            worklist.query.sort = sort
            worklist.reload(store)
        case "theme":
            do { theme = try ThemeLibrary.load(rest); message = ("theme \(theme.name)", false) }
            catch { message = ("\(error)", true) }
        default:
            message = ("unknown command ':\(verb)' (import, score, filter, sort, theme, q)", true)
        }
    }

    // MARK: hepatorenal index

    func handleHRI(_ key: Key) {
        guard var s = study, var draft = s.hri, let image = s.selected else { return }
        let step = max(2, image.width / 80)
        switch key {
        case .left, .char("h"): draft.move(dx: -step, dy: 0, grow: 0, width: image.width, height: image.height)
        case .right, .char("l"): draft.move(dx: step, dy: 0, grow: 0, width: image.width, height: image.height)
        case .up, .char("k"): draft.move(dx: 0, dy: -step, grow: 0, width: image.width, height: image.height)
        case .down, .char("j"): draft.move(dx: 0, dy: step, grow: 0, width: image.width, height: image.height)
        case .char("+"): draft.move(dx: 0, dy: 0, grow: step, width: image.width, height: image.height)
        case .char("-"): draft.move(dx: 0, dy: 0, grow: -step, width: image.width, height: image.height)
        case .tab: draft.active = draft.active == .liver ? .kidney : .liver
        case .escape: s.hri = nil; study = s; message = ("boxes not stored", false); return
        case .enter:
            do {
                try store.saveROI(imageId: image.id!, kind: .liver, rect: draft.liver)
                try store.saveROI(imageId: image.id!, kind: .kidney, rect: draft.kidney)
                s.hri = nil
                s.detail = try store.detail(studyId: s.studyId)
                study = s
                message = (String(format: "liver and kidney boxes stored; hepatorenal index %.2f", draft.ratio ?? 0), false)
            } catch { message = ("boxes not stored: \(error)", true) }
            return
        default: return
        }
        s.hri = draft
        measureHRI(&s)
        study = s
    }

    func measureHRI(_ s: inout StudyScreen) {
        guard var draft = s.hri, let image = s.selected,
              let picture = previews.picture(store: store, image: image, frame: image.frameNumber, boxes: []) else { return }
        draft.measure(grey: picture.grey, width: picture.width)
        s.hri = draft
    }

    // MARK: background work

    /// Picks up finished background scoring; true when the screen must be redrawn.
    public func poll() -> Bool {
        let imports = importer.progress
        var changed = false
        if imports.generation != seenImportGeneration {
            seenImportGeneration = imports.generation
            let cursor = worklist.cursor
            worklist.reload(store)
            worklist.cursor = cursor
            if !imports.running, let summary = imports.summary {
                let first = imports.rejections.first.map { " — first: \($0)" } ?? ""
                message = ("import finished: \(summary.imported) images in \(summary.studiesImported) studies, \(summary.duplicates) duplicates, \(summary.rejected) rejected\(first)",
                           summary.rejected > 0)
            }
            changed = true
        }
        if imports.running { changed = true }
        return pollScoring() || changed
    }

    private var seenImportGeneration = 0

    func pollScoring() -> Bool {
        let p = scorer.progress
        guard p.generation != seenGeneration else { return p.running }
        seenGeneration = p.generation
        if study != nil { reloadStudy() }
        let cursor = worklist.cursor
        worklist.reload(store)
        worklist.cursor = cursor
        if !p.running {
            message = p.failed > 0 ? ("scoring finished: \(p.done) scored, \(p.failed) failed (\(p.lastError ?? ""))", true)
                                   : ("scoring finished: \(p.done) stud\(p.done == 1 ? "y" : "ies") scored", false)
        }
        return true
    }

    // MARK: drawing

    public func render(width: Int, height: Int) -> TextGrid {
        lastSize = (width, height)
        var grid = TextGrid(width: width, height: height)
        pixelImage = nil
        guard width >= 40, height >= 10 else {
            grid.put("Too small: need 40×10", x: 0, y: 0, role: .warning)
            grid.put("now \(width)×\(height)", x: 0, y: 1, role: .warning)
            return grid
        }
        if var s = study {
            let area = previewArea(for: s, width: width, height: height)
            s.render(into: &grid, preview: area)
            drawPreview(s, area: area, into: &grid)
            study = s
        } else {
            worklist.render(into: &grid, store: store, filtering: { if case .filter = overlay { return true }; return false }())
        }
        renderStatus(into: &grid)
        switch overlay {
        case .help(let scroll): renderHelp(into: &grid, scroll: scroll); pixelImage = nil
        case .review(let grade, let reason): renderReview(into: &grid, grade: grade, reason: reason); pixelImage = nil
        default: break
        }
        // A pixel image would cover an overlay: it is cleared while one is open and drawn again after.
        return grid
    }

    func previewArea(for s: StudyScreen, width: Int, height: Int) -> PreviewArea {
        if s.large { return PreviewArea(x: 1, y: s.hri == nil ? 3 : 4, columns: width - 2, rows: height - (s.hri == nil ? 4 : 5)) }
        let left = min(4 * 23, width / 2)
        return PreviewArea(x: left + 1, y: 4, columns: width - left - 2, rows: height - 6)
    }

    func drawPreview(_ s: StudyScreen, area: PreviewArea, into grid: inout TextGrid) {
        guard let image = s.selected, area.columns >= 8, area.rows >= 4 else { return }
        var boxes: [(Rect, (UInt8, UInt8, UInt8))] = []
        if let hri = s.hri {
            boxes = [(hri.liver, hri.active == .liver ? (60, 255, 60) : (30, 140, 30)),
                     (hri.kidney, hri.active == .kidney ? (255, 220, 40) : (150, 130, 20))]
        } else {
            for roi in s.detail.rois where roi.imageId == image.id {
                boxes.append((roi.rect, roi.kind == "liver" ? (30, 160, 30) : (170, 150, 20)))
            }
        }
        let frame = image.frameNumber + s.frameOffset
        guard let picture = previews.picture(store: store, image: image, frame: frame, boxes: boxes) else {
            grid.put("cannot decode this image", x: area.x, y: area.y, role: .warning)
            return
        }
        let key = "\(image.sha256)/\(frame)/\(boxes.map { "\($0.0)" }.joined())"
        if graphics == .kitty || graphics == .sixel {
            let (cols, rows) = CellImage.fit(width: picture.width, height: picture.height, columns: area.columns, rows: area.rows)
            pixelImage = ((area.x, area.y, cols, rows), key, picture.rgb, picture.width, picture.height)
            return
        }
        guard let cells = previews.cells(picture, key: key, columns: area.columns, rows: area.rows, mode: graphics) else { return }
        for y in 0..<cells.rows {
            for x in 0..<cells.columns {
                let c = cells[x, y]
                var cell = TextGrid.Cell(character: c.character, role: .normal)
                if graphics == .text { cell.colours = (c.foreground, c.background) }
                grid[area.x + x, area.y + y] = cell
            }
        }
    }

    func renderStatus(into grid: inout TextGrid) {
        let y = grid.height - 1
        grid.fill(y: y, role: .status)
        var left: String
        if case .command(let text) = overlay {
            left = ":" + text + "▏"
        } else if let s = study {
            let position = s.selected.map { image in "image \(image.id!)" } ?? "no images"
            left = "\(s.detail.patient.patientKey)/\(s.detail.study.studyKey) · \(position)"
            if !s.marked.isEmpty { left += " · \(s.marked.count) marked" }
        } else {
            left = worklist.statusLine
        }
        let p = scorer.progress
        if p.running { left += " · scoring \(p.done + p.failed + 1)/\(p.total)…" }
        let i = importer.progress
        if i.running { left += " · importing \(i.done)/\(max(i.total, i.done)) images…" }
        grid.put(" " + left, x: 0, y: y, role: .status)
        let hints = study == nil ? "Enter open  / filter  o sort  t triage  s score  ? help  q quit"
                                 : "1 2 3 0 tag  a accept  Space mark  s score  r review  Enter image  ? help  Esc back"
        if left.count + hints.count + 4 < grid.width { grid.put(hints, x: grid.width - hints.count - 1, y: y, role: .status) }
        if let message, case .none = overlay {
            grid.fill(y: y - 1, role: .normal)
            grid.put(" " + message.text, x: 0, y: y - 1, role: message.warning ? .warning : .accent)
        }
    }

    func renderHelp(into grid: inout TextGrid, scroll: Int) {
        var lines: [(String, Role)] = [("Keys", .title)]
        for context in KeyContext.allCases {
            lines.append(("", .normal))
            lines.append((context.rawValue, .title))
            for b in KeyTable.bindings where b.context == context {
                lines.append(("  " + fitted(b.label, 9) + b.help, .normal))
            }
        }
        lines += [("", .normal), ("Review: 0–3 or ← → choose the grade, type a reason, Enter saves, Esc cancels.", .dim),
                  ("Hepatorenal index (H): arrows move a box, + - resize, Tab switches liver/kidney, Enter stores.", .dim),
                  ("Any other key closes this help.", .dim)]
        let width = min(grid.width - 4, 96), height = min(grid.height - 2, lines.count + 2)
        let x0 = (grid.width - width) / 2, y0 = 1
        for y in y0..<(y0 + height) { grid.fill(y: y, from: x0, to: x0 + width, role: .normal) }
        let shown = lines.dropFirst(min(scroll, max(0, lines.count - (height - 2))))
        for (i, line) in shown.prefix(height - 2).enumerated() {
            grid.put(line.0, x: x0 + 2, y: y0 + 1 + i, role: line.1, limit: width - 4)
        }
    }

    func renderReview(into grid: inout TextGrid, grade: Int, reason: String) {
        let width = min(grid.width - 4, 72), x0 = (grid.width - width) / 2, y0 = grid.height / 2 - 3
        for y in y0..<(y0 + 6) { grid.fill(y: y, from: x0, to: x0 + width, role: .normal) }
        grid.put("Review study \(selectedStudyId ?? 0)", x: x0 + 2, y: y0 + 1, role: .title)
        var x = grid.put("Grade: ", x: x0 + 2, y: y0 + 2)
        for g in 0...3 {
            x = grid.put(" \(g) \(Grade(rawValue: g)!.name) ", x: x, y: y0 + 2, role: g == grade ? .selected : .grade(g))
        }
        grid.put("Reason: " + reason + "▏", x: x0 + 2, y: y0 + 3, limit: width - 4)
        grid.put("0–3 or ← → grade · type a reason · Enter save · Esc cancel", x: x0 + 2, y: y0 + 4, role: .dim)
    }
}
