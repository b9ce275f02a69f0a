import Backprop

extension Dataset {
    /// Splits the rows, in their current order, into consecutive parts of the given sizes.
    ///
    /// ```swift
    /// let parts = iris.shuffled(using: &rng).split(counts: [130, 20])   // train, validation
    /// ```
    /// - Precondition: the counts are non-negative and add up to at most `count`.
    public func split(counts: [Int]) -> [Dataset] {
        require(counts.allSatisfy { $0 >= 0 } && counts.reduce(0, +) <= count,
                     "Dataset.split: counts \(counts) do not fit \(count) rows")
        var start = 0
        return counts.map { n in
            defer { start += n }
            return subset(start..<(start + n))
        }
    }

    /// Splits the rows, in their current order, into training, validation and test parts by
    /// fractions (rounded to whole rows; the training part gets the rest).
    ///
    /// - Precondition: the fractions are in [0, 1) and add up to less than 1.
    public func split(validationFraction: Double, testFraction: Double = 0)
        -> (training: Dataset, validation: Dataset, test: Dataset)
    {
        require(
            validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1,
            "Dataset.split: fractions \(validationFraction) + \(testFraction) must be in [0, 1)")
        let v = Int((Double(count) * validationFraction).rounded())
        let t = Int((Double(count) * testFraction).rounded())
        let parts = split(counts: [count - v - t, v, t])
        return (parts[0], parts[1], parts[2])
    }

    /// The k folds of k-fold cross-validation over the rows in their current order: fold i
    /// validates on the i-th of k near-equal consecutive blocks and trains on the rest.
    ///
    /// ```swift
    /// for (train, validation) in data.shuffled(using: &rng).kFolds(5) { … }
    /// ```
    /// - Precondition: 2 ≤ k ≤ count.
    public func kFolds(_ k: Int) -> [(training: Dataset, validation: Dataset)] {
        require(k >= 2 && k <= count, "Dataset.kFolds: k = \(k) for \(count) rows")
        return (0..<k).map { i in
            let start = i * count / k
            let end = (i + 1) * count / k
            let validation = Array(start..<end)
            let training = Array(0..<start) + Array(end..<count)
            return (subset(training), subset(validation))
        }
    }

    /// Index batches of at most `size` rows covering `order` (the last may be smaller).
    ///
    /// ```swift
    /// Dataset.batches(of: Array(0..<5), size: 2)   // [[0, 1], [2, 3], [4]]
    /// ```
    public static func batches(of order: [Int], size: Int) -> [ArraySlice<Int>] {
        require(size > 0, "Dataset.batches: size \(size) is not positive")
        return stride(from: 0, to: order.count, by: size).map {
            order[$0..<Swift.min($0 + size, order.count)]
        }
    }
}
