import Backprop

/// The tolerances of a numerical gradient check, chosen for `Double`.
///
/// An element passes when |analytical − numerical| ≤ `absoluteTolerance` +
/// `relativeTolerance` · |numerical|, with the numerical value from central differences
/// (f(x + ε) − f(x − ε)) / 2ε. The defaults are PyTorch gradcheck's (ε = 1e-6, atol = 1e-5,
/// rtol = 1e-3), which assume float64: central differences have an error of O(ε²) from
/// truncation plus O(u/ε) from rounding (u ≈ 1.1e-16), about 1e-10 at ε = 1e-6, far inside
/// the tolerances, while a wrong derivative is off by O(1). Do not use them in `Float`.
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
}

/// One element whose analytical gradient disagrees with central differences.
public struct GradientMismatch: Sendable, CustomStringConvertible {
    /// Which input (position in the inputs array).
    public let input: Int
    /// The element's row-major index into that input.
    public let element: Int
    /// The element's index along each axis.
    public let index: [Int]
    /// The central-difference estimate.
    public let numerical: Double
    /// What backward computed.
    public let analytical: Double

    public var description: String {
        "input \(input), element \(element) \(index): numerical \(numerical), "
            + "analytical \(analytical) (difference \(analytical - numerical))"
    }
}

/// Compares the gradients that backward computes for `function` at `inputs` with central
/// differences over every element of every input, in `Double`.
///
/// A function with a non-scalar output is checked through the scalar ⟨v, f(x)⟩ for a
/// random cotangent v drawn from `seed`, so every output element takes part.
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
///   - seed: Seeds the cotangent for non-scalar outputs.
///   - function: The function of the inputs, built from differentiable ops.
/// - Returns: The elements that fail, empty when the gradients agree.
public func checkGradients(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance = .init(), seed: UInt64 = 0,
    of function: ([Variable<Double>]) -> Variable<Double>
) -> [GradientMismatch] {
    let variables = inputs.map { Variable($0, requiresGradient: true) }
    let output = function(variables)
    var generator = SeededGenerator(seed: seed)
    let cotangent: Tensor<Double> =
        output.value.count == 1
        ? Tensor(repeating: 1, shape: output.shape)
        : Tensor.uniform(output.shape, in: -1..<1, using: &generator)
    let analytical = gradients(of: output, withRespectTo: variables, seed: cotangent)

    // ⟨cotangent, f(x)⟩ at perturbed inputs, without recording a graph.
    func objective(_ point: [Tensor<Double>]) -> Double {
        withoutGradients {
            let value = function(point.map { Variable($0) }).value
            return zip(value.scalars, cotangent.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }

    for i in inputs.indices {
        require(
            analytical[i].shape == inputs[i].shape,
            "checkGradients: gradient of input \(i) has shape \(analytical[i].shape), "
                + "the input has \(inputs[i].shape)")
    }
    return centralDifferenceMismatches(
        at: inputs, analytical: analytical, tolerance: tolerance, objective: objective)
}

/// Compares `analytical` (one tensor per input) with central differences of `objective`
/// over every element of every input; the elements outside the tolerance.
func centralDifferenceMismatches(
    at inputs: [Tensor<Double>], analytical: [Tensor<Double>], tolerance: GradientCheckTolerance,
    objective: ([Tensor<Double>]) -> Double
) -> [GradientMismatch] {
    var mismatches: [GradientMismatch] = []
    var point = inputs
    for i in inputs.indices {
        for e in 0..<inputs[i].count {
            // Element access through the buffer: `scalars` copies the whole tensor.
            func set(_ value: Double) { point[i].withUnsafeMutableBufferPointer { $0[e] = value } }
            let original = inputs[i].withUnsafeBufferPointer { $0[e] }
            set(original + tolerance.epsilon)
            let plus = objective(point)
            set(original - tolerance.epsilon)
            let minus = objective(point)
            set(original)
            let numerical = (plus - minus) / (2 * tolerance.epsilon)
            let exact = analytical[i].withUnsafeBufferPointer { $0[e] }
            let allowed =
                tolerance.absoluteTolerance + tolerance.relativeTolerance * abs(numerical)
            if !(abs(exact - numerical) <= allowed) {
                mismatches.append(
                    GradientMismatch(
                        input: i, element: e, index: multiIndex(e, shape: inputs[i].shape),
                        numerical: numerical, analytical: exact))
            }
        }
    }
    return mismatches
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
