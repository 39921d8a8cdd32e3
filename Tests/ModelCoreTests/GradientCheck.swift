import ModelCore

/// Central finite differences against a layer's backward pass, in Float32 with a step of 1e-2 on
/// inputs of order one and the loss L = Σ y·r summed in Double; the relative error is taken over the
/// sampled entries together: ‖numeric − analytic‖ / max(‖numeric‖, ‖analytic‖).
enum GradientCheck {
    struct Result { var input: Double; var parameters: [String: Double] }

    static func random(_ shape: [Int], seed: UInt64, scale: Float = 1, awayFromZero: Bool = false) -> Tensor {
        var state = seed | 1
        let n = shape.reduce(1, *)
        var data = [Float](repeating: 0, count: n)
        for i in 0..<n {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var v = (Float(state >> 40) / Float(1 << 24) - 0.5) * 2 * scale
            if awayFromZero && abs(v) < 0.1 * scale { v += v < 0 ? -0.1 * scale : 0.1 * scale }
            data[i] = v
        }
        return Tensor(shape: shape, data: data)
    }

    static func check(_ layer: Layer, input: Tensor, conditions: [Int] = [], samples: Int = 40, epsilon: Float = 1e-2) -> Result {
        func context() -> ForwardContext { ForwardContext(training: true, conditions: conditions, seed: 99) }
        let probe = layer.forward(input, context())
        let r = random(probe.shape, seed: 7)
        func loss(_ x: Tensor) -> Double {
            let y = layer.forward(x, context())
            var s = 0.0
            for i in y.data.indices { s += Double(y.data[i]) * Double(r.data[i]) }
            return s
        }
        for p in layer.parameters { p.grad.zero() }
        _ = layer.forward(input, context())
        let dx = layer.backward(r)
        let analyticParams = layer.parameters.map { ($0.name, $0.grad) }

        func compare(_ analytic: [Double], _ numeric: [Double]) -> Double {
            var diff = 0.0, na = 0.0, nn = 0.0
            for (a, n) in zip(analytic, numeric) { diff += (a - n) * (a - n); na += a * a; nn += n * n }
            return diff.squareRoot() / max(na.squareRoot(), nn.squareRoot(), 1e-9)
        }
        let stride = max(1, input.count / samples)
        var analytic: [Double] = [], numeric: [Double] = []
        for i in Swift.stride(from: 0, to: input.count, by: stride) {
            var plus = input, minus = input
            plus.data[i] += epsilon; minus.data[i] -= epsilon
            numeric.append((loss(plus) - loss(minus)) / Double(2 * epsilon))
            analytic.append(Double(dx.data[i]))
        }
        var result = Result(input: compare(analytic, numeric), parameters: [:])
        for (p, (name, grad)) in zip(layer.parameters, analyticParams) {
            var a: [Double] = [], n: [Double] = []
            let pstride = max(1, p.value.count / samples)
            for i in Swift.stride(from: 0, to: p.value.count, by: pstride) {
                let original = p.value.data[i]
                p.value.data[i] = original + epsilon; let lp = loss(input)
                p.value.data[i] = original - epsilon; let lm = loss(input)
                p.value.data[i] = original
                n.append((lp - lm) / Double(2 * epsilon))
                a.append(Double(grad.data[i]))
            }
            result.parameters[name] = compare(a, n)
        }
        return result
    }
}
