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
    /// tmux lets escape sequences through to the terminal outside (`allow-passthrough on`, tmux ≥ 3.3).
    public var tmuxPassthrough = false
    public var colour = true
    /// The cell size the terminal reported (CSI 16 t, or CSI 14 t over the window's cells); the kernel's
    /// TIOCGWINSZ is asked first when images are drawn.
    public var reportedCell: CellGeometry?
    /// The largest sixel image the terminal accepts (XTSMGRAPHICS), when it says.
    public var sixelLimit: PixelSize?

    public init(kitty: Bool = false, sixel: Bool = false, insideTmux: Bool = false, colour: Bool = true) {
        self.kitty = kitty; self.sixel = sixel; self.insideTmux = insideTmux; self.colour = colour
    }

    /// Kitty first, then sixel; inside tmux only through its passthrough; text cells when colour is
    /// available, ASCII otherwise.
    public var bestMode: GraphicsMode {
        if (!insideTmux || tmuxPassthrough) && kitty { return .kitty }
        if (!insideTmux || tmuxPassthrough) && sixel { return .sixel }
        return colour ? .text : .ascii
    }
}

/// A size in pixels.
public struct PixelSize: Sendable, Equatable {
    public var width: Int, height: Int
    public init(width: Int, height: Int) { self.width = width; self.height = height }
}
