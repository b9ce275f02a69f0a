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

    /// Per class: the F1 score, the harmonic mean of precision and recall,
    /// 2PR/(P + R) (0 when both are 0).
    public var f1: [Double] {
        zip(precision, recall).map { p, r in p + r == 0 ? 0 : 2 * p * r / (p + r) }
    }
    /// The mean over the classes of ``precision`` (the macro average: every class counts
    /// the same, however many samples it has).
    public var macroPrecision: Double { Self.mean(precision) }
    /// The mean over the classes of ``recall``.
    public var macroRecall: Double { Self.mean(recall) }
    /// The mean over the classes of ``f1`` (scikit-learn's `f1_score(average="macro")`).
    public var macroF1: Double { Self.mean(f1) }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
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

/// How well predicted values match numeric targets (regression).
///
/// | metric | value over n rows, k output columns |
/// |---|---|
/// | ``meanSquaredError`` | (1/(n·k)) Σ (ŷ − y)² |
/// | ``rootMeanSquaredError`` | √``meanSquaredError`` |
/// | ``meanAbsoluteError`` | (1/(n·k)) Σ \|ŷ − y\| |
/// | ``rSquared`` | per column 1 − Σ (ŷ − y)² / Σ (y − ȳ)², averaged over the columns |
///
/// R² is scikit-learn's `r2_score` (uniform average over outputs): 1 for a perfect fit, 0
/// for predicting each column's mean, negative when worse; a column whose targets are all
/// equal scores 1 if predicted exactly, else 0.
///
/// ```swift
/// let m = RegressionMetrics(predicted: Tensor<Double>([[2.5], [0], [2]]), targets: Tensor([[3], [-0.5], [2]]))
/// m.meanAbsoluteError   // 0.333…
/// ```
public struct RegressionMetrics: Sendable, Equatable, Codable {
    /// The number of rows.
    public var count: Int
    /// The mean of (ŷ − y)² over all elements.
    public var meanSquaredError: Double
    /// The mean of |ŷ − y| over all elements.
    public var meanAbsoluteError: Double
    /// The coefficient of determination R², averaged over the output columns.
    public var rSquared: Double
    /// √``meanSquaredError``, in the targets' unit.
    public var rootMeanSquaredError: Double { meanSquaredError.squareRoot() }

    /// Scores `predicted` against `targets`.
    ///
    /// - Parameters:
    ///   - predicted: The model's outputs, `[rows, outputs]`.
    ///   - targets: The true values, the same shape.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    public init<Scalar: TensorScalar>(
        predicted: Tensor<Scalar>, targets: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line
    ) {
        require(predicted.shape == targets.shape && predicted.rank == 2,
                "RegressionMetrics: predictions \(Shapes.format(predicted.shape)) and targets "
                    + "\(Shapes.format(targets.shape)) must have the same 2-D shape [rows, outputs]",
                file: file, line: line)
        let (rows, columns) = (predicted.shape[0], predicted.shape[1])
        let (p, t) = (predicted.scalars.map(Double.init), targets.scalars.map(Double.init))
        var (squares, absolutes) = (0.0, 0.0)
        for (a, b) in zip(p, t) {
            squares += (a - b) * (a - b)
            absolutes += Swift.abs(a - b)
        }
        var rSquared = 0.0
        for j in 0..<columns {
            let column = stride(from: j, to: rows * columns, by: columns)
            let mean = column.reduce(0.0) { $0 + t[$1] } / Double(rows)
            let residual = column.reduce(0.0) { $0 + (p[$1] - t[$1]) * (p[$1] - t[$1]) }
            let total = column.reduce(0.0) { $0 + (t[$1] - mean) * (t[$1] - mean) }
            rSquared += total == 0 ? (residual == 0 ? 1 : 0) : 1 - residual / total
        }
        let n = Double(rows * columns)
        count = rows
        meanSquaredError = squares / n
        meanAbsoluteError = absolutes / n
        self.rSquared = columns == 0 ? .nan : rSquared / Double(columns)
    }
}
