import Foundation

/// What tmux knows about the terminal outside it, and how to send an image through tmux to it.
public enum TmuxClient {
    /// Fills in passthrough and the outer terminal's graphics from tmux itself (`tmux display`):
    /// `allow-passthrough` (tmux ≥ 3.3), the client's features (`sixel`) and its terminal name (kitty).
    static func describe(into caps: TerminalCapabilities) -> TerminalCapabilities {
        guard let answer = run(["display", "-p", "#{allow-passthrough}|#{client_termfeatures}|#{client_termname}"]) else { return caps }
        return parse(answer, into: caps)
    }

    /// Reads `passthrough|features|termname`.
    public static func parse(_ answer: String, into caps: TerminalCapabilities) -> TerminalCapabilities {
        var caps = caps
        let parts = answer.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return caps }
        caps.tmuxPassthrough = parts[0] == "1" || parts[0] == "on" || parts[0] == "all"
        caps.sixel = parts[1].split(separator: ",").contains("sixel")
        caps.kitty = parts[2].contains("kitty")
        return caps
    }

    /// An escape sequence wrapped for tmux's passthrough: DCS tmux; with every ESC doubled.
    public static func wrap(_ sequence: String) -> String {
        "\u{1B}Ptmux;" + sequence.replacingOccurrences(of: "\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\"
    }

    private static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
