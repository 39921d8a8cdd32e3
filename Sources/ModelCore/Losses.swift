import Foundation

/// Losses return the mean over the batch and dL/d(prediction).
public enum Loss {
    /// Softmax cross-entropy of logits [N, K] against class indices.
    public static func softmaxCrossEntropy(_ logits: Tensor, _ labels: [Int], classWeights: [Float]? = nil) -> (Float, Tensor) {
        let n = logits.shape[0], k = logits.shape[1]
        var grad = Tensor(zeros: logits.shape)
        var total: Double = 0
        for b in 0..<n {
            // A class's weight scales its examples' share of the (batch-mean) loss.
            let w = Double(classWeights?[labels[b]] ?? 1)
            let row = Array(logits.data[(b * k)..<((b + 1) * k)])
            let m = row.max()!
            let exps = row.map { exp(Double($0 - m)) }
            let z = exps.reduce(0, +)
            total += w * (log(z) - Double(row[labels[b]] - m))
            for j in 0..<k { grad.data[b * k + j] = Float(w * (exps[j] / z - (j == labels[b] ? 1 : 0)) / Double(n)) }
        }
        return (Float(total / Double(n)), grad)
    }

    /// Ordinal loss on cumulative logits [N, K−1]: logit j models P(grade > j), trained with binary
    /// cross-entropy against [grade > j]. `weights` scales each sample (e.g. by label confidence).
    /// `smoothing` ε softens the targets for noisy labels: a threshold next to the label (where a
    /// reader one grade off would flip it) gets ε instead of 0 and 1 − ε instead of 1, farther ones ε/4.
    public static func ordinal(_ logits: Tensor, _ grades: [Int], weights: [Float]? = nil, smoothing: Double = 0) -> (Float, Tensor) {
        let n = logits.shape[0], k = logits.shape[1]
        var grad = Tensor(zeros: logits.shape)
        var total: Double = 0
        for b in 0..<n {
            let w = Double(weights?[b] ?? 1)
            for j in 0..<k {
                let adjacent = j == grades[b] || j == grades[b] - 1
                let eps = adjacent ? smoothing : smoothing / 4
                let z = Double(logits.data[b * k + j]), target: Double = grades[b] > j ? 1 - eps : eps
                // log(1 + e^z) − target·z, computed stably
                total += w * (max(z, 0) + log1p(exp(-abs(z))) - target * z)
                let sigma = 1 / (1 + exp(-z))
                grad.data[b * k + j] = Float(w * (sigma - target) / Double(n))
            }
        }
        return (Float(total / Double(n)), grad)
    }

    public static func meanSquaredError(_ prediction: Tensor, _ target: [Float]) -> (Float, Tensor) {
        var grad = Tensor(zeros: prediction.shape)
        var total: Double = 0
        let n = Float(prediction.count)
        for i in prediction.data.indices {
            let d = prediction.data[i] - target[i]
            total += Double(d * d)
            grad.data[i] = 2 * d / n
        }
        return (Float(total / Double(prediction.count)), grad)
    }

    /// Huber loss with threshold delta: quadratic near zero, linear beyond.
    public static func huber(_ prediction: Tensor, _ target: [Float], delta: Float = 1) -> (Float, Tensor) {
        var grad = Tensor(zeros: prediction.shape)
        var total: Double = 0
        let n = Float(prediction.count)
        for i in prediction.data.indices {
            let d = prediction.data[i] - target[i]
            if abs(d) <= delta {
                total += Double(0.5 * d * d); grad.data[i] = d / n
            } else {
                total += Double(delta * (abs(d) - 0.5 * delta)); grad.data[i] = delta * (d > 0 ? 1 : -1) / n
            }
        }
        return (Float(total / Double(prediction.count)), grad)
    }
}
