import Backprop

// The conformance kit (like PyTorch's OpInfo): a table of ops, each with sample input
// shapes, an input domain that avoids kinks and poles, and the checks every op must pass.
// `OpInfo.library` describes every op of Backprop; run your own ops through the same
// checks with `assertConformance` (XCTest) or `expectConformance` (Swift Testing).

/// Where an op's sample inputs are drawn from: uniform in `range`, moved at least `margin`
/// away from each point of `avoiding` (kinks such as relu's 0, clamp's bounds).
public struct InputDomain: Sendable {
    /// The interval of the uniform draw.
    public var range: Range<Double>
    /// Points to stay away from.
    public var avoiding: [Double]
    /// The least distance from each avoided point.
    public var margin: Double

    /// Creates a domain.
    public init(_ range: Range<Double>, avoiding: [Double] = [], margin: Double = 0.05) {
        self.range = range
        self.avoiding = avoiding
        self.margin = margin
    }

    /// Any value in [−2, 2).
    public static let real = InputDomain(-2..<2)
    /// [0.5, 3): for log, square root, powers, divisors.
    public static let positive = InputDomain(0.5..<3)
    /// [−2, 2) at least 0.05 from 0: for relu, abs.
    public static let awayFromZero = InputDomain(-2..<2, avoiding: [0])
    /// [0.05, 0.95): for probabilities and targets.
    public static let unitInterval = InputDomain(0.05..<0.95)

    /// A reproducible sample of `shape` from the domain.
    public func sample(_ shape: TensorShape, seed: UInt64) -> Tensor<Double> {
        var generator = SeededGenerator(seed: seed)
        return Tensor<Double>.uniform(shape, in: range, using: &generator).map { x in
            var x = x
            for point in avoiding where abs(x - point) < margin {
                x = x < point ? point - margin - (point - x) : point + margin + (x - point)
            }
            return x
        }
    }
}

/// One op of a conformance table: its name, how to call it, the sample input shapes
/// (broadcasting cases included), their domain, the expected output shape and whether
/// the second-order check applies.
///
/// ```swift
/// let entry = OpInfo<Double>(
///     name: "softsign", samples: [[[3]], [[2, 4]]], domains: [.awayFromZero], outputShape: OpInfo<Double>.same
/// ) {
///     softsign($0[0])
/// }
/// ```
///
/// The closures are `@Sendable`, so that a table can be the arguments of a parameterised
/// Swift Testing test (`@Test(arguments: OpInfo<Double>.library)`), one test case per op.
public struct OpInfo<Scalar: TensorScalar>: Sendable {
    /// The rule giving the expected output shape from the input shapes.
    public typealias OutputShape = @Sendable ([TensorShape]) -> TensorShape
    /// The op applied to its inputs.
    public typealias Function = @Sendable ([Variable<Scalar>]) -> Variable<Scalar>

    /// The public name of the op (for the coverage test, the part before any `(`), for
    /// example `"crossEntropy(logits:labels:)"` or `"softmax axis 0"`.
    public let name: String
    /// The input shapes of each sample: `samples[k][j]` is input j of sample k.
    public let samples: [[TensorShape]]
    /// The domain of each input (one entry: the same for all).
    public let domains: [InputDomain]
    /// The expected output shape.
    public let outputShape: OutputShape
    /// Whether the second-order check applies (false for ops whose backward is not
    /// differentiable).
    public let secondOrder: Bool
    /// The tolerance of the first- and second-order checks in `Double`.
    public let tolerance: GradientCheckTolerance
    /// The op applied to the inputs.
    public let function: Function

    /// Creates an entry.
    public init(
        name: String, samples: [[TensorShape]], domains: [InputDomain] = [.real],
        outputShape: @escaping OutputShape, secondOrder: Bool = true,
        tolerance: GradientCheckTolerance = .init(),
        _ function: @escaping Function
    ) {
        require(!samples.isEmpty, "OpInfo \(name): no samples")
        self.name = name
        self.samples = samples
        self.domains = domains
        self.outputShape = outputShape
        self.secondOrder = secondOrder
        self.tolerance = tolerance
        self.function = function
    }

    /// The sample inputs of sample `k`, in `Double`.
    public func inputs(ofSample k: Int) -> [Tensor<Double>] {
        samples[k].enumerated().map { j, shape in
            domains[Swift.min(j, domains.count - 1)].sample(shape, seed: UInt64(1000 * k + j + 1))
        }
    }
}

extension OpInfo {
    /// The output has the shape of the first input.
    public static var same: OutputShape { { $0[0] } }
    /// The output has the broadcast shape of all inputs.
    public static var broadcast: OutputShape {
        { shapes in
            shapes.dropFirst().reduce(shapes[0]) {
                (try? Shapes.broadcast($0, $1, op: "conformance").get()) ?? []
            }
        }
    }
    /// The output is a rank-0 scalar.
    public static var scalar: OutputShape { { _ in [] } }
    /// The first input's shape reduced along `axis`.
    public static func reduced(alongAxis axis: Int, keepingDimension: Bool = false) -> OutputShape {
        { shapes in
            let a = axis < 0 ? axis + shapes[0].count : axis
            return Shapes.reduced(shapes[0], axis: a, keepingDimension: keepingDimension)
        }
    }
}

/// Runs every check of the kit on one op and returns a message per failure (empty when it
/// conforms). For each sample:
/// 1. the output shape is `outputShape` of the input shapes;
/// 2. the gradients match central differences in `Double` (``checkGradients(at:tolerance:mode:seed:of:)``,
///    in fast mode for samples of more than 1,000 elements);
/// 3. each gradient has its input's shape;
/// 4. if `secondOrder`, second derivatives match finite differences of the gradient
///    (``checkSecondOrderGradients(at:tolerance:seed:of:)``);
/// 5. given `float`, the `Float` op's output and gradients agree with `Double` within
///    |f − d| ≤ 1e-3 · (1 + |d|) (Float keeps about 7 digits; the samples are O(1)).
public func checkConformance(_ op: OpInfo<Double>, float: OpInfo<Float>? = nil) -> [String] {
    var failures: [String] = []
    for k in op.samples.indices {
        let inputs = op.inputs(ofSample: k)
        let shapes = op.samples[k]
        let label = "\(op.name) at \(shapes.map { Shapes.format($0) }.joined(separator: ", "))"
        let variables = inputs.map { Variable($0, requiresGradient: true) }
        let output = op.function(variables)
        let expected = op.outputShape(shapes)
        if output.shape != expected {
            failures.append(
                "\(label): output shape \(Shapes.format(output.shape)), expected \(Shapes.format(expected))")
            continue
        }
        guard output.requiresGradient else {
            failures.append("\(label): the output does not require a gradient")
            continue
        }
        var generator = SeededGenerator(seed: UInt64(k))
        let cotangent = Tensor<Double>.uniform(output.shape, in: 0.5..<1.5, using: &generator)
        let grads = gradients(of: output, withRespectTo: variables, seed: cotangent)
        for (j, (g, x)) in zip(grads, inputs).enumerated() where g.shape != x.shape {
            failures.append(
                "\(label): gradient of input \(j) has shape \(Shapes.format(g.shape)), "
                    + "the input \(Shapes.format(x.shape))")
        }
        for m in checkGradients(
            at: inputs, tolerance: op.tolerance, mode: .automatic, seed: UInt64(k), of: op.function)
        {
            failures.append("\(label): first order: \(m)")
        }
        if op.secondOrder {
            for m in checkSecondOrderGradients(
                at: inputs, tolerance: op.tolerance, seed: UInt64(k), of: op.function)
            {
                failures.append("\(label): second order: \(m)")
            }
        }
        if let float {
            let floatVariables = inputs.map { Variable($0.converted(to: Float.self), requiresGradient: true) }
            let floatOutput = float.function(floatVariables)
            let floatGradients = gradients(
                of: floatOutput, withRespectTo: floatVariables, seed: cotangent.converted(to: Float.self))
            let pairs = [("output", output.value, floatOutput.value)]
                + zip(grads, floatGradients).enumerated().map { ("gradient \($0)", $1.0, $1.1) }
            for (what, d, f) in pairs {
                guard d.shape == f.shape else {
                    failures.append("\(label): Float \(what) has shape \(Shapes.format(f.shape))")
                    continue
                }
                for (i, (a, b)) in zip(d.scalars, f.scalars).enumerated()
                where !(abs(Double(b) - a) <= 1e-3 * (1 + abs(a))) {
                    failures.append("\(label): Float \(what) element \(i): \(b) vs Double \(a)")
                    break
                }
            }
        }
    }
    return failures
}

/// The conformance report of one op: its failures, the first few listed.
func conformanceReport(_ op: OpInfo<Double>, float: OpInfo<Float>?) -> CheckReport {
    var failures = checkConformance(op, float: float)
    if let float, float.name != op.name {
        failures.insert("the Float entry is \(float.name), not \(op.name)", at: 0)
    }
    return CheckReport(failures: [
        failures.isEmpty ? nil : "\(op.name) fails conformance (\(failures.count) problem(s)):\n" + listing(failures)
    ])
}

/// The conformance reports of a table, one per op, and a failure when the `Float` table
/// has another length.
func conformanceReports(_ ops: [OpInfo<Double>], float: [OpInfo<Float>]?) -> [CheckReport] {
    var reports: [CheckReport] = []
    if let float, float.count != ops.count {
        reports.append(CheckReport(failures: [
            "the Float table has \(float.count) entries, the Double table \(ops.count)"
        ]))
    }
    for (i, op) in ops.enumerated() {
        reports.append(conformanceReport(op, float: float.flatMap { i < $0.count ? $0[i] : nil }))
    }
    return reports
}
