// Layer normalisation over the last axis, one fused node: the forward is one pass per row,
// the backward the closed form below, once per row on tensors (first order) and written
// with variable ops from the input (x̂ and the inverse deviation recomputed from x), so it
// can be differentiated again.

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
        let (x, gamma, beta) = (storedValue.borrowed.scalars, scale.value.scalars, offset.value.scalars)
        let count = value.count
        let result = Tensor<Scalar>(shape: shape, count: count) { (out: UnsafeMutablePointer<Scalar>) in
            parallelRanges(count / width, grain: parallelGrain / width + 1) { rows in
                for start in stride(from: rows.lowerBound * width, to: rows.upperBound * width, by: width) {
                    let (row, o) = (x + start, out + start)
                    let (mean, r) = layerNormStatistics(row, width: width, epsilon: epsilon)
                    for j in 0..<width { o[j] = gamma[j] * (row[j] - mean) * r + beta[j] }
                }
            }
        }
        return Variable(
            op: "layerNorm", value: result, inputs: [self, scale, offset], file: file, line: line,
            tensorPullback: { y, g in layerNormTensorPullback(y, g, epsilon: epsilon) }
        ) { y, g in
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

/// The mean μ of a row of `width` scalars and r = 1/√(σ² + ε), its biased variance σ².
@inlinable @inline(__always)
internal func layerNormStatistics<Scalar: TensorScalar>(
    _ row: UnsafeMutablePointer<Scalar>, width: Int, epsilon: Scalar
) -> (mean: Scalar, r: Scalar) {
    let mean = interleavedSum(width) { row[$0] } / Scalar(width)
    let variance = interleavedSum(width) { (row[$0] - mean) * (row[$0] - mean) }
    return (mean, 1 / (variance / Scalar(width) + epsilon).squareRoot())
}

/// The first-order backward of `layerNorm`: the closed form of its doc comment. ∇x one row
/// at a time (μ and r recomputed from the row and kept, two passes over it), the rows split
/// over the CPUs; then ∇γ and ∇β, each column summed over the rows in order, the columns
/// split over the CPUs (so the sums do not depend on their number).
@inlinable
internal func layerNormTensorPullback<Scalar>(
    _ y: Variable<Scalar>, _ g: consuming Tensor<Scalar>, epsilon: Scalar
) -> InputGradients<Tensor<Scalar>> {
    let dy = g.borrowed
    let (x, gamma, beta) = (y.borrowedInput(at: 0), y.borrowedInput(at: 1), y.borrowedInput(at: 2))
    let (width, count) = (gamma.value.count, x.value.count)
    let rows = count / width
    let (xs, dys, scale) = (x.value.scalars, dy.scalars, gamma.value.scalars)
    let statistics = UnsafeMutableBufferPointer<(mean: Scalar, r: Scalar)>.allocate(capacity: rows)
    defer { statistics.deallocate() }
    let dx = Tensor<Scalar>(shape: x.value.shape, count: count) { (out: UnsafeMutablePointer<Scalar>) in
        parallelRanges(rows, grain: parallelGrain / width + 1) { range in
            for i in range {
                let (row, dRow, o) = (xs + i * width, dys + i * width, out + i * width)
                let (mean, r) = layerNormStatistics(row, width: width, epsilon: epsilon)
                statistics[i] = (mean, r)
                // mean(ĝ) and mean(ĝ ⊙ x̂), with ĝ = ∇y ⊙ γ.
                let meanG = interleavedSum(width) { dRow[$0] * scale[$0] } / Scalar(width)
                let meanGX = interleavedSum(width) { dRow[$0] * scale[$0] * ((row[$0] - mean) * r) } / Scalar(width)
                for j in 0..<width { o[j] = r * (dRow[j] * scale[j] - meanG - (row[j] - mean) * r * meanGX) }
            }
        }
    }
    let needs = (gamma.requiresGradient, beta.requiresGradient)
    guard needs.0 || needs.1 else { return InputGradients(x.requiresGradient ? dx : nil, nil, nil) }
    let (dGamma, dBeta) = (Tensor<Scalar>.zeros([width]), Tensor<Scalar>.zeros([width]))
    let (pGamma, pBeta) = (dGamma.borrowed.scalars, dBeta.borrowed.scalars)
    parallelRanges(width, grain: parallelGrain / rows + 1) { columns in
        for i in 0..<rows {
            let (row, dRow, (mean, r)) = (xs + i * width, dys + i * width, statistics[i])
            for j in columns {
                pGamma[j] += dRow[j] * ((row[j] - mean) * r)
                pBeta[j] += dRow[j]
            }
        }
    }
    return InputGradients(
        x.requiresGradient ? dx : nil, needs.0 ? dGamma : nil, needs.1 ? dBeta : nil)
}
