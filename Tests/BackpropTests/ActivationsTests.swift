import Foundation
@testable import Backprop
import BackpropTesting
import XCTest

final class ActivationsTests: XCTestCase {
    func testSigmoidGradientAtSeveralShapes() {
        var generator = SeededGenerator(seed: 2)
        for shape in [[], [5], [3, 4], [2, 2, 3]] as [TensorShape] {
            assertGradientsMatch(at: [Tensor.uniform(shape, in: -4..<4, using: &generator)]) {
                $0[0].sigmoid()
            }
        }
    }

    func testSigmoidIsFiniteAndExactAtExtremes() {
        let x = Variable(Tensor<Double>([-1000, -40, 0, 40, 1000]), requiresGradient: true)
        let y = x.sigmoid()
        XCTAssertEqual(y.value.scalars[0], 0)
        XCTAssertEqual(y.value.scalars[2], 0.5)
        XCTAssertEqual(y.value.scalars[4], 1)
        XCTAssertTrue(y.value.scalars.allSatisfy(\.isFinite))
        y.sum().backward()
        let g = x.gradient!.scalars
        XCTAssertTrue(g.allSatisfy(\.isFinite))
        XCTAssertEqual(g[2], 0.25)
        XCTAssertEqual(g[0], 0)
        XCTAssertEqual(g[4], 0)
        // Float: e^1000 overflows, the stable form does not.
        let f = Variable(Tensor<Float>([-1000, 1000])).sigmoid().value.scalars
        XCTAssertEqual(f, [0, 1])
    }

    func testSecondDerivativeOfSigmoid() {
        // σ'' = σ(1 − σ)(1 − 2σ)
        let x = Variable(Tensor<Double>([0.3, -1.2]), requiresGradient: true)
        let first = differentiableGradients(of: x.sigmoid().sum(), withRespectTo: [x])[0]
        let second = gradients(of: first.sum(), withRespectTo: [x])[0]
        let expected = x.value.map { v in
            let s = 1 / (1 + Double.exp(-v))
            return s * (1 - s) * (1 - 2 * s)
        }
        assertClose(second, expected, relativeTolerance: 1e-12)
    }
}

// sigmoid, tanh, relu, leakyRelu and softplus: gradients at several shapes, values, finite
// results at extreme inputs, relu at −∞, and the gradient at NaN.
extension ActivationsTests {
    func testGradientsAtSeveralShapes() {
        for (k, shape) in ([[], [6], [3, 4], [2, 2, 3]] as [TensorShape]).enumerated() {
            let x = randomTensor(shape, in: -3..<3, seed: UInt64(k)).map { $0 >= 0 ? $0 + 0.05 : $0 - 0.05 }
            assertGradientsMatch(at: [x]) { $0[0].sigmoid() }
            assertGradientsMatch(at: [x]) { $0[0].tanh() }
            assertGradientsMatch(at: [x]) { $0[0].relu() }
            assertGradientsMatch(at: [x]) { $0[0].leakyRelu(slope: 0.2) }
            assertGradientsMatch(at: [x]) { $0[0].softplus() }
        }
    }

    func testValues() {
        let x = Variable(Tensor<Double>([-2, 0, 3]))
        XCTAssertEqual(x.relu().value, Tensor([0, 0, 3]))
        XCTAssertEqual(x.leakyRelu(slope: 0.5).value, Tensor([-1, 0, 3]))
        XCTAssertEqual(x.softplus().value.scalars[1], Foundation.log(2), accuracy: 1e-15)
        XCTAssertEqual(x.tanh().value.scalars[2], Foundation.tanh(3), accuracy: 1e-15)
    }

    func testExtremeInputsStayFinite() {
        let x = Variable(Tensor<Double>([-1000, -30, 0, 30, 1000]), requiresGradient: true)
        for f in [{ (v: Variable<Double>) in v.sigmoid() }, { $0.tanh() }, { $0.softplus() }] {
            let y = f(x)
            XCTAssertTrue(allFinite(y.value))
            XCTAssertTrue(allFinite(gradients(of: y.sum(), withRespectTo: [x])[0]))
        }
        XCTAssertEqual(x.softplus().value.scalars[4], 1000)
        XCTAssertEqual(x.softplus().value.scalars[0], 0, accuracy: 1e-300)
    }

    /// Regression: relu was the leaky form with slope 0, and 0 · (−∞) gave NaN.
    func testReluOfMinusInfinityIsZero() {
        let x = Variable(Tensor<Double>([-.infinity, -2, 0, 3, .infinity, .nan]))
        for y in [x.relu(), x.leakyRelu(slope: 0)] {
            XCTAssertEqual(Array(y.value.scalars.prefix(5)), [0, 0, 0, 3, .infinity])
            XCTAssertTrue(y.value.scalars[5].isNaN, "NaN stays NaN")
        }
        XCTAssertEqual(x.leakyRelu(slope: 0.1).value.scalars[0], -.infinity)
    }

    /// relu and leakyRelu keep NaN, and their derivative at NaN is NaN (regression: relu gave
    /// the NaN input a silent 0, leakyRelu the slope), fused or not.
    func testReluAndLeakyReluGradientAtNaNIsNaN() {
        let n = Double.nan
        let x = Variable(Tensor<Double>([n, -1, 0, 2]), requiresGradient: true)
        let column = Variable(Tensor<Double>(shape: [4, 1], scalars: [n, -1, 0, 2]), requiresGradient: true)
        let one = Variable(Tensor<Double>([[1]]))
        let cases: [(String, Variable<Double>, Variable<Double>, [Double], [Double])] = [
            ("relu", x, x.relu(), [n, 0, 0, 2], [n, 0, 0, 1]),
            ("leakyRelu(0)", x, x.leakyRelu(slope: 0), [n, 0, 0, 2], [n, 0, 0, 1]),
            ("leakyRelu(0.1)", x, x.leakyRelu(slope: 0.1), [n, -0.1, 0, 2], [n, 0.1, 0.1, 1]),
            ("dense relu", column, column.dense(weight: one, bias: nil, activation: .relu),
             [n, 0, 0, 2], [n, 0, 0, 1]),
        ]
        for (name, input, y, value, dx) in cases {
            XCTAssertTrue(
                sameScalarsOrNaN(y.value.reshaped(to: [4]), Tensor(value)), "\(name): \(y.value)")
            let g = gradients(of: y.sum(), withRespectTo: [input])[0].reshaped(to: [4])
            XCTAssertTrue(sameScalarsOrNaN(g, Tensor(dx)), "\(name) ∇: \(g)")
            let again = differentiableGradients(of: y.sum(), withRespectTo: [input])[0].value
            XCTAssertTrue(sameScalarsOrNaN(again.reshaped(to: [4]), Tensor(dx)), "\(name) ∇ (create-graph)")
        }
    }
}

extension ActivationsTests {
    /// softplus′ = σ(x) is computed from the output as 1 − e⁻ʸ with expm1: where y is tiny
    /// (x ≪ 0) the plain 1 − exp(−y) would lose every digit.
    func testSoftplusDerivativeFromTheOutputKeepsItsPrecision() {
        for x in [-30.0, -5, 0, 5, 40] {
            let v = Variable(Tensor(x), requiresGradient: true)
            let g = gradients(of: v.softplus(), withRespectTo: [v])[0].scalar
            let sigma = 1 / (1 + Foundation.exp(-x))
            XCTAssertEqual(g, sigma, accuracy: 1e-15 * sigma, "x = \(x)")
            XCTAssertEqual(Activation.softplus.derivative(fromOutput: stableSoftplus(x)), sigma, accuracy: 1e-15 * sigma)
        }
    }

    /// Each activation is one node named after it, on `Variable` and in `dense` alike.
    func testEveryActivationIsOneNode() {
        let x = Variable(Tensor<Double>([[-1, 0.5, 2]]), requiresGradient: true)
        for activation in Activation.allCases where activation != .identity {
            XCTAssertEqual(x.applying(activation).op, activation.rawValue)
            XCTAssertEqual(x.applying(activation).inputCount, 1)
        }
        XCTAssertTrue(x.applying(.identity) === x)
    }
}

/// The activation kernels: the in-place forward and backward of the fused ops.
final class ActivationKernelTests: XCTestCase {
    func testApplyGradientMatchesTheDerivativeFromTheOutput() {
        let y = Tensor<Double>([0.5, 0.9, 0, -0.3])
        for activation in Activation.allCases where activation != .softmax {
            var g = Tensor<Double>([1, 2, 3, 4])
            activation.applyGradient(to: &g, fromOutput: y)
            let expected = zip([1.0, 2, 3, 4], y.scalars).map { activation.gradient($0, fromOutput: $1) }
            XCTAssertEqual(g.scalars, expected, "\(activation)")
        }
    }

    /// In place when the gradient is not shared; a shared one is copied first.
    func testApplyGradientWritesInPlaceOnlyWhenUnique() {
        var g = Tensor<Double>([1, 1])
        let before = ObjectIdentifier(g.storage.buffer)
        Activation.sigmoid.applyGradient(to: &g, fromOutput: Tensor([0.5, 0.5]))
        XCTAssertEqual(ObjectIdentifier(g.storage.buffer), before)
        let shared = g
        Activation.tanh.applyGradient(to: &g, fromOutput: Tensor([0.5, 0.5]))
        XCTAssertEqual(shared.scalars, [0.25, 0.25], "the other copy is untouched")
        XCTAssertEqual(g.scalars, [0.1875, 0.1875])
    }

    /// relu's branch not taken gets exactly 0, even for an infinite incoming gradient.
    func testReluMasksInfiniteGradientsToZero() {
        var g = Tensor<Double>([.infinity, -.infinity, .nan, 5])
        Activation.relu.applyGradient(to: &g, fromOutput: Tensor([0, -1, 0, 2]))
        XCTAssertEqual(g.scalars, [0, 0, 0, 5])
    }

    /// The fused forward (bias added, then f, row by row) equals the unfused ops for every
    /// activation, at ±∞ and NaN too: relu keeps NaN as NaN, as `relu()` does (regression:
    /// the fused relu's select was rewritten as `max`, which vectorises).
    func testFusedForwardMatchesTheUnfusedOps() {
        // One input column and a 1 × 1 weight of 1, so every value reaches f as it is.
        let x = Variable(Tensor<Double>(shape: [6, 1], scalars: [1, -2, 0.5, .infinity, -.infinity, .nan]))
        let w = Variable(Tensor<Double>([[1]]))
        let b = Variable(Tensor<Double>([0.25]))
        let u = x.matmul(w) + b
        let unfused: [Activation: Variable<Double>] = [
            .identity: u, .sigmoid: u.sigmoid(), .tanh: u.tanh(), .relu: u.relu(),
            .leakyRelu: u.leakyRelu(), .softplus: u.softplus(),
        ]
        for activation in unfused.keys {
            let fused = x.dense(weight: w, bias: b, activation: activation).value.scalars
            let expected = unfused[activation]!.value.scalars
            XCTAssertEqual(expected.filter(\.isNaN).count, 1, "only the NaN input gives NaN")
            for (f, e) in zip(fused, expected) {
                XCTAssertTrue(f == e || (f.isNaN && e.isNaN), "\(activation): \(fused) vs \(expected)")
            }
        }
    }

    /// relu's derivative at a NaN output is NaN, not the 0 of the inactive side (regression:
    /// the NaN input's gradient was a silent 0); the other outputs keep their rule.
    func testReluGradientAtANaNOutputIsNaN() {
        let relu = Activation.relu
        XCTAssertTrue(relu.derivative(fromOutput: Double.nan).isNaN)
        XCTAssertTrue(relu.gradient(1.0, fromOutput: .nan).isNaN)
        XCTAssertTrue(relu.gradient(0.0, fromOutput: .nan).isNaN)
        XCTAssertTrue(relu(Double.nan).isNaN)
        var g = Tensor<Double>([1, 1, 1, .infinity, 3])
        relu.applyGradient(to: &g, fromOutput: Tensor([.nan, 0, 2, 0, .nan]))
        XCTAssertTrue(g.scalars[0].isNaN && g.scalars[4].isNaN, "\(g)")
        XCTAssertEqual(Array(g.scalars[1...3]), [0, 1, 0])
    }
}
