// Batch normalisation over every axis but the channels (axis 1): [batch, channels] or
// [batch, channels, spatial…] (NCHW). Composed of differentiable ops (means, differences,
// a square root), so the derivative is the chain rule through them, once, and it can be
// differentiated again.

extension Variable {
    /// Batch normalisation with the statistics of this batch (the training form): each
    /// channel centred and scaled by its mean and biased variance over the batch and the
    /// positions, then scaled by `scale` and shifted by `offset`.
    ///
    /// μ_c = (1/m) Σ x,  σ²_c = (1/m) Σ (x − μ_c)²  (m = batch · positions, the biased
    /// variance, as PyTorch normalises), x̂ = (x − μ_c)/√(σ²_c + ε),  y = γ_c x̂ + β_c.
    /// Derivatives (through μ and σ² too): ∂L/∂β_c = Σ δ, ∂L/∂γ_c = Σ δ x̂,
    /// ∂L/∂x = (γ_c / √(σ²_c + ε)) (δ − mean(δ) − x̂ · mean(δ x̂)), means over the channel.
    ///
    /// ```swift
    /// let x = Variable(Tensor<Double>([[1, 10], [3, 30]]))
    /// let (y, mean, variance) = x.batchNormalized(scale: gamma, offset: beta)
    /// // mean [2, 20], variance [1, 100]; with γ = 1, β = 0: y ≈ [[-1, -1], [1, 1]]
    /// // PyTorch's running update: r ← (1 − momentum) r + momentum · variance · m / (m − 1)
    /// ```
    /// - Parameters:
    ///   - scale: γ, [channels].
    ///   - offset: β, [channels].
    ///   - epsilon: ε added to the variance (default 1e-5, PyTorch's).
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    /// - Returns: the output, and the batch mean and biased variance per channel (constants),
    ///   for the running statistics.
    /// - Precondition: rank ≥ 2, `scale` and `offset` of shape [channels].
    @inlinable
    public func batchNormalized(
        scale: Variable, offset: Variable, epsilon: Scalar = 1e-5,
        file: StaticString = #fileID, line: UInt = #line
    ) -> (output: Variable, mean: Tensor<Scalar>, variance: Tensor<Scalar>) {
        let lanes = normalizationLanes(scale: scale, offset: offset, file: file, line: line)
        func channelMean(_ v: Variable) -> Variable {
            v.mean(alongAxis: 2, keepingDimension: true, file: file, line: line)
                .mean(alongAxis: 0, keepingDimension: true, file: file, line: line)
        }
        let mean = channelMean(lanes)
        let centred = lanes - mean
        let variance = channelMean(centred.squared(file: file, line: line))
        let output = normalized(
            centred, variance: variance, scale: scale, offset: offset, epsilon: epsilon, file: file, line: line)
        let channels = shape[1]
        return (output, mean.value.reshaped(to: [channels]), variance.value.reshaped(to: [channels]))
    }

    /// Batch normalisation with given statistics (the inference form, with the running mean
    /// and variance): y = γ_c (x − μ_c)/√(σ²_c + ε) + β_c, affine in x.
    ///
    /// ∂L/∂x = δ γ_c/√(σ²_c + ε),  ∂L/∂γ_c = Σ δ (x − μ_c)/√(σ²_c + ε),  ∂L/∂β_c = Σ δ.
    ///
    /// ```swift
    /// x.batchNormalized(scale: gamma, offset: beta, mean: runningMean, variance: runningVariance)
    /// ```
    /// - Precondition: rank ≥ 2; `scale`, `offset`, `mean`, `variance` of shape [channels].
    @inlinable
    public func batchNormalized(
        scale: Variable, offset: Variable, mean: Tensor<Scalar>, variance: Tensor<Scalar>,
        epsilon: Scalar = 1e-5, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let lanes = normalizationLanes(scale: scale, offset: offset, file: file, line: line)
        let channels = shape[1]
        require(
            mean.shape == [channels] && variance.shape == [channels],
            "batchNormalized: input \(Shapes.format(shape)): mean \(Shapes.format(mean.shape)) and "
                + "variance \(Shapes.format(variance.shape)) must both be [\(channels)]", file: file, line: line)
        let centred = lanes - Variable(mean.reshaped(to: [1, channels, 1]))
        return normalized(
            centred, variance: Variable(variance.reshaped(to: [1, channels, 1])), scale: scale,
            offset: offset, epsilon: epsilon, file: file, line: line)
    }

    /// The input as [batch, channels, positions], after the shape checks.
    @inlinable
    internal func normalizationLanes(
        scale: Variable, offset: Variable, file: StaticString, line: UInt
    ) -> Variable {
        require(
            shape.count >= 2,
            "batchNormalized: input \(Shapes.format(shape)) is not [batch, channels, …] (rank ≥ 2)",
            file: file, line: line)
        let channels = shape[1]
        require(
            scale.shape == [channels] && offset.shape == [channels],
            "batchNormalized: input \(Shapes.format(shape)): scale \(Shapes.format(scale.shape)) and "
                + "offset \(Shapes.format(offset.shape)) must both be [\(channels)]", file: file, line: line)
        return reshaped(to: [shape[0], channels, Shapes.count(shape.dropFirst(2))], file: file, line: line)
    }

    /// γ · centred / √(variance + ε) + β, reshaped to this variable's shape.
    @inlinable
    internal func normalized(
        _ centred: Variable, variance: Variable, scale: Variable, offset: Variable, epsilon: Scalar,
        file: StaticString, line: UInt
    ) -> Variable {
        let channels = shape[1]
        let deviation = variance.shifted(by: epsilon, file: file, line: line).squareRoot(file: file, line: line)
        let scaled = centred / deviation * scale.reshaped(to: [1, channels, 1], file: file, line: line)
        return (scaled + offset.reshaped(to: [1, channels, 1], file: file, line: line))
            .reshaped(to: shape, file: file, line: line)
    }
}
