import Backprop

/// The batches of a training set, pass after pass, in a seeded random order: for loops
/// written by hand, with the same order ``Trainer`` uses.
///
/// Each pass over the sequence (each `for … in`) is one epoch: with shuffling, it visits
/// the rows in the next permutation drawn from a generator seeded with `seed` (as
/// PyTorch's `DataLoader(shuffle=True)` with a seeded generator), so pass e sees the batches
/// ``Trainer/fit(_:validation:onEpoch:)`` with the same seed, batch size and shuffling
/// trains on in epoch e. Batches are consecutive runs of `batchSize` rows of that order,
/// the last one shorter when the rows do not divide evenly. A batch as large as the data
/// set (or larger) is the whole set, in its order, never shuffled.
///
/// ```swift
/// let batches = MiniBatches(training, batchSize: 32, seed: 7)
/// for epoch in 0..<10 {
///     for (inputs, targets) in batches {
///         let loss = Loss<Float>.crossEntropy(model(Variable(inputs)), Variable(targets))
///         loss.backward()
///         optimizer.update(model.parameters)
///     }
/// }
/// ```
///
/// A `MiniBatches` is a class: the generator advances with every pass, whoever makes it.
public final class MiniBatches<Scalar: TensorScalar>: Sequence {
    /// One batch: input rows and their target rows.
    public typealias Element = (inputs: Tensor<Scalar>, targets: Tensor<Scalar>)

    /// The inputs, `[rows, features]`.
    public let inputs: Tensor<Scalar>
    /// The targets, `[rows, outputs]`.
    public let targets: Tensor<Scalar>
    /// The rows per batch (the last batch of a pass may have fewer).
    public var batchSize: Int { order.batchSize }
    /// Whether each pass visits the rows in a new random order.
    public var shuffles: Bool { order.shuffles }
    /// The order of the passes.
    private var order: BatchOrder

    /// Batches of rows of `inputs` and `targets`.
    ///
    /// - Parameters:
    ///   - inputs: The inputs, `[rows, features]`.
    ///   - targets: The targets, `[rows, outputs]`, as many rows.
    ///   - batchSize: The rows per batch, at least 1 (more than the rows: one batch of all).
    ///   - shuffles: Whether each pass visits the rows in a new random order.
    ///   - seed: The seed of the order's generator.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    public init(
        inputs: Tensor<Scalar>, targets: Tensor<Scalar>, batchSize: Int, shuffles: Bool = true, seed: UInt64 = 0,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        require(inputs.rank == 2 && targets.rank == 2 && inputs.shape[0] == targets.shape[0],
                "MiniBatches: inputs \(Shapes.format(inputs.shape)) and targets \(Shapes.format(targets.shape)) "
                    + "must be 2-D with the same number of rows", file: file, line: line)
        require(batchSize >= 1, "MiniBatches: batch size \(batchSize) is below 1", file: file, line: line)
        self.inputs = inputs
        self.targets = targets
        order = BatchOrder(count: inputs.shape[0], batchSize: batchSize, shuffles: shuffles, seed: seed)
    }

    /// Batches of a labelled data set's rows.
    ///
    /// - Parameters:
    ///   - data: The rows.
    ///   - batchSize: The rows per batch, at least 1 (more than the rows: one batch of all).
    ///   - shuffles: Whether each pass visits the rows in a new random order.
    ///   - seed: The seed of the order's generator.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    public convenience init(
        _ data: LabeledTensors<Scalar>, batchSize: Int, shuffles: Bool = true, seed: UInt64 = 0,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        self.init(inputs: data.features, targets: data.targets, batchSize: batchSize, shuffles: shuffles, seed: seed,
                  file: file, line: line)
    }

    /// The number of batches in a pass.
    public var underestimatedCount: Int {
        let rows = inputs.shape[0]
        return (rows + batchSize - 1) / batchSize
    }

    /// One pass: the batches in the next epoch's order.
    public func makeIterator() -> Iterator {
        Iterator(inputs: inputs, targets: targets, order: order.nextEpoch(), batchSize: order.effectiveBatchSize)
    }

    /// The batches of one pass.
    public struct Iterator: IteratorProtocol {
        let inputs: Tensor<Scalar>
        let targets: Tensor<Scalar>
        let order: [Int]
        let batchSize: Int
        var begin = 0

        /// The next batch, or `nil` after the last.
        public mutating func next() -> Element? {
            guard begin < order.count else { return nil }
            let end = Swift.min(begin + batchSize, order.count)
            defer { begin = end }
            let rows = order[begin..<end]
            return (gatherRows(inputs, rows), gatherRows(targets, rows))
        }
    }
}

/// The order in which a training loop visits the rows, epoch after epoch: the one rule
/// behind ``MiniBatches`` and ``Trainer``, so both see the same batches for a seed.
@usableFromInline
internal struct BatchOrder {
    @usableFromInline internal var generator: SeededGenerator
    @usableFromInline internal let count: Int
    @usableFromInline internal let batchSize: Int
    @usableFromInline internal let shuffles: Bool
    @usableFromInline internal var order: [Int]

    @inlinable
    internal init(count: Int, batchSize: Int, shuffles: Bool, seed: UInt64) {
        generator = SeededGenerator(seed: seed)
        self.count = count
        self.batchSize = batchSize
        self.shuffles = shuffles
        order = Array(0..<count)
    }

    /// The rows per batch: at most all of them.
    @inlinable internal var effectiveBatchSize: Int { Swift.max(1, Swift.min(batchSize, count)) }

    /// The next epoch's order: a new permutation when shuffling batches smaller than the
    /// data set (a batch of all rows is not shuffled, so its sum runs in row order), else
    /// the previous order.
    @inlinable
    internal mutating func nextEpoch() -> [Int] {
        if shuffles && batchSize < count { order = generator.permutation(count) }
        return order
    }
}
