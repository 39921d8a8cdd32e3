import CKernels

/// Where the ultrasound image is on a scanner screen: the convex hull of the largest region brighter
/// than the screen's background (joined by other large regions beneath or above it, which a dark
/// vessel or shadow can cut off), slightly eroded so the fan's edge never counts as tissue. Fans —
/// curvilinear, sector, linear — are convex, so the hull restores anechoic parts (vessels, lung, a
/// shadow). Text, depth scales, grey bars and ECG traces are small or coloured and fall away.
public struct FanRegion: Sendable {
    public let width: Int
    public let height: Int
    /// Inside the fan and not under a coloured overlay.
    public let mask: [Bool]
    /// Bounding box of the fan: x0..<x1, y0..<y1.
    public let x0: Int, y0: Int, x1: Int, y1: Int
    public var area: Int { steato_count_true(mask, mask.count) }
    /// The fan's shape at half resolution, before any overlay is cut out (what another image of the
    /// same acquisition geometry can reuse), and the pixels that check that it fits.
    let shape: FanShape?
}

/// A detected fan's half-resolution hull, and sample points just outside and just inside each side of
/// its edge (left, right, top, bottom): the outside points that were flat background on the image it
/// was found in (the hull can stop short of a dark near or far field, so some outside points may be
/// tissue, and are not used), and the share of each side's inside points that showed tissue there.
struct FanShape: Sendable {
    let halfWidth: Int, halfHeight: Int
    let hull: [Bool]
    let flatOutside: [Int]
    let inside: [[Int]]
    let insideTissueShare: [Double]
}

public enum FanDetector {
    /// Grey level (0–255) of each pixel, and whether it is coloured (an overlay: marker, caliper, label, ECG).
    public static func greyAndColour(_ image: PixelImage, chromaThreshold: Int = 40) -> (grey: [UInt8], coloured: [Bool]) {
        let n = image.width * image.height
        if image.channels == 1 { return (image.pixels, [Bool](repeating: false, count: n)) }
        var grey = [UInt8](repeating: 0, count: n), coloured = [Bool](repeating: false, count: n)
        steato_grey_colour(image.pixels, n, Int32(chromaThreshold), &grey, &coloured)
        return (grey, coloured)
    }

    public static func detect(_ image: PixelImage) -> FanRegion? {
        let (grey, coloured) = greyAndColour(image)
        return detect(grey: grey, coloured: coloured, width: image.width, height: image.height)
    }

    public static func detect(grey: [UInt8], coloured: [Bool], width w: Int, height h: Int) -> FanRegion? {
        // Work at half resolution: the fan is large, and this keeps detection to a few milliseconds.
        let sw = w / 2, sh = h / 2
        guard sw > 8, sh > 8 else { return nil }
        var small = [Float](repeating: 0, count: sw * sh)
        var smallColour = [Bool](repeating: false, count: sw * sh)
        steato_half_downsample(grey, coloured, w, sw, sh, &small, &smallColour)
        // The screen's background level, from its border; tissue is clearly brighter after a box blur
        // that bridges speckle.
        var border: [Float] = []
        for x in 0..<sw { border.append(small[x]); border.append(small[(sh - 1) * sw + x]) }
        for y in 0..<sh { border.append(small[y * sw]); border.append(small[y * sw + sw - 1]) }
        border.sort()
        let background = border[border.count / 2]
        // Tissue is brighter than the background and textured (speckle); flat bands such as a header bar are not.
        let blurred = boxBlur(small, width: sw, height: sh, radius: 3)
        let squares = boxBlur(small.map { $0 * $0 }, width: sw, height: sh, radius: 3)
        // Burned-in text is bright strokes on the background: its spread is far larger than its level
        // above the background, where speckle's is smaller (so text never joins the fan). Dim speckle
        // (a far field darkened by attenuation or a low TGC slider) is fan too: `weak` is anything still
        // textured and a little above the background, which the region may grow into below. The screen
        // around the fan is flat, so growth stops at its edge; text beside it is not connected.
        var content = [Bool](repeating: false, count: sw * sh), weak = content
        blurred.withUnsafeBufferPointer { blurred in squares.withUnsafeBufferPointer { squares in
            smallColour.withUnsafeBufferPointer { colour in
                content.withUnsafeMutableBufferPointer { content in weak.withUnsafeMutableBufferPointer { weak in
                    for i in 0..<(sw * sh) where !colour[i] {
                        let variance = squares[i] - blurred[i] * blurred[i], level = blurred[i] - background
                        content[i] = level > 8 && variance > 6 && variance < level * level
                        weak[i] = level > 3 && variance > 4 && variance < (level + 12) * (level + 12)
                    }
                } }
            }
        } }
        guard var region = fanComponents(content, width: sw, height: sh) else { return nil }
        // Only downward from the region's top and within its width: a header bar above the fan is
        // dim and textured too (its text), and must never join it.
        var top = sh, left = sw, right = 0
        for y in 0..<sh { for x in 0..<sw where region[y * sw + x] { top = min(top, y); left = min(left, x); right = max(right, x) } }
        for y in 0..<sh { for x in 0..<sw where y < top || x < left || x > right { weak[y * sw + x] = false } }
        region = grow(region, into: weak, width: sw, height: sh)
        let eroded = erode(convexFill(region, width: sw, height: sh), width: sw, height: sh, radius: 2)
        // Back to full resolution, excluding coloured pixels.
        var mask = [Bool](repeating: false, count: w * h)
        var box = [Int](repeating: 0, count: 4)
        steato_expand_mask(eroded, sw, sh, coloured, w, &mask, &box)
        let (x0, y0, x1, y1) = (box[0], box[1], box[2], box[3])
        guard x1 - x0 > 16, y1 - y0 > 16 else { return nil }
        let shape = FanShape.make(hull: eroded, halfWidth: sw, halfHeight: sh, grey: grey, width: w, height: h)
        return FanRegion(width: w, height: h, mask: mask, x0: x0, y0: y0, x1: x1, y1: y1, shape: shape)
    }

    /// `previous`'s fan for another image of the same screen size, when it fits that image: the screen
    /// just outside its edge is flat background and the tissue just inside is where it was (a different
    /// depth, zoom or probe moves the edge and fails the check). The new image's own coloured overlays
    /// are cut out. nil when it does not fit: detect afresh.
    public static func reuse(_ previous: FanRegion, grey: [UInt8], coloured: [Bool], width w: Int, height h: Int) -> FanRegion? {
        guard let shape = previous.shape, previous.width == w, previous.height == h, grey.count == w * h else { return nil }
        let background = FanShape.background(grey, width: w, height: h)
        let stillFlat = shape.flatOutside.filter { FanShape.level(grey, at: $0, width: w) <= background + FanShape.flat }.count
        guard Double(stillFlat) >= 0.97 * Double(shape.flatOutside.count) else { return nil }
        // Each side on its own: a fan that shrank at one side only (a shallower linear image) fails there.
        for (points, share) in zip(shape.inside, shape.insideTissueShare) {
            let tissue = points.filter { FanShape.level(grey, at: $0, width: w) > background + FanShape.tissue }.count
            guard Double(tissue) >= 0.9 * share * Double(points.count) else { return nil }
        }
        var mask = [Bool](repeating: false, count: w * h)
        var box = [Int](repeating: 0, count: 4)
        steato_expand_mask(shape.hull, shape.halfWidth, shape.halfHeight, coloured, w, &mask, &box)
        guard box[2] - box[0] > 16, box[3] - box[1] > 16 else { return nil }
        return FanRegion(width: w, height: h, mask: mask, x0: box[0], y0: box[1], x1: box[2], y1: box[3], shape: shape)
    }

    static func boxBlur(_ v: [Float], width w: Int, height h: Int, radius r: Int) -> [Float] {
        var scratch = [Float](repeating: 0, count: v.count), out = scratch
        steato_box_blur(v, w, h, r, &scratch, &out)
        return out
    }

    /// The largest 4-connected region, with every other region at least an eighth its size that lies
    /// around it without touching the screen's edge (parts of the fan cut off by an anechoic band or a
    /// rib shadow).
    static func fanComponents(_ m: [Bool], width w: Int, height h: Int) -> [Bool]? {
        var label = [Int32](repeating: 0, count: m.count)
        var sizes: [Int] = [0], spans: [(Int, Int)] = [(0, 0)], rows: [(Int, Int)] = [(0, 0)]
        var stack: [Int] = []
        stack.reserveCapacity(m.count)
        m.withUnsafeBufferPointer { m in label.withUnsafeMutableBufferPointer { label in
            for start in m.indices where m[start] && label[start] == 0 {
                let id = Int32(sizes.count)
                var size = 0, minX = w, maxX = 0, minY = h, maxY = 0
                label[start] = id
                stack.append(start)
                while let i = stack.popLast() {
                    size += 1
                    let x = i % w, y = i / w
                    minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
                    if x > 0 && m[i - 1] && label[i - 1] == 0 { label[i - 1] = id; stack.append(i - 1) }
                    if x < w - 1 && m[i + 1] && label[i + 1] == 0 { label[i + 1] = id; stack.append(i + 1) }
                    if y > 0 && m[i - w] && label[i - w] == 0 { label[i - w] = id; stack.append(i - w) }
                    if y < h - 1 && m[i + w] && label[i + w] == 0 { label[i + w] = id; stack.append(i + w) }
                }
                sizes.append(size); spans.append((minX, maxX)); rows.append((minY, maxY))
            }
        } }
        guard sizes.count > 1, let best = sizes.indices.dropFirst().max(by: { sizes[$0] < sizes[$1] }) else { return nil }
        let (bx0, bx1) = spans[best], (by0, by1) = rows[best]
        let mx = (bx1 - bx0) / 2, my = (by1 - by0) / 2
        var keep = [Bool](repeating: false, count: sizes.count)
        for id in sizes.indices.dropFirst() {
            let cx = (spans[id].0 + spans[id].1) / 2, cy = (rows[id].0 + rows[id].1) / 2
            let near = cx >= bx0 - mx && cx <= bx1 + mx && cy >= by0 - my && cy <= by1 + my
            // Bands along the screen's edge (a header bar with its text) are interface, not fan.
            let touchesEdge = spans[id].0 == 0 || spans[id].1 == w - 1 || rows[id].0 == 0 || rows[id].1 == h - 1
            // A band across the fan (the near field above a dark fat layer, the far field below a
            // dark TGC step) may be thin: it counts when it spans much of the fan's width.
            let overlap = min(spans[id].1, bx1) - max(spans[id].0, bx0)
            let band = overlap * 2 >= spans[id].1 - spans[id].0 && overlap * 3 >= bx1 - bx0 && sizes[id] * 40 >= sizes[best]
            // A band is judged by the gap between it and the fan, not by its centre: a vessel running
            // across the whole field (the aorta under the left lobe) can leave a deep band above it
            // whose centre lies far from the part beneath.
            let gap = max(rows[id].0 - by1, by0 - rows[id].1)
            let adjacent = band && gap <= my
            keep[id] = id == best || ((sizes[id] * 8 >= sizes[best] || band) && (near || adjacent) && !touchesEdge)
        }
        return label.map { keep[Int($0)] }
    }

    /// `region` extended by 4-connected flood fill through `allowed` pixels.
    static func grow(_ region: [Bool], into allowed: [Bool], width w: Int, height h: Int) -> [Bool] {
        var out = region
        var stack = region.indices.filter { region[$0] }
        out.withUnsafeMutableBufferPointer { out in
            allowed.withUnsafeBufferPointer { allowed in
                func visit(_ j: Int) { if !out[j] && allowed[j] { out[j] = true; stack.append(j) } }
                while let i = stack.popLast() {
                    let x = i % w, y = i / w
                    if x > 0 { visit(i - 1) }
                    if x < w - 1 { visit(i + 1) }
                    if y > 0 { visit(i - w) }
                    if y < h - 1 { visit(i + w) }
                }
            }
        }
        return out
    }

    /// The filled convex hull of the true pixels (Andrew's monotone chain on each row's extreme pixels).
    static func convexFill(_ m: [Bool], width w: Int, height h: Int) -> [Bool] {
        var points: [(Double, Double)] = []
        for y in 0..<h {
            var first = -1, last = -1
            for x in 0..<w where m[y * w + x] { if first < 0 { first = x }; last = x }
            if first >= 0 { points.append((Double(first), Double(y))); points.append((Double(last), Double(y))) }
        }
        guard points.count >= 3 else { return m }
        points.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        func cross(_ o: (Double, Double), _ a: (Double, Double), _ b: (Double, Double)) -> Double {
            (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
        }
        var lower: [(Double, Double)] = [], upper: [(Double, Double)] = []
        for p in points {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], p) <= 0 { lower.removeLast() }
            lower.append(p)
        }
        for p in points.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], p) <= 0 { upper.removeLast() }
            upper.append(p)
        }
        let hull = Array(lower.dropLast() + upper.dropLast())
        // Each row of a convex polygon is one span: intersect the row with every edge.
        var out = [Bool](repeating: false, count: m.count)
        for y in 0..<h {
            let yy = Double(y)
            var lo = Double.infinity, hi = -Double.infinity
            for i in hull.indices {
                let a = hull[i], b = hull[(i + 1) % hull.count]
                if (a.1 <= yy && yy <= b.1) || (b.1 <= yy && yy <= a.1) {
                    let x = a.1 == b.1 ? min(a.0, b.0) : a.0 + (yy - a.1) * (b.0 - a.0) / (b.1 - a.1)
                    let x2 = a.1 == b.1 ? max(a.0, b.0) : x
                    lo = min(lo, x); hi = max(hi, x2)
                }
            }
            guard lo <= hi else { continue }
            let x0 = max(0, Int(lo.rounded(.up))), x1 = min(w - 1, Int(hi.rounded(.down)))
            if x0 <= x1 { for x in x0...x1 { out[y * w + x] = true } }
        }
        return out
    }

    static func erode(_ m: [Bool], width w: Int, height h: Int, radius r: Int) -> [Bool] {
        var scratch = [Bool](repeating: false, count: m.count), out = scratch
        steato_erode(m, w, h, r, &scratch, &out)
        return out
    }
}

extension FanShape {
    /// Sample points 6 half-resolution pixels (12 on the screen) outside and inside the hull's edge,
    /// on every other row (left and right ends) and every other column (top and bottom ends).
    static func make(hull: [Bool], halfWidth sw: Int, halfHeight sh: Int, grey: [UInt8], width w: Int, height h: Int) -> FanShape? {
        let gap = 6
        var outside: [Int] = [], inside: [[Int]] = [[], [], [], []]
        func add(_ side: Int, _ ox: Int, _ oy: Int, _ ix: Int, _ iy: Int) {
            // Full-resolution top-left of a 4×4 box, kept off the screen's edge.
            func at(_ x: Int, _ y: Int) -> Int? {
                let fx = 2 * x - 1, fy = 2 * y - 1
                return fx >= 0 && fy >= 0 && fx + 4 <= w && fy + 4 <= h ? fy * w + fx : nil
            }
            guard let i = at(ix, iy) else { return }
            inside[side].append(i)
            if let o = at(ox, oy) { outside.append(o) }
        }
        for y in stride(from: 0, to: sh, by: 2) {
            var first = -1, last = -1
            for x in 0..<sw where hull[y * sw + x] { if first < 0 { first = x }; last = x }
            guard first >= 0, last - first > 4 * gap else { continue }
            add(0, first - gap, y, first + gap, y)
            add(1, last + gap, y, last - gap, y)
        }
        for x in stride(from: 0, to: sw, by: 2) {
            var first = -1, last = -1
            for y in 0..<sh where hull[y * sw + x] { if first < 0 { first = y }; last = y }
            guard first >= 0, last - first > 4 * gap else { continue }
            add(2, x, first - gap, x, first + gap)
            add(3, x, last + gap, x, last - gap)
        }
        let background = Self.background(grey, width: w, height: h)
        // Screen background is uniform to a grey level or two; dark tissue (a fat layer, lung) rarely is.
        let flatOutside = outside.filter { level(grey, at: $0, width: w) <= background + 2 }
        guard flatOutside.count >= 32, inside.allSatisfy({ $0.count >= 8 }) else { return nil }
        let shares = inside.map { points in
            Double(points.filter { level(grey, at: $0, width: w) > background + Self.tissue }.count) / Double(points.count)
        }
        return FanShape(halfWidth: sw, halfHeight: sh, hull: hull, flatOutside: flatOutside, inside: inside, insideTissueShare: shares)
    }

    /// Grey levels above the background: at most this is flat screen; above `tissue` is echo.
    static let flat = 6.0, tissue = 3.0

    /// Mean grey of the 4×4 box whose top-left pixel is `i`.
    static func level(_ grey: [UInt8], at i: Int, width w: Int) -> Double {
        var sum = 0
        for dy in 0..<4 { for dx in 0..<4 { sum += Int(grey[i + dy * w + dx]) } }
        return Double(sum) / 16
    }

    /// The screen's background: the median grey of its border.
    static func background(_ grey: [UInt8], width w: Int, height h: Int) -> Double {
        var border: [UInt8] = []
        for x in stride(from: 0, to: w, by: 2) { border.append(grey[x]); border.append(grey[(h - 1) * w + x]) }
        for y in stride(from: 0, to: h, by: 2) { border.append(grey[y * w]); border.append(grey[y * w + w - 1]) }
        border.sort()
        return Double(border[border.count / 2])
    }
}
