import CCairo
import Foundation
import UltrasoundImaging

/// A page-by-page drawing surface on Cairo: a PDF file (points, A4 by default) or a PNG (pixels).
/// Text is UTF-8 through fontconfig (DejaVu Sans), so accented and non-Latin names print as written.
public final class CairoCanvas {
    public enum Weight { case regular, bold }
    public struct Colour: Sendable {
        public var r, g, b: Double
        public init(_ r: Double, _ g: Double, _ b: Double) { self.r = r; self.g = g; self.b = b }
        public static let black = Colour(0, 0, 0), grey = Colour(0.45, 0.45, 0.45), light = Colour(0.85, 0.85, 0.85)
        public static let accent = Colour(0.05, 0.35, 0.6), warning = Colour(0.7, 0.15, 0.1), white = Colour(1, 1, 1)
    }

    let surface: OpaquePointer
    let cr: OpaquePointer
    public let width: Double, height: Double
    private let pngPath: String?

    /// A PDF file of pages `width`×`height` points (A4: 595×842).
    public init(pdf path: String, width: Double = 595, height: Double = 842) throws {
        surface = cairo_pdf_surface_create(path, width, height)
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw DocumentError("\(path): cannot write the PDF (\(String(cString: cairo_status_to_string(cairo_surface_status(surface)))))")
        }
        cr = cairo_create(surface)
        self.width = width; self.height = height; pngPath = nil
    }

    /// A PNG of `width`×`height` pixels on white, written by `finish()`.
    public init(png path: String, width: Int, height: Int) {
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        cr = cairo_create(surface)
        self.width = Double(width); self.height = Double(height); pngPath = path
        fill(x: 0, y: 0, width: self.width, height: self.height, colour: .white)
    }

    deinit { cairo_destroy(cr); cairo_surface_destroy(surface) }

    /// Draws `string` with its baseline at y; returns its width.
    @discardableResult
    public func text(_ string: String, x: Double, y: Double, size: Double = 10, weight: Weight = .regular,
                     colour: Colour = .black, alignRight: Bool = false, centred: Bool = false) -> Double {
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, weight == .bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, string, &extents)
        let start = alignRight ? x - extents.x_advance : centred ? x - extents.x_advance / 2 : x
        set(colour)
        cairo_move_to(cr, start, y)
        cairo_show_text(cr, string)
        return extents.x_advance
    }

    /// Text rotated a quarter turn anticlockwise (a y-axis label), centred on (x, y).
    public func verticalText(_ string: String, x: Double, y: Double, size: Double = 10, colour: Colour = .black) {
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_rotate(cr, -Double.pi / 2)
        text(string, x: 0, y: 0, size: size, colour: colour, centred: true)
        cairo_restore(cr)
    }

    public func line(_ points: [(Double, Double)], colour: Colour = .black, width: Double = 1, dash: [Double] = []) {
        guard let first = points.first else { return }
        set(colour)
        cairo_set_line_width(cr, width)
        dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32(dash.count), 0) }
        cairo_move_to(cr, first.0, first.1)
        for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    public func fill(x: Double, y: Double, width: Double, height: Double, colour: Colour) {
        set(colour)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    /// A closed polygon filled with `colour` at `alpha` (a confidence band).
    public func band(_ points: [(Double, Double)], colour: Colour, alpha: Double) {
        guard let first = points.first else { return }
        cairo_set_source_rgba(cr, colour.r, colour.g, colour.b, alpha)
        cairo_move_to(cr, first.0, first.1)
        for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
        cairo_close_path(cr)
        cairo_fill(cr)
    }

    public func circle(x: Double, y: Double, radius: Double, colour: Colour) {
        set(colour)
        cairo_arc(cr, x, y, radius, 0, 2 * Double.pi)
        cairo_fill(cr)
    }

    /// An 8-bit grey or RGB image scaled into the box, aspect kept; returns the rectangle it took.
    @discardableResult
    public func image(_ picture: PixelImage, x: Double, y: Double, width: Double, height: Double) -> (x: Double, y: Double, width: Double, height: Double) {
        let w = picture.width, h = picture.height
        let stride = Int(cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, Int32(w)))
        let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(w), Int32(h))!
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let data = cairo_image_surface_get_data(image)!
        let c = picture.channels
        for yy in 0..<h {
            let row = data + yy * stride
            for xx in 0..<w {
                let i = (yy * w + xx) * c
                let (r, g, b) = c >= 3 ? (picture.pixels[i], picture.pixels[i + 1], picture.pixels[i + 2]) : (picture.pixels[i], picture.pixels[i], picture.pixels[i])
                // CAIRO_FORMAT_RGB24: native-endian 32-bit xRGB words.
                row.advanced(by: xx * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee = UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b) }
            }
        }
        cairo_surface_mark_dirty(image)
        let scale = min(width / Double(w), height / Double(h))
        let dw = Double(w) * scale, dh = Double(h) * scale
        let ox = x + (width - dw) / 2, oy = y + (height - dh) / 2
        cairo_save(cr)
        cairo_translate(cr, ox, oy)
        cairo_scale(cr, scale, scale)
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_paint(cr)
        cairo_restore(cr)
        return (ox, oy, dw, dh)
    }

    public func newPage() { cairo_show_page(cr) }

    /// Ends the document (the PDF's last page, or writes the PNG).
    public func finish() throws {
        if let pngPath {
            cairo_surface_flush(surface)
            let status = cairo_surface_write_to_png(surface, pngPath)
            guard status == CAIRO_STATUS_SUCCESS else { throw DocumentError("\(pngPath): cannot write the PNG (\(String(cString: cairo_status_to_string(status))))") }
        } else {
            cairo_show_page(cr)
            cairo_surface_finish(surface)
            let status = cairo_surface_status(surface)
            guard status == CAIRO_STATUS_SUCCESS else { throw DocumentError("cannot finish the PDF (\(String(cString: cairo_status_to_string(status))))") }
        }
    }

    private func set(_ c: Colour) { cairo_set_source_rgb(cr, c.r, c.g, c.b) }
}

public struct DocumentError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
