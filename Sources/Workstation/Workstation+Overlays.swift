import CaseStore
import Foundation
import TerminalGraphics
import UltrasoundImaging

/// Help, the command line, the filter being typed and the review dialog: their keys and drawing.
extension Workstation {
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
            case .enter: overlay = nil; lastSearch = text.isEmpty ? lastSearch : text; if !worklist.totalIsExact { worklist.reload(store) }; return
            case .escape: if !text.isEmpty { lastSearch = text }; text = ""; overlay = nil
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
            case .enter:
                overlay = nil
                if !text.isEmpty && commandHistory.last != text { commandHistory.append(text) }
                if commandHistory.count > 100 { commandHistory.removeFirst() }
                run(command: text)
            case .escape: overlay = nil
            case .backspace: if text.isEmpty { overlay = nil } else { text.removeLast(); overlay = .command(text) }
            case .char(let c): text.append(c); overlay = .command(text)
            case .up, .down:
                // Earlier command lines, as in a shell.
                guard !commandHistory.isEmpty else { return }
                let last = commandHistory.count - 1
                let position = key == .up ? max(0, (historyPosition ?? commandHistory.count) - 1)
                                          : min(commandHistory.count, (historyPosition ?? commandHistory.count) + 1)
                historyPosition = position
                overlay = .command(position > last ? "" : commandHistory[position])
            case .tab:
                let completion = CommandCompletion.complete(text)
                overlay = .command(completion.text)
                if completion.choices.count > 1 { message = (completion.choices.prefix(8).joined(separator: "  "), false) }
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
                    message = ("study \(id) reviewed: \(review.decision.rawValue) \(Grade(rawValue: grade)?.name ?? "")", false)
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
    public func run(command: String) {
        let words = command.split(separator: " ").map(String.init)
        guard let verb = words.first else { return }
        let rest = words.dropFirst().joined(separator: " ")
        switch verb {
        case "q", "quit": wantsQuit = true
        case "help": overlay = .help(scroll: 0)
        case "score": perform(rest == "all" ? .scoreAll : .score)
        case "import":
            // `:import PATH [--frames all|first|every:N]`
            var target = rest, frames = FrameSelection.first
            if let range = rest.range(of: " --frames ") {
                guard let chosen = FrameSelection(String(rest[range.upperBound...]).trimmingCharacters(in: .whitespaces)) else {
                    message = ("--frames must be all, first or every:N", true); return
                }
                frames = chosen
                target = String(rest[..<range.lowerBound])
            }
            let path = (target as NSString).expandingTildeInPath
            guard !target.isEmpty else { message = ("usage: :import PATH [--frames all|first|every:N]", true); return }
            guard FileManager.default.fileExists(atPath: path) else { message = ("\(target): no such file or folder", true); return }
            if importer.start(paths: [path], frames: frames) { message = ("importing \(target) in the background", false) }
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
        case "listen":
            // `:listen [PORT]` starts the DICOM listener, `:listen off` stops it.
            if rest == "off" {
                listener.stop(); message = ("listener stopping", false); return
            }
            let port = rest.isEmpty ? (listenSettings.listenPort ?? 11112) : UInt16(rest) ?? 0
            guard port > 0 else { message = ("usage: :listen [PORT] | :listen off", true); return }
            let title = listenSettings.listenAETitle ?? "STEATOSCOPE"
            do {
                try listener.start(port: port, aeTitle: title, allowedCallers: listenSettings.allowedCallers ?? [])
                message = ("listening as \(title) on port \(port)", false)
            } catch { message = ("\(error)", true) }
        case "theme":
            do { theme = try ThemeLibrary.load(rest); message = ("theme \(theme.name)", false) }
            catch { message = ("\(error)", true) }
        default:
            message = ("unknown command ':\(verb)' (import, score, listen, filter, sort, theme, q)", true)
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
