import Backprop
import Foundation

/// How many samples make up one update.
///
/// Zhou Zhihua's *Machine Learning* (Springer, 2021), §5.3, calls one update per sample
/// "standard BP" and one update per pass over the training set "accumulated BP";
/// ``standardBP`` and ``accumulatedBP`` are those names.
public enum TrainingMode: Sendable, Hashable {
    /// One update per sample ("standard BP", online learning).
    case perSample
    /// One update per batch of `size` samples (the gradient is the batch mean).
    case miniBatch(size: Int)
    /// One update per pass over the whole training set ("accumulated BP": the mean error
    /// over all samples).
    case fullBatch

    /// ``perSample`` under its textbook name, "standard BP".
    public static var standardBP: TrainingMode { .perSample }
    /// ``fullBatch`` under its textbook name, "accumulated BP".
    public static var accumulatedBP: TrainingMode { .fullBatch }
}

/// Stop when the monitored loss (validation loss, or training loss without validation data)
/// has not improved by more than `minimumImprovement` for `patience` epochs, and put back
/// the parameters of the best epoch: the rule ``EarlyStoppingCallback`` applies
/// (``Trainer/earlyStopping`` installs one).
public struct EarlyStopping: Sendable, Hashable {
    /// Epochs without improvement tolerated.
    public var patience: Int
    /// The decrease that counts as an improvement.
    public var minimumImprovement: Double
    /// Whether to restore the best epoch's parameters at the end.
    public var restoresBestParameters: Bool

    /// Creates the rule.
    public init(patience: Int, minimumImprovement: Double = 0, restoresBestParameters: Bool = true) {
        require(patience >= 1, "EarlyStopping: patience \(patience) is below 1")
        self.patience = patience
        self.minimumImprovement = minimumImprovement
        self.restoresBestParameters = restoresBestParameters
    }
}

/// Inputs and targets as tensors, with class labels for accuracy.
public struct LabeledTensors<Scalar: TensorScalar> {
    /// `[rows, features]`.
    public var features: Tensor<Scalar>
    /// `[rows, outputs]`.
    public var targets: Tensor<Scalar>
    /// The class of each row (for accuracy), or empty.
    public var labels: [Int]

    /// Wraps tensors.
    ///
    /// - Precondition: both are 2-D with the same number of rows; `labels` is empty or has
    ///   one entry per row.
    @inlinable
    public init(features: Tensor<Scalar>, targets: Tensor<Scalar>, labels: [Int] = []) {
        require(features.rank == 2,
                "LabeledTensors: features \(Shapes.format(features.shape)) must be 2-D [rows, features], "
                    + "not rank \(features.rank)")
        require(targets.rank == 2,
                "LabeledTensors: targets \(Shapes.format(targets.shape)) must be 2-D [rows, outputs], "
                    + "not rank \(targets.rank)" + (targets.rank == 1 ? " (reshape to [\(targets.shape[0]), 1])" : ""))
        require(features.shape[0] == targets.shape[0],
                "LabeledTensors: features \(Shapes.format(features.shape)) have \(features.shape[0]) rows, "
                    + "targets \(Shapes.format(targets.shape)) \(targets.shape[0]); they need the same number")
        require(labels.isEmpty || labels.count == features.shape[0],
                     "LabeledTensors: \(labels.count) labels for \(features.shape[0]) rows")
        self.features = features
        self.targets = targets
        self.labels = labels
    }

    /// How class labels become target rows.
    public enum TargetEncoding: Sendable, Hashable {
        /// `[rows, classes]`, a 1 in each row's class column (for cross-entropy and the
        /// squared errors).
        case oneHot
        /// `[rows, 1]`, 0 or 1 (two classes, for binary cross-entropy).
        case binary
        /// `[rows, 1]`, the class index as a number (for ``Loss/sparseCrossEntropy``).
        case classIndex
    }

    /// A labeled data set's features with targets encoded from its labels.
    @inlinable
    public init(_ data: Dataset, encoding: TargetEncoding = .oneHot) {
        require(data.isLabeled, "LabeledTensors: the data set has no labels")
        let targets: Tensor<Scalar>
        switch encoding {
        case .oneHot: targets = data.oneHotTargets()
        case .binary, .classIndex:
            require(encoding == .classIndex || data.classCount <= 2,
                         "LabeledTensors: binary targets need 2 classes, not \(data.classCount)")
            targets = Tensor(shape: [data.count, 1], scalars: data.labels.map { Scalar($0) })
        }
        self.init(features: data.featureTensor(), targets: targets, labels: data.labels)
    }

    /// The number of rows.
    @inlinable public var count: Int { features.shape[0] }

    /// The rows at `indices` as a batch.
    @inlinable
    public func rows<C: Collection>(_ indices: C) -> (features: Tensor<Scalar>, targets: Tensor<Scalar>)
    where C.Element == Int {
        (gatherRows(features, indices), gatherRows(targets, indices))
    }
}

/// The rows of a 2-D tensor at `indices`, in order.
@inlinable
public func gatherRows<Scalar, C: Collection>(_ t: Tensor<Scalar>, _ indices: C) -> Tensor<Scalar>
where C.Element == Int {
    let width = t.shape[1]
    return t.withUnsafeBufferPointer { src in
        Tensor(shape: [indices.count, width]) { dst in
            var k = 0
            for i in indices {
                require(i >= 0 && i < t.shape[0], "gatherRows: row \(i) out of range")
                for j in 0..<width { dst[k + j] = src[i * width + j] }
                k += width
            }
        }
    }
}

/// The mean loss and (if labels are given) the accuracy of a model on data, computed in
/// one batch without gradients, in the inference phase.
@inlinable
public func evaluate<Model: Layer>(
    _ model: Model, on data: LabeledTensors<Model.Scalar>, loss: Loss<Model.Scalar>
) -> (loss: Double, accuracy: Double?) {
    withLearningPhase(.inference) {
        withoutGradients {
            let output = model(Variable(data.features))
            let value = Double(loss(output, Variable(data.targets)).value.scalar)
            let acc = data.labels.isEmpty
                ? nil : accuracy(
                    predicted: predictedClasses(output.value, threshold: loss.binaryThreshold),
                    labels: data.labels)
            return (value, acc)
        }
    }
}

/// The training loop: epochs of forward pass, loss, reverse sweep and optimizer step, with
/// a ``History``, callbacks at every step and epoch (``TrainerCallback``: gradient
/// clipping, per-step learning rates, logging, checkpoints) and optional early stopping.
/// The batches are those ``MiniBatches`` gives for the same seed, so a loop written by hand
/// can reproduce a trainer's run.
///
/// Divergence: when a step's loss is infinite or NaN, training stops at once, before that
/// step's update, and ``History/divergence`` names the epoch and step (and suggests a
/// lower learning rate); the epoch is not recorded.
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let model = Sequential<Double>(
///     Dense(inputSize: 4, outputSize: 5, activation: .sigmoid, initializer: .uniformUnit,
///           biasInitializer: .uniformUnit, using: &rng),
///     Dense(inputSize: 5, outputSize: 3, activation: .sigmoid, initializer: .uniformUnit,
///           biasInitializer: .uniformUnit, using: &rng))
/// var trainer = Trainer(model: model, loss: .meanHalfSquaredError,
///                       optimizer: SGD(learningRate: 0.2), epochs: 300, mode: .perSample)
/// let history = trainer.fit(training, validation: validation)
/// print(history.last!.validationAccuracy!)
/// ```
///
/// The loop is generic over the model and optimizer types, so it is specialised for them:
/// per step it does no name lookups and allocates only the graph's nodes.
public struct Trainer<Model: Layer, Opt: Optimizer> where Opt.Scalar == Model.Scalar {
    public typealias Scalar = Model.Scalar
    /// The model (its parameters are updated in place).
    public var model: Model
    /// The loss.
    public var loss: Loss<Scalar>
    /// The optimizer.
    public var optimizer: Opt
    /// The number of epochs (an upper bound with early stopping).
    public var epochs: Int
    /// Samples per update.
    public var mode: TrainingMode
    /// Whether the order of the training rows is reshuffled every epoch.
    public var shufflesEachEpoch: Bool
    /// The seed of the per-epoch shuffles.
    public var seed: UInt64
    /// The learning rate per epoch, from the optimizer's learning rate when
    /// ``fit(_:validation:onEpoch:)`` starts (the base rate); every fit runs the schedule
    /// from its epoch 0.
    public var schedule: LearningRateSchedule
    /// Early stopping, if any: installs an ``EarlyStoppingCallback`` after ``callbacks``.
    public var earlyStopping: EarlyStopping?
    /// Code run at fixed points of every step and epoch (``TrainerCallback``), in order.
    public var callbacks: [any TrainerCallback<Scalar>]
    /// Whether to record per-parameter gradient norms (a little extra work per step).
    public var recordsGradientNorms: Bool

    /// Creates a trainer.
    ///
    /// - Parameters:
    ///   - model: The model (its parameters are updated in place).
    ///   - loss: The loss.
    ///   - optimizer: The optimizer.
    ///   - epochs: The number of epochs (an upper bound with early stopping), at least 0.
    ///   - mode: Samples per update.
    ///   - shufflesEachEpoch: Whether the order of the training rows is reshuffled every epoch.
    ///   - seed: The seed of the per-epoch shuffles (as ``MiniBatches`` draws them).
    ///   - schedule: The learning rate per epoch.
    ///   - earlyStopping: Early stopping, if any.
    ///   - recordsGradientNorms: Whether to record per-parameter gradient norms.
    ///   - callbacks: Code run at fixed points of every step and epoch, in order.
    @inlinable
    public init(
        model: Model, loss: Loss<Scalar>, optimizer: Opt, epochs: Int,
        mode: TrainingMode = .miniBatch(size: 32), shufflesEachEpoch: Bool = true, seed: UInt64 = 0,
        schedule: LearningRateSchedule = .constant, earlyStopping: EarlyStopping? = nil,
        recordsGradientNorms: Bool = true, callbacks: [any TrainerCallback<Scalar>] = []
    ) {
        require(epochs >= 0, "Trainer: epochs \(epochs) is negative")
        if case .miniBatch(let size) = mode {
            require(size >= 1, "Trainer: batch size \(size) is below 1")
        }
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.epochs = epochs
        self.mode = mode
        self.shufflesEachEpoch = shufflesEachEpoch
        self.seed = seed
        self.schedule = schedule
        self.earlyStopping = earlyStopping
        self.recordsGradientNorms = recordsGradientNorms
        self.callbacks = callbacks
    }

    /// Trains on `training`, evaluating on `validation` after every epoch, and calls
    /// `onEpoch` with each record (for progress output). Returns the history.
    ///
    /// The learning rate of epoch e (counted from 0 in every call) is
    /// `schedule.rate(base: η₀, epoch: e)`, where η₀ is the optimizer's `learningRate` when
    /// the call starts; callbacks may change it step by step (``TrainerCallback``). The
    /// call sets the optimizer's rate step by step and puts η₀ back when it returns (also
    /// after early stopping), so `learningRate` stays the rate you set: a second `fit` runs
    /// the schedule again from η₀ (like a new PyTorch scheduler over the same optimizer, or
    /// Keras's `LearningRateScheduler` with a schedule of the epoch), and to go on from a
    /// decayed rate you set that rate before the call. The optimizer's other state
    /// (momentum, Adam's moments and step counts) carries over from one call to the next.
    ///
    /// - Parameters:
    ///   - training: The data the model learns from.
    ///   - validation: Data evaluated after every epoch (early stopping and
    ///     ``ReduceLearningRateOnPlateau`` monitor its loss when it is given).
    ///   - onEpoch: Called with each epoch's record, before the callbacks' ``TrainerCallback/epochDidEnd(_:)``.
    @inlinable
    public func fit(
        _ training: LabeledTensors<Scalar>, validation: LabeledTensors<Scalar>? = nil,
        onEpoch: ((EpochRecord) -> Void)? = nil
    ) -> History {
        let named = model.namedParameters
        let parameters = named.map(\.variable)
        let n = training.count
        guard n > 0 else { return History(parameterNames: named.map(\.name)) }
        let userRate = optimizer.learningRate
        defer { optimizer.learningRate = userRate }
        let baseRate = Double(userRate)
        var progress = TrainingProgress(
            model: model, optimizer: optimizer, parameters: named, baseLearningRate: baseRate)
        var callbacks = self.callbacks
        if let earlyStopping { callbacks.append(EarlyStoppingCallback<Scalar>(earlyStopping)) }
        let batchSize: Int
        switch mode {
        case .perSample: batchSize = 1
        case .miniBatch(let size): batchSize = Swift.min(size, n)
        case .fullBatch: batchSize = n
        }
        // Per-sample rows are sliced once, not per step.
        var sampleInputs: [Variable<Scalar>] = []
        var sampleTargets: [Variable<Scalar>] = []
        if batchSize == 1 {
            for i in 0..<n {
                let (x, t) = training.rows(CollectionOfOne(i))
                sampleInputs.append(Variable(x))
                sampleTargets.append(Variable(t))
            }
        }
        let fullInputs = Variable(training.features)
        let fullTargets = Variable(training.targets)

        var norms = [Double](repeating: 0, count: parameters.count)
        var batches = BatchOrder(count: n, batchSize: batchSize, shuffles: shufflesEachEpoch, seed: seed)
        callbacks.run(.trainingWillBegin, &progress)
        for epoch in 0..<(progress.stopReason == nil ? epochs : 0) {
            let start = DispatchTime.now().uptimeNanoseconds
            let epochRate = schedule.rate(base: baseRate, epoch: epoch)
            progress.beginEpoch(epoch + 1)
            let order = batches.nextEpoch()
            for k in norms.indices { norms[k] = 0 }
            withLearningPhase(.training) {
                var begin = 0
                while begin < n && progress.stopReason == nil {
                    progress.learningRate = epochRate
                    callbacks.run(.stepWillBegin, &progress)
                    let end = Swift.min(begin + batchSize, n)
                    let lossValue: Variable<Scalar>
                    if batchSize == 1 {
                        let i = order[begin]
                        lossValue = loss(model(sampleInputs[i]), sampleTargets[i])
                    } else if batchSize == n {
                        lossValue = loss(model(fullInputs), fullTargets)
                    } else {
                        let (x, t) = training.rows(order[begin..<end])
                        lossValue = loss(model(Variable(x)), Variable(t))
                    }
                    let observed = Double(lossValue.value.scalar)
                    progress.record(loss: observed)
                    if _slowPath(!observed.isFinite) {
                        let divergence = Divergence(
                            epoch: epoch + 1, step: progress.completedStepsInEpoch + 1, loss: observed,
                            learningRate: progress.learningRate)
                        progress.updateHistory { $0.divergence = divergence }
                        return
                    }
                    lossValue.backward()
                    if recordsGradientNorms { accumulateNorms(parameters, into: &norms) }
                    callbacks.run(.updateWillBegin, &progress)
                    optimizer.learningRate = Scalar(progress.learningRate)
                    optimizer.update(parameters)
                    progress.endStep()
                    callbacks.run(.stepDidEnd, &progress)
                    begin = end
                }
            }
            if progress.history.divergence != nil { break }
            let train = evaluate(model, on: training, loss: loss)
            let valid = validation.map { evaluate(model, on: $0, loss: loss) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let steps = progress.completedStepsInEpoch
            let record = EpochRecord(
                epoch: epoch + 1, trainingLoss: train.loss, trainingAccuracy: train.accuracy,
                validationLoss: valid?.loss, validationAccuracy: valid?.accuracy ?? nil,
                learningRate: progress.learningRate, seconds: seconds,
                gradientNorms: recordsGradientNorms ? norms.map { $0 / Double(Swift.max(steps, 1)) } : [])
            progress.updateHistory { $0.epochs.append(record) }
            onEpoch?(record)
            callbacks.run(.epochDidEnd, &progress)
            if progress.stopReason != nil { break }
        }
        callbacks.run(.trainingDidEnd, &progress)
        let reason = progress.stopReason
        progress.updateHistory { $0.stopReason = reason }
        return progress.history
    }
}

/// Adds ‖∇p‖ of every parameter to `norms`.
@inlinable
internal func accumulateNorms<Scalar>(_ parameters: [Variable<Scalar>], into norms: inout [Double]) {
    for k in parameters.indices {
        guard let g = parameters[k].gradient else { continue }
        let sum: Scalar = g.withUnsafeBufferPointer { b in
            var s: Scalar = 0
            for x in b { s += x * x }
            return s
        }
        norms[k] += Double(sum).squareRoot()
    }
}
