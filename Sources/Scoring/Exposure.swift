/// How much of the fan the gain has left readable, measured on the network's input (1.25 mm cells,
/// so speckle is averaged out). Echogenicity is what the score reads; where the gain is far off it
/// is the gain's, not the tissue's: washed out, most of the fan is clipped white; nearly black, even
/// the near field, which no attenuation darkens, is lost. A fatty liver's dark far field is not
/// either, which is why the black share counts only the upper half of the fan.
public enum Exposure {
    /// A cell this bright (of 1) is clipped white; this dark, black.
    static let white: Float = 0.96
    static let black: Float = 0.03

    /// The share of the fan's cells clipped white, and the share of the upper half of the fan's
    /// depth that is black (0 and 0 for an input with no fan).
    public static func measure(_ input: NetworkInput) -> (clippedWhite: Double, blackNearField: Double) {
        let n = input.size
        guard let lastRow = input.mask.lastIndex(of: true).map({ $0 / n }) else { return (0, 0) }
        let firstRow = input.mask.firstIndex(of: true)! / n
        let nearFieldEnd = firstRow + (lastRow - firstRow + 1) / 2
        var cells = 0, white = 0, near = 0, black = 0
        for i in 0..<(n * n) where input.mask[i] {
            cells += 1
            if input.intensity[i] >= Self.white { white += 1 }
            if i / n < nearFieldEnd {
                near += 1
                if input.intensity[i] <= Self.black { black += 1 }
            }
        }
        return (Double(white) / Double(max(1, cells)), Double(black) / Double(max(1, near)))
    }
}
