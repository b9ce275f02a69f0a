import Backprop

/// A differentiable function of a batch with trainable parameters: the one protocol every
/// layer and every model conforms to.
///
/// Inputs are batches in row-vector form, one sample per row (`[batch, features]`). A layer
/// type of your own plugs into ``Sequential``, the optimizers and the training loop by
/// conforming:
///
/// ```swift
/// struct Scale: Layer {
///     let factor = Variable(Tensor<Double>([2]), requiresGradient: true)
///     func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x * factor }
///     var namedParameters: [NamedParameter<Double>] { [NamedParameter("factor", factor)] }
/// }
/// let model = Sequential<Double>(Dense(inputSize: 4, outputSize: 3, using: &rng), Scale())
/// ```
///
/// Parameters are `Variable`s (reference types), so a layer is a cheap value to copy and
/// an optimizer that updates a parameter's value updates every copy of the layer.
public protocol Layer<Scalar> {
    /// The element type, `Float` or `Double`.
    associatedtype Scalar: TensorScalar
    /// The forward pass: each op records itself in the graph while gradients are recorded.
    func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar>
    /// Every trainable parameter with a name unique within the layer (`"weight"`,
    /// `"bias"`), in a fixed order. Containers prefix their children's names (`"0.weight"`).
    var namedParameters: [NamedParameter<Scalar>] { get }
    /// State that is not trained by gradients but belongs to the model and is saved with
    /// it (``BatchNorm``'s running mean and variance), named like ``namedParameters``. The
    /// default is none.
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
    /// None: most layers keep no state besides their parameters.
    @inlinable public var namedBuffers: [NamedParameter<Scalar>] { [] }

    /// The parameters without their names, in the order of ``namedParameters``.
    @inlinable public var parameters: [Variable<Scalar>] { namedParameters.map(\.variable) }

    /// The number of trainable scalars.
    @inlinable public var parameterCount: Int {
        namedParameters.reduce(0) { $0 + $1.variable.value.count }
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
