import UltrasoundImaging

/// A grid of simulated frames, grades down and scanners × views across, for a reader to see at a glance
/// what the simulator makes. Each scanner column uses one exam, so rows differ only in liver fat.
public enum ContactSheet {
    public static func render(tileWidth: Int = 150, seed: UInt64 = 7) -> PixelImage {
        let tileHeight = tileWidth * 3 / 4
        let fats: [(String, Double)] = [("HEALTHY 2%", 2), ("MILD 20%", 20), ("MODERATE 50%", 50), ("SEVERE 80%", 80)]
        let columns = ScannerProfile.all.flatMap { p in View.liverViews.map { (p, $0) } }
        let left = 100, top = 34
        var canvas = Canvas(width: left + columns.count * tileWidth, height: top + fats.count * tileHeight,
                            background: RGB(0, 0, 0))
        for (c, (profile, view)) in columns.enumerated() {
            let x = left + c * tileWidth
            if view == .rightIntercostal { canvas.text(profile.id, x: x + 4, y: 4, scale: 1, RGB(255, 210, 0)) }
            canvas.text(view.abbreviation, x: x + 4, y: 18, scale: 1, RGB(200, 200, 200))
        }
        for (r, (label, fat)) in fats.enumerated() {
            canvas.text(label, x: 4, y: top + r * tileHeight + tileHeight / 2 - 4, scale: 1, RGB(230, 230, 230))
            for (c, (profile, view)) in columns.enumerated() {
                var patient = SimulatedPatient(index: 1, fatPercent: fat, seed: seed)
                patient.kidneyVisibleChance = 1
                let frame = Exam(patient: patient, profile: profile, date: "2025-01-01", seed: seed).frame(view: view, index: 0)
                paste(crop(frame.image, profile.fanBox), into: &canvas, x: left + c * tileWidth, y: top + r * tileHeight,
                      width: tileWidth, height: tileHeight)
            }
        }
        return canvas.image()
    }

    /// The fan's box, so tiles show the image rather than the screen around it.
    static func crop(_ image: PixelImage, _ box: (x: Int, y: Int, width: Int, height: Int)) -> PixelImage {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(box.width * box.height * image.channels)
        for y in box.y..<min(image.height, box.y + box.height) {
            let start = (y * image.width + box.x) * image.channels
            pixels += image.pixels[start..<(start + box.width * image.channels)]
        }
        return PixelImage(width: box.width, height: pixels.count / (box.width * image.channels), channels: image.channels, pixels: pixels)
    }

    /// Area-averaged downscale of `image` into the tile.
    static func paste(_ image: PixelImage, into canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int) {
        for ty in 0..<height {
            for tx in 0..<width {
                let x0 = tx * image.width / width, x1 = max(x0 + 1, (tx + 1) * image.width / width)
                let y0 = ty * image.height / height, y1 = max(y0 + 1, (ty + 1) * image.height / height)
                var sum = [0, 0, 0], n = 0
                for sy in y0..<y1 { for sx in x0..<x1 {
                    let i = (sy * image.width + sx) * image.channels
                    for ch in 0..<3 { sum[ch] += Int(image.pixels[i + (image.channels == 3 ? ch : 0)]) }
                    n += 1
                } }
                canvas.set(x + tx, y + ty, RGB(UInt8(sum[0] / n), UInt8(sum[1] / n), UInt8(sum[2] / n)))
            }
        }
    }
}
