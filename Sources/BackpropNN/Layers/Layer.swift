import Backprop

/// A differentiable function of a batch with trainable parameters: the one protocol every
/// layer and every model conforms to.
///
/// Inputs are batches in row-vector form, one sample per row (`[batch, features]`). A layer
/// type of your own plugs into ``Sequential``, the optimizers and the training loop by
/// conforming; its parameters are found by reflection, so there is no list to keep up to
/// date:
///
/// ```swift
/// struct Scale: Layer {
///     let factor = Variable(Tensor<Double>([2]), requiresGradient: true)
///     func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x * factor }
/// }
/// let model = Sequential<Double>(Dense(inputSize: 4, outputSize: 3, using: &rng), Scale())
/// model.namedParameters.map(\.name)   // ["0.weight", "0.bias", "1.factor"]
/// ```
///
/// Parameters are `Variable`s (reference types), so a layer is a cheap value to copy and
/// an optimizer that updates a parameter's value updates every copy of the layer.
///
/// Freezing: a parameter whose `requiresGradient` is `false` is frozen. It is still listed
/// in ``namedParameters`` (so it is saved with the model and counted), but no gradient is
/// computed for it and optimizers leave it unchanged. ``freeze(file:line:)`` and
/// ``unfreeze(file:line:)`` set it for every parameter of a layer or a whole sub-model,
/// ``freeze(_:file:line:)`` for parameters by name. Freeze and thaw between a backward pass
/// and the next forward pass (a graph recorded before the change stops its backward pass
/// with a message).
public protocol Layer<Scalar> {
    /// The element type, `Float` or `Double`.
    associatedtype Scalar: TensorScalar
    /// The forward pass: each op records itself in the graph while gradients are recorded.
    func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar>
    /// Every parameter (frozen ones included) with a name unique within the layer
    /// (`"weight"`, `"bias"`), in a fixed order. Containers prefix their children's names
    /// (`"0.weight"`, `"encoder.layers.1.weight"`).
    ///
    /// The default finds them by reflection: every `Variable` stored in the layer (in
    /// declaration order, named by its property path) and the parameters of every child
    /// layer, through arrays, dictionaries (in key order) and optionals; variables listed
    /// in ``namedBuffers`` are not parameters. Write it by hand to choose other names or
    /// order (the built-in layers do, which also saves the reflection).
    var namedParameters: [NamedParameter<Scalar>] { get }
    /// State that is not trained by gradients but belongs to the model and is saved with
    /// it (``BatchNorm``'s running mean and variance), named like ``namedParameters``. The
    /// default is the buffers of the child layers found by reflection, under their paths.
    var namedBuffers: [NamedParameter<Scalar>] { get }
}

/// A trainable parameter and its name in the model.
public struct NamedParameter<Scalar: TensorScalar> {
    /// The name, unique within the model (`"1.weight"`).
    public var name: String
    /// The parameter (a leaf that requires a gradient).
    public var variable: Variable<Scalar>
    /// Creates a named parameter.
    @inlinable public init(_ name: String, _ variable: Variable<Scalar>) {
        self.name = name
        self.variable = variable
    }
}

extension Layer {
    /// The parameters found by reflection (see ``Layer/namedParameters``).
    public var namedParameters: [NamedParameter<Scalar>] {
        ParameterDiscovery.list(in: self, parameters: true, excluding: namedBuffers)
    }

    /// The buffers of the child layers found by reflection (none for a layer without
    /// child layers).
    public var namedBuffers: [NamedParameter<Scalar>] {
        ParameterDiscovery.list(in: self, parameters: false)
    }

    /// The parameters without their names, in the order of ``namedParameters``.
    @inlinable public var parameters: [Variable<Scalar>] { namedParameters.map(\.variable) }

    /// The parameters that are not frozen (`requiresGradient` is `true`), in the order of
    /// ``namedParameters``.
    @inlinable public var trainableParameters: [NamedParameter<Scalar>] {
        namedParameters.filter(\.variable.requiresGradient)
    }

    /// The number of scalars in all parameters, frozen ones included.
    @inlinable public var parameterCount: Int {
        namedParameters.reduce(0) { $0 + $1.variable.value.count }
    }

    /// The number of scalars in the parameters that are not frozen.
    @inlinable public var trainableParameterCount: Int {
        trainableParameters.reduce(0) { $0 + $1.variable.value.count }
    }

    /// Freezes every parameter of the layer (for a model or a sub-model: all of them): no
    /// gradient is computed for them and optimizers leave them unchanged; pending
    /// gradients are dropped. Call it between a backward pass and the next forward pass.
    ///
    /// ```swift
    /// model.encoder.freeze()        // fine-tune only the rest
    /// ```
    public func freeze(file: StaticString = #fileID, line: UInt = #line) {
        setTrainable(false, namedParameters, file: file, line: line)
    }

    /// Freezes the parameters with the given names (as in ``namedParameters``).
    ///
    /// Stops with a message naming the layer's parameters when a name is not one of them.
    public func freeze(_ names: String..., file: StaticString = #fileID, line: UInt = #line) {
        let named = namedParameters
        let chosen = names.map { name in
            guard let p = named.first(where: { $0.name == name }) else {
                misuseFailure(
                    "freeze: no parameter named '\(name)' in \(Self.self); its parameters are "
                        + named.map(\.name).joined(separator: ", "), file: file, line: line)
            }
            return p
        }
        setTrainable(false, chosen, file: file, line: line)
    }

    /// Makes every parameter of the layer trainable again.
    public func unfreeze(file: StaticString = #fileID, line: UInt = #line) {
        setTrainable(true, namedParameters, file: file, line: line)
    }

    private func setTrainable(
        _ trainable: Bool, _ parameters: [NamedParameter<Scalar>], file: StaticString, line: UInt
    ) {
        for p in parameters {
            require(
                p.variable.inputs.isEmpty,
                "\(trainable ? "unfreeze" : "freeze"): parameter '\(p.name)' of \(Self.self) is the "
                    + "result of op '\(p.variable.op)', not a leaf", file: file, line: line)
            p.variable.requiresGradient = trainable
        }
    }

    /// The output for a batch of inputs, computed without recording a graph and in the
    /// inference phase (dropout off): the prediction API.
    ///
    /// ```swift
    /// let probabilities = model.predict(testFeatures)   // [rows, classes]
    /// ```
    @inlinable
    public func predict(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        withLearningPhase(.inference) { withoutGradients { self(Variable(input)).value } }
    }

    /// Sets every parameter's gradient to `nil`.
    @inlinable public func zeroGradients() {
        for p in namedParameters { p.variable.zeroGradient() }
    }
}

/// Whether layers behave as in training (dropout active) or in inference (dropout off).
public enum LearningPhase: Sendable {
    /// Training behaviour while a graph is recorded, inference inside `withoutGradients`
    /// (the default).
    case automatic
    /// Training behaviour (dropout active).
    case training
    /// Inference behaviour (dropout is the identity).
    case inference

    /// The phase in force for the current task or thread.
    @TaskLocal public static var current: LearningPhase = .automatic

    /// Whether layers should behave as in training right now.
    @inlinable public static var isTraining: Bool {
        switch current {
        case .automatic: return GradientMode.current.isRecording
        case .training: return true
        case .inference: return false
        }
    }
}

/// Runs `body` in the given learning phase.
///
/// ```swift
/// let output = withLearningPhase(.inference) { model(x) }   // dropout off, graph recorded
/// ```
@inlinable
public func withLearningPhase<R>(_ phase: LearningPhase, _ body: () throws -> R) rethrows -> R {
    try LearningPhase.$current.withValue(phase, operation: body)
}
