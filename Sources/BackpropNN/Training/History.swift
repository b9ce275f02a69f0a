/// The figures of one training epoch.
public struct EpochRecord: Sendable, Codable, Equatable {
    /// The epoch, counted from 1.
    public var epoch: Int
    /// The mean loss over the training data after the epoch.
    public var trainingLoss: Double
    /// The training accuracy after the epoch (classification only).
    public var trainingAccuracy: Double?
    /// The mean loss over the validation data after the epoch.
    public var validationLoss: Double?
    /// The validation accuracy after the epoch.
    public var validationAccuracy: Double?
    /// The learning rate of the epoch's last step (the epoch schedule's rate unless a
    /// ``TrainerCallback`` changed it step by step).
    public var learningRate: Double
    /// Wall-clock seconds of the epoch, evaluation included.
    public var seconds: Double
    /// Per parameter (in ``History/parameterNames`` order): the mean over the epoch's steps
    /// of the gradient's Euclidean norm ‖∇‖. For a bias this is the size of the layer's δ
    /// summed over the batch; in a deep sigmoid stack it shrinks layer by layer towards the
    /// input (vanishing gradients).
    public var gradientNorms: [Double]

    /// Creates a record.
    public init(
        epoch: Int, trainingLoss: Double, trainingAccuracy: Double?, validationLoss: Double?,
        validationAccuracy: Double?, learningRate: Double, seconds: Double, gradientNorms: [Double]
    ) {
        self.epoch = epoch
        self.trainingLoss = trainingLoss
        self.trainingAccuracy = trainingAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
        self.gradientNorms = gradientNorms
    }
}

/// Everything a training run recorded, one ``EpochRecord`` per epoch.
public struct History: Sendable, Codable, Equatable {
    /// The names of the model's parameters, in the order of `gradientNorms`.
    public var parameterNames: [String]
    /// The epochs run.
    public var epochs: [EpochRecord] = []
    /// The epoch whose parameters the model holds at the end when early stopping restored
    /// the best ones.
    public var bestEpoch: Int?
    /// Whether early stopping ended the run.
    public var stoppedEarly = false
    /// Why a callback ended the run before its last epoch (early stopping, a checkpoint
    /// that could not be written, …), if one did (``TrainingProgress/stopReason``).
    public var stopReason: String?
    /// Where the loss became infinite or NaN, if it did: training stopped there, before
    /// that step's update, so the model holds the parameters the diverged loss was computed
    /// with.
    public var divergence: Divergence?

    /// Creates an empty history.
    public init(parameterNames: [String]) { self.parameterNames = parameterNames }

    /// The last epoch's record.
    public var last: EpochRecord? { epochs.last }

    /// The mean gradient norm per layer in the last epoch, for the parameters named
    /// `"<layer>.weight"`: `[(layer name, norm)]`, input side first.
    public var weightGradientNorms: [(layer: String, norm: Double)] {
        guard let last else { return [] }
        return zip(parameterNames, last.gradientNorms).compactMap { name, norm in
            name.hasSuffix("weight") ? (String(name.dropLast("weight".count).dropLast()), norm) : nil
        }
    }
}

/// The step at which a training loss became infinite or NaN.
public struct Divergence: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The epoch, counted from 1.
    public var epoch: Int
    /// The step (update) within the epoch, counted from 1.
    public var step: Int
    /// The loss of that step's batch, as text (`"nan"`, `"inf"`), since JSON has no
    /// number for it.
    public var loss: String
    /// The learning rate of that step.
    public var learningRate: Double

    /// Creates a record.
    public init(epoch: Int, step: Int, loss: Double, learningRate: Double) {
        self.epoch = epoch
        self.step = step
        self.loss = String(describing: loss)
        self.learningRate = learningRate
    }

    /// What happened, where, and what to try.
    public var description: String {
        "training diverged in epoch \(epoch): the training loss is \(loss) at step \(step); "
            + "try a lower learning rate than \(learningRate) (or normalised features)"
    }
}
