// Layer normalisation over the last axis, one fused node: the forward is one pass per row,
// the backward the closed form below, written with variable ops from the input (x̂ and the
// inverse deviation recomputed from x), so it can be differentiated again.

extension Variable {
    /// Layer normalisation over the last axis with a per-feature scale γ and offset β
    /// (PyTorch's `nn.LayerNorm(width)`, biased variance).
    ///
    /// μ = mean(x), σ² = mean((x − μ)²), r = 1/√(σ² + ε), x̂ = (x − μ) r, y = γ ⊙ x̂ + β
    /// (per row of the last axis, D features). With ĝ = ∇y ⊙ γ:
    /// ∇x = r (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)),  ∇γ = Σ_rows ∇y ⊙ x̂,  ∇β = Σ_rows ∇y.
    ///
    /// ```swift
    /// let x = Variable(Tensor<Double>([[1, 2, 3]]))
    /// x.layerNorm(scale: Variable(Tensor([1, 1, 1])), offset: Variable(Tensor([0, 0, 0]))).value
    /// // [[-1.2247…, 0.0, 1.2247…]]
    /// ```
    /// - Precondition: rank ≥ 1, the last axis is not empty, `scale` and `offset` are
    ///   `[D]` with D the size of the last axis.
    @inlinable
    public func layerNorm(
        scale: Variable, offset: Variable, epsilon: Scalar = 1e-5,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let width = shape.last ?? 0
        require(
            width > 0 && scale.shape == [width] && offset.shape == [width],
            "layerNorm: input \(Shapes.format(shape)) with scale \(Shapes.format(scale.shape)) and offset "
                + "\(Shapes.format(offset.shape)): expected a non-empty last axis D and [D] for both",
            file: file, line: line)
        let (x, gamma, beta) = (value.scalars, scale.value.scalars, offset.value.scalars)
        let result = Tensor(shape: shape, count: x.count) { out in
            for start in stride(from: 0, to: x.count, by: width) {
                var mean: Scalar = 0
                for j in 0..<width { mean += x[start + j] }
                mean /= Scalar(width)
                var variance: Scalar = 0
                for j in 0..<width { variance += (x[start + j] - mean) * (x[start + j] - mean) }
                let r = 1 / (variance / Scalar(width) + epsilon).squareRoot()
                for j in 0..<width { out[start + j] = gamma[j] * (x[start + j] - mean) * r + beta[j] }
            }
        }
        return Variable(op: "layerNorm", value: result, inputs: [self, scale, offset], file: file, line: line) {
            y, g in
            let (x, gamma, beta) = (y.input(at: 0), y.input(at: 1), y.input(at: 2))
            let centred = x - x.mean(alongAxis: -1, keepingDimension: true)
            let r = centred.squared().mean(alongAxis: -1, keepingDimension: true).shifted(by: epsilon).pow(-0.5)
            let normalized = centred * r
            let gHat = g * gamma
            let gx = x.requiresGradient
                ? r * (gHat - gHat.mean(alongAxis: -1, keepingDimension: true)
                    - normalized * (gHat * normalized).mean(alongAxis: -1, keepingDimension: true))
                : nil
            return [
                gx,
                gamma.requiresGradient ? (g * normalized).summed(toShape: gamma.shape) : nil,
                beta.requiresGradient ? g.summed(toShape: beta.shape) : nil,
            ]
        }
    }
}
