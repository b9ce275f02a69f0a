// Derivatives built on the reverse sweep: Hessian–vector products, Jacobians (by rows, one
// reverse sweep per output element, or by columns in forward mode) and Hessians (a
// Jacobian of a differentiable gradient), of one input or of several named inputs.

/// The Hessian of a scalar function at `x` times a direction `v`, without forming the
/// Hessian: H·v = ∇ₓ⟨∇ₓf(x), v⟩, two reverse sweeps (the first recorded with
/// ``differentiableGradients(of:withRespectTo:seed:file:line:)``).
///
/// ```swift
/// let hv = hessianVectorProduct(of: { x in (x * x * x).sum() }, at: Tensor<Double>([1, 2]), along: [1, 1])
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

/// The Jacobian of `f` at `x`, of shape `f(x).shape + x.shape`: J[i…, j…] = ∂fᵢ/∂xⱼ.
///
/// ```swift
/// let j = jacobian(of: { x in x.softmax() }, at: Tensor<Double>([0, 0]))
/// // [[0.25, -0.25], [-0.25, 0.25]]
/// ```
/// - Complexity: `f(x).count` backward passes over one recorded graph (by rows), or
///   `x.count` sweeps over one recorded backward (by columns, forward mode): see
///   ``JacobianMode``.
public func jacobian<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>,
    mode: JacobianMode = .automatic
) -> Tensor<Scalar> {
    let (inputs, output) = recorded({ f($0[0]) }, at: [x])
    return jacobianBlocks(of: [output], withRespectTo: inputs, mode: mode)[0][0]
}

/// The Hessian of a scalar function at `x`, of shape `x.shape + x.shape`:
/// H[i…, j…] = ∂²f/∂xᵢ∂xⱼ — the Jacobian of the recorded gradient, one reverse sweep per
/// element of `x`.
///
/// ```swift
/// hessian(of: { x in (x * x * x).sum() }, at: Tensor<Double>([1, 2]))   // [[6.0, 0.0], [0.0, 12.0]]
/// ```
/// - Precondition: `f` returns one element.
public func hessian<Scalar>(
    of f: (Variable<Scalar>) -> Variable<Scalar>, at x: Tensor<Scalar>
) -> Tensor<Scalar> {
    hessianBlocks(of: { f($0[0]) }, at: [x], file: #fileID, line: #line)[0][0]
}

/// How ``jacobian(of:at:mode:)`` builds a Jacobian.
public enum JacobianMode: Sendable {
    /// By columns when the input has at most a quarter as many elements as the output, by
    /// rows otherwise. A column is one sweep over the recorded backward (forward mode by the
    /// transpose trick, see ``Linearization``), a few times the cost of a row, one sweep
    /// over the recorded forward: columns pay only for inputs several times smaller.
    case automatic
    /// One Jacobian–vector product per input element (forward mode).
    case forward
    /// One vector–Jacobian product per output element (reverse mode).
    case reverse
}

/// The variables a function of named inputs receives, by name.
public struct NamedVariables<Scalar: TensorScalar> {
    /// The input names, in the order given.
    public let names: [String]
    /// The variables, in the order of ``names``.
    public let variables: [Variable<Scalar>]

    /// The variable of the input called `name`.
    ///
    /// - Precondition: there is an input of that name.
    public subscript(name: String, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        variables[index(of: name, among: names, file: file, line: line)]
    }
}

/// Derivative blocks named by input: ``jacobian(of:at:mode:file:line:)`` has one block per
/// input (`j["x"]`), ``hessian(of:at:file:line:)`` one per pair of inputs (`h["x", "w"]`).
///
/// The block of output shape S and input shape X has shape S + X (for a Hessian block,
/// row input shape + column input shape).
public struct DerivativeBlocks<Scalar: TensorScalar> {
    /// The input names, in the order given.
    public let names: [String]
    /// The blocks: one row for a Jacobian, one per input for a Hessian; one column per input.
    public let blocks: [[Tensor<Scalar>]]

    /// The Jacobian block of input `name`: ∂f/∂name.
    ///
    /// - Precondition: a Jacobian's blocks, and an input of that name.
    public subscript(name: String, file: StaticString = #fileID, line: UInt = #line) -> Tensor<Scalar> {
        require(
            blocks.count == 1,
            "DerivativeBlocks: Hessian blocks are named by two inputs, h[\"\(name)\", …]",
            file: file, line: line)
        return blocks[0][index(of: name, among: names, file: file, line: line)]
    }

    /// The Hessian block ∂²f/∂row∂column.
    ///
    /// - Precondition: a Hessian's blocks, and inputs of those names.
    public subscript(
        row: String, column: String, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor<Scalar> {
        require(
            blocks.count == names.count,
            "DerivativeBlocks: Jacobian blocks are named by one input, j[\"\(row)\"]",
            file: file, line: line)
        return blocks[index(of: row, among: names, file: file, line: line)][
            index(of: column, among: names, file: file, line: line)]
    }
}

/// The Jacobian of a function of several named inputs, one block per input, each of shape
/// `f(…).shape + input.shape`.
///
/// ```swift
/// let j = jacobian(of: { v in v["x"] * v["w"] }, at: ["x": x, "w": w])
/// j["x"]   // diag(w)
/// j["w"]   // diag(x)
/// ```
/// - Precondition: the names differ.
public func jacobian<Scalar>(
    of f: (NamedVariables<Scalar>) -> Variable<Scalar>,
    at inputs: KeyValuePairs<String, Tensor<Scalar>>, mode: JacobianMode = .automatic,
    file: StaticString = #fileID, line: UInt = #line
) -> DerivativeBlocks<Scalar> {
    let names = distinctNames(inputs, file: file, line: line)
    let (variables, output) = recorded(
        { f(NamedVariables(names: names, variables: $0)) }, at: inputs.map(\.value))
    return DerivativeBlocks(
        names: names, blocks: jacobianBlocks(of: [output], withRespectTo: variables, mode: mode))
}

/// The Hessian of a scalar function of several named inputs, one block per pair of
/// inputs: `h["x", "w"]` = ∂²f/∂x∂w, of shape `x.shape + w.shape`.
///
/// ```swift
/// let h = hessian(of: { v in (v["x"] * v["w"]).sum() }, at: ["x": x, "w": w])
/// h["x", "w"]   // the identity; h["x", "x"] is zero
/// ```
/// - Precondition: the names differ; `f` returns one element.
public func hessian<Scalar>(
    of f: (NamedVariables<Scalar>) -> Variable<Scalar>,
    at inputs: KeyValuePairs<String, Tensor<Scalar>>,
    file: StaticString = #fileID, line: UInt = #line
) -> DerivativeBlocks<Scalar> {
    let names = distinctNames(inputs, file: file, line: line)
    return DerivativeBlocks(
        names: names,
        blocks: hessianBlocks(
            of: { f(NamedVariables(names: names, variables: $0)) }, at: inputs.map(\.value),
            file: file, line: line))
}

/// The Hessian blocks ∂²f/∂xᵢ∂xⱼ: the Jacobian, by rows, of the recorded gradients.
@usableFromInline
internal func hessianBlocks<Scalar>(
    of f: ([Variable<Scalar>]) -> Variable<Scalar>, at points: [Tensor<Scalar>],
    file: StaticString, line: UInt
) -> [[Tensor<Scalar>]] {
    let (inputs, output) = recorded(f, at: points)
    let y = scalarOutput(output, "hessian", file: file, line: line)
    guard y.requiresGradient else {
        return inputs.map { a in inputs.map { b in Tensor.zeros(a.shape + b.shape) } }
    }
    let gradients = withGradients { differentiableGradients(of: y, withRespectTo: inputs) }
    return jacobianBlocks(of: gradients, withRespectTo: inputs, mode: .reverse)
}

/// The blocks ∂yᵢ/∂xⱼ (shape yᵢ.shape + xⱼ.shape) of recorded outputs with respect to the
/// leaves they were computed from: by rows (a reverse sweep per output element, seeded
/// one-hot) or by columns (a Jacobian–vector product per input element). Blocks of an
/// output that does not depend on an input are zero.
@usableFromInline
internal func jacobianBlocks<Scalar>(
    of outputs: [Variable<Scalar>], withRespectTo inputs: [Variable<Scalar>], mode: JacobianMode
) -> [[Tensor<Scalar>]] {
    let inputCount = inputs.reduce(0) { $0 + $1.value.count }
    return outputs.map { y in
        var blocks = inputs.map { Tensor<Scalar>.zeros(y.shape + $0.shape) }
        guard y.requiresGradient else { return blocks }
        let byColumns = mode == .forward || (mode == .automatic && 4 * inputCount <= y.value.count)
        // Entry (r, c) of block k is element r · width + c, width the input's count.
        func store(_ part: Tensor<Scalar>, block k: Int, row: Int?, column: Int?) {
            let width = inputs[k].value.count
            part.withUnsafeBufferPointer { source in
                blocks[k].withUnsafeMutableBufferPointer { out in
                    for (i, value) in source.enumerated() {
                        out[row.map { $0 * width + i } ?? (i * width + column!)] = value
                    }
                }
            }
        }
        if byColumns {
            let linear = Linearization(of: y, withRespectTo: inputs, file: #fileID, line: #line)
            for (k, x) in inputs.enumerated() {
                for c in 0..<x.value.count {
                    let tangents: [Tensor<Scalar>] = inputs.indices.map {
                        $0 == k ? oneHot(c, x.shape) : Tensor.zeros(inputs[$0].shape)
                    }
                    store(linear.differential(along: tangents), block: k, row: nil, column: c)
                }
            }
        } else {
            for r in 0..<y.value.count {
                let rows = gradients(of: y, withRespectTo: inputs, seed: oneHot(r, y.shape))
                for k in inputs.indices { store(rows[k], block: k, row: r, column: nil) }
            }
        }
        return blocks
    }
}

@usableFromInline
internal func oneHot<Scalar>(_ index: Int, _ shape: TensorShape) -> Tensor<Scalar> {
    var t = Tensor<Scalar>.zeros(shape)
    t.withUnsafeMutableBufferPointer { $0[index] = 1 }
    return t
}

/// The names of `inputs`, in order, after checking that no two are equal.
@usableFromInline
internal func distinctNames<Scalar>(
    _ inputs: KeyValuePairs<String, Tensor<Scalar>>, file: StaticString, line: UInt
) -> [String] {
    let names = inputs.map(\.key)
    if let repeated = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) }) {
        misuseFailure("derivatives: the input name '\(repeated.element)' is given twice", file: file, line: line)
    }
    return names
}

/// The position of `name` in `names`, or a misuse naming the names there are.
@usableFromInline
internal func index(of name: String, among names: [String], file: StaticString, line: UInt) -> Int {
    guard let i = names.firstIndex(of: name) else {
        misuseFailure(
            "derivatives: no input named '\(name)' (inputs: \(names.joined(separator: ", ")))",
            file: file, line: line)
    }
    return i
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
