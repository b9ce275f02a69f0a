// Function transforms on the reverse sweep (JAX's `grad`, `value_and_grad`, `vjp`): a
// function of variables and a point in, values and derivatives out, no leaves to manage.

/// The value of a scalar function at `x` and its gradient there.
///
/// ```swift
/// let (value, gradient) = valueWithGradient(of: { x in (x * x).sum() }, at: Tensor<Double>([1, 2]))
/// // value 5.0, gradient [2.0, 4.0]
/// ```
/// - Precondition: `f` returns one element.
public func valueWithGradient<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<Scalar>, gradient: Tensor<Scalar>) {
    let (value, gradients) = valueWithGradient(
        of: { f($0[0]) }, at: [x], file: file, line: line)
    return (value, gradients[0])
}

/// The value of a scalar function of several tensors and its gradient with respect to each,
/// in the order of `points`.
///
/// ```swift
/// let (loss, grads) = valueWithGradient(of: { (v: [Variable<Double>]) in (v[0] * v[1]).sum() },
///                                      at: [[1, 2], [3, 4]])
/// // loss 11.0, grads [[3.0, 4.0], [1.0, 2.0]]
/// ```
/// - Precondition: `f` returns one element.
public func valueWithGradient<Scalar>(
    of f: ([Variable<Scalar>]) -> Variable<Scalar>, at points: [Tensor<Scalar>],
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<Scalar>, gradient: [Tensor<Scalar>]) {
    let (inputs, output) = recorded(f, at: points)
    let value = scalarOutput(output, "valueWithGradient", file: file, line: line).value
    return (value, pulledBack(output, to: inputs, seed: nil, file: file, line: line))
}

/// The gradient of a scalar function at `x`.
///
/// ```swift
/// gradient(of: { x in x.exp().sum() }, at: Tensor<Double>([0, 1]))   // [1.0, 2.718281828459045]
/// ```
/// - Precondition: `f` returns one element.
public func gradient<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Tensor<Scalar> {
    valueWithGradient(of: f, at: x, file: file, line: line).gradient
}

/// The gradients of a scalar function of several tensors, one per tensor in `points`.
///
/// - Precondition: `f` returns one element.
public func gradient<Scalar>(
    of f: ([Variable<Scalar>]) -> Variable<Scalar>, at points: [Tensor<Scalar>],
    file: StaticString = #fileID, line: UInt = #line
) -> [Tensor<Scalar>] {
    valueWithGradient(of: f, at: points, file: file, line: line).gradient
}

/// The gradient of a scalar function of a struct of parameters, as a struct of the same
/// type: the fields named by `fields` hold their gradients (as constants), every other
/// field is as in `parameters` (JAX's gradient of a pytree).
///
/// `f` receives a copy of `parameters` whose named fields are fresh leaves with the same
/// values, so the variables in `parameters` themselves are left untouched (no stored
/// ``Variable/gradient`` changes).
///
/// ```swift
/// struct Line { var slope: Variable<Double>; var intercept: Variable<Double> }
/// let line = Line(slope: Variable(Tensor(2)), intercept: Variable(Tensor(1.0)))
/// let g = gradient(of: { p in (p.slope * 3 + p.intercept).squared() }, at: line,
///                  withRespectTo: [\.slope, \.intercept])
/// // g.slope.value 42.0 (2·7·3), g.intercept.value 14.0
/// ```
/// - Precondition: `f` returns one element.
public func gradient<Parameters, Scalar>(
    of f: (Parameters) -> Variable<Scalar>, at parameters: Parameters,
    withRespectTo fields: [WritableKeyPath<Parameters, Variable<Scalar>>],
    file: StaticString = #fileID, line: UInt = #line
) -> Parameters {
    let gradients = gradient(
        of: { leaves in
            var copy = parameters
            for (field, leaf) in zip(fields, leaves) { copy[keyPath: field] = leaf }
            return f(copy)
        }, at: fields.map { parameters[keyPath: $0].value }, file: file, line: line)
    var result = parameters
    for (field, g) in zip(fields, gradients) { result[keyPath: field] = Variable(g) }
    return result
}

/// The value of `f` at `x` and its pullback: the vector–Jacobian product v ↦ Jᵀv, a closure
/// that may be called any number of times (each call is one reverse sweep over the graph
/// recorded once).
///
/// ```swift
/// let (y, pullback) = vjp(of: { x in x * x }, at: Tensor<Double>([1, 2, 3]))   // y [1.0, 4.0, 9.0]
/// pullback([1, 0, 0])   // [2.0, 0.0, 0.0]
/// pullback([0, 1, 1])   // [0.0, 4.0, 6.0]
/// ```
/// - Precondition: each cotangent passed to the pullback has the shape of the value.
public func vjp<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<Scalar>, pullback: (Tensor<Scalar>) -> Tensor<Scalar>) {
    let (value, pullback) = vjp(of: { f($0[0]) }, at: [x], file: file, line: line)
    return (value, { pullback($0)[0] })
}

/// The value of a function of several tensors and its pullback: v ↦ (J₁ᵀv, J₂ᵀv, …), one
/// gradient per tensor in `points`, reusable.
///
/// The closure keeps the recorded graph alive until it is released.
public func vjp<Scalar>(
    of f: ([Variable<Scalar>]) -> Variable<Scalar>, at points: [Tensor<Scalar>],
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<Scalar>, pullback: (Tensor<Scalar>) -> [Tensor<Scalar>]) {
    let (inputs, output) = recorded(f, at: points)
    return (output.value, { pulledBack(output, to: inputs, seed: $0, file: file, line: line) })
}

/// Fresh leaves at `points` (each requiring a gradient) and `f` of them, recorded also
/// inside ``withoutGradients(_:)``.
@usableFromInline
internal func recorded<Scalar>(
    _ f: ([Variable<Scalar>]) -> Variable<Scalar>, at points: [Tensor<Scalar>]
) -> (inputs: [Variable<Scalar>], output: Variable<Scalar>) {
    withGradients {
        let inputs = points.map { Variable($0, requiresGradient: true) }
        return (inputs, f(inputs))
    }
}

/// The gradients of `output` (seeded with `seed`) with respect to `inputs`; zeros when the
/// output does not depend on them (a constant function).
@usableFromInline
internal func pulledBack<Scalar>(
    _ output: Variable<Scalar>, to inputs: [Variable<Scalar>], seed: Tensor<Scalar>?,
    file: StaticString, line: UInt
) -> [Tensor<Scalar>] {
    if let seed, seed.shape != output.shape {
        _ = Shapes.same(seed.shape, output.shape, op: "pullback", symbol: "cotangent for value")
            .orFail(file: file, line: line)
    }
    guard output.requiresGradient else { return inputs.map { Tensor.zeros($0.shape) } }
    return gradients(of: output, withRespectTo: inputs, seed: seed, file: file, line: line)
}
