import Backprop

/// The tolerances of a numerical gradient check.
///
/// An element passes when |analytical − numerical| ≤ `absoluteTolerance` +
/// `relativeTolerance` · |numerical|, with the numerical value from central differences
/// (f(x + ε) − f(x − ε)) / 2ε. The defaults are PyTorch gradcheck's (ε = 1e-6, atol = 1e-5,
/// rtol = 1e-3), which assume float64: central differences have an error of O(ε²) from
/// truncation plus O(u/ε) from rounding (u ≈ 1.1e-16), about 1e-10 at ε = 1e-6, far inside
/// the tolerances, while a wrong derivative is off by O(1). In `Float` (u ≈ 6e-8) the same
/// step would leave only noise; checks that must run in `Float` use ``float``.
public struct GradientCheckTolerance: Sendable {
    /// The step of the central difference.
    public var epsilon: Double
    /// The absolute part of the tolerance.
    public var absoluteTolerance: Double
    /// The relative part of the tolerance.
    public var relativeTolerance: Double

    /// Creates tolerances; the defaults are PyTorch's gradcheck defaults for float64.
    public init(
        epsilon: Double = 1e-6, absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3
    ) {
        self.epsilon = epsilon
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
    }

    /// Tolerances for a check that has to run in `Float`: ε = 3e-3 keeps the rounding error
    /// of a difference of O(1) values, about u/ε ≈ 2e-5, and the truncation error, about
    /// ε² ≈ 1e-5, well inside 1e-2, so only errors above about 1 % are caught.
    public static let float = GradientCheckTolerance(
        epsilon: 3e-3, absoluteTolerance: 1e-2, relativeTolerance: 1e-2)

    /// The default tolerances for checks evaluated in `Scalar`.
    public static func standard<Scalar: TensorScalar>(for _: Scalar.Type) -> GradientCheckTolerance {
        Scalar.self == Double.self ? GradientCheckTolerance() : .float
    }
}

/// How a gradient check compares the analytical gradient with finite differences.
public enum GradientCheckMode: Sendable {
    /// One central difference per input element: two evaluations of the function per
    /// element, and every failing element is named.
    case everyElement
    /// PyTorch's fast mode: for each input, compares ⟨∇ₓ⟨u, f⟩, v⟩ = uᵀJv along a random
    /// unit direction v with the central difference (⟨u, f(x + εv)⟩ − ⟨u, f(x − εv)⟩) / 2ε,
    /// two evaluations per input. When inputs fail, their elements are checked one at a
    /// time until the first five mismatches are named; when no element fails, the check
    /// passes (the element check is the authority).
    case fast
    /// ``fast`` when the inputs hold more than 1,000 elements, ``everyElement`` otherwise.
    case automatic

    /// The mode to run for inputs of `elementCount` elements in all.
    func resolved(elementCount: Int) -> GradientCheckMode {
        guard self == .automatic else { return self }
        return elementCount > 1000 ? .fast : .everyElement
    }
}

/// One element whose analytical gradient disagrees with central differences.
public struct GradientMismatch: Sendable, CustomStringConvertible {
    /// Which input (position in the inputs array, or in a model check: the input, then the
    /// parameters in the order of `namedParameters`).
    public let input: Int
    /// The input's name: `inputs[0]` in a function check, `input` or the parameter's path
    /// (`1.weight`) in a model check.
    public let name: String
    /// The element's row-major index into that input.
    public let element: Int
    /// The element's index along each axis.
    public let index: [Int]
    /// The central-difference estimate.
    public let numerical: Double
    /// What backward computed.
    public let analytical: Double

    /// The element (`1.weight[3, 2]`), both values and their difference.
    public var description: String {
        "\(name)\(index): numerical \(numerical), analytical \(analytical) "
            + "(difference \(analytical - numerical))"
    }
}

/// Compares the gradients that backward computes for `function` at `inputs` with central
/// differences, in `Double`.
///
/// A function with a non-scalar output is checked through the scalar ⟨u, f(x)⟩ for a
/// random cotangent u drawn from `seed`, so every output element takes part.
///
/// ```swift
/// let mismatches = checkGradients(at: [Tensor([[1, 2], [3, 4]])]) { x in
///     (x[0] * x[0]).sum()
/// }
/// // mismatches.isEmpty == true
/// ```
/// - Parameters:
///   - inputs: Where to check. Each becomes a leaf that requires a gradient.
///   - tolerance: How far the two may differ.
///   - mode: Every element, or fast mode (see ``GradientCheckMode``).
///   - seed: Seeds the cotangent for non-scalar outputs and fast mode's directions.
///   - function: The function of the inputs, built from differentiable ops.
/// - Returns: The elements that fail, empty when the gradients agree. In fast mode, the
///   first five at most.
public func checkGradients(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance = .init(),
    mode: GradientCheckMode = .automatic, seed: UInt64 = 0,
    of function: ([Variable<Double>]) -> Variable<Double>
) -> [GradientMismatch] {
    functionCheck(at: inputs, tolerance: tolerance, mode: mode, seed: seed, of: function).mismatches
}

/// The outcome of a first-order check: the mismatches, and whether every element of the
/// failing inputs was checked (fast mode stops naming after a few).
struct GradientCheckOutcome {
    var mismatches: [GradientMismatch] = []
    var complete = true
}

/// ``checkGradients(at:tolerance:mode:seed:of:)`` with its outcome.
func functionCheck(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance, mode: GradientCheckMode,
    seed: UInt64, of function: ([Variable<Double>]) -> Variable<Double>
) -> GradientCheckOutcome {
    let variables = inputs.map { Variable($0, requiresGradient: true) }
    let problem = GradientProblem(
        names: inputs.indices.map { "inputs[\($0)]" }, point: inputs, seed: seed,
        output: function(variables), leaves: variables)
    return problem.check(tolerance: tolerance, mode: mode) { point in
        withoutGradients { function(point.map { Variable($0) }).value }
    }
}

/// A scalar objective F(x) = ⟨u, f(x)⟩ of some tensors, the analytical gradient of F at
/// `point`, and the checks that compare it with finite differences of F. The checks take
/// `f`, the function's value at any point (computed without keeping a graph).
struct GradientProblem<Scalar: TensorScalar> {
    typealias Function = ([Tensor<Scalar>]) -> Tensor<Scalar>

    /// The name of each tensor of the point.
    var names: [String]
    /// Where to check.
    var point: [Tensor<Scalar>]
    /// ∇F at `point`, one tensor per input.
    var analytical: [Tensor<Scalar>]
    /// The cotangent u of the output.
    var cotangent: Tensor<Scalar>
    /// Seeds fast mode's directions.
    var seed: UInt64

    /// Records the analytical gradient of ⟨u, output⟩ with respect to `leaves`, with u = 1
    /// for a one-element output and random in [−1, 1) otherwise.
    init(
        names: [String], point: [Tensor<Scalar>], seed: UInt64, output: Variable<Scalar>,
        leaves: [Variable<Scalar>]
    ) {
        var generator = SeededGenerator(seed: seed)
        let cotangent: Tensor<Scalar> =
            output.value.count == 1
            ? Tensor(repeating: 1, shape: output.shape)
            : Tensor.uniform(output.shape, in: -1..<1, using: &generator)
        // An output that does not depend on the leaves has zero gradients.
        let analytical =
            output.requiresGradient
            ? gradients(of: output, withRespectTo: leaves, seed: cotangent)
            : point.map { Tensor.zeros($0.shape) }
        for i in point.indices {
            require(
                analytical[i].shape == point[i].shape,
                "gradient check: the gradient of \(names[i]) has shape \(analytical[i].shape), "
                    + "the tensor has \(point[i].shape)")
        }
        (self.names, self.point, self.analytical, self.cotangent, self.seed) =
            (names, point, analytical, cotangent, seed)
    }

    /// F = ⟨u, f(x)⟩ at `x`, summed in `Double`.
    func value(at x: [Tensor<Scalar>], _ f: Function) -> Double {
        f(x).withUnsafeBufferPointer { y in
            cotangent.withUnsafeBufferPointer { u in
                zip(y, u).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            }
        }
    }

    /// Runs the check in `mode`.
    func check(
        tolerance: GradientCheckTolerance, mode: GradientCheckMode, evaluating f: Function
    ) -> GradientCheckOutcome {
        let elementCount = point.reduce(0) { $0 + $1.count }
        switch mode.resolved(elementCount: elementCount) {
        case .fast:
            let failing = point.indices.filter { !projectionAgrees(input: $0, tolerance: tolerance, f) }
            return elementMismatches(inputs: failing, tolerance: tolerance, limit: reportLimit, f)
        default:
            return elementMismatches(inputs: Array(point.indices), tolerance: tolerance, limit: nil, f)
        }
    }

    /// Whether uᵀJv along a random unit direction v of input `i` matches its central
    /// difference.
    func projectionAgrees(input i: Int, tolerance: GradientCheckTolerance, _ f: Function) -> Bool {
        var generator = SeededGenerator(seed: seed &+ UInt64(i) &+ 1)
        let direction = Tensor<Double>.normal(point[i].shape, using: &generator)
        let norm = direction.withUnsafeBufferPointer { $0.reduce(0) { $0 + $1 * $1 } }.squareRoot()
        guard norm > 0 else { return true }
        let v = direction.map { $0 / norm }
        func shifted(_ sign: Double) -> [Tensor<Scalar>] {
            var x = point
            x[i] = Tensor(shape: point[i].shape, scalars: zip(point[i].scalars, v.scalars).map {
                $0 + Scalar(sign * tolerance.epsilon * $1)
            })
            return x
        }
        let numerical = (value(at: shifted(1), f) - value(at: shifted(-1), f)) / (2 * tolerance.epsilon)
        let exact = zip(analytical[i].scalars, v.scalars).reduce(0) { $0 + Double($1.0) * $1.1 }
        return agree(exact, numerical, tolerance)
    }

    /// One central difference per element of each of `inputs`, stopping once `limit`
    /// mismatches are found (nil: never).
    func elementMismatches(
        inputs: [Int], tolerance: GradientCheckTolerance, limit: Int?, _ f: Function
    ) -> GradientCheckOutcome {
        var outcome = GradientCheckOutcome()
        var x = point
        for i in inputs {
            for e in 0..<point[i].count {
                if let limit, outcome.mismatches.count == limit {
                    outcome.complete = false
                    return outcome
                }
                // Element access through the buffer: `scalars` copies the whole tensor.
                func set(_ value: Scalar) { x[i].withUnsafeMutableBufferPointer { $0[e] = value } }
                let original = point[i].withUnsafeBufferPointer { $0[e] }
                let (up, down) = (original + Scalar(tolerance.epsilon), original - Scalar(tolerance.epsilon))
                set(up)
                let plus = value(at: x, f)
                set(down)
                let minus = value(at: x, f)
                set(original)
                // The step actually taken: in Float, x ± ε rounds.
                let numerical = (plus - minus) / (Double(up) - Double(down))
                let exact = Double(analytical[i].withUnsafeBufferPointer { $0[e] })
                if !agree(exact, numerical, tolerance) {
                    outcome.mismatches.append(
                        GradientMismatch(
                            input: i, name: names[i], element: e,
                            index: multiIndex(e, shape: point[i].shape), numerical: numerical,
                            analytical: exact))
                }
            }
        }
        return outcome
    }
}

/// |analytical − numerical| ≤ atol + rtol · |numerical| (false for NaN).
func agree(_ analytical: Double, _ numerical: Double, _ tolerance: GradientCheckTolerance) -> Bool {
    abs(analytical - numerical)
        <= tolerance.absoluteTolerance + tolerance.relativeTolerance * abs(numerical)
}

/// The index along each axis of the row-major element `offset`.
func multiIndex(_ offset: Int, shape: TensorShape) -> [Int] {
    var rest = offset
    var index = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
        index[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return index
}

/// The report of ``checkGradients(at:tolerance:mode:seed:of:)``.
func gradientsReport(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance, mode: GradientCheckMode,
    seed: UInt64, note: String, of function: ([Variable<Double>]) -> Variable<Double>
) -> CheckReport {
    let outcome = functionCheck(at: inputs, tolerance: tolerance, mode: mode, seed: seed, of: function)
    return CheckReport(failures: [failureMessage("gradient check", note: note, outcome)])
}
