import Backprop
import Foundation

// The built-in `TrainerCallback`s: gradient clipping, per-step learning rates, reduction on
// a plateau, logging and checkpoints every N steps, early stopping.

/// Clips the gradients between the backward pass and the update: by their global norm
/// (``clipGradients(of:toGlobalNorm:)``, PyTorch's `clip_grad_norm_`) or element by element
/// (``clipGradients(of:toMaximumMagnitude:file:line:)``, PyTorch's `clip_grad_value_`).
///
/// ```swift
/// var trainer = Trainer(model: model, loss: .crossEntropy, optimizer: Adam(), epochs: 10)
/// trainer.callbacks = [GradientClipping(maximumNorm: 1)]
/// ```
public struct GradientClipping<Scalar: TensorScalar>: TrainerCallback {
    /// How the gradients are bounded.
    public enum Limit: Sendable, Hashable {
        /// Scaled together so that their global norm is at most the value.
        case globalNorm(Scalar)
        /// Each element clamped to [−value, value].
        case magnitude(Scalar)
    }

    /// The bound applied before every update.
    public var limit: Limit

    /// Clips the global norm of the gradients to `maximumNorm`.
    ///
    /// - Parameters:
    ///   - maximumNorm: The largest global norm, above 0.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    public init(maximumNorm: Scalar, file: StaticString = #fileID, line: UInt = #line) {
        require(maximumNorm > 0, "GradientClipping: maximum norm \(maximumNorm) is not positive", file: file, line: line)
        limit = .globalNorm(maximumNorm)
    }

    /// Clamps every gradient element to [−`maximumMagnitude`, `maximumMagnitude`].
    ///
    /// - Parameters:
    ///   - maximumMagnitude: The largest magnitude, above 0.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    public init(maximumMagnitude: Scalar, file: StaticString = #fileID, line: UInt = #line) {
        require(maximumMagnitude > 0, "GradientClipping: maximum magnitude \(maximumMagnitude) is not positive",
                file: file, line: line)
        limit = .magnitude(maximumMagnitude)
    }

    /// Clips the gradients of `progress.parameters`.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func updateWillBegin(_ progress: inout TrainingProgress<Scalar>) {
        let parameters = progress.parameters.map(\.variable)
        switch limit {
        case .globalNorm(let norm): clipGradients(of: parameters, toGlobalNorm: norm)
        case .magnitude(let magnitude): clipGradients(of: parameters, toMaximumMagnitude: magnitude)
        }
    }
}

/// Sets the learning rate of every step from a ``StepLearningRateSchedule`` (linear
/// warm-up, cosine decay): step s (``TrainingProgress/completedSteps``, counted from 0 over
/// the whole fit) runs at `schedule.rate(base: η, step: s)`, where η is the rate the step
/// would otherwise have (the epoch schedule's, η₀ with a constant one).
///
/// ```swift
/// trainer.callbacks = [LearningRateScheduler(.warmupCosine(warmupSteps: 100, totalSteps: 2000, minimum: 1e-5))]
/// ```
public struct LearningRateScheduler<Scalar: TensorScalar>: TrainerCallback {
    /// The rate as a function of the step.
    public var schedule: StepLearningRateSchedule

    /// Sets rates from `schedule`.
    ///
    /// - Parameter schedule: The rate as a function of the step.
    public init(_ schedule: StepLearningRateSchedule) { self.schedule = schedule }

    /// Sets the step's rate.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func stepWillBegin(_ progress: inout TrainingProgress<Scalar>) {
        progress.learningRate = schedule.rate(base: progress.learningRate, step: progress.completedSteps)
    }
}

/// Multiplies the learning rate by `factor` when the monitored loss (the validation loss,
/// or the training loss without validation data) has not improved by more than
/// `minimumImprovement` for `patience` epochs in a row (Keras's `ReduceLROnPlateau`; the
/// count starts again after each reduction). The rate never goes below `minimumRate`.
///
/// The reduction is a factor on the rate each step would otherwise have, so it composes
/// with the epoch schedule and with a ``LearningRateScheduler`` listed before it.
///
/// ```swift
/// trainer.callbacks = [ReduceLearningRateOnPlateau(factor: 0.5, patience: 3)]
/// ```
public struct ReduceLearningRateOnPlateau<Scalar: TensorScalar>: TrainerCallback {
    /// The multiplier of each reduction, in (0, 1).
    public var factor: Double
    /// The epochs without improvement that trigger a reduction.
    public var patience: Int
    /// The decrease of the monitored loss that counts as an improvement.
    public var minimumImprovement: Double
    /// The lowest rate a reduction gives.
    public var minimumRate: Double
    /// The product of the reductions so far (1 before the first).
    public private(set) var scale = 1.0
    private var best = Double.infinity
    private var epochsWithoutImprovement = 0

    /// Creates the rule.
    ///
    /// - Parameters:
    ///   - factor: The multiplier of each reduction, in (0, 1).
    ///   - patience: The epochs without improvement that trigger a reduction, at least 1.
    ///   - minimumImprovement: The decrease that counts as an improvement, at least 0.
    ///   - minimumRate: The lowest rate a reduction gives, at least 0.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    public init(
        factor: Double = 0.1, patience: Int = 10, minimumImprovement: Double = 0, minimumRate: Double = 0,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        require(factor > 0 && factor < 1, "ReduceLearningRateOnPlateau: factor \(factor) is not in (0, 1)",
                file: file, line: line)
        require(patience >= 1, "ReduceLearningRateOnPlateau: patience \(patience) is below 1", file: file, line: line)
        require(minimumImprovement >= 0 && minimumRate >= 0,
                "ReduceLearningRateOnPlateau: minimum improvement \(minimumImprovement) or minimum rate "
                    + "\(minimumRate) is negative", file: file, line: line)
        self.factor = factor
        self.patience = patience
        self.minimumImprovement = minimumImprovement
        self.minimumRate = minimumRate
    }

    /// Applies the reductions so far to the step's rate.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func stepWillBegin(_ progress: inout TrainingProgress<Scalar>) {
        if scale < 1 { progress.learningRate = Swift.max(progress.learningRate * scale, minimumRate) }
    }

    /// Compares the epoch's monitored loss with the best so far.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func epochDidEnd(_ progress: inout TrainingProgress<Scalar>) {
        guard let record = progress.history.last else { return }
        let monitored = record.validationLoss ?? record.trainingLoss
        if monitored < best - minimumImprovement {
            best = monitored
            epochsWithoutImprovement = 0
        } else {
            epochsWithoutImprovement += 1
            if epochsWithoutImprovement >= patience {
                scale *= factor
                epochsWithoutImprovement = 0
            }
        }
    }
}

/// Calls a closure after every `interval` steps (after steps `interval`, 2·`interval`, …
/// of the fit), with the loop's state: the step count, the step's loss and learning rate.
///
/// ```swift
/// trainer.callbacks = [StepLogger(every: 100) { print("step \($0.completedSteps): loss \($0.loss)") }]
/// ```
public struct StepLogger<Scalar: TensorScalar>: TrainerCallback {
    /// The steps between two calls.
    public var interval: Int
    private let log: (TrainingProgress<Scalar>) -> Void

    /// Calls `log` every `interval` steps.
    ///
    /// - Parameters:
    ///   - interval: The steps between two calls, at least 1.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    ///   - log: What to do with the state of the loop.
    public init(
        every interval: Int, file: StaticString = #fileID, line: UInt = #line,
        _ log: @escaping (TrainingProgress<Scalar>) -> Void
    ) {
        require(interval >= 1, "StepLogger: interval \(interval) is below 1", file: file, line: line)
        self.interval = interval
        self.log = log
    }

    /// Calls the closure when the step count is a multiple of ``interval``.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func stepDidEnd(_ progress: inout TrainingProgress<Scalar>) {
        if progress.completedSteps % interval == 0 { log(progress) }
    }
}

/// Saves the model every `interval` steps: to a ``Checkpoint`` file (written whole or not
/// at all, see ``Checkpoint/write(to:)``) or through a closure.
///
/// A save that throws stops training (``TrainingProgress/stopReason`` names the step and the
/// error), so a run never goes on without the checkpoints it was asked to keep.
///
/// ```swift
/// trainer.callbacks = [PeriodicCheckpoint(every: 500, to: URL(fileURLWithPath: "run.json"))]
/// ```
public struct PeriodicCheckpoint<Scalar: TensorScalar>: TrainerCallback {
    /// The steps between two saves.
    public var interval: Int
    private let save: (TrainingProgress<Scalar>) throws -> Void

    /// Calls `save` every `interval` steps.
    ///
    /// - Parameters:
    ///   - interval: The steps between two saves, at least 1.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    ///   - save: Saves what it needs of the state of the loop (``TrainingProgress/model``,
    ///     ``TrainingProgress/optimizer``).
    public init(
        every interval: Int, file: StaticString = #fileID, line: UInt = #line,
        _ save: @escaping (TrainingProgress<Scalar>) throws -> Void
    ) {
        require(interval >= 1, "PeriodicCheckpoint: interval \(interval) is below 1", file: file, line: line)
        self.interval = interval
        self.save = save
    }

    /// Writes a ``Checkpoint`` of the model, and of the optimizer's state unless told
    /// otherwise, to `url` every `interval` steps, replacing the previous one.
    ///
    /// With the optimizer's state, ``Checkpoint/load(into:optimizer:)`` resumes exactly
    /// where the last save was made. An optimizer that does not save its state
    /// (``OptimizerStateError/notSupported(optimizer:)``) stops training at the first save;
    /// pass `includesOptimizerState: false` to save the model alone.
    ///
    /// - Parameters:
    ///   - interval: The steps between two saves, at least 1.
    ///   - url: The checkpoint file.
    ///   - includesOptimizerState: Whether to save the optimizer's state too.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    public init(
        every interval: Int, to url: URL, includesOptimizerState: Bool = true,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        self.init(every: interval, file: file, line: line) { progress in
            let checkpoint = try includesOptimizerState
                ? Checkpoint(model: progress.model, optimizer: progress.optimizer)
                : Checkpoint(model: progress.model)
            try checkpoint.write(to: url)
        }
    }

    /// Saves when the step count is a multiple of ``interval``.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func stepDidEnd(_ progress: inout TrainingProgress<Scalar>) {
        guard progress.completedSteps % interval == 0 else { return }
        do { try save(progress) } catch {
            progress.stopReason = "the checkpoint after step \(progress.completedSteps) failed: \(error)"
        }
    }
}

/// ``EarlyStopping`` as a callback: stops when the monitored loss (the validation loss, or
/// the training loss without validation data) has not improved by more than the rule's
/// `minimumImprovement` for `patience` epochs, and at the end puts back the parameters of
/// the best epoch if the rule says so (``History/bestEpoch`` names it).
///
/// ``Trainer/earlyStopping`` installs one after the trainer's other callbacks.
public struct EarlyStoppingCallback<Scalar: TensorScalar>: TrainerCallback {
    /// The rule.
    public var rule: EarlyStopping
    private var best = Double.infinity
    private var bestEpoch: Int?
    private var bestValues: [Tensor<Scalar>] = []
    private var epochsWithoutImprovement = 0

    /// Applies `rule`.
    ///
    /// - Parameter rule: When to stop and whether to restore the best parameters.
    public init(_ rule: EarlyStopping) { self.rule = rule }

    /// Compares the epoch's monitored loss with the best so far; stops after `patience`
    /// epochs without improvement.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func epochDidEnd(_ progress: inout TrainingProgress<Scalar>) {
        guard let record = progress.history.last else { return }
        let monitored = record.validationLoss ?? record.trainingLoss
        if monitored < best - rule.minimumImprovement {
            best = monitored
            bestEpoch = record.epoch
            epochsWithoutImprovement = 0
            if rule.restoresBestParameters { bestValues = progress.parameters.map(\.variable.value) }
        } else {
            epochsWithoutImprovement += 1
            if epochsWithoutImprovement >= rule.patience {
                progress.updateHistory { $0.stoppedEarly = true }
                progress.stopReason = "early stopping: the \(record.validationLoss == nil ? "training" : "validation") "
                    + "loss has not improved for \(rule.patience) epoch\(rule.patience == 1 ? "" : "s")"
            }
        }
    }

    /// Puts back the best epoch's parameters if the rule says so.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func trainingDidEnd(_ progress: inout TrainingProgress<Scalar>) {
        guard rule.restoresBestParameters, !bestValues.isEmpty else { return }
        for (p, v) in zip(progress.parameters, bestValues) { p.variable.value = v }
        progress.updateHistory { [bestEpoch] in $0.bestEpoch = bestEpoch }
    }
}
