import Backprop
import Foundation

/// A table of numeric features with, optionally, a class label or numeric targets per
/// row.
///
/// Features are kept in `Double`, row-major; ``featureTensor(as:)`` and
/// ``oneHotTargets(as:)`` (classification) or ``targetTensor(as:)`` (regression) give the
/// tensors a model trains on. Labels are class indices `0..<classNames.count`; targets are
/// `count × targetCount` numbers. A categorical column read from a file becomes one
/// feature per category (one-hot, see ``FeatureColumn``). Read from a file with
/// ``MissingValuePolicy/mean``, a missing feature is NaN until
/// ``fillingMissingValues(with:)`` fills it.
///
/// ```swift
/// let iris = try Dataset(csv: BundledData.iris, label: .name("species"))
/// iris.count, iris.featureCount, iris.classNames   // 150, 4, ["Iris-setosa", …]
/// ```
public struct Dataset: Sendable, Equatable {
    /// The feature names (a categorical column gives one per category: `color=red`).
    public var featureNames: [String]
    /// The features, row-major, `count × featureCount`.
    public var features: [Double]
    /// The class index of each row, or empty if the data has no labels.
    public var labels: [Int]
    /// The class names; `labels` index into them.
    public var classNames: [String]
    /// The name of the label column the labels were read from, if any.
    public var labelName: String?
    /// The numeric targets (regression), row-major, `count × targetCount`, or empty.
    public var targets: [Double] = []
    /// The names of the target columns, in order, or empty.
    public var targetNames: [String] = []
    /// The columns the features come from, in order (numeric, or categorical with its
    /// categories).
    public var columns: [FeatureColumn]
    /// The 1-based line in its file of each row (for messages), or empty.
    public var lineNumbers: [Int] = []

    /// The number of feature columns.
    public var featureCount: Int { featureNames.count }
    /// The number of rows.
    public var count: Int { featureNames.isEmpty ? 0 : features.count / featureNames.count }
    /// Whether every row has a label.
    public var isLabeled: Bool { !classNames.isEmpty && labels.count == count }
    /// The number of classes.
    public var classCount: Int { classNames.count }
    /// The number of target columns (0 unless the data is for regression).
    public var targetCount: Int { targetNames.count }
    /// Whether every row has numeric targets.
    public var hasTargets: Bool { targetCount > 0 && targets.count == count * targetCount }

    /// Creates a data set from rows of features and class indices.
    ///
    /// - Parameters:
    ///   - rows: The features of each row.
    ///   - labels: The class index of each row, or empty.
    ///   - classNames: The class names.
    ///   - featureNames: The feature names (default `x0`, `x1`, …).
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
        self.columns = self.featureNames.map { FeatureColumn(name: $0) }
    }

    /// Creates a data set for regression from rows of features and of targets.
    ///
    /// ```swift
    /// let data = Dataset(rows: [[1], [2]], targets: [[2.5], [4.5]])
    /// data.targetTensor(as: Float.self)   // [[2.5], [4.5]]
    /// ```
    ///
    /// - Parameters:
    ///   - rows: The features of each row.
    ///   - targets: The targets of each row.
    ///   - targetNames: The target names (default `y0`, `y1`, …).
    ///   - featureNames: The feature names (default `x0`, `x1`, …).
    /// - Precondition: the rows of each have equal length and there are as many target
    ///   rows as feature rows.
    public init(rows: [[Double]], targets: [[Double]], targetNames: [String]? = nil,
                featureNames: [String]? = nil) {
        self.init(rows: rows, featureNames: featureNames)
        let width = targetNames?.count ?? targets.first?.count ?? 0
        require(targets.count == rows.count, "Dataset: \(targets.count) target rows for \(rows.count) rows")
        require(width > 0 && targets.allSatisfy { $0.count == width }, "Dataset: target rows have different or no lengths")
        self.targets = targets.flatMap { $0 }
        self.targetNames = targetNames ?? (0..<width).map { "y\($0)" }
    }

    /// Class names for a message, each cut at ``DataError/quotedLengthLimit`` characters, at
    /// most 20 of them.
    static func listOfClasses(_ names: [String]) -> String {
        names.prefix(20).map { DataError.excerpt($0) }.joined(separator: ", ")
            + (names.count > 20 ? ", … (\(names.count) in all)" : "")
    }

    /// Reads a CSV file (see ``init(table:label:classNames:options:)``).
    ///
    /// - Parameters:
    ///   - url: The file.
    ///   - label: The label column, or `nil` for unlabeled data.
    ///   - classNames: Fixed classes to map labels to (from a checkpoint), or `nil`.
    ///   - name: The file's name in error messages (default: its path).
    /// - Throws: ``DataError`` naming the file, line and column of the first bad field.
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
        let t = targetCount
        copy.targets = []
        if hasTargets {
            copy.targets.reserveCapacity(indices.count * t)
            for i in indices { copy.targets.append(contentsOf: targets[(i * t)..<(i * t + t)]) }
        }
        copy.lineNumbers = lineNumbers.count == count ? indices.map { lineNumbers[$0] } : []
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

    /// The targets as a `[count, targetCount]` tensor (regression).
    @inlinable
    public func targetTensor<Scalar: TensorScalar>(as type: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        Tensor(shape: [count, targetCount], scalars: targets.map { Scalar($0) })
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

extension LabeledTensors {
    /// A regression data set's features and targets (``Dataset/targetTensor(as:)``), with
    /// no class labels.
    ///
    /// - Parameter data: Data with targets (``Dataset/hasTargets``).
    @inlinable
    public init(targetsOf data: Dataset) {
        require(data.hasTargets, "LabeledTensors(targetsOf:): the data set has no targets")
        self.init(features: data.featureTensor(), targets: data.targetTensor())
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
