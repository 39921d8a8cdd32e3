#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The size of one character cell in pixels, and where that number came from. Pixel images are sized
/// with it (a guessed cell makes a sixel too large, and it runs off the screen), and text-cell images
/// keep their aspect ratio with it.
public struct CellGeometry: Sendable, Equatable {
    public enum Source: String, Sendable { case kernel, terminal, assumed }
    public var width: Int
    public var height: Int
    public var source: Source

    public init(width: Int, height: Int, source: Source) {
        self.width = max(1, width); self.height = max(1, height); self.source = source
    }

    /// Used when neither the kernel nor the terminal says: xterm's and VTE's common 8×16.
    public static let assumed = CellGeometry(width: 8, height: 16, source: .assumed)

    /// How many times taller than wide a cell is.
    public var aspect: Double { Double(height) / Double(width) }

    /// From a window's size in pixels and cells (TIOCGWINSZ, or the CSI 14 t reply); nil when the
    /// pixels are not given (many terminals leave them 0) or make no sense.
    public static func from(pixelWidth: Int, pixelHeight: Int, columns: Int, rows: Int, source: Source) -> CellGeometry? {
        guard pixelWidth > 0, pixelHeight > 0, columns > 0, rows > 0 else { return nil }
        let w = pixelWidth / columns, h = pixelHeight / rows
        guard (2...200).contains(w), (2...400).contains(h) else { return nil }
        return CellGeometry(width: w, height: h, source: source)
    }

    /// The kernel's idea of the terminal (TIOCGWINSZ on standard output), asked anew after a resize.
    public static func fromKernel(fd: Int32 = STDOUT_FILENO) -> CellGeometry? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 else { return nil }
        return from(pixelWidth: Int(size.ws_xpixel), pixelHeight: Int(size.ws_ypixel),
                    columns: Int(size.ws_col), rows: Int(size.ws_row), source: .kernel)
    }
}

/// Where and how large a pixel image is drawn: its exact pixel size (aspect kept, within its box and
/// within the terminal's sixel limit) and the cells it covers.
public struct PixelPlacement: Sendable, Equatable {
    public var pixelWidth: Int
    public var pixelHeight: Int
    public var columns: Int
    public var rows: Int

    /// The largest size of a `width`×`height` image that fits `columns`×`rows` cells of `cell` and
    /// `limit` pixels. Sixel images are sent in bands of six pixel rows, so with `sixelBands` the
    /// height is kept to whole bands that still fit the box (a partial band would spill into the
    /// row below, and at the bottom of the screen scroll it).
    public static func fit(width: Int, height: Int, columns: Int, rows: Int, cell: CellGeometry,
                           limit: (width: Int, height: Int)? = nil, sixelBands: Bool = false) -> PixelPlacement? {
        guard width > 0, height > 0, columns > 0, rows > 0 else { return nil }
        var boxW = columns * cell.width, boxH = rows * cell.height
        if let limit { boxW = min(boxW, limit.width); boxH = min(boxH, limit.height) }
        if sixelBands { boxH -= boxH % 6 }
        guard boxW > 0, boxH > 0 else { return nil }
        let scale = min(Double(boxW) / Double(width), Double(boxH) / Double(height))
        var w = max(1, Int((Double(width) * scale).rounded(.down)))
        var h = max(1, Int((Double(height) * scale).rounded(.down)))
        w = min(w, boxW); h = min(h, boxH)
        if sixelBands { h = max(6, h - h % 6) }
        let cols = (w + cell.width - 1) / cell.width, lines = (h + cell.height - 1) / cell.height
        return PixelPlacement(pixelWidth: w, pixelHeight: h, columns: min(cols, columns), rows: min(lines, rows))
    }
}
