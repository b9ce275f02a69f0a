import Backprop
import Foundation
import XCTest

/// Numerical stability: every op that exponentiates or takes a logarithm gives
/// finite values and finite, correct gradients at inputs of ±1000 and 0, in Float and
/// Double, compared with the analytic limits; piecewise ops (maximum, minimum, clamp,
/// relu, abs, max/min reductions, the fused dense relu) give exactly 0 to the branch not
/// taken, never NaN — even when the other branch is ±∞ or huge, and even when the incoming
/// gradient is infinite.
final class NumericalStabilityTests: XCTestCase {
    static let ln2 = 0.693_147_180_559_945_3

    // MARK: Activations

    func testActivationsAtPlusMinusThousandAndZero() {
        checkActivations(Float.self)
        checkActivations(Double.self)
    }

    private func checkActivations<T: TensorScalar>(_: T.Type) {
        let inputs: [T] = [-1000, 0, 1000]
        // (op, analytic values, analytic derivatives): σ'(±1000) = e^−1000 ≈ 0, tanh'(±1000) ≈ 0.
        let cases: [(String, (Variable<T>) -> Variable<T>, [Double], [Double])] = [
            ("sigmoid", { $0.sigmoid() }, [0, 0.5, 1], [0, 0.25, 0]),
            ("softplus", { $0.softplus() }, [0, Self.ln2, 1000], [0, 0.5, 1]),
            ("tanh", { $0.tanh() }, [-1, 0, 1], [0, 1, 0]),
        ]
        for (name, f, values, derivatives) in cases {
            let x = Variable(Tensor<T>(inputs), requiresGradient: true)
            let y = f(x)
            assertClose(y.value.scalars, values, "\(name) values", T.self)
            y.sum().backward()
            assertClose(x.gradient?.scalars, derivatives, "\(name) gradient", T.self)
            // The functional and the create-graph sweeps (other pullback paths) agree.
            let again = Variable(Tensor<T>(inputs), requiresGradient: true)
            assertClose(
                gradients(of: f(again).sum(), withRespectTo: [again])[0].scalars, derivatives,
                "\(name) functional gradient", T.self)
            assertClose(
                differentiableGradients(of: f(again).sum(), withRespectTo: [again])[0].value.scalars,
                derivatives, "\(name) create-graph gradient", T.self)
        }
    }

    // MARK: Log-sum-exp and log-softmax

    func testLogSumExpAndLogSoftmaxAtPlusMinusThousand() {
        checkLogSumExp(Float.self)
        checkLogSumExp(Double.self)
    }

    private func checkLogSumExp<T: TensorScalar>(_: T.Type) {
        let rows: [T] = [-1000, 0, 1000, 1000, 1000, 0, -1000, -1000, 0, 0, 0, 0]
        let x = Variable(Tensor<T>(shape: [4, 3], scalars: rows), requiresGradient: true)
        let lse = x.logSumExp(alongAxis: 1)
        // log(e^−1000 + 1 + e^1000) = 1000; log(2e^1000 + 1) = 1000 + ln 2;
        // log(2e^−1000 + 1) = 0 (2e^−1000 underflows); log 3.
        assertClose(lse.value.scalars, [1000, 1000 + Self.ln2, 0, log(3.0)], "logSumExp", T.self)
        lse.sum().backward()
        // ∂/∂x = softmax(x) per row.
        assertClose(
            x.gradient?.scalars, [0, 0, 1, 0.5, 0.5, 0, 0, 0, 1, 1.0 / 3, 1.0 / 3, 1.0 / 3],
            "logSumExp gradient", T.self)

        let all = Variable(Tensor<T>([-1000, 1000, 0]), requiresGradient: true)
        let total = all.logSumExp()
        assertClose(total.value.scalars, [1000], "logSumExp of all", T.self)
        total.backward()
        assertClose(all.gradient?.scalars, [0, 1, 0], "logSumExp of all: gradient", T.self)

        let z = Variable(Tensor<T>(shape: [2, 3], scalars: [-1000, 0, 1000, 0, 0, 0]), requiresGradient: true)
        let logProbabilities = z.logSoftmax()
        assertClose(
            logProbabilities.value.scalars, [-2000, -1000, 0, -log(3.0), -log(3.0), -log(3.0)],
            "logSoftmax", T.self)
        // L = Σ log softmax: ∂L/∂x = 1 − C·softmax(x) with C = 3 classes.
        logProbabilities.sum().backward()
        assertClose(z.gradient?.scalars, [1, 1, -2, 0, 0, 0], "logSoftmax gradient", T.self)

        let s = Variable(Tensor<T>(shape: [1, 3], scalars: [-1000, 0, 1000]), requiresGradient: true)
        let probabilities = s.softmax()
        assertClose(probabilities.value.scalars, [0, 0, 1], "softmax", T.self)
        // ∂ softmax₂/∂x = y₂(e₂ − y) = 0 at saturation.
        probabilities.backward(seed: Tensor(shape: [1, 3], scalars: [0, 0, 1]))
        assertClose(s.gradient?.scalars, [0, 0, 0], "softmax gradient", T.self)
    }

    // MARK: Classification losses

    func testCrossEntropiesAtPlusMinusThousandAndZero() {
        checkCrossEntropies(Float.self)
        checkCrossEntropies(Double.self)
    }

    private func checkCrossEntropies<T: TensorScalar>(_: T.Type) {
        let logitValues = Tensor<T>(shape: [3, 2], scalars: [1000, -1000, -1000, 1000, 0, 0])
        // Row losses: the right class 2000 below the other → 2000; the right class on top
        // → 0; equal logits → ln 2. ∂L/∂x = (softmax − onehot)/N.
        let expectedLoss = (2000 + 0 + Self.ln2) / 3
        let expectedGradient = [1.0 / 3, -1.0 / 3, 0, 0, -0.5 / 3, 0.5 / 3]

        let a = Variable(logitValues, requiresGradient: true)
        let sparse = crossEntropy(logits: a, labels: [1, 1, 0])
        assertClose(sparse.value.scalars, [expectedLoss], "crossEntropy(labels:)", T.self)
        sparse.backward()
        assertClose(a.gradient?.scalars, expectedGradient, "crossEntropy(labels:) gradient", T.self)

        let b = Variable(logitValues, requiresGradient: true)
        let targets = Variable(Tensor<T>(shape: [3, 2], scalars: [0, 1, 0, 1, 1, 0]), requiresGradient: true)
        let dense = crossEntropy(logits: b, probabilities: targets)
        assertClose(dense.value.scalars, [expectedLoss], "crossEntropy(probabilities:)", T.self)
        dense.backward()
        assertClose(b.gradient?.scalars, expectedGradient, "crossEntropy(probabilities:) gradient", T.self)
        // ∂L/∂t = −log softmax / N: log softmax of (1000, −1000) is (0, −2000).
        assertClose(
            targets.gradient?.scalars, [0, 2000.0 / 3, 2000.0 / 3, 0, Self.ln2 / 3, Self.ln2 / 3],
            "crossEntropy(probabilities:) target gradient", T.self)

        // Soft targets on saturated logits: −(½·0 + ½·(−2000)) = 1000.
        let c = Variable(Tensor<T>(shape: [1, 2], scalars: [1000, -1000]), requiresGradient: true)
        let soft = crossEntropy(logits: c, probabilities: Variable(Tensor(shape: [1, 2], scalars: [0.5, 0.5])))
        assertClose(soft.value.scalars, [1000], "soft crossEntropy", T.self)
        soft.backward()
        assertClose(c.gradient?.scalars, [0.5, -0.5], "soft crossEntropy gradient", T.self)

        // Binary: ℓ = softplus(x) − t·x; ∂/∂x = (σ(x) − t)/N; ∂/∂t = −x/N.
        let x = Variable(Tensor<T>([1000, -1000, 0, 1000, -1000]), requiresGradient: true)
        let t = Variable(Tensor<T>([1, 0, 1, 0, 1]), requiresGradient: true)
        let bce = binaryCrossEntropy(logits: x, targets: t)
        assertClose(bce.value.scalars, [(0 + 0 + Self.ln2 + 1000 + 1000) / 5], "binaryCrossEntropy", T.self)
        bce.backward()
        assertClose(x.gradient?.scalars, [0, 0, -0.1, 0.2, -0.2], "binaryCrossEntropy gradient", T.self)
        assertClose(t.gradient?.scalars, [-200, 200, 0, -200, 200], "binaryCrossEntropy target gradient", T.self)
    }

    // MARK: The fused dense op with huge pre-activations

    func testDenseWithHugePreActivations() {
        checkDense(Float.self)
        checkDense(Double.self)
    }

    private func checkDense<T: TensorScalar>(_: T.Type) {
        // u = x·W + b = [[1000, −1000, 0]] for x = [[1]], W = [[1000, −1000, 0]], b = 0.
        for activation in Activation.allCases {
            let x = Variable(Tensor<T>(shape: [1, 1], scalars: [1]), requiresGradient: true)
            let w = Variable(Tensor<T>(shape: [1, 3], scalars: [1000, -1000, 0]), requiresGradient: true)
            let b = Variable(Tensor<T>.zeros([3]), requiresGradient: true)
            let y = x.dense(weight: w, bias: b, activation: activation)
            let (values, derivatives): ([Double], [Double]) =
                switch activation {
                case .identity: ([1000, -1000, 0], [1, 1, 1])
                case .sigmoid: ([1, 0, 0.5], [0, 0, 0.25])
                case .tanh: ([1, -1, 0], [0, 0, 1])
                case .relu: ([1000, 0, 0], [1, 0, 0])
                case .leakyRelu: ([1000, -10, 0], [1, 0.01, 0.01])
                case .softplus: ([1000, 0, Self.ln2], [1, 0, 0.5])
                // The outputs sum to 1 whatever u, so the gradient of their sum is 0.
                case .softmax: ([1, 0, 0], [0, 0, 0])
                }
            assertClose(y.value.scalars, values, "dense \(activation) values", T.self)
            y.sum().backward()
            // ∇b = f'(u), ∇W = x·f'(u) = f'(u), ∇x = Σ W ⊙ f'(u).
            assertClose(b.gradient?.scalars, derivatives, "dense \(activation) ∇b", T.self)
            assertClose(w.gradient?.scalars, derivatives, "dense \(activation) ∇W", T.self)
            let dx = zip([1000.0, -1000, 0], derivatives).map { $0 * $1 }.reduce(0, +)
            assertClose(x.gradient?.scalars, [dx], "dense \(activation) ∇x", T.self)
        }
    }

    // MARK: Piecewise ops: the branch not taken gets exactly 0

    func testMaximumMinimumClampGiveZeroToTheBranchNotTaken() {
        checkPiecewise(Float.self)
        checkPiecewise(Double.self)
    }

    private func checkPiecewise<T: TensorScalar>(_: T.Type) {
        let huge = T.greatestFiniteMagnitude
        let others: [T] = [.infinity, -.infinity, huge, -huge]
        for other in others {
            let a = Variable(Tensor<T>([1, -1]), requiresGradient: true)
            let b = Variable(Tensor<T>([other, other]), requiresGradient: true)
            // maximum: b wins when it is +∞ / +huge, else a.
            let bigger = other > 0
            maximum(a, b).sum().backward()
            XCTAssertEqual(a.gradient?.scalars, bigger ? [0, 0] : [1, 1], "maximum vs \(other): ∇a")
            XCTAssertEqual(b.gradient?.scalars, bigger ? [1, 1] : [0, 0], "maximum vs \(other): ∇b")
            a.zeroGradient()
            b.zeroGradient()
            minimum(a, b).sum().backward()
            XCTAssertEqual(a.gradient?.scalars, bigger ? [1, 1] : [0, 0], "minimum vs \(other): ∇a")
            XCTAssertEqual(b.gradient?.scalars, bigger ? [0, 0] : [1, 1], "minimum vs \(other): ∇b")
        }
        // Clamp and relu at ±huge and ±∞: 1 inside, exactly 0 outside.
        let x = Variable(Tensor<T>([-.infinity, -huge, -1000, 0.5, 1000, huge, .infinity]), requiresGradient: true)
        x.clamped(lower: 0, upper: 1).sum().backward()
        XCTAssertEqual(x.gradient?.scalars, [0, 0, 0, 1, 0, 0, 0])
        x.zeroGradient()
        x.relu().sum().backward()
        XCTAssertEqual(x.gradient?.scalars, [0, 0, 0, 1, 1, 1, 1])
        x.zeroGradient()
        x.max().backward()
        XCTAssertEqual(x.gradient?.scalars, [0, 0, 0, 0, 0, 0, 1])
    }

    /// Regression: the backward of the piecewise ops multiplied the incoming gradient by a
    /// 0/1 mask, so where that gradient was infinite (√ at 0, log at 0 above them) the
    /// branch not taken got 0 · ∞ = NaN. It is routed now: exactly 0.
    func testInfiniteIncomingGradientGivesZeroNotNaNToTheBranchNotTaken() {
        checkInfiniteIncoming(Float.self)
        checkInfiniteIncoming(Double.self)
    }

    private func checkInfiniteIncoming<T: TensorScalar>(_: T.Type) {
        // d/dx √(max(x, 0)) at x = −1: 0 (the constant branch), at x = 4: 1/(2·2).
        let cases: [(String, (Variable<T>) -> Variable<T>)] = [
            ("maximum", { maximum($0, T(0)) }),
            ("minimum", { minimum($0.negated(), T(0)).negated() }),
            ("relu", { $0.relu() }),
            ("leakyRelu(0)", { $0.leakyRelu(slope: 0) }),
            ("clamp", { $0.clamped(lower: 0) }),
            ("dense relu", {
                $0.reshaped(to: [2, 1]).dense(weight: Variable(Tensor<T>(shape: [1, 1], scalars: [1])),
                                              bias: nil, activation: .relu).reshaped(to: [2])
            }),
        ]
        for (name, f) in cases {
            let x = Variable(Tensor<T>([-1, 4]), requiresGradient: true)
            f(x).squareRoot().sum().backward()
            assertClose(x.gradient?.scalars, [0, 0.25], "\(name) under √", T.self)
            let again = Variable(Tensor<T>([-1, 4]), requiresGradient: true)
            assertClose(
                differentiableGradients(of: f(again).squareRoot().sum(), withRespectTo: [again])[0].value.scalars,
                [0, 0.25], "\(name) under √ (create-graph)", T.self)
        }
        // The max reduction: only the maximum gets the (infinite) gradient.
        let r = Variable(Tensor<T>([-3, 0, -1]), requiresGradient: true)
        r.max().squareRoot().backward()
        XCTAssertEqual(r.gradient?.scalars, [0, .infinity, 0])
        // abs at 0 gives 0.
        let z = Variable(Tensor<T>([0, -4]), requiresGradient: true)
        z.abs().log().sum().backward()
        XCTAssertEqual(z.gradient?.scalars, [0, -0.25])
    }

    // MARK: Helpers

    /// Every element finite and within a relative tolerance of the expected figure
    /// (1e-5 for Float, 1e-12 for Double, relative to max(1, |expected|)).
    private func assertClose<T: TensorScalar>(
        _ actual: [T]?, _ expected: [Double], _ what: String, _: T.Type,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let actual else { return XCTFail("\(what) (\(T.self)): no value", file: file, line: line) }
        XCTAssertEqual(actual.count, expected.count, "\(what) (\(T.self))", file: file, line: line)
        let tolerance = T.self == Float.self ? 1e-5 : 1e-12
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            let value = Double(a)
            XCTAssertTrue(value.isFinite, "\(what) (\(T.self)) [\(i)] = \(value) is not finite", file: file, line: line)
            XCTAssertEqual(
                value, e, accuracy: tolerance * Swift.max(1, Swift.abs(e)),
                "\(what) (\(T.self)) [\(i)]: \(actual)", file: file, line: line)
        }
    }
}
