#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation

/// Asks the terminal in-band what it can draw, before curses starts: environment variables do not
/// cross SSH, the terminal's answers do. One write asks for the kitty graphics protocol, the cell
/// size (CSI 16 t) and window size in pixels (CSI 14 t), the sixel limit (XTSMGRAPHICS) and, last,
/// DA1 (primary device attributes, whose parameter 4 means sixel). Every terminal answers DA1 and
/// answers in order, so its reply ends the wait (one round trip, even over a slow SSH link); a
/// terminal that does not know a query ignores it.
///
/// Inside tmux nothing but DA1 is sent: tmux answers DA1 itself and shows an unknown APC string
/// (the kitty query) as the pane's title. What the terminal outside can draw comes from tmux
/// (`client_termfeatures`, `client_termname`), and images go through only with `allow-passthrough`.
public enum TerminalProbe {
    static let kittyQuery = "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\"
    static let sizeQueries = "\u{1B}[16t\u{1B}[14t\u{1B}[?2;1;0S"
    static let deviceAttributes = "\u{1B}[c"

    public static func probe(timeout: Double = 1.0, environment: [String: String] = ProcessInfo.processInfo.environment) -> TerminalCapabilities {
        var caps = TerminalCapabilities()
        caps.insideTmux = environment["TMUX"] != nil || (environment["TERM"] ?? "").hasPrefix("tmux")
        caps.colour = environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        guard environment["TERM"] != "dumb", isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else { return caps }
        if caps.insideTmux {
            return TmuxClient.describe(into: caps)
        }
        let reply = query(kittyQuery + sizeQueries + deviceAttributes, timeout: timeout)
        return parse(reply, into: caps)
    }

    /// Reads the replies: `ESC _G i=31;OK ESC \` for kitty, `ESC [ ? 6x ; … ; 4 ; … c` for sixel,
    /// `ESC [ 6 ; h ; w t` (cell) or `ESC [ 4 ; h ; w t` (window) for the cell size, and
    /// `ESC [ ? 2 ; 0 ; w ; h S` for the sixel limit.
    public static func parse(_ reply: String, into caps: TerminalCapabilities, columns: Int? = nil, rows: Int? = nil) -> TerminalCapabilities {
        var caps = caps
        caps.kitty = reply.contains("_Gi=31;OK")
        if let start = reply.range(of: "\u{1B}[?6"), let end = reply[start.upperBound...].firstIndex(of: "c") {
            caps.sixel = ("6" + reply[start.upperBound..<end]).split(separator: ";").contains("4")
        }
        for (kind, numbers) in sequences(in: reply, final: "t") where numbers.count == 3 {
            if kind == "" && numbers[0] == 6 {
                caps.reportedCell = CellGeometry(width: numbers[2], height: numbers[1], source: .terminal)
            } else if kind == "" && numbers[0] == 4 && caps.reportedCell == nil {
                var size = winsize()
                let cols = columns ?? (ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 ? Int(size.ws_col) : 0)
                let lines = rows ?? Int(size.ws_row)
                caps.reportedCell = CellGeometry.from(pixelWidth: numbers[2], pixelHeight: numbers[1], columns: cols, rows: lines, source: .terminal)
            }
        }
        for (kind, numbers) in sequences(in: reply, final: "S") where kind == "?" && numbers.count == 4 && numbers[0] == 2 && numbers[1] == 0 {
            if numbers[2] > 0 && numbers[3] > 0 { caps.sixelLimit = PixelSize(width: numbers[2], height: numbers[3]) }
        }
        if let cell = caps.reportedCell, !(2...200).contains(cell.width) || !(2...400).contains(cell.height) { caps.reportedCell = nil }
        return caps
    }

    /// Every `ESC [ (prefix) n ; n … final` in the reply, as its prefix ("" or "?") and numbers.
    static func sequences(in reply: String, final: Character) -> [(String, [Int])] {
        var found: [(String, [Int])] = []
        var rest = Substring(reply)
        while let start = rest.range(of: "\u{1B}[") {
            rest = rest[start.upperBound...]
            var prefix = ""
            if rest.first == "?" { prefix = "?"; rest = rest.dropFirst() }
            let body = rest.prefix { $0.isNumber || $0 == ";" }
            let after = rest.dropFirst(body.count)
            guard after.first == final, !body.isEmpty else { continue }
            found.append((prefix, body.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }))
            rest = after.dropFirst()
        }
        return found
    }

    private static func query(_ text: String, timeout: Double) -> String {
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return "" }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        raw.c_cc.6 = 0  // VMIN
        raw.c_cc.5 = 0  // VTIME
        tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        defer {
            // A reply that arrives after we stopped listening must not reach curses as keys.
            tcflush(STDIN_FILENO, TCIFLUSH)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
        }
        _ = text.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
        var reply: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&fds, 1, left) > 0 else { break }
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = read(STDIN_FILENO, &buffer, buffer.count)
            guard n > 0 else { break }
            reply += buffer[0..<n]
            // DA1's reply ends with 'c' after "ESC [ ?": everything we asked has been answered.
            if sequences(in: String(decoding: reply, as: UTF8.self), final: "c").contains(where: { $0.0 == "?" }) { break }
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
