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
/// attributes `bold`, `reverse`, `underline`, `dim`. Roles left out look like `normal`. After a `|`
/// a role may give what to use on terminals with only 8 or 16 colours (`selected = black 117 | black
/// cyan`); without one, each colour becomes the nearest of the terminal's. Without colour at all
/// the roles that colour alone sets apart (selection, status, headers) are drawn reversed or bold.
public struct Theme: Sendable, Equatable {
    public struct Style: Sendable, Equatable {
        public var foreground = -1
        public var background = -1
        public var bold = false, reverse = false, underline = false, dim = false
    }
    public var name: String
    public var styles: [Role: Style] = [:]
    /// What the theme declares for terminals with 8 or 16 colours.
    public var fewColourStyles: [Role: Style] = [:]
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
            let choices = parts[1].split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard choices.count <= 2 else { throw ThemeError("line \(n + 1): at most one '|' (the 8- and 16-colour style)") }
            styles[role] = try Self.style(choices[0], line: n + 1)
            if choices.count == 2 {
                let few = try Self.style(choices[1], line: n + 1)
                guard few.foreground < 16, few.background < 16 else { throw ThemeError("line \(n + 1): after '|' only the 16 basic colours") }
                fewColourStyles[role] = few
            }
        }
    }

    private static func style(_ text: String, line: Int) throws -> Style {
        var style = Style()
        var colours: [Int] = []
        for word in text.split(separator: " ").map(String.init) {
            switch word {
            case "bold": style.bold = true
            case "reverse": style.reverse = true
            case "underline": style.underline = true
            case "dim": style.dim = true
            default:
                guard let colour = Self.colour(word) else { throw ThemeError("line \(line): unknown colour '\(word)'") }
                colours.append(colour)
            }
        }
        if colours.count > 0 { style.foreground = colours[0] }
        if colours.count > 1 { style.background = colours[1] }
        return style
    }

    /// The style to draw `role` with on a terminal with `colours` colours (0: none).
    public func style(_ role: Role, colours: Int) -> Style {
        var style = self.style(role)
        if colours >= 256 { return style }
        if colours >= 8 {
            if let few = fewColourStyles[role] { return few }
            // Grey or white text on the terminal's own background would vanish on a light (or dark)
            // one: the terminal's own foreground instead, dimmed or bold to keep the emphasis.
            if style.background == -1, style.foreground >= 0, Self.isGrey(style.foreground) {
                let lightness = Self.rgb(style.foreground).0
                style.foreground = -1
                if lightness >= 200 { style.bold = true } else if lightness >= 60 { style.dim = true }
            }
            style.foreground = Self.nearest(style.foreground, among: colours)
            style.background = Self.nearest(style.background, among: colours)
            // Two colours that became one would hide the text: reverse video instead.
            if style.foreground == style.background && style.foreground != -1 {
                style.foreground = -1; style.background = -1; style.reverse = true
            }
            return style
        }
        let plain = Theme.plain.style(role)
        style.foreground = -1; style.background = -1
        style.bold = style.bold || plain.bold; style.reverse = style.reverse || plain.reverse
        style.underline = style.underline || plain.underline; style.dim = style.dim || plain.dim
        return style
    }

    /// The basic colour (of the first `count`, 8 or 16) that looks most like an xterm-256 colour: greys
    /// to black, grey or white by lightness; other colours keep their hue (the channels that stand
    /// out) and, with 16 colours, take the bright variant when light. Nearest by RGB distance would
    /// turn most soft colours grey.
    static func nearest(_ colour: Int, among count: Int) -> Int {
        guard colour >= count else { return colour }
        let (r, g, b) = rgb(colour)
        let high = max(r, g, b), low = min(r, g, b)
        if high - low < 48 {
            let greys = count >= 16 ? [0, 8, 7, 15] : [0, 7]
            let lightness = (r + g + b) / 3
            return greys.min { abs(rgb($0).0 - lightness) < abs(rgb($1).0 - lightness) } ?? 7
        }
        let middle = low + (high - low) / 2
        let hue = (r > middle ? 1 : 0) | (g > middle ? 2 : 0) | (b > middle ? 4 : 0)
        return count >= 16 && high >= 230 ? hue + 8 : hue
    }

    static func isGrey(_ colour: Int) -> Bool {
        let (r, g, b) = rgb(colour)
        return max(r, g, b) - min(r, g, b) < 48
    }

    /// xterm's RGB for a palette index: 16 basic, a 6×6×6 cube, 24 greys.
    static func rgb(_ n: Int) -> (Int, Int, Int) {
        let basic = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                     (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        if n < 16 { return basic[max(0, n)] }
        if n < 232 {
            let i = n - 16, level = { (v: Int) in v == 0 ? 0 : 55 + 40 * v }
            return (level(i / 36), level(i / 6 % 6), level(i % 6))
        }
        let g = 8 + 10 * (n - 232)
        return (g, g, g)
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
        header = bright-white 24 bold | bright-white blue bold
        title = bright-cyan default bold
        selected = black 117 | black cyan
        marked = bright-yellow default bold
        status = black 250 | black white
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
