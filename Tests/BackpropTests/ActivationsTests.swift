import Backprop
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
