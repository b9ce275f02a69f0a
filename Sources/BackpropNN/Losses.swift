import Backprop

/// A loss function of the model's output and the target, reduced to one number per batch,
/// with a name (for checkpoints and the command line).
///
/// Every built-in loss is the mean over the rows (samples) of a batch, so a learning rate
/// means the same for any batch size:
///
/// | loss | L for a batch of m rows |
/// |---|---|
/// | ``meanHalfSquaredError`` | (1/m) Σᵣ ½‖ŷᵣ − yᵣ‖² (the loss of classic backpropagation; for m = 1 exactly ½‖ŷ − y‖²) |
/// | ``meanSquaredError`` | (1/(m·k)) Σ (ŷ − y)² over all m·k elements |
/// | ``crossEntropy`` | −(1/m) Σᵣ Σⱼ yᵣⱼ log softmax(ŷᵣ)ⱼ, ŷ = logits, y one-hot |
/// | ``sparseCrossEntropy`` | the same with integer class labels: y is `[m, 1]` of class indices |
/// | ``binaryCrossEntropy`` | (1/m) Σᵣ Σⱼ −y log σ(ŷ) − (1 − y) log(1 − σ(ŷ)), ŷ = logits |
/// | ``meanAbsoluteError`` | (1/(m·k)) Σ \|ŷ − y\| over all m·k elements |
/// | ``huber(delta:file:line:)`` | (1/(m·k)) Σ h(ŷ − y), h(d) = ½d² for \|d\| ≤ δ, else δ(\|d\| − ½δ) |
///
/// The two cross-entropies take **logits** (the model's last layer has the `identity`
/// activation) and are single fused, stable nodes of Backprop.
///
/// A mean of nothing is NaN, as in NumPy and PyTorch: for an empty batch (m = 0) the squared
/// errors and the binary cross-entropy are NaN, with empty gradients, so an empty batch never
/// passes for a perfect fit (the two cross-entropies stop with a message instead). A NaN in
/// the output or the target makes every loss NaN.
///
/// A loss of your own is a closure of Backprop ops:
///
/// ```swift
/// let l1 = Loss<Double>(name: "l1-ish") { y, t in ((y - t) * (y - t) + 1e-9).sum() }
/// ```
///
/// A loss is `Sendable` (its function is a `@Sendable` closure), so one can be a global
/// constant and be shared between tasks.
public struct Loss<Scalar: TensorScalar>: Sendable {
    /// The name.
    public let name: String
    /// The function: (output `[m, k]`, target `[m, k]`) → a one-element variable.
    public let function: @Sendable (Variable<Scalar>, Variable<Scalar>) -> Variable<Scalar>
    /// For a single output column: the output above which the predicted class is 1
    /// (0.5 for probabilities, 0 for logits).
    public let binaryThreshold: Scalar

    /// Creates a loss from a function of the output and the target.
    @inlinable
    public init(
        name: String, binaryThreshold: Scalar = 0.5,
        _ function: @escaping @Sendable (Variable<Scalar>, Variable<Scalar>) -> Variable<Scalar>
    ) {
        self.name = name
        self.binaryThreshold = binaryThreshold
        self.function = function
    }

    /// The loss of `output` against `target`.
    @inlinable
    public func callAsFunction(_ output: Variable<Scalar>, _ target: Variable<Scalar>)
        -> Variable<Scalar>
    {
        function(output, target)
    }

    /// ½‖ŷ − y‖² per sample, averaged over the rows: (1/m) Σᵣ ½‖ŷᵣ − yᵣ‖² (NaN for m = 0).
    /// Named `"mean-half-squared-error"`.
    ///
    /// ∂L/∂ŷ = (ŷ − y)/m.
    ///
    /// Backprop's op `halfSquaredError(_:_:)` is the sum ½ Σ (ŷ − y)² over every element,
    /// so on a batch of m rows it is m times this loss (for m = 1 the two are equal).
    @inlinable public static var meanHalfSquaredError: Loss {
        Loss(name: "mean-half-squared-error") { y, t in
            let m = y.shape.first ?? 1
            let loss = Backprop.halfSquaredError(y, t)
            // m = 0: the sum of nothing (0) times 1/0 = +∞ is NaN, the mean of no row.
            return m == 1 ? loss : loss.scaled(by: 1 / Scalar(m))
        }
    }

    /// Deprecated: use ``meanHalfSquaredError``, a mean over the rows (Backprop's
    /// `halfSquaredError(_:_:)` is a sum). ``named(_:)`` accepts `"half-squared-error"` as
    /// an alias of it.
    @available(*, deprecated, renamed: "meanHalfSquaredError",
               message: "a mean over the rows, unlike Backprop's halfSquaredError(_:_:), which is a sum")
    @inlinable public static var halfSquaredError: Loss { meanHalfSquaredError }

    /// The mean of (ŷ − y)² over all elements (NaN when there is none).
    ///
    /// ∂L/∂ŷ = 2(ŷ − y)/n with n the number of elements.
    @inlinable public static var meanSquaredError: Loss {
        Loss(name: "mean-squared-error") { y, t in Backprop.meanSquaredError(y, t) }
    }

    /// Softmax cross-entropy of logits against one-hot (or soft) target rows, averaged
    /// over the rows.
    ///
    /// ∂L/∂ŷ = (softmax(ŷ) − y)/m.
    @inlinable public static var crossEntropy: Loss {
        Loss(name: "cross-entropy") { y, t in Backprop.crossEntropy(logits: y, probabilities: t) }
    }

    /// Softmax cross-entropy of logits against integer class labels, given as a `[m, 1]`
    /// target column of class indices (``LabeledTensors/TargetEncoding/classIndex``),
    /// averaged over the rows.
    ///
    /// L = −(1/m) Σᵣ log softmax(ŷᵣ)_{yᵣ};  ∂L/∂ŷ = (softmax(ŷ) − onehot(y))/m.
    @inlinable public static var sparseCrossEntropy: Loss {
        Loss(name: "sparse-cross-entropy") { y, t in
            let labels = t.value.withUnsafeBufferPointer { targets in
                targets.enumerated().map { row, value in
                    guard let label = Int(exactly: value) else {
                        misuseFailure(
                            "sparse-cross-entropy: target \(value) in row \(row) is not a class index")
                    }
                    return label
                }
            }
            return Backprop.crossEntropy(logits: y, labels: labels)
        }
    }

    /// Binary cross-entropy of logits against 0/1 targets, summed over the columns and
    /// averaged over the rows (NaN for no row); the predicted class is 1 when the logit is
    /// above 0.
    ///
    /// ∂L/∂ŷ = (σ(ŷ) − y)/m.
    @inlinable public static var binaryCrossEntropy: Loss {
        Loss(name: "binary-cross-entropy", binaryThreshold: 0) { y, t in
            Backprop.binaryCrossEntropy(logits: y, targets: t)
        }
    }

    /// The mean of |ŷ − y| over all elements (PyTorch's `L1Loss`; NaN when there is none).
    /// Named `"mean-absolute-error"`.
    ///
    /// ∂L/∂ŷ = sign(ŷ − y)/n with n the number of elements (0 where ŷ = y).
    @inlinable public static var meanAbsoluteError: Loss {
        Loss(name: "mean-absolute-error") { y, t in
            requireSameShape("mean-absolute-error", y, t)
            return (y - t).abs().mean()
        }
    }

    /// The Huber loss with threshold δ, averaged over all elements (PyTorch's `HuberLoss`
    /// with mean reduction; NaN when there is no element): quadratic near the target,
    /// linear beyond δ, so outliers pull less than in the squared error.
    ///
    /// h(d) = ½d² for |d| ≤ δ, δ(|d| − ½δ) otherwise, d = ŷ − y;
    /// ∂L/∂ŷ = clamp(d, −δ, δ)/n.
    ///
    /// Named `"huber"` for δ = 1 and `"huber-δ"` otherwise (`"huber-0.5"`), names
    /// ``named(_:)`` reads back.
    ///
    /// - Parameters:
    ///   - delta: The threshold δ between the quadratic and the linear part, above 0.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    @inlinable
    public static func huber(delta: Scalar = 1, file: StaticString = #fileID, line: UInt = #line) -> Loss {
        require(delta > 0 && delta.isFinite, "Loss.huber: delta \(delta) is not positive and finite", file: file, line: line)
        return Loss(name: delta == 1 ? "huber" : "huber-\(delta)") { y, t in
            requireSameShape("huber", y, t)
            let size = (y - t).abs()
            // min(|d|, δ) carries the quadratic part, the rest of |d| the linear one.
            let quadratic = minimum(size, delta)
            return (0.5 * quadratic * quadratic + delta * (size - quadratic)).mean()
        }
    }
}

/// Stops with a message naming the loss when the output's and the target's shapes differ
/// (an element-wise loss would broadcast them into a wrong answer).
@inlinable
internal func requireSameShape<Scalar>(_ loss: String, _ output: Variable<Scalar>, _ target: Variable<Scalar>) {
    require(output.shape == target.shape,
            "\(loss): output \(Shapes.format(output.shape)) and target \(Shapes.format(target.shape)) shapes differ")
}

extension Loss {
    /// The built-in losses by name (`"mean-half-squared-error"`, `"mean-squared-error"`, …,
    /// `"huber-0.5"` for the Huber loss with δ = 0.5),
    /// for checkpoints and the command line; `nil` for an unknown name. An alias in
    /// ``aliases`` gives the loss it stands for: `"half-squared-error"` is
    /// ``meanHalfSquaredError``, so checkpoints that store that name still load.
    @inlinable
    public static func named(_ name: String) -> Loss? {
        let name = aliases[name] ?? name
        if name.hasPrefix("huber-"), let delta = Double(name.dropFirst("huber-".count)), delta > 0, delta.isFinite {
            return huber(delta: Scalar(delta))
        }
        return allBuiltIn.first { $0.name == name }
    }

    /// Names ``named(_:)`` accepts besides the built-in losses' own, each mapped to the
    /// ``name`` of the loss it stands for; a loss's own ``name`` is never one of them.
    @inlinable public static var aliases: [String: String] {
        ["half-squared-error": "mean-half-squared-error"]
    }

    /// Every built-in loss.
    @inlinable public static var allBuiltIn: [Loss] {
        [.meanHalfSquaredError, .meanSquaredError, .crossEntropy, .sparseCrossEntropy, .binaryCrossEntropy,
         .meanAbsoluteError, .huber()]
    }
}
