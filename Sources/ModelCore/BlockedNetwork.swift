import Foundation
import CKernels

/// The folded network run image by image on channel-blocked activations (NCHW8c) with fused kernels
/// (`blocked_kernels.h`): the stem, each block's depthwise, shortcut and pointwise convolutions with
/// bias, FiLM, residual and SiLU in their epilogues, pooling and the head. Weights are packed once;
/// every activation buffer is allocated once here, so scoring allocates nothing per image. One
/// instance per thread. The layer-by-layer `ConvNet` stays the reference it is tested against.
public final class BlockedNetwork {
    public let spec: NetworkSpec

    private struct Block {
        var cin: Int, cout: Int, stride: Int
        var h: Int, w: Int, ho: Int, wo: Int
        var depthwise: [Float], depthwiseBias: [Float]
        var pointwise: [Float], pointwiseBias: [Float]
        var shortcut: [Float]?, shortcutBias: [Float]?
        var filmScale: [Float], filmShift: [Float]
    }

    private let stem: [Float], stemBias: [Float]
    private let stemH: Int, stemW: Int
    private let blocks: [Block]
    private let head: [Float], headBias: [Float]
    private let features: Int
    private var current: [Float], next: [Float], depthwiseOut: [Float], shortcutOut: [Float], subsampled: [Float]
    private var pooled: [Float]

    /// Whether a spec fits the blocked kernels: every channel count a multiple of 8.
    public static func supports(_ spec: NetworkSpec) -> Bool {
        spec.stem % 8 == 0 && spec.blocks.allSatisfy { $0.out % 8 == 0 && ($0.stride == 1 || $0.stride == 2) }
    }

    /// From the inference (folded) form of a network.
    public init(folded net: ConvNet) {
        precondition(net.isFolded, "the blocked network is built from the folded form")
        precondition(Self.supports(net.spec), "channel counts must be multiples of 8")
        spec = net.spec
        var named: [String: [Float]] = [:]
        for p in net.parameters { named[p.name] = p.value.data }
        func tensor(_ name: String) -> [Float] {
            guard let t = named[name] else { preconditionFailure("folded network has no \(name)") }
            return t
        }
        let cin = spec.inputChannels
        stem = Self.packDense(tensor("stem.conv.weight"), cout: spec.stem, perOut: cin * 9)
        stemBias = tensor("stem.conv.bias")
        stemH = (spec.inputHeight + 2 - 3) / 2 + 1
        stemW = (spec.inputWidth + 2 - 3) / 2 + 1
        var largest = spec.stem * stemH * stemW, largestShortcutInput = 0
        var (c, h, w) = (spec.stem, stemH, stemW)
        var built: [Block] = []
        for (i, b) in spec.blocks.enumerated() {
            let p = "blocks.\(i)."
            let ho = (h + 2 - 3) / b.stride + 1, wo = (w + 2 - 3) / b.stride + 1
            let needsShortcut = b.stride != 1 || c != b.out
            built.append(Block(
                cin: c, cout: b.out, stride: b.stride, h: h, w: w, ho: ho, wo: wo,
                depthwise: Self.packDense(tensor(p + "dw.weight"), cout: c, perOut: 9), depthwiseBias: tensor(p + "dw.bias"),
                pointwise: Self.packDense(tensor(p + "pw.weight"), cout: b.out, perOut: c), pointwiseBias: tensor(p + "pw.bias"),
                shortcut: needsShortcut ? Self.packDense(tensor(p + "short.weight"), cout: b.out, perOut: c) : nil,
                shortcutBias: needsShortcut ? tensor(p + "short.bias") : nil,
                filmScale: tensor(p + "film.scale"), filmShift: tensor(p + "film.shift")))
            largest = max(largest, c * ho * wo, b.out * ho * wo)
            if needsShortcut && b.stride != 1 { largestShortcutInput = max(largestShortcutInput, c * ho * wo) }
            (c, h, w) = (b.out, ho, wo)
        }
        blocks = built
        features = c
        head = tensor("head.weight")
        headBias = tensor("head.bias")
        current = [Float](repeating: 0, count: largest)
        next = current
        depthwiseOut = current
        shortcutOut = current
        subsampled = [Float](repeating: 0, count: max(1, largestShortcutInput))
        pooled = [Float](repeating: 0, count: c)
    }

    /// A weight [cout, perOut] (a dense conv's [cout, cin, k, k], a depthwise conv's [c, 1, k, k]) as
    /// [cout / 8][perOut][8]: each input tap's eight output channels side by side.
    static func packDense(_ weight: [Float], cout: Int, perOut: Int) -> [Float] {
        var packed = [Float](repeating: 0, count: weight.count)
        for ob in 0..<(cout / 8) {
            for k in 0..<perOut {
                for l in 0..<8 { packed[(ob * perOut + k) * 8 + l] = weight[(ob * 8 + l) * perOut + k] }
            }
        }
        return packed
    }

    /// Layers with at least this many multiply-adds are split between two threads when `forward` is
    /// given two. With the spinning helper a split costs a few microseconds, so most of the shipped
    /// network's layers are worth it too: at batch 1, five interleaved runs each, 4 M / 1 M / 250 k gave
    /// medians of 0.290 / 0.256 (with runs at 0.5) / 0.241 ms for the shipped network and 5.05 / 4.54 /
    /// 4.47 ms for the 4× wide one.
    static let splitMultiplyAdds = 250_000

    /// Runs body(first, count) over `blocks` 8-channel blocks: in two halves, here and on the process's
    /// helper thread (`helper_thread.h`), when `threads` > 1, the layer is large and the helper is
    /// free; else at once here.
    private func byBlocks(_ blocks: Int, multiplyAdds: Int, threads: Int, _ body: (Int, Int) -> Void) {
        guard threads > 1, blocks > 1, multiplyAdds >= Self.splitMultiplyAdds else { body(0, blocks); return }
        let shared = withoutActuallyEscaping(body) { body in
            var job = SplitJob(blocks: blocks, body: body)
            return withUnsafeMutablePointer(to: &job) { job in
                steato_helper_run({ context, part in
                    let job = context!.assumingMemoryBound(to: SplitJob.self).pointee
                    let first = job.blocks * part / 2, end = job.blocks * (part + 1) / 2
                    job.body(first, end - first)
                }, job)
            }
        }
        if shared == 0 { body(0, blocks) }
    }

    /// One split layer as the helper thread's C entry point sees it.
    private struct SplitJob {
        var blocks: Int
        var body: (Int, Int) -> Void
    }

    /// Logits of one image [C, H, W] under one condition (view index), written to `logits`. With
    /// `threads` 2 its large layers are split between two threads (by output channel blocks: each
    /// writes its own part of the output).
    public func forward(_ image: UnsafePointer<Float>, condition: Int, logits: UnsafeMutablePointer<Float>, threads: Int = 1) {
        precondition(condition >= 0 && condition < spec.conditions, "condition \(condition) outside 0..<\(spec.conditions)")
        let spec = self.spec, (stemH, stemW) = (self.stemH, self.stemW)
        let input = SharedPointer(image)
        let l = 8
        current.withUnsafeMutableBufferPointer { out in stem.withUnsafeBufferPointer { w in stemBias.withUnsafeBufferPointer { bias in
            let (out, w, bias) = (SharedPointer(out.baseAddress!), SharedPointer(w.baseAddress!), SharedPointer(bias.baseAddress!))
            let cin = spec.inputChannels
            byBlocks(spec.stem / l, multiplyAdds: spec.stem * cin * 9 * stemH * stemW, threads: threads) { first, count in
                steato_nchwc_stem(input.raw, cin, spec.inputHeight, spec.inputWidth, w.raw + first * cin * 9 * l,
                                  bias.raw + first * l, count * l, out.raw + first * stemH * stemW * l, stemH, stemW)
            }
        } } }
        for b in blocks {
            let plane = b.ho * b.wo
            current.withUnsafeBufferPointer { x in
            depthwiseOut.withUnsafeMutableBufferPointer { dw in
            shortcutOut.withUnsafeMutableBufferPointer { sc in
            subsampled.withUnsafeMutableBufferPointer { sub in
            next.withUnsafeMutableBufferPointer { y in
            b.depthwise.withUnsafeBufferPointer { dww in b.depthwiseBias.withUnsafeBufferPointer { dwb in
            b.pointwise.withUnsafeBufferPointer { pww in b.pointwiseBias.withUnsafeBufferPointer { pwb in
            (b.shortcut ?? []).withUnsafeBufferPointer { scw in (b.shortcutBias ?? []).withUnsafeBufferPointer { scb in
            b.filmScale.withUnsafeBufferPointer { scale in b.filmShift.withUnsafeBufferPointer { shift in
                let (x, dw, sc, sub, y) = (SharedPointer(x.baseAddress!), SharedPointer(dw.baseAddress!), SharedPointer(sc.baseAddress!),
                                           SharedPointer(sub.baseAddress!), SharedPointer(y.baseAddress!))
                let (dww, dwb, pww, pwb) = (SharedPointer(dww.baseAddress!), SharedPointer(dwb.baseAddress!),
                                            SharedPointer(pww.baseAddress!), SharedPointer(pwb.baseAddress!))
                let (scale, shift) = (SharedPointer(scale.baseAddress! + condition * b.cout), SharedPointer(shift.baseAddress! + condition * b.cout))
                byBlocks(b.cin / l, multiplyAdds: b.cin * 9 * plane, threads: threads) { first, count in
                    steato_nchwc_depthwise(x.raw + first * b.h * b.w * l, count * l, b.h, b.w, dww.raw + first * 9 * l,
                                           dwb.raw + first * l, b.stride, dw.raw + first * plane * l, b.ho, b.wo)
                }
                var residual = x
                // (An empty array's buffer can still have a base address: ask the block, not the pointer.)
                if b.shortcut != nil, let scw = scw.baseAddress, let scb = scb.baseAddress {
                    let (scw, scb) = (SharedPointer(scw), SharedPointer(scb))
                    var source = x
                    if b.stride != 1 {
                        steato_nchwc_subsample(x.raw, b.cin, b.h, b.w, b.stride, sub.raw, b.ho, b.wo)
                        source = sub
                    }
                    let from = source
                    byBlocks(b.cout / l, multiplyAdds: b.cin * b.cout * plane, threads: threads) { first, count in
                        steato_nchwc_pointwise(from.raw, b.cin, plane, scw.raw + first * b.cin * l, scb.raw + first * l, count * l,
                                               nil, nil, nil, 0, sc.raw + first * plane * l)
                    }
                    residual = sc
                }
                let shortcut = residual
                byBlocks(b.cout / l, multiplyAdds: b.cin * b.cout * plane, threads: threads) { first, count in
                    steato_nchwc_pointwise(dw.raw, b.cin, plane, pww.raw + first * b.cin * l, pwb.raw + first * l, count * l,
                                           scale.raw + first * l, shift.raw + first * l, shortcut.raw + first * plane * l, 1,
                                           y.raw + first * plane * l)
                }
            } } } } } } } } } } } } }
            swap(&current, &next)
        }
        let last = blocks.last
        let plane = last.map { $0.ho * $0.wo } ?? stemH * stemW
        current.withUnsafeBufferPointer { x in pooled.withUnsafeMutableBufferPointer { p in
            steato_nchwc_average(x.baseAddress!, features, plane, p.baseAddress!)
        } }
        for o in 0..<spec.outputs {
            var sum = headBias[o]
            for c in 0..<features { sum += head[o * features + c] * pooled[c] }
            logits[o] = sum
        }
    }
}
