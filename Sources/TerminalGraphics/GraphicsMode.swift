/// How images are drawn in the terminal.
public enum GraphicsMode: String, Sendable, CaseIterable {
    /// The kitty graphics protocol (PNG sent in-band).
    case kitty
    /// DEC sixel graphics.
    case sixel
    /// Text cells in colour (half and quarter blocks, 256 colours), drawn by ncurses itself.
    case text
    /// Plain ASCII shades, no colour.
    case ascii
}

/// What the terminal answered when probed, and the mode chosen from it.
public struct TerminalCapabilities: Sendable, Equatable {
    public var kitty = false
    public var sixel = false
    public var insideTmux = false
    public var colour = true

    public init(kitty: Bool = false, sixel: Bool = false, insideTmux: Bool = false, colour: Bool = true) {
        self.kitty = kitty; self.sixel = sixel; self.insideTmux = insideTmux; self.colour = colour
    }

    /// Pixel protocols only outside tmux (which does not pass them through reliably), kitty first;
    /// text cells when colour is available, ASCII otherwise.
    public var bestMode: GraphicsMode {
        if !insideTmux && kitty { return .kitty }
        if !insideTmux && sixel { return .sixel }
        return colour ? .text : .ascii
    }
}
