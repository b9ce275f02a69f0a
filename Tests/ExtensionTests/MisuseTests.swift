// Misuse that stops the process (a precondition): each test reruns this test binary on
// itself with an environment variable set, and checks the child's exit and message.
import Backprop
import Foundation
import XCTest

final class MisuseTests: XCTestCase {
    /// Runs `body` in a child process (this test, rerun) and returns its standard error,
    /// or runs `body` for real when this process is that child.
    private func stderrOfCrash(
        _ name: String, file: StaticString = #filePath, line: UInt = #line, _ body: () -> Void
    ) throws -> String {
        if ProcessInfo.processInfo.environment["BACKPROP_DEATH_TEST"] == name {
            body()
            return ""  // not reached when the precondition fires
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["ExtensionTests.MisuseTests/\(name)"]
        child.environment = ProcessInfo.processInfo.environment.merging(["BACKPROP_DEATH_TEST": name]) { $1 }
        let pipe = Pipe()
        child.standardError = pipe
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        XCTAssertNotEqual(child.terminationStatus, 0, "the misuse did not stop the process", file: file, line: line)
        return String(decoding: data, as: UTF8.self)
    }

    func testWrongGradientShapeFromCustomOp() throws {
        let output = try stderrOfCrash("testWrongGradientShapeFromCustomOp") {
            let bad = CustomOp<Double>(name: "badSum", arity: 1, forward: { $0[0].sum() }) { context in
                [context.gradient]  // shape [] for an input of shape [2, 3]
            }
            let x = Variable(Tensor<Double>.ones([2, 3]), requiresGradient: true)
            bad(x).backward()
        }
        if ProcessInfo.processInfo.environment["BACKPROP_DEATH_TEST"] != nil { return }
        XCTAssertTrue(
            output.contains("backward: op 'badSum' returned a gradient of shape [] for input 0 of shape [2, 3]"),
            output)
    }

    func testAnomalyInForwardNamesOpAndLine() throws {
        let expectedLine = #line + 3
        let output = try stderrOfCrash("testAnomalyInForwardNamesOpAndLine") {
            withAnomalyDetection {
                _ = Variable(Tensor<Double>([-1, 4]), requiresGradient: true).log()
            }
        }
        if ProcessInfo.processInfo.environment["BACKPROP_DEATH_TEST"] != nil { return }
        XCTAssertTrue(
            output.contains(
                "anomaly: forward output of op 'log' created at ExtensionTests/MisuseTests.swift:\(expectedLine) has nan"),
            output)
    }

    func testAnomalyInBackwardNamesOpAndLine() throws {
        let expectedLine = #line + 5
        let output = try stderrOfCrash("testAnomalyInBackwardNamesOpAndLine") {
            withAnomalyDetection {
                // √x at 0 is finite, its derivative 1/(2√x) is not.
                let x = Variable(Tensor<Double>([0, 4]), requiresGradient: true)
                let y = x.squareRoot()
                y.sum().backward()
            }
        }
        if ProcessInfo.processInfo.environment["BACKPROP_DEATH_TEST"] != nil { return }
        XCTAssertTrue(
            output.contains(
                "anomaly: backward gradient of op 'sqrt' created at ExtensionTests/MisuseTests.swift:\(expectedLine) has inf"),
            output)
    }

    func testNaNPlantedInBackwardNamesOpAndLine() throws {
        let expectedLine = #line + 7
        let output = try stderrOfCrash("testNaNPlantedInBackwardNamesOpAndLine") {
            let planted = CustomOp<Double>(name: "plantedNaN", arity: 1, forward: { $0[0] }) { context in
                [context.gradient * Variable(Tensor(Double.nan))]
            }
            withAnomalyDetection {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                (planted(x) * 2).sum().backward()
            }
        }
        if ProcessInfo.processInfo.environment["BACKPROP_DEATH_TEST"] != nil { return }
        XCTAssertTrue(
            output.contains(
                "anomaly: backward gradient of op 'plantedNaN' created at ExtensionTests/MisuseTests.swift:\(expectedLine) has nan at element 0"),
            output)
    }

    func testAnomalyFromAnOperatorSaysSo() throws {
        let output = try stderrOfCrash("testAnomalyFromAnOperatorSaysSo") {
            withAnomalyDetection {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                _ = x / Variable(Tensor<Double>([1, 0]))
            }
        }
        if ProcessInfo.processInfo.environment["BACKPROP_DEATH_TEST"] != nil { return }
        XCTAssertTrue(
            output.contains(
                "anomaly: forward output of op 'divide' created at operator / (an operator records no line; "
                    + "call the method form, e.g. adding(_:), for one) has inf at element 1"),
            output)
    }

    func testNoCheckWithoutAnomalyMode() {
        // Off by default: the same computation runs to the end.
        let x = Variable(Tensor<Double>([0, 4]), requiresGradient: true)
        x.squareRoot().sum().backward()
        XCTAssertEqual(x.gradient?.scalars.first, .infinity)
        XCTAssertNil((x / Variable(Tensor<Double>([1, 0]))).origin)
    }
}
