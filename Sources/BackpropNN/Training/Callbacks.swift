import Backprop

/// Code that ``Trainer`` runs at fixed points of its loop: to clip gradients, change the
/// learning rate step by step, log, save checkpoints or stop early.
///
/// Every hook has an empty default, so a callback implements only the ones it needs. Each
/// gets the loop's ``TrainingProgress``, `inout`: a hook reads the epoch, the step, the
/// step's loss, the parameters (with their gradients between the backward pass and the
/// update), the model and the optimizer, and may set ``TrainingProgress/learningRate`` (in
/// ``stepWillBegin(_:)`` and ``updateWillBegin(_:)``) or ``TrainingProgress/stopReason`` (in
/// any hook).
///
/// One step of ``Trainer/fit(_:validation:onEpoch:)``:
///
/// 1. the rate starts as the epoch schedule's (``Trainer/schedule``), then
///    ``stepWillBegin(_:)`` of every callback, in order, may change it;
/// 2. forward pass, loss (a NaN or infinite loss ends training here, see
///    ``History/divergence``), backward pass;
/// 3. ``updateWillBegin(_:)``: the parameters hold their gradients (clip them here);
/// 4. the optimizer's update at ``TrainingProgress/learningRate``;
/// 5. ``stepDidEnd(_:)``.
///
/// After each epoch's evaluation, ``epochDidEnd(_:)`` (the record is
/// `progress.history.last`); around the whole run, ``trainingWillBegin(_:)`` and
/// ``trainingDidEnd(_:)`` (also after a divergence or a stop). Callbacks run in the order of
/// ``Trainer/callbacks``, then the one ``Trainer/earlyStopping`` installs.
///
/// A callback is usually a value: ``Trainer`` copies its callbacks at the start of every
/// fit, so each fit starts them from the state they were given with (a class keeps its
/// state from one fit to the next).
///
/// ```swift
/// struct PrintEveryEpoch: TrainerCallback {
///     mutating func epochDidEnd(_ progress: inout TrainingProgress<Double>) {
///         print(progress.epoch, progress.history.last!.trainingLoss)
///     }
/// }
/// ```
public protocol TrainerCallback<Scalar> {
    /// The model's element type.
    associatedtype Scalar: TensorScalar
    /// Before the first epoch (``TrainingProgress/epoch`` is 0).
    ///
    /// - Parameter progress: The state of the loop.
    mutating func trainingWillBegin(_ progress: inout TrainingProgress<Scalar>)
    /// Before a step's forward pass: the place to set the step's learning rate.
    ///
    /// - Parameter progress: The state of the loop; ``TrainingProgress/completedSteps`` is
    ///   the index of this step, counted from 0.
    mutating func stepWillBegin(_ progress: inout TrainingProgress<Scalar>)
    /// After the backward pass and before the optimizer's update: the parameters hold their
    /// gradients (clip them here) and ``TrainingProgress/loss`` is the batch's loss.
    ///
    /// - Parameter progress: The state of the loop.
    mutating func updateWillBegin(_ progress: inout TrainingProgress<Scalar>)
    /// After the update (``TrainingProgress/completedSteps`` counts it).
    ///
    /// - Parameter progress: The state of the loop.
    mutating func stepDidEnd(_ progress: inout TrainingProgress<Scalar>)
    /// After an epoch's evaluation; its record is `progress.history.last`.
    ///
    /// - Parameter progress: The state of the loop.
    mutating func epochDidEnd(_ progress: inout TrainingProgress<Scalar>)
    /// After the last epoch, a stop or a divergence, before `fit` returns the history.
    ///
    /// - Parameter progress: The state of the loop.
    mutating func trainingDidEnd(_ progress: inout TrainingProgress<Scalar>)
}

extension TrainerCallback {
    /// Does nothing.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func trainingWillBegin(_ progress: inout TrainingProgress<Scalar>) {}
    /// Does nothing.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func stepWillBegin(_ progress: inout TrainingProgress<Scalar>) {}
    /// Does nothing.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func updateWillBegin(_ progress: inout TrainingProgress<Scalar>) {}
    /// Does nothing.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func stepDidEnd(_ progress: inout TrainingProgress<Scalar>) {}
    /// Does nothing.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func epochDidEnd(_ progress: inout TrainingProgress<Scalar>) {}
    /// Does nothing.
    ///
    /// - Parameter progress: The state of the loop.
    public mutating func trainingDidEnd(_ progress: inout TrainingProgress<Scalar>) {}
}

/// What ``TrainerCallback`` hooks see of a ``Trainer``'s loop, and what they may change.
public struct TrainingProgress<Scalar: TensorScalar> {
    /// The model being trained.
    public let model: any Layer<Scalar>
    /// The optimizer.
    public let optimizer: any Optimizer<Scalar>
    /// The model's parameters with their names (``Layer/namedParameters``); in
    /// ``TrainerCallback/updateWillBegin(_:)`` they hold the step's gradients.
    public let parameters: [NamedParameter<Scalar>]
    /// The optimizer's learning rate when the fit began, η₀.
    public let baseLearningRate: Double
    /// The epoch under way (or just ended, in ``TrainerCallback/epochDidEnd(_:)``), counted
    /// from 1 as in ``EpochRecord/epoch``; 0 before the first.
    public internal(set) var epoch = 0
    /// The updates made so far in this fit: while a step runs, its index counted from 0;
    /// in ``TrainerCallback/stepDidEnd(_:)``, the count including it.
    public internal(set) var completedSteps = 0
    /// ``completedSteps`` within the current epoch.
    public internal(set) var completedStepsInEpoch = 0
    /// The loss of the current (or last) step's batch; NaN before the first forward pass.
    public internal(set) var loss = Double.nan
    /// The learning rate of the current step. Before each step it is the epoch schedule's
    /// rate (``Trainer/schedule``); ``TrainerCallback/stepWillBegin(_:)`` and
    /// ``TrainerCallback/updateWillBegin(_:)`` may change it for that step. Any other hook
    /// that changes it stops the program with a message naming the callback, since the
    /// change could not take effect.
    public var learningRate: Double
    /// Set to stop training, with the reason (``History/stopReason``): the step under way
    /// completes, the epoch ends there (evaluated and recorded, its ``EpochRecord`` covering
    /// the steps taken), and ``TrainerCallback/trainingDidEnd(_:)`` runs.
    public var stopReason: String?
    /// The epochs recorded so far.
    public internal(set) var history: History

    /// The state at the start of a fit.
    @usableFromInline
    internal init(
        model: any Layer<Scalar>, optimizer: any Optimizer<Scalar>, parameters: [NamedParameter<Scalar>],
        baseLearningRate: Double
    ) {
        self.model = model
        self.optimizer = optimizer
        self.parameters = parameters
        self.baseLearningRate = baseLearningRate
        self.learningRate = baseLearningRate
        self.history = History(parameterNames: parameters.map(\.name))
    }

    /// Enters epoch `epoch` (counted from 1).
    @usableFromInline
    internal mutating func beginEpoch(_ epoch: Int) {
        self.epoch = epoch
        completedStepsInEpoch = 0
    }

    /// Records the loss of the step under way.
    @usableFromInline
    internal mutating func record(loss: Double) { self.loss = loss }

    /// Counts the step just taken.
    @usableFromInline
    internal mutating func endStep() {
        completedSteps += 1
        completedStepsInEpoch += 1
    }

    /// Changes the history (the trainer's records, early stopping's marks).
    @usableFromInline
    internal mutating func updateHistory(_ change: (inout History) -> Void) { change(&history) }
}

/// The hooks of ``TrainerCallback``, for running them over a list.
@usableFromInline
internal enum TrainerHook: String {
    case trainingWillBegin, stepWillBegin, updateWillBegin, stepDidEnd, epochDidEnd, trainingDidEnd

    /// Whether the hook may set the learning rate (it is used after it).
    var setsLearningRate: Bool { self == .stepWillBegin || self == .updateWillBegin }
}

extension Array {
    /// Runs `hook` of every callback, in order. A hook that may not set the learning rate
    /// and changed it stops the program with a message naming the callback and the hook.
    @usableFromInline
    internal mutating func run<Scalar>(_ hook: TrainerHook, _ progress: inout TrainingProgress<Scalar>)
    where Element == any TrainerCallback<Scalar> {
        for index in indices {
            let rate = progress.learningRate
            switch hook {
            case .trainingWillBegin: self[index].trainingWillBegin(&progress)
            case .stepWillBegin: self[index].stepWillBegin(&progress)
            case .updateWillBegin: self[index].updateWillBegin(&progress)
            case .stepDidEnd: self[index].stepDidEnd(&progress)
            case .epochDidEnd: self[index].epochDidEnd(&progress)
            case .trainingDidEnd: self[index].trainingDidEnd(&progress)
            }
            if !hook.setsLearningRate && progress.learningRate != rate {
                misuseFailure(
                    "Trainer: callback \(type(of: self[index])) changed the learning rate from \(rate) to "
                        + "\(progress.learningRate) in \(hook.rawValue), where it cannot take effect; set it in "
                        + "stepWillBegin (the rate is set again before every step)")
            }
        }
    }
}
