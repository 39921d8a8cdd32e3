import CChafa

/// An image as terminal cells: one character and two colours (xterm-256 indices; -1 for the
/// terminal's default) per cell. Built by chafa from RGB pixels.
public struct CellImage: Sendable, Equatable {
    public struct Cell: Sendable, Equatable {
        public var character: Character
        public var foreground: Int
        public var background: Int
    }
    public let columns: Int
    public let rows: Int
    public var cells: [Cell]

    public subscript(x: Int, y: Int) -> Cell { cells[y * columns + x] }

    /// Fits `width`×`height` RGB pixels (3 bytes each) into at most `columns`×`rows` cells, keeping the
    /// aspect ratio (cells `cellAspect` times as tall as wide: the terminal's, when it says). `.text` uses half and quarter blocks in
    /// 256 colours; `.ascii` shades with ASCII characters and no colour.
    public static func render(rgb: [UInt8], width: Int, height: Int, columns: Int, rows: Int, mode: GraphicsMode,
                              cellAspect: Double = 2) -> CellImage? {
        guard width > 0, height > 0, columns > 0, rows > 0, rgb.count >= width * height * 3 else { return nil }
        let (cols, lines) = fit(width: width, height: height, columns: columns, rows: rows, cellAspect: cellAspect)
        if mode == .ascii { return ascii(rgb: rgb, width: width, height: height, columns: cols, rows: lines) }
        let symbols = chafa_symbol_map_new()
        defer { chafa_symbol_map_unref(symbols) }
        chafa_symbol_map_add_by_tags(symbols, ChafaSymbolTags(rawValue: CHAFA_SYMBOL_TAG_HALF.rawValue | CHAFA_SYMBOL_TAG_QUAD.rawValue | CHAFA_SYMBOL_TAG_SPACE.rawValue))
        let config = chafa_canvas_config_new()
        defer { chafa_canvas_config_unref(config) }
        chafa_canvas_config_set_geometry(config, Int32(cols), Int32(lines))
        chafa_canvas_config_set_canvas_mode(config, CHAFA_CANVAS_MODE_INDEXED_240)
        chafa_canvas_config_set_symbol_map(config, symbols)
        let canvas = drawnCanvas(config, rgb: rgb, width: width, height: height)
        defer { chafa_canvas_unref(canvas) }
        var cells: [Cell] = []
        cells.reserveCapacity(cols * lines)
        for y in 0..<lines {
            for x in 0..<cols {
                let scalar = Unicode.Scalar(chafa_canvas_get_char_at(canvas, Int32(x), Int32(y))) ?? " "
                var fg: Int32 = 0, bg: Int32 = 0
                chafa_canvas_get_raw_colors_at(canvas, Int32(x), Int32(y), &fg, &bg)
                cells.append(Cell(character: Character(scalar), foreground: Int(fg), background: Int(bg)))
            }
        }
        return CellImage(columns: cols, rows: lines, cells: cells)
    }

    /// The largest cell size with the image's aspect ratio, for cells `cellAspect` times as tall as wide.
    public static func fit(width: Int, height: Int, columns: Int, rows: Int, cellAspect: Double = 2) -> (Int, Int) {
        let aspect = Double(width) / Double(height) * cellAspect   // columns per row
        var cols = columns, lines = Int((Double(cols) / aspect).rounded())
        if lines > rows { lines = rows; cols = max(1, Int((Double(lines) * aspect).rounded())) }
        return (max(1, min(cols, columns)), max(1, min(lines, rows)))
    }

    static func ascii(rgb: [UInt8], width: Int, height: Int, columns: Int, rows: Int) -> CellImage {
        let ramp = Array(" .:-=+*#%@")
        var cells: [Cell] = []
        for y in 0..<rows {
            for x in 0..<columns {
                var sum = 0, n = 0
                for sy in (y * height / rows)..<max(y * height / rows + 1, (y + 1) * height / rows) {
                    for sx in (x * width / columns)..<max(x * width / columns + 1, (x + 1) * width / columns) {
                        let i = 3 * (sy * width + sx)
                        sum += (Int(rgb[i]) * 77 + Int(rgb[i + 1]) * 150 + Int(rgb[i + 2]) * 29) >> 8
                        n += 1
                    }
                }
                let level = sum / max(n, 1)
                cells.append(Cell(character: ramp[min(ramp.count - 1, level * ramp.count / 256)], foreground: -1, background: -1))
            }
        }
        return CellImage(columns: columns, rows: rows, cells: cells)
    }
}

/// A chafa canvas for `config` with the RGB pixels drawn into it (chafa takes RGBA).
func drawnCanvas(_ config: OpaquePointer?, rgb: [UInt8], width: Int, height: Int) -> OpaquePointer? {
    let canvas = chafa_canvas_new(config)
    var rgba = [UInt8](repeating: 255, count: width * height * 4)
    for i in 0..<(width * height) {
        rgba[4 * i] = rgb[3 * i]; rgba[4 * i + 1] = rgb[3 * i + 1]; rgba[4 * i + 2] = rgb[3 * i + 2]
    }
    chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGBA8_UNASSOCIATED, rgba, Int32(width), Int32(height), Int32(width * 4))
    return canvas
}

/// Escape sequences that draw an image with a pixel protocol at the cursor, for `.kitty` and `.sixel`.
public enum PixelProtocol {
    /// The image scaled to exactly `placement`'s pixel size. Sixel: a picture of that many pixels (its
    /// height whole bands of six), nothing around it. Kitty: the picture padded with black to whole
    /// cells, placed over `placement.columns`×`placement.rows` cells, so the terminal does not stretch it.
    public static func sequence(rgb: [UInt8], width: Int, height: Int, placement: PixelPlacement, cell: CellGeometry,
                                mode: GraphicsMode) -> String? {
        guard mode == .kitty || mode == .sixel, width > 0, height > 0, rgb.count >= width * height * 3 else { return nil }
        let canvasW = mode == .sixel ? placement.pixelWidth : placement.columns * cell.width
        let canvasH = mode == .sixel ? placement.pixelHeight : placement.rows * cell.height
        let scaled = resample(rgb: rgb, width: width, height: height, toWidth: placement.pixelWidth, toHeight: placement.pixelHeight,
                              canvasWidth: canvasW, canvasHeight: canvasH)
        let config = chafa_canvas_config_new()
        defer { chafa_canvas_config_unref(config) }
        if mode == .sixel {
            // One "cell" the size of the picture: chafa then draws exactly canvasW×canvasH pixels.
            chafa_canvas_config_set_geometry(config, 1, 1)
            chafa_canvas_config_set_cell_geometry(config, Int32(canvasW), Int32(canvasH))
        } else {
            chafa_canvas_config_set_geometry(config, Int32(placement.columns), Int32(placement.rows))
            chafa_canvas_config_set_cell_geometry(config, Int32(cell.width), Int32(cell.height))
        }
        chafa_canvas_config_set_pixel_mode(config, mode == .kitty ? CHAFA_PIXEL_MODE_KITTY : CHAFA_PIXEL_MODE_SIXELS)
        chafa_canvas_config_set_canvas_mode(config, CHAFA_CANVAS_MODE_TRUECOLOR)
        let canvas = drawnCanvas(config, rgb: scaled, width: canvasW, height: canvasH)
        defer { chafa_canvas_unref(canvas) }
        let info = chafa_term_db_get_fallback_info(chafa_term_db_get_default())
        defer { chafa_term_info_unref(info) }
        guard let text = chafa_canvas_print(canvas, info) else { return nil }
        defer { g_string_free(text, 1) }
        return String(cString: text.pointee.str)
    }

    /// Area-averaged (box filter) scaling of RGB to `toWidth`×`toHeight`, at the top left of a black
    /// `canvasWidth`×`canvasHeight` picture.
    static func resample(rgb: [UInt8], width: Int, height: Int, toWidth: Int, toHeight: Int, canvasWidth: Int, canvasHeight: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: canvasWidth * canvasHeight * 3)
        for y in 0..<min(toHeight, canvasHeight) {
            let y0 = y * height / toHeight, y1 = max(y0 + 1, (y + 1) * height / toHeight)
            for x in 0..<min(toWidth, canvasWidth) {
                let x0 = x * width / toWidth, x1 = max(x0 + 1, (x + 1) * width / toWidth)
                var r = 0, g = 0, b = 0
                for sy in y0..<y1 { for sx in x0..<x1 {
                    let i = 3 * (sy * width + sx); r += Int(rgb[i]); g += Int(rgb[i + 1]); b += Int(rgb[i + 2])
                } }
                let n = (y1 - y0) * (x1 - x0), o = 3 * (y * canvasWidth + x)
                out[o] = UInt8(r / n); out[o + 1] = UInt8(g / n); out[o + 2] = UInt8(b / n)
            }
        }
        return out
    }

    /// Removes every kitty image from the screen.
    public static let kittyClear = "\u{1B}_Ga=d\u{1B}\\"
}
