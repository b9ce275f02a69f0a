import Backprop
import Foundation

/// Updates parameters from their gradients: the one protocol behind ``SGD``, ``Adam``,
/// ``RMSProp``, ``Adagrad`` and optimizers of your own.
///
/// The built-in optimizers keep per-parameter state (velocities, moments) by the identity of
/// each parameter's `Variable`, not by its position in the array they are given: the order
/// of the array may change between steps, and one optimizer may step different sets of
/// parameters in turn, each with its own state (a parameter seen for the first time starts
/// from zero state). Stepping the same parameters in the same order as the step before
/// (as the training loop does) finds their state without a lookup. An optimizer holds the
/// parameters of its last step, and only weakly the others it has state for: the state of
/// a parameter that has been freed is dropped when the optimizer is next given another
/// list. A parameter whose `gradient` is `nil` is left unchanged.
///
/// The shape of a parameter must not change while an optimizer keeps state for it: a step
/// on a parameter whose shape differs from the shape its state was made for stops the
/// program with a message naming the optimizer and both shapes (make a new optimizer to
/// start over). So does a gradient whose size differs from its parameter's.
///
/// ```swift
/// let optimizer = SGD<Double>(learningRate: 0.2)
/// let params = model.parameters
/// loss.backward()
/// optimizer.update(params)      // w ← w − η ∇w, then gradients are reset
/// ```
public protocol Optimizer<Scalar>: AnyObject {
    /// The element type.
    associatedtype Scalar: TensorScalar
    /// The step size η (a schedule may change it between epochs).
    var learningRate: Scalar { get set }
    /// Applies one step to every parameter from its accumulated gradient, then sets the
    /// gradients to `nil`.
    ///
    /// - Parameter parameters: The parameters to update.
    func update(_ parameters: [Variable<Scalar>])
    /// The state kept for `parameters` (those that have any), keyed by their names, and the
    /// step count: what resuming training needs besides the parameters' values. The
    /// default throws ``OptimizerStateError/notSupported(optimizer:)``.
    ///
    /// - Parameter parameters: The model's named parameters (``Layer/namedParameters``).
    func state(for parameters: [NamedParameter<Scalar>]) throws -> OptimizerState
    /// Replaces the optimizer's state with `state`, bound to the parameters of `parameters`
    /// it names; parameters it does not name start from zero state. The default throws
    /// ``OptimizerStateError/notSupported(optimizer:)``.
    ///
    /// - Parameters:
    ///   - state: State saved by ``state(for:)`` of an optimizer of the same type and
    ///     configuration.
    ///   - parameters: The model's named parameters (``Layer/namedParameters``).
    /// - Throws: ``OptimizerStateError`` naming the parameter whose state does not match
    ///   (unknown name, other shape, other buffers); the optimizer is unchanged then.
    func loadState(_ state: OptimizerState, for parameters: [NamedParameter<Scalar>]) throws
}

/// The loop every optimizer's step runs: for each parameter that has a gradient, sets the
/// gradient to `nil` (a step consumes it) and calls `body` with the parameter's index and
/// the gradient's and the value's buffers; parameters without a gradient are skipped.
/// `optimizer` names the caller in the check that the sizes agree.
@inlinable
func forEachGradient<Scalar: TensorScalar>(
    of parameters: [Variable<Scalar>], optimizer: String,
    _ body: (
        _ index: Int, _ gradient: UnsafeBufferPointer<Scalar>, _ value: UnsafeMutableBufferPointer<Scalar>
    ) -> Void
) {
    for index in parameters.indices {
        let p = parameters[index]
        guard let gradient = p.gradient.take() else { continue }
        gradient.withUnsafeBufferPointer { g in
            p.value.withUnsafeMutableBufferPointer { w in
                if _slowPath(g.count != w.count) {
                    sizeMismatch(optimizer, index: index, gradient: gradient.shape, value: p.value.shape)
                }
                body(index, g, w)
            }
        }
    }
}

/// ``forEachGradient(of:optimizer:_:)`` for an optimizer with per-parameter state: `body`
/// gets the state of each parameter that has a gradient, made by `makeState` from the
/// parameter's shape at its first step with a gradient.
///
/// Stops with a message naming `optimizer`, the parameter's index and both shapes when the
/// parameter's shape is not the shape its state was made for (`stateName`, such as
/// "moments", names the state in the message), so `body` gets state made for the value's
/// shape.
@inlinable
func forEachGradient<Scalar: TensorScalar, State>(
    of parameters: [Variable<Scalar>], states: inout ParameterStates<Scalar, State>,
    optimizer: String, stateName: String, makeState: (TensorShape) -> State,
    _ body: (
        _ state: inout State, _ gradient: UnsafeBufferPointer<Scalar>,
        _ value: UnsafeMutableBufferPointer<Scalar>
    ) -> Void
) {
    states.prepare(for: parameters)
    let slots = states.lastSlots
    for index in parameters.indices {
        let p = parameters[index]
        guard let gradient = p.gradient.take() else { continue }
        let slot = slots[index]
        let shape = p.value.shape
        if slot.state == nil {
            slot.shape = shape
            slot.state = makeState(shape)
        } else if _slowPath(slot.shape != shape) {
            misuseFailure(
                "\(optimizer): parameter \(index) has shape \(Shapes.format(shape)), but its state "
                    + "(\(stateName)) was made for shape \(Shapes.format(slot.shape)) (a parameter's shape "
                    + "must not change while an optimizer keeps state for it; make a new optimizer to "
                    + "start over)")
        }
        gradient.withUnsafeBufferPointer { g in
            p.value.withUnsafeMutableBufferPointer { w in
                if _slowPath(g.count != w.count) {
                    sizeMismatch(optimizer, index: index, gradient: gradient.shape, value: shape)
                }
                body(&slot.state!, g, w)
            }
        }
    }
}

/// Stops the program: the gradient of parameter `index` has another size than its value.
@usableFromInline
func sizeMismatch(_ optimizer: String, index: Int, gradient: TensorShape, value: TensorShape) -> Never {
    misuseFailure(
        "\(optimizer): parameter \(index): gradient \(Shapes.format(gradient)) and value "
            + "\(Shapes.format(value)) sizes differ")
}

/// The state an optimizer keeps for each parameter (a velocity, moments), keyed by the
/// identity (`ObjectIdentifier`) of the parameter's `Variable`.
///
/// The parameters of the last step are held strongly and their slots kept in that step's
/// order: a step with the same parameters in the same order (every step of a training
/// loop) finds its slots by one identity comparison per parameter, without a dictionary
/// lookup, and no other object can take their identities meanwhile. A parameter that
/// leaves the list is held weakly, so the optimizer does not keep a discarded model alive;
/// its slot is dropped once the parameter is freed, and a slot found by identity counts
/// only if its parameter is the very object looked up (a freed parameter's address may be
/// reused by a new one).
@usableFromInline
internal struct ParameterStates<Scalar: TensorScalar, State> {
    /// One parameter and its state.
    @usableFromInline
    internal final class Slot {
        /// The parameter while it is in the last step's list (a strong reference). Read by
        /// every step, so not checked for exclusive access (one thread uses an optimizer).
        @exclusivity(unchecked) @usableFromInline internal var parameter: Variable<Scalar>?
        /// The parameter after it left the last step's list (a weak reference). Set only
        /// then, since a weakly referenced object counts its references more slowly.
        @usableFromInline internal weak var formerParameter: Variable<Scalar>?
        /// The shape `state` was made for.
        @exclusivity(unchecked) @usableFromInline internal var shape = TensorShape()
        /// The state, made at the parameter's first step with a gradient.
        @exclusivity(unchecked) @usableFromInline internal var state: State?

        @usableFromInline
        internal init(_ parameter: Variable<Scalar>) { self.parameter = parameter }

        /// Whether this is the slot of `p` (and not of a freed object at the same address).
        @usableFromInline
        internal func belongs(to p: Variable<Scalar>) -> Bool {
            parameter === p || formerParameter === p
        }
    }

    /// Every parameter with a slot, by identity.
    @usableFromInline internal var slotsByIdentity: [ObjectIdentifier: Slot] = [:]
    /// The slots of the last list of parameters, in its order.
    @usableFromInline internal var lastSlots: [Slot] = []

    @inlinable
    internal init() {}

    /// Makes ``lastSlots`` the slots of `parameters`, in order.
    @inlinable
    internal mutating func prepare(for parameters: [Variable<Scalar>]) {
        if parameters.count == lastSlots.count {
            var same = true
            for i in parameters.indices where parameters[i] !== lastSlots[i].parameter {
                same = false
                break
            }
            if same { return }
        }
        rebuild(for: parameters)
    }

    /// Looks up (or makes) the slot of each of `parameters`, holds them strongly and the
    /// parameters of the previous list weakly, and drops the slots of freed parameters.
    @usableFromInline
    internal mutating func rebuild(for parameters: [Variable<Scalar>]) {
        var slots: [Slot] = []
        slots.reserveCapacity(parameters.count)
        for p in parameters {
            let id = ObjectIdentifier(p)
            if let slot = slotsByIdentity[id], slot.belongs(to: p) {
                slots.append(slot)
            } else {
                let slot = Slot(p)
                slotsByIdentity[id] = slot
                slots.append(slot)
            }
        }
        let current = Set(parameters.lazy.map { ObjectIdentifier($0) })
        for slot in lastSlots {
            guard let p = slot.parameter, !current.contains(ObjectIdentifier(p)) else { continue }
            slot.formerParameter = p
            slot.parameter = nil
        }
        for (slot, p) in zip(slots, parameters) where slot.parameter == nil {
            slot.parameter = p
            slot.formerParameter = nil
        }
        lastSlots = slots
        slotsByIdentity = slotsByIdentity.filter {
            $0.value.parameter != nil || $0.value.formerParameter != nil
        }
    }
}

/// A learning rate as a function of the epoch (counted from 0).
///
/// | case | η at epoch e |
/// |---|---|
/// | `constant` | η₀ |
/// | `step(every: k, factor: γ)` | η₀ · γ^⌊e/k⌋ |
/// | `exponential(decay: γ)` | η₀ · γᵉ |
/// | `cosine(epochs: E, minimum: ηₘ)` | ηₘ + (η₀ − ηₘ)(1 + cos(π e/E))/2 |
public enum LearningRateSchedule: Sendable, Hashable, Codable {
    /// The base rate throughout.
    case constant
    /// Multiplied by `factor` every `every` epochs.
    case step(every: Int, factor: Double)
    /// Multiplied by `decay` every epoch.
    case exponential(decay: Double)
    /// Cosine annealing from the base rate to `minimum` over `epochs` epochs.
    case cosine(epochs: Int, minimum: Double)

    /// The rate at `epoch` for base rate `base`.
    ///
    /// ```swift
    /// LearningRateSchedule.step(every: 10, factor: 0.5).rate(base: 0.1, epoch: 25)  // 0.025
    /// ```
    public func rate(base: Double, epoch: Int) -> Double {
        switch self {
        case .constant: return base
        case .step(let every, let factor):
            return base * pow(factor, Double(epoch / Swift.max(every, 1)))
        case .exponential(let decay): return base * pow(decay, Double(epoch))
        case .cosine(let epochs, let minimum):
            let t = Double(Swift.min(epoch, epochs)) / Double(Swift.max(epochs, 1))
            return minimum + (base - minimum) * (1 + cos(Double.pi * t)) / 2
        }
    }
}

