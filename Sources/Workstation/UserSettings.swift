import DicomNetwork
import Foundation

/// The workstation's defaults from `$XDG_CONFIG_HOME/steatoscope/config` (`~/.config/...` when the
/// variable is unset), as `key = value` lines with `#` comments:
///
///     theme = light
///     graphics = text      # auto, kitty, sixel, text or ascii
///     listen_aet = STEATOSCOPE          # steato listen's AE title
///     listen_port = 11112
///     allowed_callers = US_ROOM1, PACS  # calling AE titles steato listen accepts (default: any)
///
/// Command-line options win over the file. A line that cannot be read is reported, not ignored.
public struct UserSettings: Equatable, Sendable {
    public var theme: String?
    public var graphics: String?
    public var listenAETitle: String?
    public var listenPort: UInt16?
    public var allowedCallers: [String]?

    public static let keys = ["theme", "graphics", "listen_aet", "listen_port", "allowed_callers"]
    public static let graphicsValues = ["auto", "kitty", "sixel", "text", "ascii"]

    public init(theme: String? = nil, graphics: String? = nil) { self.theme = theme; self.graphics = graphics }

    public static var path: String {
        let env = ProcessInfo.processInfo.environment
        let config = env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.config")
        return config + "/steatoscope/config"
    }

    /// The file's settings; none when it does not exist; an error naming the file and line otherwise.
    public static func load(path: String = UserSettings.path) throws -> UserSettings {
        guard let data = FileManager.default.contents(atPath: path) else { return UserSettings() }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> UserSettings {
        var settings = UserSettings()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty else { throw ThemeError("\(file): line \(n + 1): expected 'key = value'") }
            switch parts[0] {
            case "theme": settings.theme = parts[1]
            case "graphics":
                guard graphicsValues.contains(parts[1]) else {
                    throw ThemeError("\(file): line \(n + 1): graphics is one of \(graphicsValues.joined(separator: ", "))")
                }
                settings.graphics = parts[1]
            case "listen_aet":
                guard DicomTitle.isValid(parts[1]) else { throw ThemeError("\(file): line \(n + 1): an AE title is 1–16 characters, no backslash") }
                settings.listenAETitle = parts[1]
            case "listen_port":
                guard let port = UInt16(parts[1]), port > 0 else { throw ThemeError("\(file): line \(n + 1): listen_port is 1–65535") }
                settings.listenPort = port
            case "allowed_callers":
                let titles = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard !titles.isEmpty, titles.allSatisfy(DicomTitle.isValid) else {
                    throw ThemeError("\(file): line \(n + 1): allowed_callers is a comma-separated list of AE titles")
                }
                settings.allowedCallers = titles
            default: throw ThemeError("\(file): line \(n + 1): unknown setting '\(parts[0])' (\(keys.joined(separator: ", ")))")
            }
        }
        return settings
    }
}

