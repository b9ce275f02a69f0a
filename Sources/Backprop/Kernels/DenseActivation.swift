// The activations that fused ops apply element by element, with derivatives from the output.

/// An element-wise activation whose derivative can be computed from its output alone,
/// so a fused op keeps only y and never recomputes f.
public enum DenseActivation: String, Codable, Sendable, CaseIterable {
    /// f(u) = u;  f' = 1.
    case identity
    /// f(u) = 1 / (1 + e⁻ᵘ);  f' = y(1 − y).
    case sigmoid
    /// f(u) = tanh u;  f' = 1 − y².
    case tanh
    /// f(u) = max(0, u) (NaN stays NaN, as in `relu()`);  f' = 1 where y > 0, NaN where y is
    /// NaN, else 0 (0 at the kink).
    case relu

    /// f(u).
    @inlinable
    public func callAsFunction<Scalar: TensorScalar>(_ u: Scalar) -> Scalar {
        switch self {
        case .identity: return u
        case .sigmoid: return stableSigmoid(u)
        case .tanh: return Scalar.tanh(u)
        // `Swift.max(u, 0)` is `0 >= u ? 0 : u`: a NaN u fails the comparison and is returned.
        case .relu: return Swift.max(u, 0)
        }
    }

    /// f'(u) written in terms of the output y = f(u).
    @inlinable
    public func derivative<Scalar: TensorScalar>(fromOutput y: Scalar) -> Scalar {
        switch self {
        case .identity: return 1
        case .sigmoid: return y * (1 - y)
        case .tanh: return 1 - y * y
        case .relu: return y > 0 ? 1 : y.isNaN ? .nan : 0
        }
    }

    /// The backward g · f'(u) from the output y. For relu the inactive side receives
    /// exactly 0, even where g is infinite (the branch not taken, never NaN); a NaN output
    /// receives NaN, whatever g.
    @inlinable
    public func gradient<Scalar: TensorScalar>(_ g: Scalar, fromOutput y: Scalar) -> Scalar {
        switch self {
        case .relu: return y > 0 ? g : y.isNaN ? .nan : 0
        default: return g * derivative(fromOutput: y)
        }
    }

    /// Applies f to every row of `out` after adding `bias` (one value per column), in
    /// place. The switch is outside the loops, so each case compiles to its own loop.
    @inlinable
    public func applyInPlace<Scalar: TensorScalar>(
        _ out: UnsafeMutableBufferPointer<Scalar>, columns: Int, bias: UnsafeBufferPointer<Scalar>?
    ) {
        switch self {
        case .identity: Self.mapRows(out, columns: columns, bias: bias) { $0 }
        case .sigmoid: Self.mapRows(out, columns: columns, bias: bias) { stableSigmoid($0) }
        case .tanh: Self.mapRows(out, columns: columns, bias: bias) { Scalar.tanh($0) }
        // `max` rather than `u > 0 ? u : 0`: the select written that way compiled to a branch
        // per element and kept the loop scalar.
        case .relu: Self.mapRows(out, columns: columns, bias: bias) { Swift.max($0, 0) }
        }
    }

    /// Multiplies `g` by f'(u) in place, f' from the output y (σ: y(1 − y), tanh: 1 − y²,
    /// relu: 1 where y > 0, NaN where y is NaN, else exactly 0): no allocation when `g`
    /// holds the only reference to its scalars (the reverse sweep hands each gradient over),
    /// except for relu, which writes a fresh tensor (a select vectorises there; in place it
    /// did not).
    ///
    /// ```swift
    /// var g = Tensor<Double>([1, 1])
    /// DenseActivation.sigmoid.applyGradient(to: &g, fromOutput: Tensor([0.5, 0.9]))
    /// // g is [0.25, 0.09]
    /// ```
    @inlinable
    public func applyGradient<Scalar: TensorScalar>(
        to g: inout Tensor<Scalar>, fromOutput y: Tensor<Scalar>
    ) {
        applyGradient(to: &g, fromOutput: y.borrowed)
    }

    /// The same with the output read in place (the fused ops' backward).
    @inlinable
    internal func applyGradient<Scalar: TensorScalar>(
        to g: inout Tensor<Scalar>, fromOutput output: BorrowedTensor<Scalar>
    ) {
        require(
            g.storage.hasShape(output.shape),
            "\(rawValue) gradient: \(Shapes.format(g.shape)) vs \(Shapes.format(output.shape)): shapes differ")
        let y = output.buffer
        switch self {
        case .identity: return
        case .relu:
            // Out of place: a select into a fresh buffer vectorises, while the in-place form
            // compiles to a branch per element, on a sign that ReLU outputs make
            // unpredictable.
            // g where y > 0, 0 where y ≤ 0, and y itself (NaN) where it fails both. Written as
            // two selects on the two comparisons it vectorises; forms that test for NaN
            // (`isNaN`, `y != y`) nested or summed with the first select compiled to a branch
            // per element.
            g = g.borrowed.zipMap(output, op: "relu gradient") { g, y in
                let passed: Scalar = y > 0 ? g : y
                return y <= 0 ? 0 : passed
            }
            return
        case .sigmoid, .tanh: break
        }
        g.withUnsafeMutableBufferPointer { g in
            switch self {
            case .identity, .relu: break
            case .sigmoid: for i in 0..<g.count { g[i] *= y[i] * (1 - y[i]) }
            case .tanh: for i in 0..<g.count { g[i] *= 1 - y[i] * y[i] }
            }
        }
    }

    /// `f` applied to every element (after adding `bias` along each row), with pointers and
    /// no checked index arithmetic so the loops vectorise.
    @inlinable
    static func mapRows<Scalar: TensorScalar>(
        _ out: UnsafeMutableBufferPointer<Scalar>, columns: Int,
        bias: UnsafeBufferPointer<Scalar>?, _ f: (Scalar) -> Scalar
    ) {
        guard let start = out.baseAddress else { return }
        guard let bias = bias?.baseAddress, columns > 0 else {
            for i in 0..<out.count { start[i] = f(start[i]) }
            return
        }
        var row = start
        for _ in 0..<out.count / columns {
            for j in 0..<columns { row[j] = f(row[j] + bias[j]) }
            row += columns
        }
    }
}
