// Derivatives built on the reverse sweep: Hessian–vector products, Jacobians (one reverse
// sweep per output element) and Hessians (a Jacobian of a differentiable gradient).

/// The Hessian of a scalar function at `x` times a direction `v`, without forming the
/// Hessian: H·v = ∇ₓ⟨∇ₓf(x), v⟩, two reverse sweeps (the first recorded with
/// ``differentiableGradients(of:withRespectTo:seed:file:line:)``).
///
/// ```swift
/// let hv = hessianVectorProduct(of: { x in (x * x * x).sum() }, at: [1, 2], along: [1, 1])
/// // f = Σ xᵢ³, H = diag(6xᵢ): [6.0, 12.0]
/// ```
/// - Complexity: about three times one forward and backward pass.
/// - Precondition: `f` returns one element; `v` has the shape of `x`.
public func hessianVectorProduct<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>, along v: Tensor<Scalar>
) -> Tensor<Scalar> {
    Shapes.requireSame(x.shape, v.shape, op: "hessianVectorProduct", symbol: "vs direction")
    let input = Variable(x, requiresGradient: true)
    let gradient = differentiableGradients(of: scalarOutput(f(input), "hessianVectorProduct"),
                                           withRespectTo: [input])[0]
    let directional = (gradient * Variable(v)).sum()
    guard directional.requiresGradient else { return Tensor.zeros(x.shape) }  // f is linear
    return gradients(of: directional, withRespectTo: [input])[0]
}

/// The Jacobian of `f` at `x`, of shape `f(x).shape + x.shape`: J[i…, j…] = ∂fᵢ/∂xⱼ, built
/// row by row with one reverse sweep per output element (seeded with a one-hot gradient).
///
/// ```swift
/// let j = jacobian(of: { x in x.softmax() }, at: [0, 0])
/// // [[0.25, -0.25], [-0.25, 0.25]]
/// ```
/// - Complexity: `f(x).count` backward passes over one recorded graph.
public func jacobian<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>
) -> Tensor<Scalar> {
    let input = Variable(x, requiresGradient: true)
    return jacobianRows(of: f(input), withRespectTo: input)
}

/// The Hessian of a scalar function at `x`, of shape `x.shape + x.shape`:
/// H[i…, j…] = ∂²f/∂xᵢ∂xⱼ — the Jacobian of the recorded gradient, one reverse sweep per
/// element of `x`.
///
/// ```swift
/// hessian(of: { x in (x * x * x).sum() }, at: [1, 2])   // [[6.0, 0.0], [0.0, 12.0]]
/// ```
/// - Precondition: `f` returns one element.
public func hessian<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>
) -> Tensor<Scalar> {
    let input = Variable(x, requiresGradient: true)
    let gradient = differentiableGradients(of: scalarOutput(f(input), "hessian"),
                                           withRespectTo: [input])[0]
    return jacobianRows(of: gradient, withRespectTo: input)
}

/// Stacks ∂y/∂x one output element at a time; rows of a `y` that does not depend on `x`
/// (a constant) are zero.
@usableFromInline
internal func jacobianRows<Scalar>(of y: Variable<Scalar>, withRespectTo x: Variable<Scalar>)
    -> Tensor<Scalar>
{
    let (rows, width) = (y.value.count, x.value.count)
    var result = Tensor<Scalar>.zeros(y.shape + x.shape)
    guard y.requiresGradient else { return result }
    var seed = Tensor<Scalar>.zeros(y.shape)
    result.withUnsafeMutableBufferPointer { out in
        for i in 0..<rows {
            seed.withUnsafeMutableBufferPointer { $0[i] = 1 }
            let row = gradients(of: y, withRespectTo: [x], seed: seed)[0]
            seed.withUnsafeMutableBufferPointer { $0[i] = 0 }
            row.withUnsafeBufferPointer { r in
                for j in 0..<width { out[i * width + j] = r[j] }
            }
        }
    }
    return result
}

@usableFromInline
internal func scalarOutput<Scalar>(
    _ y: Variable<Scalar>, _ op: String, file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    require(
        y.value.count == 1,
        "\(op): the function returns shape \(Shapes.format(y.shape)), not one element",
        file: file, line: line)
    return y
}
