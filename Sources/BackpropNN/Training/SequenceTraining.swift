import Backprop
import Foundation

// What training sequence models needs beyond the epoch loop: clipping the gradient by its
// global norm (exploding gradients through time) and learning rates that change every step
// (warm-up, then cosine decay).

/// Scales the gradients of `parameters` together so that their global norm
/// ‖g‖ = √(Σ over all parameters and elements g²) is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`): each gradient times min(1, maxNorm / ‖g‖). Parameters without a
/// gradient are skipped. Returns the norm before clipping.
///
/// The norm is computed relative to the largest |gᵢ|, so finite gradients whose squares
/// overflow (Float gradients above about 1.8·10¹⁹) are still clipped to `maxNorm` rather
/// than left huge (the norm returned is then ∞ if it exceeds the largest finite value).
/// When a gradient holds NaN or ∞ the norm returned is NaN or ∞ and the
/// gradients are left as they are: scaling them would turn ∞ into NaN or the finite
/// elements into zeros, finite garbage that hides the divergence. Skip such a step by
/// checking the gradients (a NaN or ∞ element), not only the returned norm.
///
/// ```swift
/// loss.backward()
/// let norm = clipGradients(of: model.parameters, toGlobalNorm: 1)
/// optimizer.update(model.parameters)
/// ```
@discardableResult
public func clipGradients<Scalar>(of parameters: [Variable<Scalar>], toGlobalNorm maxNorm: Scalar) -> Scalar {
    require(maxNorm > 0, "clipGradients: maximum norm \(maxNorm) is not positive")
    let gradients = parameters.compactMap(\.gradient)
    // The largest magnitude, NaN when any element is NaN (max would drop it).
    var largest: Scalar = 0
    for g in gradients {
        for x in g.scalars {
            if x.isNaN { return .nan }
            largest = Swift.max(largest, x.magnitude)
        }
    }
    guard largest.isFinite else { return largest }
    guard largest > 0 else { return 0 }
    var squares: Scalar = 0
    for g in gradients { for x in g.scalars { squares += (x / largest) * (x / largest) } }
    let norm = largest * squares.squareRoot()
    if norm > maxNorm {
        // Scaled in two factors, so that an overflowing norm (∞) still gives maxNorm.
        let factor = maxNorm / largest / squares.squareRoot()
        for p in parameters { if let g = p.gradient { p.gradient = g * factor } }
    }
    return norm
}

/// Clamps every element of the gradients of `parameters` to [−`maximum`, `maximum`]
/// (PyTorch's `clip_grad_value_`). Parameters without a gradient are skipped; a NaN element
/// stays NaN, so a divergence stays visible.
///
/// ```swift
/// loss.backward()
/// clipGradients(of: model.parameters, toMaximumMagnitude: 0.5)
/// optimizer.update(model.parameters)
/// ```
///
/// - Parameters:
///   - parameters: The parameters whose gradients are clipped.
///   - maximum: The largest magnitude an element keeps, above 0.
///   - file: The file a misuse is reported at (the caller's, by default).
///   - line: The line a misuse is reported at (the caller's, by default).
public func clipGradients<Scalar>(
    of parameters: [Variable<Scalar>], toMaximumMagnitude maximum: Scalar,
    file: StaticString = #fileID, line: UInt = #line
) {
    require(maximum > 0, "clipGradients: maximum magnitude \(maximum) is not positive", file: file, line: line)
    for p in parameters {
        guard var g = p.gradient.take() else { continue }
        g.withUnsafeMutableBufferPointer { b in
            for i in b.indices where b[i] > maximum || b[i] < -maximum { b[i] = b[i] > 0 ? maximum : -maximum }
        }
        p.gradient = g
    }
}

/// A learning rate as a function of the optimizer step (counted from 0), for schedules that
/// change within an epoch.
///
/// | case | η at step s |
/// |---|---|
/// | `constant` | η₀ |
/// | `linearWarmup(steps: W)` | η₀ · min(1, (s + 1)/W) |
/// | `warmupCosine(warmupSteps: W, totalSteps: S, minimum: ηₘ)` | the warm-up, then ηₘ + (η₀ − ηₘ)(1 + cos(π (s − W)/(S − W)))/2, ηₘ after S |
public enum StepLearningRateSchedule: Sendable, Hashable, Codable {
    /// The base rate throughout.
    case constant
    /// Rising linearly from η₀/W to η₀ over the first W steps.
    case linearWarmup(steps: Int)
    /// The linear warm-up, then cosine decay to `minimum` at `totalSteps`.
    case warmupCosine(warmupSteps: Int, totalSteps: Int, minimum: Double)

    /// The rate at `step` for base rate `base`.
    ///
    /// ```swift
    /// StepLearningRateSchedule.warmupCosine(warmupSteps: 10, totalSteps: 110, minimum: 0)
    ///     .rate(base: 1e-3, step: 60)   // 5e-4, half-way through the decay
    /// ```
    public func rate(base: Double, step: Int) -> Double {
        switch self {
        case .constant: return base
        case .linearWarmup(let steps):
            return base * Swift.min(1, Double(step + 1) / Double(Swift.max(steps, 1)))
        case .warmupCosine(let warmup, let total, let minimum):
            if step < warmup { return Self.linearWarmup(steps: warmup).rate(base: base, step: step) }
            let t = Double(Swift.min(step - warmup, total - warmup)) / Double(Swift.max(total - warmup, 1))
            return minimum + (base - minimum) * (1 + cos(Double.pi * t)) / 2
        }
    }
}
