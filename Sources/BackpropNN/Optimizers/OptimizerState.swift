import Backprop

/// An optimizer's state (velocities, moments, averages and step counts) keyed by the names
/// of the parameters it belongs to (``Layer/namedParameters``), so a run can be saved and
/// resumed exactly: the values, not the identity of the parameters' `Variable`s, which a
/// new process does not have.
///
/// ```swift
/// let saved = try adam.state(for: model.namedParameters)
/// // … later, with a new model and a new optimizer:
/// try newAdam.loadState(saved, for: newModel.namedParameters)
/// ```
///
/// ``Checkpoint`` carries one (``Checkpoint/init(model:optimizer:classNames:featureNames:labelColumn:normalizer:loss:)``,
/// ``Checkpoint/load(into:optimizer:)``). Hyperparameters (the learning rate, β, momentum)
/// are not part of it: they are the optimizer's settings, given when it is made.
public struct OptimizerState: Codable, Sendable, Equatable {
    /// The state of one parameter.
    public struct Entry: Codable, Sendable, Equatable {
        /// The parameter's name in the model (`"0.weight"`).
        public var parameter: String
        /// The steps this parameter took (Adam's t of the bias correction, Adagrad's t of
        /// the rate decay).
        public var step: Int
        /// The parameter's shape, which every buffer has.
        public var shape: [Int]
        /// The buffers by name (Adam: `"first"`, `"second"`; SGD: `"velocity"`; RMSProp:
        /// `"squareAverage"` and, when used, `"gradientAverage"`, `"momentumBuffer"`;
        /// Adagrad: `"sum"`), each row-major.
        public var buffers: [String: [Double]]

        /// Creates an entry.
        ///
        /// - Parameters:
        ///   - parameter: The parameter's name in the model.
        ///   - step: The steps this parameter took.
        ///   - shape: The parameter's shape.
        ///   - buffers: The buffers by name, row-major.
        public init(parameter: String, step: Int, shape: [Int], buffers: [String: [Double]]) {
            self.parameter = parameter
            self.step = step
            self.shape = shape
            self.buffers = buffers
        }
    }

    /// The optimizer's type (`"Adam"`, `"SGD"`, `"RMSProp"`, `"Adagrad"`).
    public var optimizer: String
    /// The optimizer's count of updates (`step`).
    public var step: Int
    /// The parameters that have state, in the order of the model's parameters.
    public var entries: [Entry]

    /// Creates a state.
    ///
    /// - Parameters:
    ///   - optimizer: The optimizer's type.
    ///   - step: The optimizer's count of updates.
    ///   - entries: The parameters that have state.
    public init(optimizer: String, step: Int, entries: [Entry]) {
        self.optimizer = optimizer
        self.step = step
        self.entries = entries
    }
}

/// Why an optimizer's state could not be saved or loaded.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// The optimizer does not implement ``Optimizer/state(for:)`` and
    /// ``Optimizer/loadState(_:for:)``.
    case notSupported(optimizer: String)
    /// The state was saved by another kind of optimizer.
    case otherOptimizer(saved: String, loading: String)
    /// The checkpoint holds no optimizer state.
    case noState
    /// The state names a parameter the model does not have.
    case unknownParameter(String)
    /// The state names a parameter twice.
    case repeatedParameter(String)
    /// The state of a parameter was made for another shape.
    case shapeMismatch(parameter: String, model: [Int], saved: [Int])
    /// The state of a parameter has other buffers than this optimizer keeps (a different
    /// configuration, such as momentum on one side only).
    case bufferMismatch(parameter: String, saved: [String], expected: [String])
    /// A buffer's values do not fill the parameter's shape, or a step count is negative.
    case corruptEntry(parameter: String, reason: String)
    /// A saved value is beyond the scalar type's range, or not finite.
    case unusableValue(parameter: String, buffer: String, index: Int, value: Double)

    public var description: String {
        switch self {
        case .notSupported(let optimizer):
            return "optimizer state: \(optimizer) does not save its state (implement state(for:) and loadState(_:for:))"
        case .otherOptimizer(let saved, let loading):
            return "optimizer state: the state of \(saved) cannot be loaded into \(loading)"
        case .noState:
            return "optimizer state: the checkpoint holds none (save it with Checkpoint(model:optimizer:))"
        case .unknownParameter(let name):
            return "optimizer state: parameter \(DataError.quoted(name)) does not exist in the model"
        case .repeatedParameter(let name):
            return "optimizer state: parameter \(DataError.quoted(name)) appears twice"
        case .shapeMismatch(let name, let model, let saved):
            return "optimizer state: parameter \(DataError.quoted(name)) has shape \(Shapes.format(saved)) in the "
                + "state but \(Shapes.format(model)) in the model"
        case .bufferMismatch(let name, let saved, let expected):
            return "optimizer state: parameter \(DataError.quoted(name)) has buffers "
                + "[\(saved.joined(separator: ", "))], this optimizer keeps [\(expected.joined(separator: ", "))]"
        case .corruptEntry(let name, let reason):
            return "optimizer state: parameter \(DataError.quoted(name)): \(reason)"
        case .unusableValue(let name, let buffer, let index, let value):
            return "optimizer state: value \(value) at index \(index) of buffer '\(buffer)' of parameter "
                + "\(DataError.quoted(name)) is not finite in the model's scalar type"
        }
    }
}

extension Optimizer {
    /// Throws ``OptimizerStateError/notSupported(optimizer:)``: an optimizer of your own
    /// saves its state by implementing this requirement.
    ///
    /// - Parameter parameters: The model's named parameters.
    public func state(for parameters: [NamedParameter<Scalar>]) throws -> OptimizerState {
        throw OptimizerStateError.notSupported(optimizer: "\(Self.self)")
    }

    /// Throws ``OptimizerStateError/notSupported(optimizer:)``: an optimizer of your own
    /// loads its state by implementing this requirement.
    ///
    /// - Parameters:
    ///   - state: The saved state.
    ///   - parameters: The model's named parameters.
    public func loadState(_ state: OptimizerState, for parameters: [NamedParameter<Scalar>]) throws {
        throw OptimizerStateError.notSupported(optimizer: "\(Self.self)")
    }
}

extension ParameterStates {
    /// The entries of the parameters among `parameters` that have state, in their order;
    /// `save` gives a state's step count and buffers.
    internal func entries(
        for parameters: [NamedParameter<Scalar>], _ save: (State) -> (step: Int, buffers: [String: Tensor<Scalar>])
    ) -> [OptimizerState.Entry] {
        parameters.compactMap { p in
            guard let slot = slotsByIdentity[ObjectIdentifier(p.variable)], slot.belongs(to: p.variable),
                let state = slot.state
            else { return nil }
            let (step, buffers) = save(state)
            return OptimizerState.Entry(
                parameter: p.name, step: step, shape: slot.shape.dimensions,
                buffers: buffers.mapValues { $0.scalars.map(Double.init) })
        }
    }

    /// Replaces every state with the entries of `state`, bound to the parameters of
    /// `parameters` they name (the others start from zero state at their next step);
    /// `make` builds a state from a step count and the buffers named `buffers`.
    ///
    /// Everything is checked before anything changes: on a thrown error the states are as
    /// they were.
    ///
    /// - Throws: ``OptimizerStateError`` naming the optimizer or the parameter.
    internal mutating func load(
        _ state: OptimizerState, optimizer: String, for parameters: [NamedParameter<Scalar>], buffers: [String],
        _ make: (_ step: Int, _ buffers: [String: Tensor<Scalar>]) -> State
    ) throws {
        guard state.optimizer == optimizer else {
            throw OptimizerStateError.otherOptimizer(saved: state.optimizer, loading: optimizer)
        }
        var byName: [String: Variable<Scalar>] = [:]
        for p in parameters where byName[p.name] == nil { byName[p.name] = p.variable }
        var loaded: [ObjectIdentifier: (shape: TensorShape, state: State)] = [:]
        var seen: Set<String> = []
        for entry in state.entries {
            let name = entry.parameter
            guard seen.insert(name).inserted else { throw OptimizerStateError.repeatedParameter(name) }
            guard let p = byName[name] else { throw OptimizerStateError.unknownParameter(name) }
            guard entry.shape == p.shape.dimensions else {
                throw OptimizerStateError.shapeMismatch(parameter: name, model: p.shape.dimensions, saved: entry.shape)
            }
            guard entry.buffers.keys.sorted() == buffers.sorted() else {
                throw OptimizerStateError.bufferMismatch(
                    parameter: name, saved: entry.buffers.keys.sorted(), expected: buffers.sorted())
            }
            guard entry.step >= 0 else {
                throw OptimizerStateError.corruptEntry(parameter: name, reason: "step count \(entry.step) is negative")
            }
            var tensors: [String: Tensor<Scalar>] = [:]
            for (buffer, values) in entry.buffers {
                guard values.count == p.value.count else {
                    throw OptimizerStateError.corruptEntry(
                        parameter: name,
                        reason: "buffer '\(buffer)' has \(values.count) values for shape \(Shapes.format(p.shape))")
                }
                let converted = values.map { Scalar($0) }
                if let bad = converted.firstIndex(where: { !$0.isFinite }) {
                    throw OptimizerStateError.unusableValue(parameter: name, buffer: buffer, index: bad, value: values[bad])
                }
                tensors[buffer] = Tensor(shape: p.shape, scalars: converted)
            }
            loaded[ObjectIdentifier(p)] = (p.shape, make(entry.step, tensors))
        }
        self = ParameterStates()
        prepare(for: parameters.map(\.variable))
        for slot in lastSlots {
            guard let p = slot.parameter, let (shape, state) = loaded[ObjectIdentifier(p)] else { continue }
            slot.shape = shape
            slot.state = state
        }
    }
}
