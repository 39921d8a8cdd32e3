import ModelCore
import UltrasoundImaging

/// The steatosis network: a shared trunk with per-view FiLM (view-specific parameterisation, as the
/// published system's group did) and three heads on one linear layer — cumulative ordinal logits
/// for P(grade ≥ mild / moderate / severe), view logits, and the gate (usable liver image / not a
/// liver B-mode image / too poor to score), which decides what is refused.
///
/// Input: channels of `size`×`size` — the fan's intensities normalised per image (one plane, or two
/// with `IntensityNormalisation.both`), and the physical depth of each row (so the network can read attenuation with depth, which global pooling would hide).
public enum SteatosisNetwork {
    public static let size = 128
    public static let views: [View] = [.rightIntercostal, .subcostal, .leftLobe, .other]

    public static let spec = spec(for: .medianSpread)

    /// The network for inputs normalised one way (`.both` has one more input channel).
    public static func spec(for normalisation: IntensityNormalisation) -> NetworkSpec { NetworkSpec(
        inputChannels: normalisation.inputChannels, inputHeight: size, inputWidth: size, conditions: views.count, stem: 16,
        blocks: [.init(out: 24, stride: 2), .init(out: 24, stride: 1), .init(out: 48, stride: 2), .init(out: 48, stride: 1),
                 .init(out: 64, stride: 2), .init(out: 64, stride: 1), .init(out: 96, stride: 2), .init(out: 96, stride: 1)],
        dropout: 0.2,
        heads: [.init(name: "ordinal", size: 3), .init(name: "view", size: views.count), .init(name: "gate", size: 3)]) }

    /// The condition (FiLM index) for a view. An untagged image runs as `other`: training shows the
    /// network untagged images that way (view dropout), so it stands for "view unknown" too.
    public static func condition(for view: View?) -> Int {
        view.flatMap { views.firstIndex(of: $0) } ?? unknownView
    }

    /// The condition of an image whose view is not known (and of junk images in training).
    public static let unknownView = views.firstIndex(of: .other)!

    /// Stacks prepared images into the network's input batch, [n, channels, size, size].
    static func batch(_ inputs: [NetworkInput], normalisation: IntensityNormalisation) -> Tensor {
        let plane = normalisation.inputChannels * size * size
        var x = Tensor(zeros: [inputs.count, normalisation.inputChannels, size, size])
        for (b, input) in inputs.enumerated() { x.data.replaceSubrange((b * plane)..<((b + 1) * plane), with: input.channels(normalisation: normalisation)) }
        return x
    }
}
