import Backprop

/// Batch normalisation of inputs [batch, channels] or [batch, channels, spatial…] (NCHW),
/// with a learnt scale γ (`"weight"`) and offset β (`"bias"`) per channel, as PyTorch's
/// `BatchNorm1d` / `BatchNorm2d`.
///
/// In training (``LearningPhase/isTraining``) it normalises with the batch's mean and biased
/// variance and updates the running statistics, PyTorch's way:
/// μ_run ← (1 − momentum) μ_run + momentum · μ_B,  σ²_run ← (1 − momentum) σ²_run +
/// momentum · σ²_B · m / (m − 1) (the unbiased variance; m = batch · positions). In inference it
/// normalises with the running statistics. See
/// `Variable.batchNormalized(…)` for the
/// derivatives. The running statistics are ``namedBuffers`` (`"runningMean"`,
/// `"runningVariance"`), saved in checkpoints.
///
/// ```swift
/// let model = Sequential<Float>(Conv2D(.init(inChannels: 1, outChannels: 8, kernelSize: 3), using: &rng),
///                               BatchNorm(channels: 8), ActivationLayer(.relu))
/// ```
public struct BatchNorm<Scalar: TensorScalar>: Layer {
    /// γ, [channels], starting at 1.
    public let scale: Variable<Scalar>
    /// β, [channels], starting at 0.
    public let offset: Variable<Scalar>
    /// The running mean, [channels], starting at 0 (not trained by gradients).
    public let runningMean: Variable<Scalar>
    /// The running (unbiased) variance, [channels], starting at 1.
    public let runningVariance: Variable<Scalar>
    /// The weight of a new batch in the running statistics (PyTorch's default 0.1).
    public let momentum: Double
    /// Added to the variance before the square root.
    public let epsilon: Double

    /// The number of channels.
    @inlinable public var channels: Int { scale.shape[0] }

    /// A layer with γ = 1, β = 0 and running statistics 0 and 1.
    ///
    /// - Precondition: `channels > 0`, `0 ≤ momentum ≤ 1`, `epsilon ≥ 0`.
    public init(channels: Int, momentum: Double = 0.1, epsilon: Double = 1e-5) {
        require(channels > 0, "BatchNorm: channels \(channels) is not positive")
        require(momentum >= 0 && momentum <= 1, "BatchNorm: momentum \(momentum) is not in [0, 1]")
        require(epsilon >= 0, "BatchNorm: epsilon \(epsilon) is negative")
        scale = Variable(Tensor.ones([channels]), requiresGradient: true)
        offset = Variable(Tensor.zeros([channels]), requiresGradient: true)
        runningMean = Variable(Tensor.zeros([channels]))
        runningVariance = Variable(Tensor.ones([channels]))
        (self.momentum, self.epsilon) = (momentum, epsilon)
    }

    /// Batch statistics (and a running-statistics update) in training, running statistics
    /// in inference.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        guard LearningPhase.isTraining else {
            return input.batchNormalized(
                scale: scale, offset: offset, mean: runningMean.value, variance: runningVariance.value,
                epsilon: Scalar(epsilon))
        }
        let (output, mean, variance) = input.batchNormalized(scale: scale, offset: offset, epsilon: Scalar(epsilon))
        let count = input.value.count / channels
        let unbiased = count > 1 ? Scalar(count) / Scalar(count - 1) : 1
        let m = Scalar(momentum)
        runningMean.value = runningMean.value * (1 - m) + mean * m
        runningVariance.value = runningVariance.value * (1 - m) + variance * (m * unbiased)
        return output
    }

    /// `weight` (γ) then `bias` (β), PyTorch's names.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        [NamedParameter("weight", scale), NamedParameter("bias", offset)]
    }

    /// `runningMean` then `runningVariance`.
    public var namedBuffers: [NamedParameter<Scalar>] {
        [NamedParameter("runningMean", runningMean), NamedParameter("runningVariance", runningVariance)]
    }
}
