import Backprop

/// A sequence classifier: each row of features read as `steps` steps of equal width,
/// a recurrent layer over them, and a dense layer from its final h (the top layer's, forward
/// direction) to the classes. The digits example reads each 8×8 image row by row.
public struct SequenceClassifier<Cell: RecurrentCell>: Layer {
    public typealias Scalar = Cell.Scalar
    /// The recurrent layer.
    public let recurrent: Recurrent<Cell>
    /// The classifier on the final state.
    public let head: Dense<Scalar>
    /// The number of steps each input row is cut into.
    public let steps: Int

    /// Creates the model for rows of `steps · stepWidth` features.
    @inlinable
    public init(steps: Int, stepWidth: Int, hiddenSize: Int, classCount: Int, using generator: inout SeededGenerator) {
        recurrent = Recurrent(inputSize: stepWidth, hiddenSize: hiddenSize, using: &generator)
        let bound = 1 / Double(hiddenSize).squareRoot()
        head = Dense(
            inputSize: hiddenSize, outputSize: classCount, initializer: .uniform(low: -bound, high: bound),
            biasInitializer: .uniform(low: -bound, high: bound), using: &generator)
        self.steps = steps
    }

    /// Logits `[batch, classes]` for rows `[batch, steps · stepWidth]`.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let (batch, width) = (input.shape[0], input.shape[1] / steps)
        let h = recurrent(input.reshaped(to: [batch, steps, width]), initialState: nil).finalState[0]
        let top = h.shape[0] - recurrent.cells[0].count  // the top layer's forward direction
        return head(h.sliced(alongAxis: 0, top..<top + 1).reshaped(to: [batch, recurrent.hiddenSize]))
    }

    /// `recurrent.*` then `head.*`.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        recurrent.namedParameters.map { NamedParameter("recurrent.\($0.name)", $0.variable) }
            + head.namedParameters.map { NamedParameter("head.\($0.name)", $0.variable) }
    }
}

/// The recurrent cell of the sequential digits models.
public enum RecurrentKind: String, Sendable, CaseIterable {
    case lstm, gru
}

extension DigitsExample {
    /// Trains a recurrent classifier reading each image as 8 steps of 8 pixels (row r is
    /// pixels 8r ..< 8r + 8), hidden state `hiddenSize`, on the same split, batches, Adam and
    /// cosine schedule as ``run(onEpoch:)``; returns the history and the test accuracy and
    /// confusion matrix.
    public func runRecurrent(
        _ kind: RecurrentKind, hiddenSize: Int = 64, onEpoch: ((EpochRecord) -> Void)? = nil
    ) throws -> (history: History, testAccuracy: Double, confusion: ConfusionMatrix) {
        switch kind {
        case .lstm: return try runRecurrent(LSTMCell<Float>.self, hiddenSize: hiddenSize, onEpoch: onEpoch)
        case .gru: return try runRecurrent(GRUCell<Float>.self, hiddenSize: hiddenSize, onEpoch: onEpoch)
        }
    }

    func runRecurrent<Cell: RecurrentCell>(
        _: Cell.Type, hiddenSize: Int, onEpoch: ((EpochRecord) -> Void)?
    ) throws -> (history: History, testAccuracy: Double, confusion: ConfusionMatrix) where Cell.Scalar == Float {
        let (training, validation, test, _) = try data()
        var rng = SeededGenerator(seed: seed &+ 1)
        let model = SequenceClassifier<Cell>(
            steps: 8, stepWidth: training.featureCount / 8, hiddenSize: hiddenSize, classCount: training.classCount,
            using: &rng)
        let trainer = Trainer(
            model: model, loss: .crossEntropy, optimizer: Adam(learningRate: learningRate),
            epochs: epochs, mode: .miniBatch(size: batchSize), seed: seed,
            schedule: .cosine(epochs: epochs, minimum: 0), recordsGradientNorms: false)
        let history = trainer.fit(LabeledTensors(training), validation: LabeledTensors(validation), onEpoch: onEpoch)
        let confusion = ConfusionMatrix(
            predicted: predictedClasses(model.predict(test.featureTensor())), labels: test.labels,
            classCount: test.classCount, classNames: test.classNames)
        return (history, confusion.accuracy, confusion)
    }
}
