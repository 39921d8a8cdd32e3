import CKernels
import Phantom
import Testing

/// The preprocessing kernels rewritten for speed give exactly what the plain loops they replaced gave
/// (written out here as the reference): same integer sums, same floats added in the same order.
@Suite struct ImagingKernelTests {
    /// The area average as first written: every cell's pixels added one by one.
    func referenceResample(_ grey: [UInt8], _ mask: [Bool], w: Int, h: Int, box: (Int, Int, Int, Int), size: Int) -> ([Float], [Bool]) {
        let (x0, y0, x1, y1) = box
        let bw = x1 - x0, bh = y1 - y0
        var intensity = [Float](repeating: 0, count: size * size), inside = [Bool](repeating: false, count: size * size)
        for oy in 0..<size {
            let sy0 = y0 + oy * bh / size, sy1 = max(y0 + (oy + 1) * bh / size, sy0 + 1)
            for ox in 0..<size {
                let sx0 = x0 + ox * bw / size, sx1 = max(x0 + (ox + 1) * bw / size, sx0 + 1)
                var sum = 0, count = 0
                for sy in sy0..<sy1 where sy >= 0 && sy < h {
                    for sx in sx0..<sx1 where sx >= 0 && sx < w && mask[sy * w + sx] { sum += Int(grey[sy * w + sx]); count += 1 }
                }
                let isInside = count * 2 > (sy1 - sy0) * (sx1 - sx0)
                intensity[oy * size + ox] = isInside ? Float(sum) / Float(count) / 255 : 0
                inside[oy * size + ox] = isInside
            }
        }
        return (intensity, inside)
    }

    @Test func areaResampleMatchesThePlainLoop() {
        var random = RandomSource(seed: 41)
        let w = 203, h = 157
        let grey = (0..<(w * h)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let mask = (0..<(w * h)).map { _ in Double.random(in: 0..<1, using: &random) < 0.8 }
        // Inside the image, past every edge, smaller than the output (cells of one pixel, repeated), tiny.
        let boxes = [(10, 12, 190, 150), (-30, -20, 240, 200), (50, 40, 90, 70), (0, 0, w, h), (150, 100, 260, 190), (5, 5, 7, 8)]
        for box in boxes {
            for size in [128, 37] {
                var intensity = [Float](repeating: -1, count: size * size), inside = [Bool](repeating: true, count: size * size)
                steato_area_resample(grey, mask, w, h, box.0, box.1, box.2, box.3, size, &intensity, &inside)
                let (expected, expectedInside) = referenceResample(grey, mask, w: w, h: h, box: box, size: size)
                #expect(intensity == expected, "box \(box), size \(size)")
                #expect(inside == expectedInside, "box \(box), size \(size)")
            }
        }
    }

    @Test func expandedMaskMatchesThePlainLoop() {
        var random = RandomSource(seed: 43)
        for (sw, sh, w) in [(60, 40, 121), (60, 40, 120), (33, 21, 66)] {
            let h = 2 * sh + 1
            // A blob in the middle (a fan), empty rows above and below, and scattered coloured pixels.
            let small = (0..<(sw * sh)).map { i -> Bool in
                let x = i % sw, y = i / sw
                return y > 3 && y < sh - 5 && abs(x - sw / 2) < y / 2 + 2 && Double.random(in: 0..<1, using: &random) < 0.95
            }
            let coloured = (0..<(w * h)).map { _ in Double.random(in: 0..<1, using: &random) < 0.1 }
            var mask = [Bool](repeating: false, count: w * h), box = [Int](repeating: 0, count: 4)
            steato_expand_mask(small, sw, sh, coloured, w, &mask, &box)
            var expected = [Bool](repeating: false, count: w * h), x0 = w, y0 = 2 * sh, x1 = 0, y1 = 0
            for y in 0..<(2 * sh) { for x in 0..<(2 * sw) where small[(y / 2) * sw + x / 2] && !coloured[y * w + x] {
                expected[y * w + x] = true
                x0 = min(x0, x); x1 = max(x1, x + 1); y0 = min(y0, y); y1 = max(y1, y + 1)
            } }
            #expect(mask == expected)
            #expect(box == [x0, y0, x1, y1])
        }
        // Nothing set: the box says so (x1 ≤ x0).
        var mask = [Bool](repeating: false, count: 20 * 21), box = [Int](repeating: 0, count: 4)
        steato_expand_mask([Bool](repeating: false, count: 100), 10, 10, [Bool](repeating: false, count: 20 * 21), 20, &mask, &box)
        #expect(box[2] <= box[0] && !mask.contains(true))
    }

    @Test func maskedMeanMatchesThePlainLoop() {
        var random = RandomSource(seed: 47)
        let n = 64
        let values = (0..<(n * n)).map { _ in Float.random(in: 0..<1, using: &random) }
        let mask = (0..<(n * n)).map { _ in Double.random(in: 0..<1, using: &random) < 0.7 }
        for r in [0, 2, 5] {
            var out = [Float](repeating: -1, count: n * n)
            steato_masked_mean(values, mask, n, r, &out)
            var expected = [Float](repeating: 0, count: n * n)
            for y in 0..<n { for x in 0..<n where mask[y * n + x] {
                var sum: Float = 0, k: Float = 0
                for yy in max(0, y - r)...min(n - 1, y + r) { for xx in max(0, x - r)...min(n - 1, x + r) where mask[yy * n + xx] {
                    sum += values[yy * n + xx]; k += 1
                } }
                expected[y * n + x] = sum / k
            } }
            #expect(out == expected, "radius \(r)")
        }
    }
}
