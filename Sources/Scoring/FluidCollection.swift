import CKernels

/// Wide fluid pockets, measured on the network's input (a fixed physical window, so widths are
/// in cm on every scanner). A liver view holds little fluid — vessels, the IVC, a gallbladder of a
/// few cm across at most — while an amniotic sac or a full bladder is several times wider.
/// Fluid is anechoic on every scanner: far darker than the tissue round it, with walls on all sides.
/// What attenuation or a shadow darkens is not: it fades in with depth and runs to the fan's edge.
public enum FluidCollection {
    /// Anechoic: this fraction of the tissue's brightness or less, after smoothing over speckle. The
    /// tissue's brightness is the fan's upper quartile, which fluid filling half the fan leaves alone.
    static let anechoic: Float = 0.15
    /// The box blur's radius in cells (2: 6 mm across), which bridges speckle.
    static let radius = 2
    /// Tissue on a pocket's walls: at least this fraction of the tissue's brightness.
    static let walls: Float = 0.4
    /// The share of a pocket's columns that must have tissue above and below it.
    static let enclosed = 0.7

    /// Width in cm of the widest enclosed anechoic pocket of `input` (the diameter of the largest disc
    /// that fits in it; 0 when there is none). Widths, not areas: the aorta or the IVC may run across
    /// the whole window, but no liver vessel is wider than about 2.5 cm, while an amniotic pocket or a
    /// full bladder is 3–10 cm across.
    public static func widestPocketCm(_ input: NetworkInput, windowCm: Double = Preprocessing.windowCm) -> Double {
        let n = input.size, count = n * n
        var inside: [Float] = []
        for i in 0..<count where input.mask[i] { inside.append(input.intensity[i]) }
        guard inside.count > count / 20 else { return 0 }
        let tissue = steato_select(&inside, inside.count, inside.count * 3 / 4)
        guard tissue > 0.02 else { return 0 }   // a black screen: no tissue to compare fluid with
        let smooth = maskedMean(input, radius: radius)
        let dark = (0..<count).map { input.mask[$0] && smooth[$0] < anechoic * tissue }
        let cellCm = windowCm / Double(n)
        var widest = 0.0
        for region in components(dark, size: n) {
            // The blur leaves a fluid region about `radius` cells short of its walls on each side.
            let width = (2 * inscribedRadius(of: region, size: n) + Double(2 * radius)) * cellCm
            guard width > widest else { continue }
            if walled(region, size: n, smooth: smooth, mask: input.mask, level: walls * tissue) { widest = width }
        }
        return widest
    }

    /// The largest distance, in cells, from a cell of the region to the nearest cell outside it: the
    /// radius of the widest disc that fits (a 3–4 chamfer distance, within 8 % of the true one).
    static func inscribedRadius(of region: [Int], size n: Int) -> Double {
        // Worked on the region's bounding box with a one-cell border, all of it outside the region
        // (as the grid's edge is): no distance outside the box can change one inside it.
        var x0 = n, y0 = n, x1 = 0, y1 = 0
        for i in region { x0 = min(x0, i % n); x1 = max(x1, i % n); y0 = min(y0, i / n); y1 = max(y1, i / n) }
        let w = x1 - x0 + 3, h = y1 - y0 + 3
        var d = [Int32](repeating: 0, count: w * h)
        for i in region { d[(i / n - y0 + 1) * w + (i % n - x0 + 1)] = Int32.max / 2 }
        func relax(_ i: Int, _ j: Int, _ cost: Int32) { d[i] = min(d[i], d[j] + cost) }
        for y in 1..<(h - 1) { for x in 1..<(w - 1) where d[y * w + x] > 0 {
            let i = y * w + x
            relax(i, i - 1, 3); relax(i, i - w, 3); relax(i, i - w - 1, 4); relax(i, i - w + 1, 4)
        } }
        for y in stride(from: h - 2, through: 1, by: -1) { for x in stride(from: w - 2, through: 1, by: -1) where d[y * w + x] > 0 {
            let i = y * w + x
            relax(i, i + 1, 3); relax(i, i + w, 3); relax(i, i + w + 1, 4); relax(i, i + w - 1, 4)
        } }
        // A cell next to the outside is 3 (one cell) from it; its centre is half a cell from the edge.
        return Double(d.max() ?? 0) / 3 - 0.5
    }

    /// The mean of the fan's cells in a (2r+1)² box round each cell (cells outside the fan left out).
    static func maskedMean(_ input: NetworkInput, radius r: Int) -> [Float] {
        var out = [Float](repeating: 0, count: input.size * input.size)
        steato_masked_mean(input.intensity, input.mask, input.size, r, &out)
        return out
    }

    /// 4-connected regions of the true cells.
    static func components(_ m: [Bool], size n: Int) -> [[Int]] {
        var seen = [Bool](repeating: false, count: m.count), regions: [[Int]] = []
        for start in m.indices where m[start] && !seen[start] {
            var region: [Int] = [], stack = [start]
            seen[start] = true
            while let i = stack.popLast() {
                region.append(i)
                let x = i % n, y = i / n
                for (j, ok) in [(i - 1, x > 0), (i + 1, x < n - 1), (i - n, y > 0), (i + n, y < n - 1)] where ok && m[j] && !seen[j] {
                    seen[j] = true; stack.append(j)
                }
            }
            regions.append(region)
        }
        return regions
    }

    /// Whether tissue (at least `level`) lies within 1.5 cm above and within 1.5 cm below the region
    /// in most of its columns: fluid has a near and a far wall. Below the diaphragm, in a shadow or a
    /// dark far field the darkness runs on to the fan's end instead.
    static func walled(_ region: [Int], size n: Int, smooth: [Float], mask: [Bool], level: Float) -> Bool {
        var top = [Int](repeating: n, count: n), bottom = [Int](repeating: -1, count: n)
        for i in region { top[i % n] = min(top[i % n], i / n); bottom[i % n] = max(bottom[i % n], i / n) }
        let reach = n * 3 / 32   // 1.5 cm of a 16 cm window
        var columns = 0, above = 0, below = 0
        for x in 0..<n where bottom[x] >= 0 {
            columns += 1
            func tissue(_ ys: StrideThrough<Int>) -> Bool {
                ys.contains { y in y >= 0 && y < n && mask[y * n + x] && smooth[y * n + x] >= level }
            }
            if tissue(stride(from: top[x] - 1, through: top[x] - reach, by: -1)) { above += 1 }
            if tissue(stride(from: bottom[x] + 1, through: bottom[x] + reach, by: 1)) { below += 1 }
        }
        return Double(above) >= enclosed * Double(columns) && Double(below) >= enclosed * Double(columns)
    }
}
