#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation

/// Asks the terminal in-band what it can draw, before curses starts: environment variables do not
/// cross SSH, the terminal's answers do. Sends the kitty graphics query and DA1 (primary device
/// attributes, whose parameter 4 means sixel); every terminal answers DA1, so its reply ends the wait
/// (one round trip, even over a slow SSH link; the timeout is only for terminals that never answer).
public enum TerminalProbe {
    public static func probe(timeout: Double = 1.0, environment: [String: String] = ProcessInfo.processInfo.environment) -> TerminalCapabilities {
        var caps = TerminalCapabilities()
        caps.insideTmux = environment["TMUX"] != nil || (environment["TERM"] ?? "").hasPrefix("tmux")
        caps.colour = environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        guard environment["TERM"] != "dumb", isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else { return caps }
        let reply = query("\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\\u{1B}[c", timeout: timeout)
        return parse(reply, into: caps)
    }

    /// Reads the replies: `ESC _G i=31;OK ESC \` for kitty, `ESC [ ? 6x ; … ; 4 ; … c` for sixel.
    public static func parse(_ reply: String, into caps: TerminalCapabilities) -> TerminalCapabilities {
        var caps = caps
        caps.kitty = reply.contains("_Gi=31;OK")
        if let start = reply.range(of: "\u{1B}[?"), let end = reply[start.upperBound...].firstIndex(of: "c") {
            caps.sixel = reply[start.upperBound..<end].split(separator: ";").contains("4")
        }
        return caps
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
            if let text = String(bytes: reply, encoding: .utf8), let r = text.range(of: "\u{1B}[?"), text[r.upperBound...].contains("c") { break }
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
