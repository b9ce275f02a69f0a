// Misuse that stops the process (a precondition): each test reruns this test binary on
// itself (BackpropTesting's `assertStops`) and checks the child's exit and message.
import Backprop
import BackpropTesting
import XCTest

final class MisuseTests: XCTestCase {
    func testWrongGradientShapeFromCustomOp() throws {
        try assertStops(
            withMessageContaining: "backward: op 'badSum' returned a gradient of shape [] for input 0 of shape [2, 3]"
        ) {
            let bad = CustomOp<Double>(name: "badSum", arity: 1, forward: { $0[0].sum() }) { context in
                [context.gradient]  // shape [] for an input of shape [2, 3]
            }
            let x = Variable(Tensor<Double>.ones([2, 3]), requiresGradient: true)
            bad(x).backward()
        }
    }

    func testAnomalyInForwardNamesOpAndLine() throws {
        let expectedLine = #line + 6
        try assertStops(
            withMessageContaining:
                "anomaly: forward output of op 'log' created at ExtensionTests/MisuseTests.swift:\(expectedLine) has nan"
        ) {
            withAnomalyDetection {
                _ = Variable(Tensor<Double>([-1, 4]), requiresGradient: true).log()
            }
        }
    }

    func testAnomalyInBackwardNamesOpAndLine() throws {
        let expectedLine = #line + 8
        try assertStops(
            withMessageContaining:
                "anomaly: backward gradient of op 'sqrt' created at ExtensionTests/MisuseTests.swift:\(expectedLine) has inf"
        ) {
            withAnomalyDetection {
                // √x at 0 is finite, its derivative 1/(2√x) is not.
                let x = Variable(Tensor<Double>([0, 4]), requiresGradient: true)
                let y = x.squareRoot()
                y.sum().backward()
            }
        }
    }

    func testNaNPlantedInBackwardNamesOpAndLine() throws {
        let expectedLine = #line + 10
        try assertStops(
            withMessageContaining:
                "anomaly: backward gradient of op 'plantedNaN' created at ExtensionTests/MisuseTests.swift:\(expectedLine) has nan at element 0"
        ) {
            let planted = CustomOp<Double>(name: "plantedNaN", arity: 1, forward: { $0[0] }) { context in
                [context.gradient * Variable(Tensor(Double.nan))]
            }
            withAnomalyDetection {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                (planted(x) * 2).sum().backward()
            }
        }
    }

    func testAnomalyFromAnOperatorSaysSo() throws {
        try assertStops(
            withMessageContaining:
                "anomaly: forward output of op 'divide' created at operator / (an operator records no line; "
                + "call the method form, e.g. adding(_:), for one) has inf at element 1"
        ) {
            withAnomalyDetection {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                _ = x / Variable(Tensor<Double>([1, 0]))
            }
        }
    }

    func testNoCheckWithoutAnomalyMode() {
        // Off by default: the same computation runs to the end.
        let x = Variable(Tensor<Double>([0, 4]), requiresGradient: true)
        x.squareRoot().sum().backward()
        XCTAssertEqual(x.gradient?.scalars.first, .infinity)
        XCTAssertNil((x / Variable(Tensor<Double>([1, 0]))).origin)
    }
}
