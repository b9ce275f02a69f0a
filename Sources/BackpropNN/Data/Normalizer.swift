import Backprop

/// A per-column affine rescaling of the features, fitted on the training split only and
/// then applied unchanged to validation, test and prediction data (so no information leaks
/// from them into training).
///
/// x' = (x − offset) · scale + shift, per column:
///
/// - min-max to [a, b]: offset = min, scale = (b − a)/(max − min), shift = a
///   (a constant column maps to a);
/// - z-score: offset = mean, scale = 1/σ (population σ; a constant column gets scale 1),
///   shift = 0.
///
/// ```swift
/// let normalizer = Normalizer.minMax(fittedOn: train)
/// let train01 = normalizer.apply(to: train), validation01 = normalizer.apply(to: validation)
/// ```
public struct Normalizer: Codable, Sendable, Equatable {
    /// The kind of rescaling.
    public enum Kind: String, Codable, Sendable {
        /// Min-max to a range.
        case minMax
        /// Zero mean, unit variance.
        case zScore
    }
    /// The kind.
    public var kind: Kind
    /// Per-column value subtracted first.
    public var offsets: [Double]
    /// Per-column factor.
    public var scales: [Double]
    /// The constant added last.
    public var shift: Double

    /// Creates a normaliser from its coefficients.
    public init(kind: Kind, offsets: [Double], scales: [Double], shift: Double) {
        require(offsets.count == scales.count, "Normalizer: \(offsets.count) offsets, \(scales.count) scales")
        self.kind = kind
        self.offsets = offsets
        self.scales = scales
        self.shift = shift
    }

    private enum CodingKeys: String, CodingKey { case kind, offsets, scales, shift }

    /// Decodes a normaliser, checking what ``init(kind:offsets:scales:shift:)`` requires
    /// (as many offsets as scales) and that the coefficients are sound (see ``problem()``):
    /// a decoding error otherwise, not a crash or NaN features when applied.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let offsets = try container.decode([Double].self, forKey: .offsets)
        let scales = try container.decode([Double].self, forKey: .scales)
        guard offsets.count == scales.count else {
            throw DecodingError.dataCorruptedError(
                forKey: .scales, in: container,
                debugDescription: "\(offsets.count) offsets but \(scales.count) scales")
        }
        self.init(
            kind: try container.decode(Kind.self, forKey: .kind), offsets: offsets, scales: scales,
            shift: try container.decode(Double.self, forKey: .shift))
        if let (column, reason) = problem() {
            throw DecodingError.dataCorruptedError(
                forKey: column == nil ? .shift : reason.contains("offset") ? .offsets : .scales, in: container,
                debugDescription: column.map { "column \($0 + 1): \(reason)" } ?? reason)
        }
    }

    /// Min-max scaling to `range`, fitted on `data`.
    ///
    /// - Parameters:
    ///   - data: The rows to fit on (the training split).
    ///   - range: The range the training values map to.
    /// - Precondition: `data` has at least one row.
    public static func minMax(fittedOn data: Dataset, range: ClosedRange<Double> = 0...1) -> Normalizer {
        require(data.count > 0, "Normalizer.minMax: no rows to fit on")
        return minMax(data.features, columns: data.featureCount, range: range)
    }

    /// Min-max scaling of row-major `values` with `columns` columns.
    private static func minMax(_ values: [Double], columns d: Int, range: ClosedRange<Double>) -> Normalizer {
        var low = [Double](repeating: .infinity, count: d)
        var high = [Double](repeating: -.infinity, count: d)
        for k in values.indices {
            low[k % d] = Swift.min(low[k % d], values[k])
            high[k % d] = Swift.max(high[k % d], values[k])
        }
        let scales = (0..<d).map { high[$0] > low[$0] ? (range.upperBound - range.lowerBound) / (high[$0] - low[$0]) : 0 }
        return Normalizer(kind: .minMax, offsets: low, scales: scales, shift: range.lowerBound)
    }

    /// Standardisation to mean 0 and standard deviation 1, fitted on `data`.
    ///
    /// - Parameter data: The rows to fit on (the training split).
    /// - Precondition: `data` has at least one row.
    public static func zScore(fittedOn data: Dataset) -> Normalizer {
        require(data.count > 0, "Normalizer.zScore: no rows to fit on")
        return zScore(data.features, columns: data.featureCount)
    }

    /// Standardisation of the targets (regression) to mean 0 and standard deviation 1,
    /// fitted on `data`: a model trained on standardised targets has outputs of similar
    /// size whatever the targets' units, and ``original(_:column:)`` maps its outputs back.
    ///
    /// ```swift
    /// let scaling = Normalizer.zScore(fittedOnTargetsOf: train)
    /// let standardised = scaling.applyingToTargets(of: train)
    /// ```
    ///
    /// - Parameter data: The rows to fit on (the training split).
    /// - Precondition: `data` has targets and at least one row.
    public static func zScore(fittedOnTargetsOf data: Dataset) -> Normalizer {
        require(data.count > 0 && data.hasTargets, "Normalizer.zScore(fittedOnTargetsOf:): no target rows to fit on")
        return zScore(data.targets, columns: data.targetCount)
    }

    /// Standardisation of row-major `values` with `columns` columns.
    private static func zScore(_ values: [Double], columns d: Int) -> Normalizer {
        let n = Double(values.count / d)
        var means = [Double](repeating: 0, count: d)
        for k in values.indices { means[k % d] += values[k] }
        for j in 0..<d { means[j] /= n }
        var variances = [Double](repeating: 0, count: d)
        for k in values.indices {
            let v = values[k] - means[k % d]
            variances[k % d] += v * v
        }
        let scales = variances.map { variance -> Double in
            let sigma = (variance / n).squareRoot()
            return sigma > 0 ? 1 / sigma : 1
        }
        return Normalizer(kind: .zScore, offsets: means, scales: scales, shift: 0)
    }

    /// The data with every target rescaled (regression).
    ///
    /// - Parameter data: Data with as many target columns as the fit.
    /// - Precondition: the data has as many target columns as the fit.
    public func applyingToTargets(of data: Dataset) -> Dataset {
        rescaling(\.targets, of: data, columns: data.targetCount, what: " targets")
    }

    /// A value of column `j` in the original units: the inverse of the rescaling,
    /// (x − shift) / scale + offset (the offset for a min-max column that was constant).
    ///
    /// - Parameters:
    ///   - x: A rescaled value (a model's output, for targets).
    ///   - j: The column.
    public func original(_ x: Double, column j: Int) -> Double {
        scales[j] == 0 ? offsets[j] : (x - shift) / scales[j] + offsets[j]
    }

    /// The data with every feature rescaled.
    ///
    /// - Precondition: the data has as many feature columns as the fit.
    public func apply(to data: Dataset) -> Dataset {
        rescaling(\.features, of: data, columns: data.featureCount, what: "")
    }

    /// The data with the row-major values at `path` rescaled, one column per coefficient.
    private func rescaling(_ path: WritableKeyPath<Dataset, [Double]>, of data: Dataset, columns: Int, what: String) -> Dataset {
        require(columns == offsets.count, "Normalizer: fitted on \(offsets.count) columns, applied to \(columns)\(what)")
        var copy = data
        var values = copy[keyPath: path]
        copy[keyPath: path] = []  // so that `values` is the only reference and changes in place
        let d = offsets.count
        for k in values.indices { values[k] = rescale(values[k], column: k % d) }
        copy[keyPath: path] = values
        return copy
    }

    /// One value of column `j` rescaled: (x − offset) · scale + shift.
    @inline(__always)
    func rescale(_ x: Double, column j: Int) -> Double {
        (x - offsets[j]) * scales[j] + shift
    }

    /// What makes the coefficients unusable, or `nil` if they are sound: an offset, scale
    /// or shift that is infinite or NaN, or a scale that is negative, or zero in a z-score
    /// (a fitted z-score has a positive scale; a min-max scale is zero only for a column
    /// that was constant, which then maps to the range's lower bound).
    ///
    /// A z-score fit gives such coefficients when its sums overflow `Double` (a mean beyond
    /// ±1.8e308, or a standard deviation beyond about 1.3e154, whose square is infinite).
    ///
    /// - Returns: The column (0-based, `nil` for the shift) and the reason.
    public func problem() -> (column: Int?, reason: String)? {
        guard shift.isFinite else { return (nil, "the shift \(shift) is not finite") }
        for j in offsets.indices {
            guard offsets[j].isFinite else { return (j, "the offset \(offsets[j]) is not finite") }
            guard scales[j].isFinite else { return (j, "the scale \(scales[j]) is not finite") }
            guard scales[j] >= 0 else { return (j, "the scale \(scales[j]) is negative") }
            if kind == .zScore && scales[j] == 0 {
                return (j, "the scale is 0 (a z-score scale is 1/σ; σ overflows for values this large)")
            }
        }
        return nil
    }
}
