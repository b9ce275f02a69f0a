import Backprop

/// The classic Iris experiment: a 4-5-3 sigmoid network trained with per-sample
/// backpropagation ("standard BP", as in Zhou Zhihua's *Machine Learning*, §5.3).
///
/// Its defaults: min-max normalisation to [0, 1] (fitted on the training rows), a seeded
/// shuffle, 130 training / 20 validation rows, 4 → 5 sigmoid → 3 sigmoid, one-hot targets,
/// ½‖·‖² loss, per-sample SGD at learning rate 0.2 for 300 epochs, weights and biases
/// uniform in [0, 1).
///
/// ```swift
/// let run = try IrisTutorial(seed: 3).run()
/// print(run.history.last!.validationAccuracy!)
/// ```
///
/// One seeded generator draws, in order, the shuffle and then the parameters (layer by
/// layer, weight before bias).
public struct IrisTutorial: Sendable {
    /// The seed of the shuffle and the initial parameters.
    public var seed: UInt64
    /// Epochs (default 300).
    public var epochs = 300
    /// Learning rate (default 0.2).
    public var learningRate = 0.2
    /// Hidden units (default 5).
    public var hiddenUnits = 5
    /// Training rows; the rest of the 150 validate (default 130).
    public var trainingRows = 130

    /// The experiment with its defaults and a seed.
    public init(seed: UInt64 = 0) { self.seed = seed }

    /// The prepared data and a freshly initialised model.
    public func prepare() throws -> (
        model: Sequential<Double>, training: LabeledTensors<Double>,
        validation: LabeledTensors<Double>, normalizer: Normalizer, data: Dataset
    ) {
        let data = try Dataset(csv: BundledData.iris, label: .name("species"))
        var rng = SeededGenerator(seed: seed)
        let parts = data.shuffled(using: &rng).split(counts: [trainingRows, data.count - trainingRows])
        let normalizer = Normalizer.minMax(fittedOn: parts[0])
        let model = Sequential<Double>(
            Dense(inputSize: data.featureCount, outputSize: hiddenUnits, activation: .sigmoid,
                  initializer: .uniformUnit, biasInitializer: .uniformUnit, using: &rng),
            Dense(inputSize: hiddenUnits, outputSize: data.classCount, activation: .sigmoid,
                  initializer: .uniformUnit, biasInitializer: .uniformUnit, using: &rng))
        return (model, LabeledTensors(normalizer.apply(to: parts[0])),
                LabeledTensors(normalizer.apply(to: parts[1])), normalizer, data)
    }

    /// Trains and returns the model and its history; `onEpoch` sees every epoch.
    public func run(onEpoch: ((EpochRecord) -> Void)? = nil) throws -> (
        model: Sequential<Double>, history: History, normalizer: Normalizer, data: Dataset
    ) {
        let (model, training, validation, normalizer, data) = try prepare()
        let trainer = Trainer(
            model: model, loss: .meanHalfSquaredError, optimizer: SGD(learningRate: learningRate),
            epochs: epochs, mode: .perSample, seed: seed, recordsGradientNorms: false)
        let history = trainer.fit(training, validation: validation, onEpoch: onEpoch)
        return (model, history, normalizer, data)
    }
}

/// The XOR problem: a 2-2-1 sigmoid network, ½‖·‖² loss, full-batch SGD with momentum.
/// XOR is not linearly separable, so it needs the hidden layer; and a net this small can
/// stall in a local minimum, so it restarts from a new initialisation (the classic remedy),
/// up to `restarts` times, until every case is right.
///
/// ```swift
/// let result = XORExample(seed: 0).run()
/// result.table   // [([0, 0], 0.03), ([0, 1], 0.97), ([1, 0], 0.97), ([1, 1], 0.04)]
/// ```
public struct XORExample: Sendable {
    /// The seed of the first attempt (attempt k uses seed + k).
    public var seed: UInt64
    /// Epochs per attempt.
    public var epochs = 2000
    /// Learning rate.
    public var learningRate = 0.5
    /// Extra attempts after a stalled one.
    public var restarts = 5

    /// The example with a seed.
    public init(seed: UInt64 = 0) { self.seed = seed }

    /// The four input rows and their targets.
    public static let inputs: [[Double]] = [[0, 0], [0, 1], [1, 0], [1, 1]]
    /// x₁ XOR x₂.
    public static let targets: [Double] = [0, 1, 1, 0]

    /// Trains; returns the model, the outputs for the four inputs, the attempts used and the
    /// final loss.
    public func run() -> (model: Sequential<Double>, table: [(input: [Double], output: Double)],
                          attempts: Int, loss: Double) {
        let data = LabeledTensors<Double>(
            features: Tensor(Self.inputs), targets: Tensor(shape: [4, 1], scalars: Self.targets),
            labels: Self.targets.map { Int($0) })
        var last: (Sequential<Double>, [Double], Int, Double)!
        for attempt in 0...restarts {
            var rng = SeededGenerator(seed: seed &+ UInt64(attempt))
            let model = Sequential<Double>(
                Dense(inputSize: 2, outputSize: 2, activation: .sigmoid,
                      initializer: .normal(standardDeviation: 1), using: &rng),
                Dense(inputSize: 2, outputSize: 1, activation: .sigmoid,
                      initializer: .normal(standardDeviation: 1), using: &rng))
            let trainer = Trainer(
                model: model, loss: .meanHalfSquaredError,
                optimizer: SGD(learningRate: learningRate, momentum: 0.9), epochs: epochs,
                mode: .fullBatch, recordsGradientNorms: false)
            let history = trainer.fit(data)
            let outputs = model.predict(data.features).scalars
            last = (model, outputs, attempt + 1, history.last?.trainingLoss ?? .nan)
            if history.last?.trainingAccuracy == 1 { break }
        }
        return (last.0, zip(Self.inputs, last.1).map { ($0, $1) }, last.2, last.3)
    }
}

/// The bundled 8×8 digits: a seeded 70 / 10 / 20 % split into training, validation and
/// test rows, pixels min-max scaled to [0, 1] (fitted on the training rows),
/// 64 → hidden (ReLU) → 10 logits, softmax cross-entropy, Adam in mini-batches with a
/// cosine learning-rate schedule.
///
/// ```swift
/// let run = try DigitsExample(seed: 0).run()
/// print(run.testAccuracy)
/// ```
public struct DigitsExample: Sendable {
    /// The seed of the split, the initial parameters and the batch order.
    public var seed: UInt64
    /// The network: the multilayer perceptron (default, trained with a cosine learning-rate
    /// schedule) or the small CNN (a constant rate, as the peers' `cnn` workload trains it).
    public var architecture: DigitsArchitecture = .multilayerPerceptron
    /// Hidden layer sizes (the multilayer perceptron's).
    public var hidden = [128]
    /// Epochs.
    public var epochs = 30
    /// Rows per mini-batch.
    public var batchSize = 32
    /// Adam's learning rate.
    public var learningRate: Float = 0.003

    /// The example with a seed.
    public init(seed: UInt64 = 0) { self.seed = seed }

    /// The split data: training, validation, test.
    public func data() throws -> (training: Dataset, validation: Dataset, test: Dataset, normalizer: Normalizer) {
        let all = try Dataset(csv: BundledData.digits, label: .name("label"))
        var rng = SeededGenerator(seed: seed)
        let parts = all.shuffled(using: &rng).split(validationFraction: 0.1, testFraction: 0.2)
        let normalizer = Normalizer.minMax(fittedOn: parts.training)
        return (normalizer.apply(to: parts.training), normalizer.apply(to: parts.validation),
                normalizer.apply(to: parts.test), normalizer)
    }
}

extension DigitsExample {
    /// Trains; returns the model, its history and its accuracy and confusion matrix on the
    /// test rows.
    public func run(onEpoch: ((EpochRecord) -> Void)? = nil) throws -> (
        model: Sequential<Float>, history: History, testAccuracy: Double, confusion: ConfusionMatrix
    ) {
        let (training, validation, test, _) = try data()
        var rng = SeededGenerator(seed: seed &+ 1)
        let model: Sequential<Float>
        switch architecture {
        case .multilayerPerceptron:
            model = .multilayerPerceptron(
                inputSize: training.featureCount, hidden: hidden, outputSize: training.classCount,
                activation: .relu, outputActivation: .identity, using: &rng)
        case .convolutional:
            model = Self.convolutionalNetwork(classes: training.classCount, using: &rng)
        }
        let trainer = Trainer(
            model: model, loss: .crossEntropy, optimizer: Adam(learningRate: learningRate),
            epochs: epochs, mode: .miniBatch(size: batchSize), seed: seed,
            schedule: architecture == .convolutional ? .constant : .cosine(epochs: epochs, minimum: 0),
            recordsGradientNorms: false)
        let history = trainer.fit(
            LabeledTensors(training), validation: LabeledTensors(validation), onEpoch: onEpoch)
        let predicted = predictedClasses(model.predict(test.featureTensor()))
        let confusion = ConfusionMatrix(
            predicted: predicted, labels: test.labels, classCount: test.classCount,
            classNames: test.classNames)
        return (model, history, confusion.accuracy, confusion)
    }
}

/// The networks of ``DigitsExample``.
public enum DigitsArchitecture: String, Sendable, CaseIterable {
    /// 64 → hidden (ReLU) → 10.
    case multilayerPerceptron = "mlp"
    /// The small CNN of ``DigitsExample/convolutionalNetwork(classes:using:)``.
    case convolutional = "cnn"
}

extension DigitsExample {
    /// The small CNN for the 8×8 digits (the peers' `cnn` workload): each row of 64 pixels
    /// as a 1 × 8 × 8 image (NCHW), conv 3×3 1 → 16 (padding 1) → ReLU → max pool 2 →
    /// conv 3×3 16 → 32 (padding 1) → ReLU → max pool 2 → flatten (32 · 2 · 2 = 128) →
    /// dense 128 → `classes` (logits). 6,090 parameters for 10 classes; He normal weights
    /// before the ReLUs, Glorot uniform for the last layer, zero biases.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 1)
    /// let cnn = DigitsExample.convolutionalNetwork(classes: 10, using: &rng)
    /// cnn.parameterCount   // 6090
    /// ```
    public static func convolutionalNetwork(classes: Int, using generator: inout SeededGenerator) -> Sequential<Float> {
        Sequential<Float>(
            Reshape(sampleShape: [1, 8, 8]),
            Conv2D(.init(inChannels: 1, outChannels: 16, kernelSize: 3, padding: 1, activation: .relu), using: &generator),
            MaxPool2D(kernelSize: 2),
            Conv2D(.init(inChannels: 16, outChannels: 32, kernelSize: 3, padding: 1, activation: .relu), using: &generator),
            MaxPool2D(kernelSize: 2),
            Flatten(),
            Dense(inputSize: 128, outputSize: classes, using: &generator))
    }
}
