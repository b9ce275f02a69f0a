// The public extension point: differentiable ops defined outside the module.

/// A differentiable op defined by its user: a forward on tensors, the tensors it saves for
/// backward, and a backward that maps the output's gradient to one gradient per input.
///
/// The contract (what PyTorch's `autograd.Function` asks, checked here):
/// - `forward` receives the inputs' values and returns the output value and any tensors
///   backward needs (`saved`, may be empty).
/// - `backward` receives a ``Context`` — the inputs, the output node, the saved tensors and
///   the output's gradient, all but the saved tensors as variables — and returns exactly one
///   gradient per input, each of that input's shape, or `nil` for an input that needs none
///   (``Context/needsGradient(_:)`` says which do).
/// - Write backward with variable ops (`*`, `exp()`, `matmul`…), not on raw tensors: then the
///   gradient is itself differentiable and second-order derivatives (Hessians,
///   `differentiableGradients`) work. Saved tensors are constants to second order; when a
///   second derivative must flow through a saved value, recompute it from
///   ``Context/inputs`` or ``Context/output`` instead.
/// - Never capture the output node in your closures; use ``Context/output``.
///
/// The engine checks what backward returns: a wrong count or shape stops with a message
/// naming the op (and, under anomaly detection, where it was applied), the input and both
/// shapes: `backward: op 'softsign' (created at MyModule/Model.swift:12) returned a gradient
/// of shape [3] for input 0 of shape [2, 3]`.
///
/// ```swift
/// // softsign(x) = x / (1 + |x|),  d/dx = 1 / (1 + |x|)²
/// let softsign = CustomOp<Double>(name: "softsign") { inputs in
///     inputs[0].map { $0 / (1 + abs($0)) }
/// } backward: { context in
///     let x = context.inputs[0]
///     return [context.gradient / (1 + x.abs()).squared()]
/// }
/// let y = softsign(x)                              // a Variable like any other op's
/// assertGradientsMatch(at: [sample]) { softsign($0[0]) }   // BackpropTesting
/// ```
public struct CustomOp<Scalar: TensorScalar>: Sendable {
    /// What backward receives.
    public struct Context {
        /// The op's inputs, in order.
        public let inputs: [Variable<Scalar>]
        /// The op's output node (its value is the forward result).
        public let output: Variable<Scalar>
        /// The gradient of the final result with respect to the output (the output's shape).
        public let gradient: Variable<Scalar>
        /// The tensors forward saved.
        public let saved: [Tensor<Scalar>]

        /// Whether input `i` needs a gradient (return `nil` for it otherwise).
        public func needsGradient(_ i: Int) -> Bool { inputs[i].requiresGradient }
    }

    /// The forward (`@Sendable`, so ops can be global constants): the output value and the tensors to save, from the inputs' values.
    public typealias Forward = @Sendable ([Tensor<Scalar>]) -> (value: Tensor<Scalar>, saved: [Tensor<Scalar>])
    /// The backward: one gradient per input (or `nil`), from the context.
    public typealias Backward = @Sendable (Context) -> [Variable<Scalar>?]

    /// The op's name, shown in error messages, anomaly reports and graph exports.
    public let name: String
    /// The number of inputs, when fixed (checked at every call).
    public let arity: Int?
    @usableFromInline let forward: Forward
    @usableFromInline let backward: Backward

    /// Creates an op whose forward also saves tensors for backward.
    public init(
        name: String, arity: Int? = nil, forwardSaving forward: @escaping Forward,
        backward: @escaping Backward
    ) {
        self.name = name
        self.arity = arity
        self.forward = forward
        self.backward = backward
    }

    /// Creates an op whose backward needs only the inputs and the output.
    public init(
        name: String, arity: Int? = nil, forward: @escaping @Sendable ([Tensor<Scalar>]) -> Tensor<Scalar>,
        backward: @escaping Backward
    ) {
        self.init(name: name, arity: arity, forwardSaving: { (forward($0), []) }, backward: backward)
    }

    /// Applies the op: one graph node whose pullback runs `backward` and checks its result.
    ///
    /// A misuse inside `forward` or `backward` (a shape error of an inner op) stops with a
    /// message that names this op first: `custom op 'softsign' (forward) › multiply: …`.
    /// - Precondition: as many inputs as `arity` (if set).
    public func callAsFunction(
        _ inputs: [Variable<Scalar>], file: StaticString = #fileID, line: UInt = #line
    ) -> Variable<Scalar> {
        let name = self.name
        if let arity {
            require(
                inputs.count == arity,
                "custom op '\(name)': called with \(inputs.count) inputs, expects \(arity)",
                file: file, line: line)
        }
        // A misuse inside forward or backward is reported as happening inside this op.
        let (value, saved) = OpContext.with("custom op '\(name)' (forward)", file: file, line: line) {
            forward(inputs.map(\.value))
        }
        let backward = self.backward
        return Variable(op: name, value: value, inputs: inputs, file: file, line: line) {
            output, gradient in
            // The engine checks the count and the shapes of what this returns.
            OpContext.with("custom op '\(name)' (backward)", file: file, line: line) {
                backward(Context(inputs: inputs, output: output, gradient: gradient, saved: saved))
            }
        }
    }

    /// Applies the op to the given inputs (variadic form).
    public func callAsFunction(
        _ inputs: Variable<Scalar>..., file: StaticString = #fileID, line: UInt = #line
    ) -> Variable<Scalar> {
        callAsFunction(inputs, file: file, line: line)
    }
}

extension CustomOp {
    /// An element-wise op from a scalar function and its derivative written with variable
    /// ops: y = f(x), ∇x = ∇y ⊙ f′(x).
    ///
    /// ```swift
    /// let softsign = CustomOp<Double>.elementwise(name: "softsign") { x in x / (1 + abs(x)) }
    ///     derivative: { x, y in 1 / (1 + x.abs()).squared() }
    /// ```
    /// - Parameters:
    ///   - name: The op's name, shown in error messages, anomaly reports and graph exports.
    ///   - function: f on one scalar.
    ///   - derivative: f′ from the input x and the output y (variables, so it can be
    ///     differentiated again).
    public static func elementwise(
        name: String, _ function: @escaping @Sendable (Scalar) -> Scalar,
        derivative: @escaping @Sendable (_ x: Variable<Scalar>, _ y: Variable<Scalar>) -> Variable<Scalar>
    ) -> CustomOp {
        CustomOp(name: name, arity: 1, forward: { $0[0].map(function) }) { context in
            [context.gradient * derivative(context.inputs[0], context.output)]
        }
    }
}
