/// Area under the ROC curve by the Mann–Whitney statistic (ties count half); nil without both classes.
public func auroc(scores: [Double], positives: [Bool]) -> Double? {
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var ranks = [Double](repeating: 0, count: scores.count)
    var i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
        let rank = Double(i + j) / 2 + 1
        for k in i...j { ranks[order[k]] = rank }
        i = j + 1
    }
    let nPos = positives.filter { $0 }.count, nNeg = positives.count - nPos
    guard nPos > 0, nNeg > 0 else { return nil }
    let rankSum = zip(ranks, positives).filter { $0.1 }.reduce(0) { $0 + $1.0 }
    return (rankSum - Double(nPos * (nPos + 1)) / 2) / Double(nPos * nNeg)
}
