import Backprop

/// A loss function of the model's output and the target, reduced to one number per batch,
/// with a name (for checkpoints and the command line).
///
/// Every built-in loss is the mean over the rows (samples) of a batch, so a learning rate
/// means the same for any batch size:
///
/// | loss | L for a batch of m rows |
/// |---|---|
/// | ``halfSquaredError`` | (1/m) Σᵣ ½‖ŷᵣ − yᵣ‖² (the notes' loss; for m = 1 exactly ½‖ŷ − y‖²) |
/// | ``meanSquaredError`` | (1/(m·k)) Σ (ŷ − y)² over all m·k elements |
///
/// A loss of your own is a closure of Backprop ops:
///
/// ```swift
/// let l1 = Loss<Double>(name: "l1-ish") { y, t in ((y - t) * (y - t) + 1e-9).sum() }
/// ```
public struct Loss<Scalar: TensorScalar> {
    /// The name.
    public let name: String
    /// The function: (output `[m, k]`, target `[m, k]`) → a one-element variable.
    public let function: (Variable<Scalar>, Variable<Scalar>) -> Variable<Scalar>

    /// Creates a loss from a function of the output and the target.
    @inlinable
    public init(
        name: String, _ function: @escaping (Variable<Scalar>, Variable<Scalar>) -> Variable<Scalar>
    ) {
        self.name = name
        self.function = function
    }

    /// The loss of `output` against `target`.
    @inlinable
    public func callAsFunction(_ output: Variable<Scalar>, _ target: Variable<Scalar>)
        -> Variable<Scalar>
    {
        function(output, target)
    }

    /// ½‖ŷ − y‖² per sample, averaged over the rows: (1/m) Σᵣ ½‖ŷᵣ − yᵣ‖².
    ///
    /// ∂L/∂ŷ = (ŷ − y)/m.
    @inlinable public static var halfSquaredError: Loss {
        Loss(name: "half-squared-error") { y, t in
            let m = y.shape.first ?? 1
            let loss = Backprop.halfSquaredError(y, t)
            return m == 1 ? loss : loss.scaled(by: 1 / Scalar(m))
        }
    }

    /// The mean of (ŷ − y)² over all elements.
    ///
    /// ∂L/∂ŷ = 2(ŷ − y)/n with n the number of elements.
    @inlinable public static var meanSquaredError: Loss {
        Loss(name: "mean-squared-error") { y, t in Backprop.meanSquaredError(y, t) }
    }
}

extension Loss {
    /// The built-in losses by name (`"half-squared-error"`, `"mean-squared-error"`, …), for
    /// checkpoints and the command line; `nil` for an unknown name.
    @inlinable
    public static func named(_ name: String) -> Loss? {
        allBuiltIn.first { $0.name == name }
    }

    /// Every built-in loss.
    @inlinable public static var allBuiltIn: [Loss] { [.halfSquaredError, .meanSquaredError] }
}
