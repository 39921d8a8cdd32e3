import UltrasoundImaging

/// A key as the workstation sees it (decoded from ncurses or given by a test).
public enum Key: Hashable, Sendable {
    case char(Character)
    case ctrl(Character)
    case up, down, left, right, pageUp, pageDown, home, end, enter, escape, backspace, tab, resize
    /// A mouse click (button 1) at a cell, and the wheel.
    case click(x: Int, y: Int)
    case wheelUp, wheelDown
}

/// Everything a key can ask for.
public enum Action: Hashable, Sendable {
    case up, down, left, right, pageDown, pageUp, top, bottom
    case open, back, quit, help, commandLine, filter
    case sortNext, sortReverse, triage
    case score, scoreAll
    case tag(View)
    case acceptSuggestion, mark, undo
    case review, hepatorenal, previousFrame, nextFrame
    case nextMatch, previousMatch, redraw, suspend
}

/// Where a binding applies.
public enum KeyContext: String, Sendable, CaseIterable {
    case everywhere = "Everywhere"
    case worklist = "Worklist"
    case study = "Study and image"
}

/// One row of the key table: the keys, how help shows them, what they do, and where.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var label: String
    public var help: String
    public var context: KeyContext
    public var action: Action
}

/// The one key table: dispatch reads it, and the help screen is generated from it.
public enum KeyTable {
    public static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.char("j"), .down], label: "j ↓", help: "next row / image", context: .everywhere, action: .down),
        KeyBinding(keys: [.char("k"), .up], label: "k ↑", help: "previous row / image", context: .everywhere, action: .up),
        KeyBinding(keys: [.ctrl("d"), .pageDown], label: "^D PgDn", help: "half a page down", context: .everywhere, action: .pageDown),
        KeyBinding(keys: [.ctrl("u"), .pageUp], label: "^U PgUp", help: "half a page up", context: .everywhere, action: .pageUp),
        KeyBinding(keys: [.char("g"), .home], label: "g Home", help: "first", context: .everywhere, action: .top),
        KeyBinding(keys: [.char("G"), .end], label: "G End", help: "last", context: .everywhere, action: .bottom),
        KeyBinding(keys: [.enter], label: "Enter", help: "open the study / the image", context: .everywhere, action: .open),
        KeyBinding(keys: [.escape, .char("q")], label: "Esc q", help: "back (quit from the worklist)", context: .everywhere, action: .back),
        KeyBinding(keys: [.char("?")], label: "?", help: "this help", context: .everywhere, action: .help),
        KeyBinding(keys: [.char(":")], label: ":", help: "command line: :import PATH, :score, :listen, :filter …, :sort …, :theme …, :q", context: .everywhere, action: .commandLine),
        KeyBinding(keys: [.char("n")], label: "n", help: "next match of the last / search", context: .everywhere, action: .nextMatch),
        KeyBinding(keys: [.char("N")], label: "N", help: "previous match of the last / search", context: .everywhere, action: .previousMatch),
        KeyBinding(keys: [.ctrl("l")], label: "^L", help: "redraw the screen", context: .everywhere, action: .redraw),
        KeyBinding(keys: [.ctrl("z")], label: "^Z", help: "suspend (fg resumes)", context: .everywhere, action: .suspend),
        KeyBinding(keys: [.char("s")], label: "s", help: "score this study in the background", context: .everywhere, action: .score),
        KeyBinding(keys: [.char("S")], label: "S", help: "score every unscored study in the background", context: .everywhere, action: .scoreAll),
        KeyBinding(keys: [.char("r")], label: "r", help: "review: confirm or override the study grade, with a reason", context: .everywhere, action: .review),
        KeyBinding(keys: [.char("/")], label: "/", help: "filter as you type (patient, name, study, scanner); Esc keeps it for n N", context: .worklist, action: .filter),
        KeyBinding(keys: [.char("o")], label: "o", help: "sort by the next column", context: .worklist, action: .sortNext),
        KeyBinding(keys: [.char("O")], label: "O", help: "reverse the sort", context: .worklist, action: .sortReverse),
        KeyBinding(keys: [.char("t")], label: "t", help: "triage order: most severe unreviewed first", context: .worklist, action: .triage),
        KeyBinding(keys: [.char("h"), .left], label: "h ←", help: "view to the left", context: .study, action: .left),
        KeyBinding(keys: [.char("l"), .right], label: "l →", help: "view to the right", context: .study, action: .right),
        KeyBinding(keys: [.char("1")], label: "1", help: "tag right-intercostal", context: .study, action: .tag(.rightIntercostal)),
        KeyBinding(keys: [.char("2")], label: "2", help: "tag subcostal", context: .study, action: .tag(.subcostal)),
        KeyBinding(keys: [.char("3")], label: "3", help: "tag left-lobe", context: .study, action: .tag(.leftLobe)),
        KeyBinding(keys: [.char("0")], label: "0", help: "tag other", context: .study, action: .tag(.other)),
        KeyBinding(keys: [.char("a")], label: "a", help: "accept the suggested view", context: .study, action: .acceptSuggestion),
        KeyBinding(keys: [.char(" ")], label: "Space", help: "mark the image (tags apply to all marked)", context: .study, action: .mark),
        KeyBinding(keys: [.char("u")], label: "u", help: "undo the last tagging", context: .study, action: .undo),
        KeyBinding(keys: [.char(",")], label: ",", help: "previous cine frame", context: .study, action: .previousFrame),
        KeyBinding(keys: [.char(".")], label: ".", help: "next cine frame", context: .study, action: .nextFrame),
        KeyBinding(keys: [.char("H")], label: "H", help: "hepatorenal index: place liver and kidney boxes", context: .study, action: .hepatorenal),
    ]

    /// The action for a key in a context (bindings for everywhere apply in every context).
    public static func action(for key: Key, in context: KeyContext) -> Action? {
        bindings.first { ($0.context == context || $0.context == .everywhere) && $0.keys.contains(key) }?.action
    }
}
