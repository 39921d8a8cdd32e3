import Casework
import Foundation

/// Colours and attributes for each role, read from a theme file:
///
///     # comment
///     name = Default dark
///     header = black cyan bold
///     grade3 = 196 default bold
///
/// Colours are `default`, the eight names (`red`, …, `bright-red`, …) or xterm-256 numbers;
/// attributes `bold`, `reverse`, `underline`, `dim`. Roles left out look like `normal`.
public struct Theme: Sendable, Equatable {
    public struct Style: Sendable, Equatable {
        public var foreground = -1
        public var background = -1
        public var bold = false, reverse = false, underline = false, dim = false
    }
    public var name: String
    public var styles: [Role: Style] = [:]
    /// A theme for terminals without colour: attributes only.
    public var monochrome: Bool { styles.values.allSatisfy { $0.foreground == -1 && $0.background == -1 } }

    public func style(_ role: Role) -> Style { styles[role] ?? styles[.normal] ?? Style() }

    static let colourNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses a theme; errors name the line.
    public init(name: String, text: String) throws {
        self.name = name
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw ThemeError("line \(n + 1): expected 'role = colours'") }
            if parts[0] == "name" { self.name = parts[1]; continue }
            guard let role = Role(rawValue: parts[0]) else { throw ThemeError("line \(n + 1): unknown role '\(parts[0])'") }
            var style = Style()
            var colours: [Int] = []
            for word in parts[1].split(separator: " ").map(String.init) {
                switch word {
                case "bold": style.bold = true
                case "reverse": style.reverse = true
                case "underline": style.underline = true
                case "dim": style.dim = true
                default:
                    guard let colour = Self.colour(word) else { throw ThemeError("line \(n + 1): unknown colour '\(word)'") }
                    colours.append(colour)
                }
            }
            if colours.count > 0 { style.foreground = colours[0] }
            if colours.count > 1 { style.background = colours[1] }
            styles[role] = style
        }
    }

    static func colour(_ word: String) -> Int? {
        if word == "default" { return -1 }
        if let n = Int(word), (0...255).contains(n) { return n }
        if let i = colourNames.firstIndex(of: word) { return i }
        if word.hasPrefix("bright-"), let i = colourNames.firstIndex(of: String(word.dropFirst(7))) { return i + 8 }
        return nil
    }

    /// Attributes only, for NO_COLOR and TERM=dumb.
    public static let plain: Theme = {
        var t = try! Theme(name: "monochrome", text: "")
        t.styles = [.header: Style(bold: true), .title: Style(bold: true), .selected: Style(reverse: true),
                    .status: Style(reverse: true), .marked: Style(underline: true), .dim: Style(dim: true),
                    .warning: Style(bold: true), .grade2: Style(bold: true), .grade3: Style(bold: true, underline: true)]
        return t
    }()
}

public struct ThemeError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// Finds themes: the shipped ones (`Themes/`, found beside the installed binary or in the source
/// tree) and the user's own in `$XDG_CONFIG_HOME/steatoscope/themes/` (`~/.config/...` by default),
/// which win on a name clash. The default theme is also compiled in, so steato draws with it even
/// when no theme file can be found.
public enum ThemeLibrary {
    public static var folders: [String] {
        let env = ProcessInfo.processInfo.environment
        let config = env["XDG_CONFIG_HOME"] ?? (NSHomeDirectory() + "/.config")
        return [InstalledFiles.themes, config + "/steatoscope/themes"].compactMap { $0 }
    }

    /// Theme names available (file names without `.theme`).
    public static func names() -> [String] {
        var names: Set<String> = ["default"]
        for folder in folders {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where file.hasSuffix(".theme") {
                names.insert(String(file.dropLast(6)))
            }
        }
        return names.sorted()
    }

    public static func load(_ name: String) throws -> Theme {
        for folder in folders.reversed() {
            let path = folder + "/" + name + ".theme"
            if let data = FileManager.default.contents(atPath: path) {
                do { return try Theme(name: name, text: String(decoding: data, as: UTF8.self)) }
                catch { throw ThemeError("\(path): \(error)") }
            }
        }
        if name == "default" { return try! Theme(name: name, text: defaultText) }
        throw ThemeError("no theme '\(name)' (themes: \(names().joined(separator: ", ")))")
    }

    /// `Themes/default.theme`, compiled in (a test keeps the two the same).
    public static let defaultText = """
        # Steatoscope's default: light text on the terminal's own (dark) background.
        name = default dark
        normal = default default
        header = bright-white 24 bold
        title = bright-cyan default bold
        selected = black 117
        marked = bright-yellow default bold
        status = black 250
        hint = 244 default
        dim = 244 default
        accent = bright-cyan default
        warning = bright-yellow default bold
        border = 240 default
        grade0 = 77 default
        grade1 = 220 default
        grade2 = 208 default bold
        grade3 = 196 default bold
        """
}
