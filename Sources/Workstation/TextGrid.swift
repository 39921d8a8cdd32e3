import CNcursesw
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// What a cell means; the theme turns roles into colours and attributes.
public enum Role: String, CaseIterable, Sendable {
    case normal, header, title, selected, marked, status, hint, dim, accent, warning, border
    case grade0, grade1, grade2, grade3

    public static func grade(_ g: Int?) -> Role {
        switch g { case 0: return .grade0; case 1: return .grade1; case 2: return .grade2; case 3: return .grade3; default: return .dim }
    }
}

/// The screen as characters and roles, built without a terminal: the ncurses backend draws it, tests
/// read it. Image cells carry their own colours (xterm-256 indices).
public struct TextGrid: Sendable, Equatable {
    public struct Cell: Sendable, Equatable {
        public var character: Character = " "
        public var role: Role = .normal
        public var colours: (Int, Int)? = nil
        /// The right half of a wide character in the cell before: nothing of its own is drawn.
        public var isContinuation: Bool { character == "\u{0}" }
        static let continuation = Cell(character: "\u{0}")
        public static func == (a: Cell, b: Cell) -> Bool {
            a.character == b.character && a.role == b.role && a.colours?.0 == b.colours?.0 && a.colours?.1 == b.colours?.1
        }
    }
    public let width: Int
    public let height: Int
    public var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes text from (x, y), cut at `limit` columns (default: the grid's edge); returns the end column.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: Role = .normal, limit: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let end = min(width, x + (limit ?? width))
        var column = x
        for character in text {
            let w = TextGrid.columns(character)
            guard w > 0 else { continue }
            guard column + w <= end else { break }
            if column >= 0 {
                self[column, y] = Cell(character: character, role: role)
                if w == 2 { self[column + 1, y] = Cell(character: "\u{0}", role: role) }
            }
            column += w
        }
        return column
    }

    /// Columns a character takes on the terminal (wcwidth of its first scalar; accents combine into
    /// it): 2 for East Asian wide characters, 0 for controls, 1 otherwise.
    public static func columns(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        if scalar.value < 0x7F { return scalar.value < 0x20 ? 0 : 1 }
        TextGrid.ensureUTF8Locale
        let w = Int(steato_wcwidth(scalar.value))
        return w == 2 ? 2 : 1
    }

    /// Columns a string takes on the terminal.
    public static func columns(_ text: String) -> Int { text.reduce(0) { $0 + columns($1) } }

    /// wcwidth answers by the C library's locale: without a UTF-8 one every non-ASCII character is
    /// "unprintable". The workstation sets the user's locale; where that is not UTF-8 (or in tests),
    /// C.UTF-8 is used for character types only.
    nonisolated(unsafe) private static let ensureUTF8Locale: Void = {
        if steato_wcwidth(0x4E2D) != 2 { setlocale(LC_CTYPE, "C.UTF-8") }
    }()

    /// Fills a row segment with a role (spaces), e.g. a selected line or a status bar.
    public mutating func fill(y: Int, from x0: Int = 0, to x1: Int? = nil, role: Role) {
        guard y >= 0, y < height else { return }
        for x in max(0, x0)..<min(width, x1 ?? width) { self[x, y] = Cell(character: " ", role: role) }
    }

    /// Re-roles a row segment, keeping its characters.
    public mutating func paint(y: Int, from x0: Int = 0, to x1: Int? = nil, role: Role) {
        guard y >= 0, y < height else { return }
        for x in max(0, x0)..<min(width, x1 ?? width) where self[x, y].colours == nil { self[x, y].role = role }
    }

    /// The rows as text, trailing spaces removed (what a person would read).
    public var lines: [String] {
        (0..<height).map { y in
            var s = String(cells[(y * width)..<((y + 1) * width)].filter { !$0.isContinuation }.map(\.character))
            while s.last == " " { s.removeLast() }
            return s
        }
    }

    public var text: String { lines.joined(separator: "\n") }
}

/// Text fitted to a width in terminal columns (wide characters count two): cut with an ellipsis, or padded.
func fitted(_ text: String, _ width: Int, right: Bool = false) -> String {
    guard width > 0 else { return "" }
    var used = TextGrid.columns(text)
    var cut = text
    if used > width {
        cut = ""; used = 0
        for character in text {
            let w = TextGrid.columns(character)
            if used + w > width - 1 { break }
            cut.append(character); used += w
        }
        cut += "…"; used += 1
    }
    let pad = String(repeating: " ", count: max(0, width - used))
    return right ? pad + cut : cut + pad
}
