import Backprop
import BackpropTesting
import XCTest

final class GradientCheckTests: XCTestCase {
    /// x³ with a deliberately wrong backward (2x instead of 3x²): the checker must flag it.
    private func wrongCube(_ x: Variable<Double>) -> Variable<Double> {
        Variable(op: "wrongCube", value: x.value.map { $0 * $0 * $0 }, inputs: [x]) { _, g in
            [g * x.scaled(by: 2)]
        }
    }

    func testCatchesAWrongBackward() {
        let mismatches = checkGradients(at: [Tensor([[1, 2], [3, -1]])]) { wrongCube($0[0]).sum() }
        XCTAssertEqual(mismatches.count, 4)
        let first = try! XCTUnwrap(mismatches.first)
        XCTAssertEqual(first.input, 0)
        XCTAssertEqual(first.element, 0)
        XCTAssertEqual(first.index, [0, 0])
        XCTAssertEqual(first.numerical, 3, accuracy: 1e-6)  // 3x² at x = 1
        XCTAssertEqual(first.analytical, 2, accuracy: 1e-12)  // the wrong 2x
        XCTAssertTrue(first.description.hasPrefix("input 0, element 0 [0, 0]: numerical "))
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

    func testAssertionReportsAtTheCallersLine() {
        var reportedLine: UInt?
        var reportedMessage = ""
        let expectedLine: UInt = #line + 2
        recordingFailures(into: { reportedLine = $0; reportedMessage = $1 }) {
            assertGradientsMatch(at: [Tensor([2])]) { self.wrongCube($0[0]).sum() }
        }
        XCTAssertEqual(reportedLine, expectedLine)
        XCTAssertTrue(reportedMessage.contains("input 0, element 0"), reportedMessage)
        XCTAssertTrue(reportedMessage.contains("analytical 4.0"), reportedMessage)
    }

    func testAssertCloseFlagsTheFirstElementOutOfTolerance() {
        var message = ""
        recordingFailures(into: { _, m in message = m }) {
            assertClose(Tensor<Double>([1, 2, 3]), Tensor([1, 2, 3.1]))
        }
        XCTAssertTrue(message.contains("element 2"), message)
    }

    /// Runs `body`, capturing XCTest failures instead of recording them.
    private func recordingFailures(
        into sink: @escaping (UInt, String) -> Void, _ body: () -> Void
    ) {
        let previous = failureSink
        failureSink = sink
        body()
        failureSink = previous
    }

    private var failureSink: ((UInt, String) -> Void)?

    override func recordFailure(
        withDescription description: String, inFile filePath: String, atLine lineNumber: Int,
        expected: Bool
    ) {
        if let failureSink {
            failureSink(UInt(lineNumber), description)
        } else {
            super.recordFailure(
                withDescription: description, inFile: filePath, atLine: lineNumber,
                expected: expected)
        }
    }
}
