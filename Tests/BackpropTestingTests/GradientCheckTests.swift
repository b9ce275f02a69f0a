import Backprop
import BackpropTesting
import Foundation
import XCTest

final class GradientCheckTests: XCTestCase {
    func testCatchesAWrongBackward() {
        let mismatches = checkGradients(at: [Tensor([[1, 2], [3, -1]])]) { wrongCube($0[0]).sum() }
        XCTAssertEqual(mismatches.count, 4)
        let first = try! XCTUnwrap(mismatches.first)
        XCTAssertEqual(first.input, 0)
        XCTAssertEqual(first.element, 0)
        XCTAssertEqual(first.index, [0, 0])
        XCTAssertEqual(first.numerical, 3, accuracy: 1e-6)  // 3x² at x = 1
        XCTAssertEqual(first.analytical, 2, accuracy: 1e-12)  // the wrong 2x
        XCTAssertTrue(first.description.hasPrefix("inputs[0][0, 0]: numerical "), first.description)
        XCTAssertTrue(first.description.contains("analytical 2.0"))
    }

    func testPassesACorrectBackward() {
        let mismatches = checkGradients(at: [Tensor([[1, 2], [3, -1]]), Tensor([0.5, -2])]) {
            ($0[0] * $0[0] * $0[0] + $0[1]).sum()
        }
        XCTAssertTrue(mismatches.isEmpty, "\(mismatches)")
    }

    func testNonScalarOutputUsesACotangentOverEveryElement() {
        // Only the second output element is wrong; a random cotangent still exposes it.
        let mismatches = checkGradients(at: [Tensor([1, 2])]) { x in
            Variable(op: "partlyWrong", value: x[0].value * 2, inputs: [x[0]]) { _, g in
                [g * Variable(Tensor([2, 0]))]
            }
        }
        XCTAssertEqual(mismatches.map { $0.element }, [1])
    }

    // Fast mode.

    /// A 10,000-parameter linear layer (100 × 100) under tanh, on a batch of 8.
    private func layer(seed: UInt64) -> (x: Tensor<Double>, w: Tensor<Double>) {
        var rng = SeededGenerator(seed: seed)
        return (Tensor.normal([8, 100], using: &rng), Tensor.normal([100, 100], using: &rng).map { $0 / 10 })
    }

    func testFastModeCatchesAWrongBackwardInA10000ParameterLayer() {
        let (x, w) = layer(seed: 1)
        let start = Date()
        let mismatches = checkGradients(at: [x, w], mode: .fast) { wrongLinear($0[0], $0[1]).tanh() }
        let seconds = Date().timeIntervalSince(start)
        // The first five elements of the weight are named; the input's gradient is right.
        XCTAssertEqual(mismatches.map(\.name), Array(repeating: "inputs[1]", count: 5))
        XCTAssertEqual(mismatches.map(\.element), [0, 1, 2, 3, 4])
        for m in mismatches { XCTAssertEqual(m.analytical, 1.1 * m.numerical, accuracy: 1e-6 * (1 + abs(m.numerical))) }
        print("fast mode: a wrong backward in a 10,000-parameter layer caught in \(seconds) s")
        if ProcessInfo.processInfo.environment["BACKPROP_MEASURE_GRADIENT_CHECKS"] != nil {
            let start = Date()
            let all = checkGradients(at: [x, w], mode: .everyElement) { wrongLinear($0[0], $0[1]).tanh() }
            print("every element: \(all.count) mismatches in \(Date().timeIntervalSince(start)) s")
        }
    }

    func testFastModePassesARightBackwardInA10000ParameterLayer() {
        let (x, w) = layer(seed: 2)
        XCTAssertEqual(checkGradients(at: [x, w], mode: .fast) { $0[0].matmul($0[1]).tanh() }.count, 0)
    }

    func testAutomaticModeIsFastAboveAThousandElements() {
        // Counting evaluations: one per element and sign for every element, a handful in fast mode.
        func evaluations(_ count: Int) -> Int {
            var calls = 0
            _ = checkGradients(at: [Tensor(shape: [count], scalars: (0..<count).map { Double($0) / Double(count) })]) {
                calls += 1
                return wrongCube($0[0]).sum()
            }
            return calls
        }
        XCTAssertEqual(evaluations(1000), 1 + 2 * 1000)
        XCTAssertLessThan(evaluations(1001), 20)
    }
}
