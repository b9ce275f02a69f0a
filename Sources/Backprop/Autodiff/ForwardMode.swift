// Forward mode: Jacobian–vector products J·v by the transpose trick, the reverse sweep of
// a recorded reverse sweep.
//
// Every pullback is written in variable ops, so `differentiableGradients` records the
// backward: with a cotangent leaf u, g(u) = Jᵀu is a recorded graph, linear in u, and the
// gradient of ⟨g(u), v⟩ with respect to u is J·v. That needs no forward rule per op, so it
// covers every op, custom ops included, and its correctness rests on the second-order
// derivatives the conformance kit already checks for every op. True forward mode (a tangent
// carried beside each value, a forward rule per op) does less arithmetic: `backprop-bench
// --filter forward` times both on a 4-layer MLP, a JVP about twice as fast and each further
// tangent of a linearisation about four times as fast by hand-written tangents. This
// engine chooses coverage (every op, custom ops) over that constant factor; a forward rule
// for the hot fused ops can be added behind the same API.

/// One linearisation of a function at a point: its value there and the differential
/// v ↦ J·v, which may be applied to any number of tangents (JAX's `linearize`).
///
/// It keeps the recorded forward and backward graphs; each `differential(along:)` is one
/// reverse sweep over the recorded backward (the transpose trick, see
/// `jvp(of:at:along:)`).
///
/// ```swift
/// let l = linearization(of: { x in x * x }, at: Tensor<Double>([1, 2, 3]))
/// l.value                            // [1.0, 4.0, 9.0]
/// l.differential(along: [1, 0, 0])   // [2.0, 0.0, 0.0]
/// l.differential(along: [1, 1, 1])   // [2.0, 4.0, 6.0]
/// ```
public struct Linearization<Scalar: TensorScalar> {
    /// The value of the function at the point.
    public let value: Tensor<Scalar>
    /// The shapes of the inputs, in order.
    public let inputShapes: [TensorShape]
    /// The cotangent leaf u the backward was recorded for.
    @usableFromInline let cotangent: Variable<Scalar>
    /// Jᵢᵀu for each input, recorded (a constant where input i does not reach the value).
    @usableFromInline let transposed: [Variable<Scalar>]

    /// J·v for a function of one input: the directional derivative along `tangent`.
    ///
    /// - Precondition: the function has one input, and `tangent` has its shape.
    public func differential(
        along tangent: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor<Scalar> {
        differential(along: [tangent], file: file, line: line)
    }

    /// J·v = Σᵢ Jᵢ·vᵢ for a function of several inputs: one tangent per input, in order.
    ///
    /// - Precondition: one tangent per input, each of its input's shape.
    public func differential(
        along tangents: [Tensor<Scalar>], file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor<Scalar> {
        require(
            tangents.count == inputShapes.count,
            "differential(along:): \(tangents.count) tangents for a function of "
                + "\(inputShapes.count) inputs", file: file, line: line)
        for (tangent, shape) in zip(tangents, inputShapes) where tangent.shape != shape {
            _ = Shapes.same(tangent.shape, shape, op: "differential(along:)", symbol: "tangent for input")
                .orFail(file: file, line: line)
        }
        // ⟨Jᵀu, v⟩ summed over the inputs that reach the value; its gradient in u is J·v.
        let terms = withGradients {
            zip(transposed, tangents).filter { $0.0.requiresGradient }
                .map { g, v in (g * Variable(v)).sum() }
        }
        guard var product = terms.first else { return Tensor.zeros(value.shape) }
        withGradients { for term in terms.dropFirst() { product = product + term } }
        return gradients(of: product, withRespectTo: [cotangent], file: file, line: line)[0]
    }
}

/// Linearises a function of one tensor at `x`: its value, and a differential to apply to
/// several tangents (see ``Linearization``).
public func linearization<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Linearization<Scalar> {
    linearization(of: { f($0[0]) }, at: [x], file: file, line: line)
}

/// Linearises a function of several tensors at `points`: records f once and its backward
/// once, for a cotangent leaf; each differential is then one reverse sweep.
public func linearization<Scalar>(
    of f: ([Variable<Scalar>]) -> Variable<Scalar>, at points: [Tensor<Scalar>],
    file: StaticString = #fileID, line: UInt = #line
) -> Linearization<Scalar> {
    let (inputs, output) = recorded(f, at: points)
    return Linearization(of: output, withRespectTo: inputs, file: file, line: line)
}

extension Linearization {
    /// The linearisation of a recorded `output` with respect to the leaves `inputs`: records
    /// the backward once, for a cotangent leaf.
    @usableFromInline
    internal init(
        of output: Variable<Scalar>, withRespectTo inputs: [Variable<Scalar>],
        file: StaticString, line: UInt
    ) {
        // Any value of u serves (Jᵀu is linear in u); zeros cannot overflow.
        let u = Variable(Tensor<Scalar>.zeros(output.shape), requiresGradient: true)
        if output.requiresGradient {
            transposed = withGradients {
                differentiableGradients(
                    of: (output * u).sum(), withRespectTo: inputs, file: file, line: line)
            }
        } else {
            transposed = inputs.map { Variable(Tensor.zeros($0.shape)) }
        }
        (value, inputShapes, cotangent) = (output.value, inputs.map(\.shape), u)
    }
}

/// The value of `f` at `x` and the Jacobian–vector product J·v: the derivative of f at `x`
/// in the direction `v` (forward mode).
///
/// Computed by the transpose trick: the reverse sweep is recorded for a cotangent u
/// (Jᵀu, a recorded graph linear in u), and J·v is the gradient of ⟨Jᵀu, v⟩ with respect
/// to u. It needs no forward rule per op, so every op and every ``CustomOp`` whose
/// backward is written in variable ops supports it. To apply one Jacobian to several
/// tangents, record it once with `linearization(of:at:)`.
///
/// ```swift
/// let (y, dy) = jvp(of: { x in x.exp() }, at: Tensor<Double>([0, 1]), along: [1, 2])
/// // y = eˣ, dy = eˣ ⊙ v: [1.0, 5.43656365691809]
/// ```
/// - Complexity: about three times a forward and backward pass.
/// - Precondition: `v` has the shape of `x`.
public func jvp<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>, along v: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<Scalar>, differential: Tensor<Scalar>) {
    jvp(of: { f($0[0]) }, at: [x], along: [v], file: file, line: line)
}

/// The value of a function of several tensors and J·v = Σᵢ Jᵢ·vᵢ, one tangent per tensor.
///
/// - Precondition: one tangent per point, each of its point's shape.
public func jvp<Scalar>(
    of f: ([Variable<Scalar>]) -> Variable<Scalar>, at points: [Tensor<Scalar>],
    along tangents: [Tensor<Scalar>], file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<Scalar>, differential: Tensor<Scalar>) {
    let linear = linearization(of: f, at: points, file: file, line: line)
    return (linear.value, linear.differential(along: tangents, file: file, line: line))
}
