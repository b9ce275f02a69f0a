// The README's code, compiled and checked, so the README cannot drift from the API.
import Backprop
import BackpropTesting
import Testing
import XCTest

final class ReadmeExamplesTests: XCTestCase {
    func testOpeningExampleMatchesTheDeltaFormulas() {
        let w = Variable(Tensor<Double>([[0.5, -0.2], [0.1, 0.4]]), requiresGradient: true)
        let b = Variable(Tensor<Double>([0.1, -0.1]), requiresGradient: true)
        let x = Variable(Tensor<Double>([[1, 2]]))
        let t = Variable(Tensor<Double>([[1, 0]]))

        let y = (x.matmul(w) + b).sigmoid()
        let loss = halfSquaredError(y, t)
        loss.backward()

        // δ = (y − t) ⊙ y(1 − y), ∇W = xᵀδ, ∇b = δ, by hand.
        let u = [1 * 0.5 + 2 * 0.1 + 0.1, 1 * -0.2 + 2 * 0.4 - 0.1]
        let out = u.map { 1 / (1 + Double.exp(-$0)) }
        let delta = zip(out, [1.0, 0.0]).map { o, target in (o - target) * o * (1 - o) }
        let half = 0.5 * zip(out, [1.0, 0.0]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        XCTAssertEqual(loss.value.scalar, half, accuracy: 1e-15)
        assertClose(w.gradient!, Tensor([[delta[0], delta[1]], [2 * delta[0], 2 * delta[1]]]))
        assertClose(b.gradient!, Tensor(delta))
    }

    func testGradientCheckExample() {
        assertGradientsMatch(at: [Tensor([[1, 2]]), Tensor([[0.5, -0.2], [0.1, 0.4]])]) { v in
            v[0].matmul(v[1]).sigmoid()
        }
    }

    func testSoftsignExample() {
        let softsign = CustomOp<Double>.elementwise(name: "softsign", { $0 / (1 + Swift.abs($0)) }) {
            x, _ in 1 / (1 + x.abs()).squared()
        }
        XCTAssertEqual(softsign(Variable(Tensor([1, -3]))).value, Tensor([0.5, -0.75]))
    }

    func testWrongDerivativeIsReportedPerElement() {
        let wrongCube = CustomOp<Double>.elementwise(name: "cube", { $0 * $0 * $0 }) { x, _ in 2 * x }
        let mismatches = checkGradients(at: [Tensor([1, 2])]) { wrongCube($0[0]).sum() }
        XCTAssertEqual(mismatches.map(\.element), [0, 1])
        XCTAssertEqual(mismatches.map(\.analytical), [2, 4])
    }
}

/// The README's gradient check in Swift Testing.
@Test func sigmoidLayerGradients() {
    expectGradientsMatch(at: [Tensor([[1, 2]]), Tensor([[0.5, -0.2], [0.1, 0.4]])]) { v in
        v[0].matmul(v[1]).sigmoid()   // non-scalar outputs use a random cotangent
    }
}
