/// The pixel baselines the model is compared with. Each is defined once, here, and every front end
/// (the evaluation, the workstation's box tool) measures through it.
public enum Baselines {
    /// A box in pixels of the full frame.
    public typealias Box = (x: Int, y: Int, width: Int, height: Int)

    /// The hepatorenal index: mean grey (luma) in the liver box over mean grey in the kidney-cortex box,
    /// both on the whole frame as stored (the frame the boxes were drawn on), boxes clipped to it.
    /// nil when a box lies outside the frame or the kidney box is black (a ratio to noise).
    public static func hepatorenalIndex(grey: [UInt8], width: Int, height: Int, liver: Box, kidney: Box) -> Double? {
        func mean(_ b: Box) -> Double? {
            var sum = 0, n = 0
            for y in max(0, b.y)..<max(max(0, b.y), min(height, b.y + b.height)) {
                for x in max(0, b.x)..<max(max(0, b.x), min(width, b.x + b.width)) { sum += Int(grey[y * width + x]); n += 1 }
            }
            return n > 0 ? Double(sum) / Double(n) : nil
        }
        guard let l = mean(liver), let k = mean(kidney), k >= 1 else { return nil }
        return l / k
    }

    /// B-mode attenuation: the least-squares slope of mean fan brightness against depth, negated so
    /// that more attenuation (a steeper fall with depth) reads higher. nil with fewer than six rows.
    public static func attenuation(depths: [Double], brightness: [Double]) -> Double? {
        guard depths.count > 5, depths.count == brightness.count else { return nil }
        let mx = depths.reduce(0, +) / Double(depths.count), my = brightness.reduce(0, +) / Double(brightness.count)
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(depths, brightness) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        return sxx > 0 ? -sxy / sxx : nil
    }
}
