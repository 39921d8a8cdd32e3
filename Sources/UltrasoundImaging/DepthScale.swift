/// Reads the depth scale a scanner burns in beside the image: a column of short bright ticks, one
/// per centimetre (often longer every five), running down the side of the fan. Screenshots carry no
/// pixel spacing, and without it the network cannot read attenuation per centimetre.
///
/// Why this works: the ticks are the only thing on an ultrasound screen that repeats at one exact
/// spacing down a single pixel column for many periods. Text stacks at line spacing too, but its
/// runs are not short isolated marks at a constant pitch over the fan's whole height, and speckle
/// is not periodic. So: in every column within reach of the fan's sides, find short bright runs
/// (ticks are 1–6 pixels tall), and keep the column whose run centres fall on one pitch most often
/// over at least half the fan's height.
/// What one tick is comes from the major marks (a wider tick or a diamond, with the numbers): every
/// 5th tick means centimetre ticks, every 10th or every 2nd half-centimetre ticks. Without visible
/// majors, a pitch is a centimetre when it makes the fan 3–30 cm deep, else half a centimetre.
public enum DepthScale {
    /// Centimetres per pixel read from the screen's depth scale, or nil when none is found.
    public static func read(grey: [UInt8], width: Int, height: Int, fan: FanRegion) -> Double? {
        // The scale runs the whole imaging depth: below a fan whose dim far field was not found too.
        let top = max(0, fan.y0 - 4), bottom = height
        guard bottom - top > 40 else { return nil }
        // Every column beside the fan: scales sit anywhere from the screen's edge to the fan's.
        // A scale column needs five pixels brighter than 110 (one a tick); counted for every column in
        // one pass down the rows, which settles most columns (dark ones) without a strided walk.
        let brightCounts = brightPixelsPerColumn(grey: grey, width: width, from: top, to: bottom)
        let columns = (Array(0..<max(0, fan.x0 - 1)) + Array(min(width, fan.x1 + 1)..<width)).filter { brightCounts[$0] >= 5 }
        var best: (x: Int, ticks: Int, pitch: Double, centres: [Double])?
        for x in columns {
            let centres = tickCentres(grey: grey, width: width, x: x, from: top, to: bottom)
            // A scale runs down most of the fan; a block of text lines does not.
            guard centres.count >= 5, let (found, regular) = pitch(centres), regular >= 4,
                  Double(regular) * found >= 0.5 * Double(fan.y1 - fan.y0), regular > (best?.ticks ?? 0) else { continue }
            best = (x, regular, found, centres)
        }
        guard let best, best.pitch >= 5 else { return nil }
        // Major marks (a wider tick, a diamond) every k ticks say what a tick is: every 5 → 1 cm
        // ticks, every 10 or every 2 → half-centimetre ticks.
        if let k = majorEvery(grey: grey, width: width, scale: best, from: top, to: bottom) {
            return (k == 5 ? 1 : 0.5) / best.pitch
        }
        let depth = Double(fan.y1 - fan.y0) / best.pitch
        if depth >= 3 && depth <= 30 { return 1 / best.pitch }
        if depth > 30 && depth <= 60 { return 0.5 / best.pitch }
        return nil
    }

    /// In the columns beside the tick column, marks that fall on every k-th tick (k = 2, 5 or 10).
    static func majorEvery(grey: [UInt8], width: Int, scale: (x: Int, ticks: Int, pitch: Double, centres: [Double]),
                           from top: Int, to bottom: Int) -> Int? {
        for x in max(0, scale.x - 8)...min(width - 1, scale.x + 8) {
            let marks = tickCentres(grey: grey, width: width, x: x, from: top, to: bottom)
            guard marks.count >= 2, marks.count * 2 <= scale.centres.count + 1,
                  marks.allSatisfy({ m in scale.centres.contains { abs($0 - m) <= 3 } }) else { continue }
            let steps = zip(marks.dropFirst(), marks).map { (($0 - $1) / scale.pitch).rounded() }
            guard let k = steps.first, [2, 5, 10].contains(k), steps.allSatisfy({ $0 == k }) else { continue }
            return Int(k)
        }
        return nil
    }

    /// How many pixels of each column, between rows `top` and `bottom`, are brighter than 110.
    static func brightPixelsPerColumn(grey: [UInt8], width: Int, from top: Int, to bottom: Int) -> [Int32] {
        var counts = [Int32](repeating: 0, count: width)
        grey.withUnsafeBufferPointer { g in
            counts.withUnsafeMutableBufferPointer { c in
                for y in top..<bottom {
                    let row = g.baseAddress! + y * width
                    for x in 0..<width { c[x] &+= row[x] > 110 ? 1 : 0 }
                }
            }
        }
        return counts
    }

    /// Centres of short bright runs down column x: brighter than 110 and than the column's typical
    /// level by 60, at most 6 pixels tall.
    static func tickCentres(grey: [UInt8], width: Int, x: Int, from top: Int, to bottom: Int) -> [Double] {
        grey.withUnsafeBufferPointer { g in
            // The column's median by counting its 256 grey levels (sorting each candidate column cost more).
            var counts = [Int](repeating: 0, count: 256)
            for y in top..<bottom { counts[Int(g[y * width + x])] += 1 }
            let half = (bottom - top) / 2
            var level = 0, seen = counts[0]
            while seen <= half { level += 1; seen += counts[level] }
            let floor = level + 60
            var centres: [Double] = []
            var start: Int?
            for i in 0...(bottom - top) {
                let v = i < bottom - top ? Int(g[(top + i) * width + x]) : 0
                let bright = v > 110 && v > floor
                if bright, start == nil { start = i }
                if !bright, let s = start {
                    if i - s <= 6 { centres.append(Double(top + s) + Double(i - s - 1) / 2) }
                    start = nil
                }
            }
            return centres
        }
    }

    /// The pitch most gaps agree with (gaps of two pitches, a missing tick, count too) and how many agree.
    static func pitch(_ centres: [Double]) -> (Double, Int)? {
        let gaps = zip(centres.dropFirst(), centres).map { $0 - $1 }.filter { $0 >= 4 }
        var best: (Double, Int)?
        for candidate in gaps {
            var agree: [Double] = []
            for g in gaps {
                let multiple = (g / candidate).rounded()
                guard multiple >= 1, multiple <= 2, abs(g - multiple * candidate) <= max(1.2, 0.04 * g) else { continue }
                agree.append(g / multiple)
            }
            if agree.count > (best?.1 ?? 0) { best = (agree.reduce(0, +) / Double(agree.count), agree.count) }
        }
        return best
    }
}
