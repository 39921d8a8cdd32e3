@preconcurrency import CNcursesw
import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import TerminalGraphics

/// Set by signal handlers; the loop ends cleanly (curses closed, no write half done) when it is.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// Runs a `Workstation` in the terminal with ncurses: draws its grid (colour pairs from the theme,
/// 256-colour pairs for image cells), turns keys into `Key`s, polls background scoring every
/// 100 ms, and draws kitty / sixel images after the text. Ctrl-C, SIGTERM and a lost connection
/// (SIGHUP) end the loop and restore the terminal; a crash signal restores it before dying.
public final class TerminalSession {
    let workstation: Workstation
    private var pairs: [Int: Int16] = [:]      // (fg+1)·257+(bg+1) → pair, for image cells
    private var nextPair: Int16 = 64
    private var themePairs: [Role: (pair: Int16, attrs: Int32)] = [:]
    private var colour = false
    /// The pixel image on the screen now, if any.
    private var drawnPixels: Workstation.PixelImageRequest?
    /// Images go through tmux's passthrough to the terminal outside.
    private let passthrough: Bool
    /// The cell size the terminal reported in the probe, when the kernel does not know it.
    private let reportedCell: CellGeometry?

    public init(workstation: Workstation, capabilities: TerminalCapabilities = TerminalCapabilities()) {
        self.workstation = workstation
        passthrough = capabilities.insideTmux && capabilities.tmuxPassthrough
        reportedCell = capabilities.reportedCell
        if let limit = capabilities.sixelLimit { workstation.sixelLimit = limit }
    }

    /// The cell size now: the kernel's (it follows font changes and resizes), else the terminal's reply, else assumed.
    private func measureCell() {
        workstation.cell = CellGeometry.fromKernel() ?? reportedCell ?? .assumed
    }

    public func run() {
        setlocale(LC_ALL, "")
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
        signal(SIGHUP) { _ in stopRequested = 1 }
        for crash in [SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGTRAP] {
            signal(crash) { sig in endwin(); signal(sig, SIG_DFL); raise(sig) }
        }
        setenv("ESCDELAY", "25", 1)
        initscr()
        raw()              // Ctrl-C arrives as a key, handled like a signal: quit cleanly
        noecho()
        keypad(stdscr, true)
        steato_mouse_on()
        curs_set(0)
        timeout(100)
        colour = has_colors() && !workstation.theme.monochrome
        if colour { start_color(); use_default_colors() }
        // Image cells need the 256-colour palette; with fewer colours they are drawn in ASCII shades.
        if workstation.graphics == .text && (!colour || COLORS < 256) { workstation.graphics = .ascii }
        applyTheme()
        measureCell()
        var themeName = workstation.theme.name
        var needsDraw = true
        while stopRequested == 0 && !workstation.wantsQuit {
            if needsDraw { draw(); needsDraw = false }
            var ch: wint_t = 0
            let status = wget_wch(stdscr, &ch)
            if status == ERR {
                needsDraw = workstation.poll()
                continue
            }
            guard let key = decode(ch, function: status == KEY_CODE_YES) else { continue }
            if key == .ctrl("c") { break }
            if key == .resize {
                // Everything is redrawn: text, and any image at its new size.
                measureCell()
                forgetPixels()
                clearok(stdscr, true)
            }
            workstation.handle(key)
            switch workstation.terminalRequest {
            case .redraw?: measureCell(); forgetPixels(); clearok(stdscr, true)
            case .suspend?: suspend()
            case nil: break
            }
            workstation.terminalRequest = nil
            if workstation.theme.name != themeName { themeName = workstation.theme.name; applyTheme() }
            needsDraw = true
        }
        // No image outlives the program: kitty's are deleted, sixel pixels go with the cleared screen.
        forgetPixels()
        clear()
        refresh()
        endwin()
        // The terminal is back; now let a running score or import finish its study (one transaction).
        if workstation.scorer.progress.running || workstation.importer.progress.running {
            print("steato: finishing the study in progress…")
        }
        workstation.finishBackgroundWork()
    }

    private func applyTheme() {
        themePairs = [:]
        colour = has_colors() && !workstation.theme.monochrome
        // The theme's styles for this terminal's colours: its own 8 / 16-colour choices or the nearest
        // basic colours, attributes alone without colour (so the selection always shows).
        let available = colour ? Int(COLORS) : 0
        for (n, role) in Role.allCases.enumerated() {
            let style = workstation.theme.style(role, colours: available)
            var attrs: Int32 = 0
            if style.bold { attrs |= steato_attr_bold() }
            if style.reverse { attrs |= steato_attr_reverse() }
            if style.underline { attrs |= steato_attr_underline() }
            if style.dim { attrs |= steato_attr_dim() }
            var pair: Int16 = 0
            if colour {
                pair = Int16(n + 1)
                init_pair(pair, Int16(min(style.foreground, Int(COLORS) - 1)), Int16(min(style.background, Int(COLORS) - 1)))
            }
            themePairs[role] = (pair, attrs)
        }
        pairs = [:]
        nextPair = 64
        clearok(stdscr, true)
    }

    private func pair(foreground: Int, background: Int) -> Int16 {
        let key = (foreground + 1) * 257 + background + 1
        if let p = pairs[key] { return p }
        if Int(nextPair) >= min(Int(COLOR_PAIRS), 32767) - 1 { pairs = [:]; nextPair = 64 }
        let p = nextPair
        nextPair += 1
        init_pair(p, Int16(foreground), Int16(background))
        pairs[key] = p
        return p
    }

    private func draw() {
        var h: Int32 = 0, w: Int32 = 0
        steato_getmaxyx(stdscr, &h, &w)
        let grid = workstation.render(width: Int(w), height: Int(h))
        for y in 0..<grid.height {
            var x = 0
            while x < grid.width {
                // A run of cells drawn the same way.
                let first = grid[x, y]
                var run = first.isContinuation ? "" : String(first.character)
                var end = x + 1
                while end < grid.width, grid[end, y].role == first.role,
                      grid[end, y].colours?.0 == first.colours?.0, grid[end, y].colours?.1 == first.colours?.1 {
                    // The right half of a wide character: the terminal fills it from the character before.
                    if !grid[end, y].isContinuation { run.append(grid[end, y].character) }
                    end += 1
                }
                if let c = first.colours, colour {
                    attr_set(0, pair(foreground: c.0, background: c.1), nil)
                } else {
                    let style = themePairs[first.role] ?? (0, 0)
                    attr_set(attr_t(style.attrs), style.pair, nil)
                }
                // The last cell of the screen cannot be written without scrolling: stop one short.
                if y == grid.height - 1 && end == grid.width && !run.isEmpty { run.removeLast() }
                var wide = run.unicodeScalars.map { wchar_t(bitPattern: $0.value) } + [0]
                mvaddwstr(Int32(y), Int32(x), &wide)
                x = end
            }
        }
        attr_set(0, 0, nil)
        // An image that is no longer wanted (an overlay, another screen, another size or place) goes in
        // this same frame: kitty's placement is deleted, and the text rows under a sixel are marked
        // for rewriting, which erases its pixels when curses refreshes below.
        let wanted = (workstation.graphics == .kitty || workstation.graphics == .sixel) ? workstation.pixelImage : nil
        if let old = drawnPixels, old.identity != wanted?.identity {
            if workstation.graphics == .sixel {
                wredrawln(stdscr, Int32(old.y), Int32(min(old.placement.rows, grid.height - old.y)))
            }
            forgetPixels()
        }
        refresh()
        if let wanted, drawnPixels == nil { drawPixels(wanted) }
    }

    /// Ctrl-Z: the terminal as it was, the process stopped as the shell's job control expects; `fg`
    /// comes back here and the screen is drawn whole (the cell size may have changed meanwhile).
    private func suspend() {
        forgetPixels()
        clear(); refresh()
        endwin()
        signal(SIGTSTP, SIG_DFL)
        raise(SIGTSTP)
        // Continued.
        refresh()
        measureCell()
        clearok(stdscr, true)
    }

    /// Kitty: deletes every placement. Both: nothing is on the screen any more.
    private func forgetPixels() {
        if drawnPixels != nil && workstation.graphics == .kitty { emit(PixelProtocol.kittyClear) }
        drawnPixels = nil
        fflush(stdout)
    }

    /// Kitty / sixel, written straight to the terminal after curses has drawn the text.
    private func drawPixels(_ image: Workstation.PixelImageRequest) {
        guard let sequence = PixelProtocol.sequence(rgb: image.rgb, width: image.width, height: image.height,
                                                    placement: image.placement, cell: workstation.cell, mode: workstation.graphics) else { return }
        // The cursor is moved by tmux (it keeps its own), the image goes through to the terminal outside.
        print("\u{1B}[\(image.y + 1);\(image.x + 1)H", terminator: "")
        emit(sequence)
        fflush(stdout)
        drawnPixels = image
    }

    private func emit(_ sequence: String) {
        print(passthrough ? TmuxClient.wrap(sequence) : sequence, terminator: "")
    }

    private func decode(_ ch: wint_t, function: Bool) -> Key? {
        if function {
            switch Int32(ch) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_NPAGE: return .pageDown
            case KEY_PPAGE: return .pageUp
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case KEY_RESIZE: return .resize
            case KEY_MOUSE:
                var x: Int32 = 0, y: Int32 = 0
                switch steato_mouse_event(&x, &y) {
                case 1: return .click(x: Int(x), y: Int(y))
                case 4: return .wheelUp
                case 5: return .wheelDown
                default: return nil
                }
            default: return nil
            }
        }
        switch ch {
        case 10, 13: return .enter
        case 27: return .escape
        case 9: return .tab
        case 127, 8: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(ch) + 96)))
        default:
            guard let scalar = Unicode.Scalar(UInt32(ch)) else { return nil }
            return .char(Character(scalar))
        }
    }
}
