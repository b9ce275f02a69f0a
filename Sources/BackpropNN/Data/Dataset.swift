import Backprop
import Foundation

/// A table of numeric features with an optional class label per row.
///
/// Features are kept in `Double`, row-major; ``featureTensor(as:)`` and
/// ``oneHotTargets(as:)`` give the tensors a model trains on. Labels are class indices
/// `0..<classNames.count`.
///
/// ```swift
/// let iris = try Dataset(csv: BundledData.iris, label: .name("species"))
/// iris.count, iris.featureCount, iris.classNames   // 150, 4, ["Iris-setosa", …]
/// ```
public struct Dataset: Sendable, Equatable {
    /// The feature column names.
    public var featureNames: [String]
    /// The features, row-major, `count × featureCount`.
    public var features: [Double]
    /// The class index of each row, or empty if the data has no labels.
    public var labels: [Int]
    /// The class names; `labels` index into them.
    public var classNames: [String]
    /// The name of the label column the labels were read from, if any.
    public var labelName: String?

    /// The number of feature columns.
    public var featureCount: Int { featureNames.count }
    /// The number of rows.
    public var count: Int { featureNames.isEmpty ? 0 : features.count / featureNames.count }
    /// Whether every row has a label.
    public var isLabeled: Bool { !classNames.isEmpty && labels.count == count }
    /// The number of classes.
    public var classCount: Int { classNames.count }

    /// Creates a data set from rows of features and class indices.
    ///
    /// - Precondition: the rows have equal length, there is one label per row (or none),
    ///   and every label is in `0..<classNames.count`.
    public init(rows: [[Double]], labels: [Int] = [], classNames: [String] = [],
                featureNames: [String]? = nil) {
        let width = featureNames?.count ?? rows.first?.count ?? 0
        require(rows.allSatisfy { $0.count == width }, "Dataset: rows have different lengths")
        require(labels.isEmpty || labels.count == rows.count,
                     "Dataset: \(labels.count) labels for \(rows.count) rows")
        require(labels.allSatisfy { $0 >= 0 && $0 < classNames.count },
                     "Dataset: a label is outside 0..<\(classNames.count)")
        self.featureNames = featureNames ?? (0..<width).map { "x\($0)" }
        self.features = rows.flatMap { $0 }
        self.labels = labels
        self.classNames = labels.isEmpty && classNames.isEmpty ? [] : classNames
    }

    /// Reads features and labels from a parsed CSV table.
    ///
    /// Every column except the label column must be numeric: a finite `Double` as Swift
    /// reads it (`1`, `-2.5e3`, `.5`), surrounding spaces ignored; NaN, infinities and
    /// numbers that overflow `Double` are errors. Labels may be strings or
    /// integers: the classes are the distinct values, sorted (numerically if all are
    /// integers), unless `classNames` is given (a model's classes), in which case a label
    /// outside it is an error.
    ///
    /// - Parameters:
    ///   - table: The table.
    ///   - label: The label column, or `nil` for unlabeled data.
    ///   - classNames: Fixed classes to map labels to (from a checkpoint), or `nil`.
    /// - Throws: ``DataError`` naming the file, line and column of the first bad field.
    public init(table: CSVTable, label: ColumnSelector?, classNames: [String]? = nil) throws {
        let labelIndex = try label.map { try table.columnIndex($0) }
        let featureColumns = table.header.indices.filter { $0 != labelIndex }
        featureNames = featureColumns.map { table.header[$0] }
        guard !featureColumns.isEmpty else {
            throw DataError(file: table.source, reason: "there are no feature columns")
        }
        guard !table.rows.isEmpty else {
            throw DataError(file: table.source, reason: "there are no data rows after the header")
        }
        var values: [Double] = []
        values.reserveCapacity(table.rows.count * featureColumns.count)
        for (r, row) in table.rows.enumerated() {
            for c in featureColumns {
                let text = row[c].trimmingCharacters(in: .whitespaces)
                guard let v = Double(text), v.isFinite else {
                    let reason =
                        text.isEmpty ? "the field is empty, expected a number"
                        : Double(text) == nil ? "\(DataError.quoted(text)) is not a number"
                        : "\(DataError.quoted(text)) is not a finite number (NaN, infinities and values beyond ±1.8e308 are not accepted)"
                    throw DataError(
                        file: table.source, line: table.lineNumbers[r], column: c + 1,
                        columnName: table.header[c], reason: reason)
                }
                values.append(v)
            }
        }
        features = values
        guard let labelIndex else {
            labels = []
            self.classNames = []
            return
        }
        labelName = table.header[labelIndex]
        let texts = table.rows.map { $0[labelIndex].trimmingCharacters(in: .whitespaces) }
        let names: [String]
        if let classNames {
            names = classNames
        } else if texts.allSatisfy({ Int($0) != nil }) {
            names = Set(texts.map { Int($0)! }).sorted().map(String.init)
        } else {
            names = Set(texts).sorted()
        }
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            index[n] = i
            if let v = Int(n) { index[String(v)] = index[String(v)] ?? i }
        }
        var result: [Int] = []
        result.reserveCapacity(texts.count)
        for (r, text) in texts.enumerated() {
            let key = Int(text).map(String.init) ?? text
            guard let k = index[text] ?? index[key] else {
                throw DataError(
                    file: table.source, line: table.lineNumbers[r], column: labelIndex + 1,
                    columnName: table.header[labelIndex],
                    reason: text.isEmpty ? "the label is empty"
                        : "label \(DataError.quoted(text)) is not one of the model's classes (\(Self.listOfClasses(names)))")
            }
            result.append(k)
        }
        labels = result
        self.classNames = names
    }

    /// Class names for a message, each cut at ``DataError/quotedLengthLimit`` characters, at
    /// most 20 of them.
    private static func listOfClasses(_ names: [String]) -> String {
        names.prefix(20).map { DataError.excerpt($0) }.joined(separator: ", ")
            + (names.count > 20 ? ", … (\(names.count) in all)" : "")
    }

    /// Reads a CSV file (see ``init(table:label:classNames:)``); `name` is the file's name
    /// in error messages (default: its path).
    public init(csv url: URL, label: ColumnSelector?, classNames: [String]? = nil, name: String? = nil) throws {
        try self.init(table: CSVTable(contentsOf: url, name: name), label: label, classNames: classNames)
    }

    /// The first feature that is not finite once rescaled by `normalizer` (when given) and
    /// converted to `Scalar`, in row order: a value beyond `Float`'s range (±3.4e38) that a
    /// `Float` model would see as infinite, or one that the rescaling makes overflow.
    /// `nil` when every value is finite, so ``featureTensor(as:)`` of the rescaled data
    /// holds no infinity or NaN.
    ///
    /// ```swift
    /// Dataset(rows: [[1], [1e39]]).firstNonFiniteFeature(as: Float.self)   // (row: 1, feature: 0, value: 1e39)
    /// ```
    ///
    /// - Returns: The row, the feature column and the value the model would get (after the
    ///   rescaling, before the conversion).
    /// - Precondition: a normaliser has as many columns as the data.
    public func firstNonFiniteFeature<Scalar: TensorScalar>(
        as type: Scalar.Type, normalizedBy normalizer: Normalizer? = nil
    ) -> (row: Int, feature: Int, value: Double)? {
        if let normalizer {
            require(
                normalizer.offsets.count == featureCount,
                "Dataset.firstNonFiniteFeature: the normalizer has \(normalizer.offsets.count) columns, the data \(featureCount)")
        }
        let d = featureCount
        for k in features.indices {
            let value = normalizer?.rescale(features[k], column: k % d) ?? features[k]
            if !Scalar(value).isFinite { return (k / d, k % d, value) }
        }
        return nil
    }

    /// Feature `j` of row `i`.
    public subscript(row i: Int, feature j: Int) -> Double { features[i * featureCount + j] }

    /// The rows at `indices`, in that order.
    public func subset<C: Collection>(_ indices: C) -> Dataset where C.Element == Int {
        var copy = self
        let d = featureCount
        copy.features = []
        copy.features.reserveCapacity(indices.count * d)
        for i in indices { copy.features.append(contentsOf: features[(i * d)..<(i * d + d)]) }
        copy.labels = isLabeled ? indices.map { labels[$0] } : []
        return copy
    }

    /// The rows in a random order drawn from `generator` (Fisher–Yates).
    public func shuffled(using generator: inout SeededGenerator) -> Dataset {
        subset(generator.permutation(count))
    }

    /// The features as a `[count, featureCount]` tensor.
    @inlinable
    public func featureTensor<Scalar: TensorScalar>(as type: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        Tensor(shape: [count, featureCount], scalars: features.map { Scalar($0) })
    }

    /// The labels one-hot encoded: a `[count, classCount]` tensor with a 1 in each row's
    /// class column.
    ///
    /// ```swift
    /// oneHot([2, 0], classCount: 3)   // [[0, 0, 1], [1, 0, 0]]
    /// ```
    @inlinable
    public func oneHotTargets<Scalar: TensorScalar>(as type: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        oneHot(labels, classCount: classCount)
    }
}

/// Class indices one-hot encoded as a `[labels.count, classCount]` tensor.
///
/// - Precondition: every label is in `0..<classCount`.
@inlinable
public func oneHot<Scalar: TensorScalar>(_ labels: [Int], classCount: Int) -> Tensor<Scalar> {
    var t = Tensor<Scalar>.zeros([labels.count, classCount])
    t.withUnsafeMutableBufferPointer { b in
        for (r, k) in labels.enumerated() {
            require(k >= 0 && k < classCount, "oneHot: label \(k) is outside 0..<\(classCount)")
            b[r * classCount + k] = 1
        }
    }
    return t
}
