import Phantom
import UltrasoundImaging

/// Measurements taken from pixels only, as a reader with a ruler would.
enum Measure {
    static func grey(_ image: PixelImage, _ x: Int, _ y: Int) -> Double {
        let i = (y * image.width + x) * image.channels
        if image.channels == 1 { return Double(image.pixels[i]) }
        return (Double(image.pixels[i]) + Double(image.pixels[i + 1]) + Double(image.pixels[i + 2])) / 3
    }

    static func mean(_ image: PixelImage, _ r: Phantom.Rect) -> Double {
        var sum = 0.0
        for y in r.y..<(r.y + r.height) { for x in r.x..<(r.x + r.width) { sum += grey(image, x, y) } }
        return sum / Double(r.width * r.height)
    }

    /// Mean grey of the fan pixels in a band of depths (cm) within ±halfWidth cm of the centre line.
    static func band(_ frame: SimulatedFrame, depths: ClosedRange<Double>, halfWidth: Double) -> Double {
        var sum = 0.0, n = 0
        let y0 = Int(frame.skinY + depths.lowerBound * frame.pixelsPerCm)
        let y1 = Int(frame.skinY + depths.upperBound * frame.pixelsPerCm)
        let x0 = Int(frame.skinX - halfWidth * frame.pixelsPerCm), x1 = Int(frame.skinX + halfWidth * frame.pixelsPerCm)
        for y in y0...y1 { for x in x0...x1 where frame.insideFan(x, y) { sum += grey(frame.image, x, y); n += 1 } }
        return sum / Double(max(n, 1))
    }
}
