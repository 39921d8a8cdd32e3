/// 2-D convolution, NCHW.
///
/// Speed: general convolutions unfold the whole batch once (im2col into a [K, N·P] workspace kept
/// between calls, K = Cin/groups·kh·kw, P = Hout·Wout) and do one sgemm per group, so BLAS sees
/// large products even at batch 1; 1×1 stride-1 convolutions skip the unfolding. Depthwise
/// convolutions (groups = Cin = Cout) have too little arithmetic per byte for GEMM and run as direct
/// loops. In training the unfolded input is kept for the backward pass instead of being rebuilt.
public final class Conv2d: Layer {
    public let inChannels, outChannels, kernel, stride, padding, dilation, groups: Int
    public let weight: Parameter
    public let bias: Parameter?
    /// Inference only: apply SiLU to the output in the same pass as the bias (folded networks).
    public var fusedSiLU = false
    /// False for a network's first layer: nothing needs dL/d(image), so backward skips it.
    public var needsInputGradient = true

    private var input = Tensor(zeros: [0])
    private var columns: [Float] = []      // [K, N·P] per group, groups stacked
    private var gemmOut: [Float] = []      // [Cout, N·P]
    private var columnGrad: [Float] = []   // dL/d(columns), training
    private var output = Tensor(zeros: [0])
    private var inputGrad = Tensor(zeros: [0])
    private var pointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }
    private var depthwise: Bool { groups > 1 && groups == inChannels && groups == outChannels }

    public init(_ name: String, in inChannels: Int, out outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = false, seed: UInt64 = 1) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "\(name): channels must divide into groups")
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
        let fanIn = inChannels / groups * kernel * kernel
        weight = Parameter(name + ".weight", Initialise.he([outChannels, inChannels / groups, kernel, kernel], fanIn: fanIn, seed: seed),
                           decays: true)
        self.bias = bias ? Parameter(name + ".bias", Tensor(zeros: [outChannels]), decays: false) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1, (w + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)
    }

    public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == inChannels, "conv expects [N, \(inChannels), H, W], got \(x.shape)")
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (ho, wo) = outputSize(h, w)
        output.resize([n, outChannels, ho, wo])
        precondition(!(fusedSiLU && context.training), "a fused activation is for inference only")
        if context.training { input = x } else if input.count > 0 { input = Tensor(zeros: [0]) }
        if depthwise {
            depthwiseForward(x, n: n, h: h, w: w, ho: ho, wo: wo)
        } else if usesDirect3x3 && (!context.training || !needsInputGradient) {
            // Training too, when no input gradient is wanted (the stem): backward is then direct as well.
            direct3x3Forward(x, n: n, h: h, w: w, ho: ho, wo: wo)
            if context.training { savedShape = (n, h, w, ho, wo) }
            return output
        } else if groups == 1 && (!context.training || pointwise) {
            imageByImageForward(x, n: n, h: h, w: w, ho: ho, wo: wo)
        } else {
            gemmForward(x, n: n, h: h, w: w, ho: ho, wo: wo)
        }
        if !depthwise && (bias != nil || fusedSiLU) {
            let p = ho * wo
            let biasValues = bias?.value.data ?? []
            output.data.withUnsafeMutableBufferPointer { o in biasValues.withUnsafeBufferPointer { bp in
                for b in 0..<n {
                    steato_bias_silu(o.baseAddress! + b * outChannels * p, bp.isEmpty ? nil : bp.baseAddress,
                                     outChannels, p, fusedSiLU ? 1 : 0)
                }
            } }
        }
        if context.training { savedShape = (n, h, w, ho, wo) }
        return output
    }

    private var savedShape = (0, 0, 0, 0, 0)

    private func gemmForward(_ x: Tensor, n: Int, h: Int, w: Int, ho: Int, wo: Int) {
        let p = ho * wo, cinG = inChannels / groups, coutG = outChannels / groups, k = cinG * kernel * kernel
        let np = n * p
        if gemmOut.count != outChannels * np { gemmOut = [Float](repeating: 0, count: outChannels * np) }
        if columns.count != groups * k * np { columns = [Float](repeating: 0, count: groups * k * np) }
        x.data.withUnsafeBufferPointer { xp in
        weight.value.data.withUnsafeBufferPointer { wp in
        gemmOut.withUnsafeMutableBufferPointer { gp in
        columns.withUnsafeMutableBufferPointer { cp in
            for g in 0..<groups {
                let col = cp.baseAddress! + g * k * np
                im2col(xp.baseAddress!, n: n, h: h, w: w, ho: ho, wo: wo, channelOffset: g * cinG, channels: cinG, into: col)
                BLAS.gemm(transA: false, transB: false, m: coutG, n: np, k: k,
                          a: wp.baseAddress! + g * coutG * k, lda: k, b: UnsafePointer(col), ldb: np,
                          beta: 0, c: gp.baseAddress! + g * coutG * np, ldc: np)
            }
        } } } }
        // [Cout, N·P] → [N, Cout, P]
        gemmOut.withUnsafeBufferPointer { gp in output.data.withUnsafeMutableBufferPointer { op in
            for b in 0..<n { for c in 0..<outChannels {
                (op.baseAddress! + (b * outChannels + c) * p).update(from: gp.baseAddress! + c * np + b * p, count: p)
            } }
        } }
    }

    /// Few input channels (the stem): the GEMM's inner dimension would be only Cin·9 long, so a direct
    /// kernel that reads padded, de-interleaved rows is faster.
    private var usesDirect3x3: Bool {
        groups == 1 && kernel == 3 && padding == 1 && dilation == 1 && (stride == 1 || stride == 2) && inChannels <= 8
    }

    private func direct3x3Forward(_ x: Tensor, n: Int, h: Int, w: Int, ho: Int, wo: Int) {
        // Images split between the cores when the batch is large, each part with its own scratch rows.
        let need = steato_conv3x3_scratch(inChannels, h, w)
        let chunks = ChannelChunks.count(channels: n, values: n * (inChannels + outChannels) * h * w)
        if columns.count < chunks * need { columns = [Float](repeating: 0, count: chunks * need) }
        let biasValues = bias?.value.data ?? []
        let (cin, cout, stride, silu) = (inChannels, outChannels, stride, Int32(fusedSiLU ? 1 : 0))
        x.data.withUnsafeBufferPointer { xp in weight.value.data.withUnsafeBufferPointer { wp in
        biasValues.withUnsafeBufferPointer { bp in
        output.data.withUnsafeMutableBufferPointer { op in columns.withUnsafeMutableBufferPointer { scratch in
            let (x0, w0, y0, s0) = (SharedPointer(UnsafeMutablePointer(mutating: xp.baseAddress!)), SharedPointer(UnsafeMutablePointer(mutating: wp.baseAddress!)),
                                    SharedPointer(op.baseAddress!), SharedPointer(scratch.baseAddress!))
            let b0 = bp.isEmpty ? nil : SharedPointer(UnsafeMutablePointer(mutating: bp.baseAddress!))
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                for b in (n * k / chunks)..<(n * (k + 1) / chunks) {
                    steato_conv3x3_direct(x0.raw + b * cin * h * w, cin, h, w, w0.raw, b0?.raw, cout, stride,
                                          y0.raw + b * cout * ho * wo, ho, wo, silu, s0.raw + k * need)
                }
            }
        } } } } }
    }

    /// dW of the direct 3×3 convolution, image by image from the input and dY as they are (no unfolded
    /// columns, no copy of dY into a [Cout, N·P] layout). A large batch is split between the cores, each
    /// part summing into its own dW, the parts then added in order (the same sums for the same split).
    private func direct3x3WeightGradient(_ gradient: Tensor, n: Int, h: Int, w: Int, ho: Int, wo: Int) {
        let need = steato_conv3x3_scratch(inChannels, h, w)
        let chunks = ChannelChunks.count(channels: n, values: n * (inChannels + outChannels) * h * w)
        if columns.count < chunks * need { columns = [Float](repeating: 0, count: chunks * need) }
        let size = weight.grad.count
        var parts = [Float](repeating: 0, count: chunks * size)
        let (cin, cout, stride) = (inChannels, outChannels, stride)
        input.data.withUnsafeBufferPointer { xp in gradient.data.withUnsafeBufferPointer { gp in
        parts.withUnsafeMutableBufferPointer { dw in columns.withUnsafeMutableBufferPointer { scratch in
            let (x0, g0, d0, s0) = (SharedPointer(UnsafeMutablePointer(mutating: xp.baseAddress!)), SharedPointer(UnsafeMutablePointer(mutating: gp.baseAddress!)),
                                    SharedPointer(dw.baseAddress!), SharedPointer(scratch.baseAddress!))
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                for b in (n * k / chunks)..<(n * (k + 1) / chunks) {
                    steato_conv3x3_weight_gradient(x0.raw + b * cin * h * w, cin, h, w, g0.raw + b * cout * ho * wo, cout, stride, ho, wo,
                                                   d0.raw + k * size, s0.raw + k * need)
                }
            }
        } } } }
        weight.grad.data.withUnsafeMutableBufferPointer { wg in
            for k in 0..<chunks { for i in 0..<size { wg[i] += parts[k * size + i] } }
        }
    }

    /// Inference: each image's product is written straight into the output (no batch unfolding, no
    /// transposition); a 1×1 stride-1 convolution multiplies the input itself.
    private func imageByImageForward(_ x: Tensor, n: Int, h: Int, w: Int, ho: Int, wo: Int) {
        let p = ho * wo, k = inChannels * kernel * kernel
        if !pointwise && columns.count != k * p { columns = [Float](repeating: 0, count: k * p) }
        x.data.withUnsafeBufferPointer { xp in weight.value.data.withUnsafeBufferPointer { wp in
        output.data.withUnsafeMutableBufferPointer { op in columns.withUnsafeMutableBufferPointer { cp in
            if pointwise {
                // A 1×1 convolution multiplies each image itself: images split between the cores when large.
                let (x0, w0, y0, cin, cout) = (SharedPointer(xp.baseAddress!), SharedPointer(wp.baseAddress!),
                                               SharedPointer(op.baseAddress!), inChannels, outChannels)
                ChannelChunks.run(channels: n, values: n * (cin + cout) * p) { images in
                    for b in images {
                        BLAS.gemm(transA: false, transB: false, m: cout, n: p, k: k, a: w0.raw, lda: k,
                                  b: x0.raw + b * cin * h * w, ldb: p, beta: 0, c: y0.raw + b * cout * p, ldc: p)
                    }
                }
                return
            }
            for b in 0..<n {
                let image = xp.baseAddress! + b * inChannels * h * w
                im2col(image, n: 1, h: h, w: w, ho: ho, wo: wo, channelOffset: 0, channels: inChannels, into: cp.baseAddress!)
                BLAS.gemm(transA: false, transB: false, m: outChannels, n: p, k: k, a: wp.baseAddress!, lda: k,
                          b: UnsafePointer(cp.baseAddress!), ldb: p, beta: 0, c: op.baseAddress! + b * outChannels * p, ldc: p)
            }
        } } } }
    }

    /// Unfolds `channels` input channels from `channelOffset` into rows (c, ky, kx) × columns (image, oy, ox).
    private func im2col(_ x: UnsafePointer<Float>, n: Int, h: Int, w: Int, ho: Int, wo: Int,
                        channelOffset: Int, channels: Int, into col: UnsafeMutablePointer<Float>) {
        let p = ho * wo, np = n * p
        for c in 0..<channels {
            for ky in 0..<kernel { for kx in 0..<kernel {
                let row = col + ((c * kernel + ky) * kernel + kx) * np
                for b in 0..<n {
                    let plane = x + (b * inChannels + channelOffset + c) * h * w
                    for oy in 0..<ho {
                        let iy = oy * stride - padding + ky * dilation
                        let dst = row + b * p + oy * wo
                        if iy < 0 || iy >= h { dst.update(repeating: 0, count: wo); continue }
                        let src = plane + iy * w
                        var ix = -padding + kx * dilation
                        for ox in 0..<wo {
                            dst[ox] = (ix >= 0 && ix < w) ? src[ix] : 0
                            ix += stride
                        }
                    }
                }
            } }
        }
    }

    private func col2im(_ col: UnsafePointer<Float>, n: Int, h: Int, w: Int, ho: Int, wo: Int,
                        channelOffset: Int, channels: Int, into dx: UnsafeMutablePointer<Float>) {
        let p = ho * wo, np = n * p
        for c in 0..<channels {
            for ky in 0..<kernel { for kx in 0..<kernel {
                let row = col + ((c * kernel + ky) * kernel + kx) * np
                for b in 0..<n {
                    let plane = dx + (b * inChannels + channelOffset + c) * h * w
                    for oy in 0..<ho {
                        let iy = oy * stride - padding + ky * dilation
                        if iy < 0 || iy >= h { continue }
                        let src = row + b * p + oy * wo
                        let dst = plane + iy * w
                        var ix = -padding + kx * dilation
                        for ox in 0..<wo {
                            if ix >= 0 && ix < w { dst[ix] += src[ox] }
                            ix += stride
                        }
                    }
                }
            } }
        }
    }

    private func depthwiseForward(_ x: Tensor, n: Int, h: Int, w: Int, ho: Int, wo: Int) {
        let biases = bias?.value.data ?? [Float](repeating: 0, count: inChannels)
        let (channels, kernel, stride, padding, dilation) = (inChannels, self.kernel, self.stride, self.padding, self.dilation)
        let silu: Int32 = fusedSiLU ? 1 : 0
        x.data.withUnsafeBufferPointer { xp in weight.value.data.withUnsafeBufferPointer { wp in
        output.data.withUnsafeMutableBufferPointer { op in
            let (x, w8, out) = (SharedPointer(xp.baseAddress!), SharedPointer(wp.baseAddress!), SharedPointer(op.baseAddress!))
            ChannelChunks.run(channels: channels, values: xp.count) { range in
                for b in 0..<n { for c in range {
                    steato_depthwise_plane(x.raw + (b * channels + c) * h * w, h, w, w8.raw + c * kernel * kernel,
                                           kernel, stride, padding, dilation, biases[c],
                                           out.raw + (b * channels + c) * ho * wo, ho, wo, 0, silu)
                } }
            }
        } } }
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        let (n, h, w, ho, wo) = savedShape
        precondition(input.count > 0, "backward needs a training forward pass first")
        defer { input = Tensor(zeros: [0]) }   // let the input go (see `Layer`)
        inputGrad.resize([n, inChannels, h, w])
        if needsInputGradient { inputGrad.zero() }
        let p = ho * wo
        if let bias {
            gradient.data.withUnsafeBufferPointer { gp in
                for b in 0..<n { for c in 0..<outChannels {
                    var s: Float = 0
                    let base = (b * outChannels + c) * p
                    for i in 0..<p { s += gp[base + i] }
                    bias.grad.data[c] += s
                } }
            }
        }
        if depthwise { depthwiseBackward(gradient, n: n, h: h, w: w, ho: ho, wo: wo); return inputGrad }
        if usesDirect3x3 && !needsInputGradient { direct3x3WeightGradient(gradient, n: n, h: h, w: w, ho: ho, wo: wo); return inputGrad }
        if pointwise && groups == 1 { pointwiseBackward(gradient, n: n, p: p); return inputGrad }

        let cinG = inChannels / groups, coutG = outChannels / groups, k = cinG * kernel * kernel, np = n * p
        // dY as [Cout, N·P]
        gradient.data.withUnsafeBufferPointer { gp in gemmOut.withUnsafeMutableBufferPointer { dp in
            for b in 0..<n { for c in 0..<outChannels {
                (dp.baseAddress! + c * np + b * p).update(from: gp.baseAddress! + (b * outChannels + c) * p, count: p)
            } }
        } }
        if needsInputGradient && columnGrad.count != k * np { columnGrad = [Float](repeating: 0, count: k * np) }
        gemmOut.withUnsafeBufferPointer { dp in
        weight.value.data.withUnsafeBufferPointer { wp in
        weight.grad.data.withUnsafeMutableBufferPointer { wg in
        columns.withUnsafeBufferPointer { cp in
        columnGrad.withUnsafeMutableBufferPointer { dc in
        inputGrad.data.withUnsafeMutableBufferPointer { dx in
            for g in 0..<groups {
                let col = cp.baseAddress! + g * k * np
                // dW_g += dY_g · colᵀ
                BLAS.gemm(transA: false, transB: true, m: coutG, n: k, k: np, a: dp.baseAddress! + g * coutG * np, lda: np,
                          b: col, ldb: np, beta: 1, c: wg.baseAddress! + g * coutG * k, ldc: k)
                guard needsInputGradient else { continue }
                // dcol = W_gᵀ · dY_g
                BLAS.gemm(transA: true, transB: false, m: k, n: np, k: coutG, a: wp.baseAddress! + g * coutG * k, lda: k,
                          b: dp.baseAddress! + g * coutG * np, ldb: np, beta: 0, c: dc.baseAddress!, ldc: np)
                col2im(UnsafePointer(dc.baseAddress!), n: n, h: h, w: w, ho: ho, wo: wo, channelOffset: g * cinG,
                       channels: cinG, into: dx.baseAddress!)
            }
        } } } } } }
        return inputGrad
    }

    /// 1×1 stride-1: per image, dW += dY_b·X_bᵀ and dX_b = Wᵀ·dY_b, straight on the tensors.
    private func pointwiseBackward(_ gradient: Tensor, n: Int, p: Int) {
        input.data.withUnsafeBufferPointer { xp in gradient.data.withUnsafeBufferPointer { gp in
        weight.value.data.withUnsafeBufferPointer { wp in weight.grad.data.withUnsafeMutableBufferPointer { wg in
        inputGrad.data.withUnsafeMutableBufferPointer { dx in
            // Images split between the cores (single-threaded BLAS each): dX per image is disjoint; each
            // worker sums its images' dW apart, and the sums are added in order afterwards.
            let (cin, cout, withInput) = (inChannels, outChannels, needsInputGradient)
            let (x0, dy0, w0, dx0) = (SharedPointer(xp.baseAddress!), SharedPointer(gp.baseAddress!), SharedPointer(wp.baseAddress!),
                                      SharedPointer(dx.baseAddress!))
            let chunks = ChannelChunks.count(channels: n, values: n * (cin + cout) * p)
            let partial = ConcurrentResults<[Float]>(count: chunks)
            let work: @Sendable (Int) -> Void = { k in
                var dW = [Float](repeating: 0, count: cout * cin)
                for b in (n * k / chunks)..<(n * (k + 1) / chunks) {
                    let x = x0.raw + b * cin * p, dy = dy0.raw + b * cout * p
                    BLAS.gemm(transA: false, transB: true, m: cout, n: cin, k: p, a: dy, lda: p, b: x, ldb: p,
                              beta: 1, c: &dW, ldc: cin)
                    if withInput {
                        BLAS.gemm(transA: true, transB: false, m: cin, n: p, k: cout, a: w0.raw, lda: cin,
                                  b: dy, ldb: p, beta: 0, c: dx0.raw + b * cin * p, ldc: p)
                    }
                }
                partial.set(k, dW)
            }
            if chunks == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
            for k in 0..<chunks { for (i, v) in partial[k].enumerated() { wg[i] += v } }
        } } } } }
    }

    private func depthwiseBackward(_ gradient: Tensor, n: Int, h: Int, w: Int, ho: Int, wo: Int) {
        input.data.withUnsafeBufferPointer { xp in gradient.data.withUnsafeBufferPointer { gp in
        weight.value.data.withUnsafeBufferPointer { wp in weight.grad.data.withUnsafeMutableBufferPointer { wg in
        inputGrad.data.withUnsafeMutableBufferPointer { dxp in
            let (x, w8, dy, dw, dx) = (SharedPointer(xp.baseAddress!), SharedPointer(wp.baseAddress!), SharedPointer(gp.baseAddress!),
                                       SharedPointer(wg.baseAddress!), SharedPointer(dxp.baseAddress!))
            let (channels, kernel, stride, padding, dilation) = (inChannels, self.kernel, self.stride, self.padding, self.dilation)
            ChannelChunks.run(channels: channels, values: xp.count) { range in
                for b in 0..<n { for c in range {
                    let plane = (b * channels + c)
                    steato_depthwise_backward_plane(x.raw + plane * h * w, h, w, w8.raw + c * kernel * kernel,
                                                    kernel, stride, padding, dilation, dy.raw + plane * ho * wo, ho, wo,
                                                    dw.raw + c * kernel * kernel, dx.raw + plane * h * w)
                } }
            }
        } } } } }
    }
}

/// Deterministic initialisations.
enum Initialise {
    static func he(_ shape: [Int], fanIn: Int, seed: UInt64) -> Tensor {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        let scale = (2.0 / Double(max(fanIn, 1))).squareRoot()
        let count = shape.reduce(1, *)
        var data = [Float](repeating: 0, count: count)
        for i in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u1 = max(Double(state >> 11) * 0x1.0p-53, 1e-12)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u2 = Double(state >> 11) * 0x1.0p-53
            data[i] = Float(scale * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
        }
        return Tensor(shape: shape, data: data)
    }
}

import CKernels
import Foundation

