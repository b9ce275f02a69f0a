import Backprop
import Foundation

/// Updates parameters from their gradients: the one protocol behind ``SGD``, ``Adam`` and
/// optimizers of your own.
///
/// An optimizer keeps per-parameter state (velocities, moments) by position in the array
/// it is given, so pass the same parameters in the same order at every step (the training
/// loop does). A parameter whose `gradient` is `nil` is left unchanged.
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
    func update(_ parameters: [Variable<Scalar>])
}

/// The loop every optimizer's step runs: for each parameter that has a gradient, sets the
/// gradient to `nil` (a step consumes it) and calls `body` with the parameter's index and
/// the gradient's and the value's buffers; parameters without a gradient are skipped.
/// `optimizer` names the caller in the precondition that the sizes agree.
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
                require(g.count == w.count, "\(optimizer): gradient and parameter sizes differ")
                body(index, g, w)
            }
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

