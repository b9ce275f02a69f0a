import Backprop

/// The predicted class of each row of a model's output `[rows, k]`: the argmax of the row,
/// the class whose output unit is largest; for a single output column (k = 1, binary),
/// class 1 when the output is above `threshold`.
///
/// ```swift
/// predictedClasses(Tensor<Double>([[0.1, 0.7, 0.2], [0.9, 0.0, 0.1]]))   // [1, 0]
/// ```
@inlinable
public func predictedClasses<Scalar: TensorScalar>(
    _ outputs: Tensor<Scalar>, threshold: Scalar = 0.5
) -> [Int] {
    require(outputs.rank == 2, "predictedClasses: output \(Shapes.format(outputs.shape)) is not 2-D")
    let (rows, k) = (outputs.shape[0], outputs.shape[1])
    return outputs.withUnsafeBufferPointer { b in
        (0..<rows).map { r in
            if k == 1 { return b[r] > threshold ? 1 : 0 }
            var best = 0
            for j in 1..<k where b[r * k + j] > b[r * k + best] { best = j }
            return best
        }
    }
}

/// The fraction of predictions equal to the labels (0 for no rows).
///
/// ```swift
/// accuracy(predicted: [1, 0, 2], labels: [1, 1, 2])   // 0.666…
/// ```
public func accuracy(predicted: [Int], labels: [Int]) -> Double {
    require(predicted.count == labels.count,
                 "accuracy: \(predicted.count) predictions for \(labels.count) labels")
    guard !labels.isEmpty else { return 0 }
    return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
}

/// Counts of (actual, predicted) class pairs: row = actual class, column = predicted class.
///
/// ```swift
/// let m = ConfusionMatrix(predicted: [0, 1, 1], labels: [0, 1, 0], classCount: 2)
/// m.counts     // [[1, 1], [0, 1]]
/// m.accuracy   // 0.666…
/// ```
public struct ConfusionMatrix: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `counts[actual][predicted]`.
    public var counts: [[Int]]
    /// The class names, for printing.
    public var classNames: [String]

    /// Counts the pairs.
    ///
    /// - Precondition: the arrays have equal length and every class is in `0..<classCount`.
    public init(predicted: [Int], labels: [Int], classCount: Int, classNames: [String]? = nil) {
        require(predicted.count == labels.count,
                     "ConfusionMatrix: \(predicted.count) predictions for \(labels.count) labels")
        var counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (p, l) in zip(predicted, labels) {
            require(p >= 0 && p < classCount && l >= 0 && l < classCount,
                         "ConfusionMatrix: class outside 0..<\(classCount)")
            counts[l][p] += 1
        }
        self.counts = counts
        self.classNames = classNames ?? (0..<classCount).map(String.init)
    }

    /// The number of samples.
    public var total: Int { counts.joined().reduce(0, +) }
    /// The fraction on the diagonal.
    public var accuracy: Double {
        total == 0 ? 0 : Double(counts.indices.map { counts[$0][$0] }.reduce(0, +)) / Double(total)
    }
    /// Per class: correct / actually in the class (0 for an empty class).
    public var recall: [Double] {
        counts.indices.map { i in
            let n = counts[i].reduce(0, +)
            return n == 0 ? 0 : Double(counts[i][i]) / Double(n)
        }
    }
    /// Per class: correct / predicted as the class (0 if never predicted).
    public var precision: [Double] {
        counts.indices.map { j in
            let n = counts.indices.map { counts[$0][j] }.reduce(0, +)
            return n == 0 ? 0 : Double(counts[j][j]) / Double(n)
        }
    }

    /// A text table, actual classes down, predicted across.
    public var description: String {
        let width = Swift.max(classNames.map(\.count).max() ?? 0, String(total).count) + 2
        let first = Swift.max(classNames.map(\.count).max() ?? 0, 6)
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: Swift.max(0, w - s.count)) + s }
        var lines = [pad("", first) + classNames.map { pad($0, width) }.joined()]
        for (i, row) in counts.enumerated() {
            lines.append(pad(classNames[i], first) + row.map { pad(String($0), width) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
