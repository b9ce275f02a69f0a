import Backprop
import BackpropTesting
import XCTest

/// Batch normalisation against the oracle's closed-form δ (`Oracle/ConvolutionalBackprop.swift`).
final class BatchNormTests: XCTestCase {
    typealias Oracle = ConvolutionalBackprop

    func testTrainingFormMatchesTheClosedForm() {
        for (k, shape) in ([[6, 3], [4, 2, 3, 5], [3, 4, 7]] as [TensorShape]).enumerated() {
            var rng = Oracle.RandomSource(seed: UInt64(k + 1))
            let (n, c) = (shape[0], shape[1])
            let m = Shapes.count(shape.dropFirst(2))
            let x = rng.uniforms(Shapes.count(shape), -2, 2)
            let gamma = rng.uniforms(c, 0.5, 1.5)
            let beta = rng.uniforms(c, -1, 1)
            let delta = rng.uniforms(Shapes.count(shape), -1, 1)
            let expected = Oracle.batchNorm(x, n: n, c: c, m: m, scale: gamma, offset: beta, epsilon: 1e-5, delta: delta)
            let xv = Variable(Tensor(shape: shape, scalars: x), requiresGradient: true)
            let (gv, bv) = (Variable(Tensor(gamma), requiresGradient: true), Variable(Tensor(beta), requiresGradient: true))
            let (y, mean, variance) = xv.batchNormalized(scale: gv, offset: bv)
            assertRelativelyClose(y.value, expected.y, tolerance: 1e-12, floor: 1e-3, "\(shape) y")
            assertRelativelyClose(mean, expected.mean, tolerance: 1e-12, floor: 1e-3, "\(shape) mean")
            assertRelativelyClose(variance, expected.variance, tolerance: 1e-12, "\(shape) biased variance")
            (y * Variable(Tensor(shape: shape, scalars: delta))).sum().backward()
            assertRelativelyClose(xv.gradient, expected.dx, tolerance: 1e-10, floor: 1e-3, "\(shape) ∂L/∂x")
            assertRelativelyClose(gv.gradient, expected.dScale, tolerance: 1e-12, floor: 1e-3, "\(shape) ∂L/∂γ")
            assertRelativelyClose(bv.gradient, expected.dOffset, tolerance: 1e-12, floor: 1e-3, "\(shape) ∂L/∂β")
        }
    }

    func testInferenceFormUsesTheGivenStatistics() {
        let x = Variable(Tensor<Double>([[1, 10], [3, 30]]), requiresGradient: true)
        let y = x.batchNormalized(
            scale: Variable(Tensor([2, 1])), offset: Variable(Tensor([0, 1])), mean: Tensor([1, 10]),
            variance: Tensor([4, 100]), epsilon: 0)
        XCTAssertEqual(y.value.scalars, [0, 1, 2, 3])
        y.sum().backward()
        XCTAssertEqual(x.gradient!.scalars, [1, 0.1, 1, 0.1])
    }

    func testMisuseNamesTheShapes() throws {
        try assertStops(withMessageContaining: "batchNormalized: input [4, 3]: scale [2] and offset [3] must both be [3]") {
            let x = Variable(Tensor<Float>.zeros([4, 3]))
            _ = x.batchNormalized(scale: Variable(Tensor.zeros([2])), offset: Variable(Tensor.zeros([3])))
        }
    }
}
