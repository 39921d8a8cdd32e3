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
    private var drawnPixelKey: String?

    public init(workstation: Workstation) { self.workstation = workstation }

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
        curs_set(0)
        timeout(100)
        colour = has_colors() && workstation.graphics != .ascii && !workstation.theme.monochrome
        if colour { start_color(); use_default_colors() }
        // Image cells need the 256-colour palette; with fewer colours they are drawn in ASCII shades.
        if workstation.graphics == .text && (!colour || COLORS < 256) { workstation.graphics = .ascii }
        applyTheme()
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
            if key == .resize { clearok(stdscr, true); drawnPixelKey = nil }
            workstation.handle(key)
            if workstation.theme.name != themeName { themeName = workstation.theme.name; applyTheme() }
            needsDraw = true
        }
        if workstation.graphics == .kitty { print(PixelProtocol.kittyClear, terminator: ""); fflush(stdout) }
        endwin()
        // The terminal is back; now let a running score or import finish its study (one transaction).
        if workstation.scorer.progress.running || workstation.importer.progress.running {
            print("steato: finishing the study in progress…")
        }
        workstation.finishBackgroundWork()
    }

    private func applyTheme() {
        themePairs = [:]
        colour = has_colors() && workstation.graphics != .ascii && !workstation.theme.monochrome
        for (n, role) in Role.allCases.enumerated() {
            let style = workstation.theme.style(role)
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
                var run = String(first.character)
                var end = x + 1
                while end < grid.width, grid[end, y].role == first.role,
                      grid[end, y].colours?.0 == first.colours?.0, grid[end, y].colours?.1 == first.colours?.1 {
                    run.append(grid[end, y].character); end += 1
                }
                if let c = first.colours, colour {
                    attr_set(0, pair(foreground: c.0, background: c.1), nil)
                } else {
                    let style = themePairs[first.role] ?? (0, 0)
                    attr_set(attr_t(style.attrs), style.pair, nil)
                }
                // The last cell of the screen cannot be written without scrolling: stop one short.
                if y == grid.height - 1 && end == grid.width { run.removeLast() }
                var wide = run.unicodeScalars.map { wchar_t(bitPattern: $0.value) } + [0]
                mvaddwstr(Int32(y), Int32(x), &wide)
                x = end
            }
        }
        attr_set(0, 0, nil)
        refresh()
        drawPixels()
    }

    /// Kitty / sixel: written straight to the terminal after curses has drawn the text, only when the
    /// image changed; a new screen without one clears it.
    private func drawPixels() {
        guard workstation.graphics == .kitty || workstation.graphics == .sixel else { return }
        guard let image = workstation.pixelImage else {
            if drawnPixelKey != nil {
                if workstation.graphics == .kitty { print(PixelProtocol.kittyClear, terminator: "") }
                clearok(stdscr, true)   // sixel pixels stay until the cells under them are rewritten
                drawnPixelKey = nil
                fflush(stdout)
            }
            return
        }
        let key = "\(image.key)/\(image.area)"
        guard key != drawnPixelKey else { return }
        if workstation.graphics == .kitty { print(PixelProtocol.kittyClear, terminator: "") }
        if let sequence = PixelProtocol.sequence(rgb: image.rgb, width: image.width, height: image.height,
                                                 columns: image.area.columns, rows: image.area.rows, mode: workstation.graphics) {
            print("\u{1B}[\(image.area.y + 1);\(image.area.x + 1)H" + sequence, terminator: "")
        }
        fflush(stdout)
        drawnPixelKey = key
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
