import Backprop
@testable import BackpropTesting
import XCTest

final class SecondOrderCheckTests: XCTestCase {
    func testPassesForDifferentiablePullbacks() {
        let x: Tensor<Double> = [[0.5, -1, 2], [0.1, 0.3, -0.7]]
        XCTAssertTrue(checkSecondOrderGradients(at: [x]) { ($0[0] * $0[0]).sigmoid() }.isEmpty)
        XCTAssertTrue(checkSecondOrderGradients(at: [x, x]) { $0[0].matmul($0[1], transposingOther: true) }.isEmpty)
    }

    func testCatchesAPullbackWrittenOnRawTensors() {
        // y = x³ with ∇x = 3x²·∇y computed from raw tensors: right first derivative, but
        // constant to the second sweep, so the second derivative comes out 0, not 6x.
        let cube = CustomOp<Double>(name: "rawCube", arity: 1, forward: { $0[0].map { $0 * $0 * $0 } }) { c in
            [c.gradient * Variable(c.inputs[0].value.map { 3 * $0 * $0 })]
        }
        let x: Tensor<Double> = [0.5, -1.5]
        XCTAssertTrue(checkGradients(at: [x]) { cube($0[0]) }.isEmpty)
        let mismatches = checkSecondOrderGradients(at: [x]) { cube($0[0]) }
        XCTAssertEqual(mismatches.map(\.element), [0, 1])
        XCTAssertTrue(checkSecondOrderGradients(at: [x]) { $0[0].pow(3) }.isEmpty)
    }

    func testCatchesAWrongSecondDerivative() {
        // The pullback is differentiable, but half of it is detached: 3x² written as
        // 3·x·detached(x) has the right value and the second derivative 3x instead of 6x.
        let cube = CustomOp<Double>(name: "cube", arity: 1, forward: { $0[0].map { $0 * $0 * $0 } }) { c in
            let x = c.inputs[0]
            return [c.gradient * (x * x.detached()) * 3]
        }
        let x: Tensor<Double> = [0.5, -1.5]
        XCTAssertTrue(checkGradients(at: [x]) { cube($0[0]) }.isEmpty)
        let mismatches = checkSecondOrderGradients(at: [x]) { cube($0[0]) }
        XCTAssertEqual(mismatches.map(\.element), [0, 1])
        for m in mismatches {
            XCTAssertEqual(m.analytical * 2, m.numerical, accuracy: 1e-6, "\(m)")
        }
    }

    func testLinearFunctionsPass() {
        XCTAssertTrue(checkSecondOrderGradients(at: [[1, 2]]) { $0[0] * 2 }.isEmpty)
    }

    func testTheHelpersCheckTheFirstOrderToo() throws {
        // x² with the pullback g·x: half the right gradient, but written in differentiable
        // ops, so its own derivative is consistent and the second-order check passes.
        let halfSquare = CustomOp<Double>(name: "halfSquare", arity: 1, forward: { $0[0].map { $0 * $0 } }) { c in
            [c.gradient * c.inputs[0]]
        }
        let x: Tensor<Double> = [0.5, -1.5]
        XCTAssertTrue(checkSecondOrderGradients(at: [x]) { halfSquare($0[0]) }.isEmpty)
        let report = secondOrderReport(at: [x], tolerance: .init(), seed: 0, note: "") { halfSquare($0[0]) }
        let failure = try XCTUnwrap(report.failure)
        XCTAssertTrue(failure.hasPrefix("gradient check failed for 2 element(s):\n  inputs[0][0]: "), failure)
        XCTAssertFalse(failure.contains("second-order"), failure)
    }
}
