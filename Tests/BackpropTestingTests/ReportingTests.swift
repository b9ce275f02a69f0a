import Backprop
@testable import BackpropTesting
import Foundation
import Testing
import XCTest

final class ReportingTests: XCTestCase {
    func testAListingShowsTheFirstFiveThenHowManyMore() {
        let lines = (1...8).map { "line \($0)" }
        XCTAssertEqual(
            listing(lines), "  line 1\n  line 2\n  line 3\n  line 4\n  line 5\n  … and 3 more")
        XCTAssertEqual(listing(Array(lines.prefix(2))), "  line 1\n  line 2")
    }

    func testTheGradientReportNamesEveryFailingElement() throws {
        let report = gradientsReport(
            at: [Tensor([[1, 2], [3, -1]])], tolerance: .init(), mode: .everyElement, seed: 0, note: "cube"
        ) { wrongCube($0[0]).sum() }
        let failure = try XCTUnwrap(report.failure)
        XCTAssertTrue(failure.hasPrefix("gradient check failed (cube) for 4 element(s):\n  inputs[0][0, 0]: "), failure)
        XCTAssertTrue(failure.contains("inputs[0][1, 1]: numerical "), failure)
        XCTAssertTrue(report.warnings.isEmpty)
    }

    func testAFastModeReportSaysItNamesOnlyTheFirstFive() throws {
        let report = gradientsReport(
            at: [Tensor(shape: [10], scalars: (1...10).map { Double($0) / 4 })], tolerance: .init(), mode: .fast,
            seed: 0, note: "")
        { wrongCube($0[0]).sum() }
        let failure = try XCTUnwrap(report.failure)
        XCTAssertTrue(
            failure.hasPrefix("gradient check failed for at least 5 element(s) (fast mode names the first 5):\n"
                + "  inputs[0][0]: "), failure)
        XCTAssertFalse(failure.contains("more"), failure)
    }

    func testTheCloseReportNamesTheFirstElementOutOfTolerance() throws {
        let report = closeReport(
            Tensor<Double>([1, 2, 3, 5]), Tensor([1, 2, 3.1, 6]), absoluteTolerance: 0, relativeTolerance: 0,
            note: "")
        let failure = try XCTUnwrap(report.failure)
        XCTAssertTrue(failure.hasPrefix("element 2 [2]: 3.0 vs expected 3.1"), failure)
        XCTAssertNil(closeReport(Tensor<Double>([1]), Tensor([1]), absoluteTolerance: 0, relativeTolerance: 0, note: "").failure)
    }

    func testAnXCTestLocationGivesSwiftTestingAFileID() {
        let location = CallerLocation(file: "/work/Tests/MyTests/Thing.swift", line: 7)
        XCTAssertEqual(location.sourceLocation.fileID, "MyTests/Thing.swift")
        XCTAssertEqual(location.sourceLocation.line, 7)
    }

    // The child-process tests: a wrong backward checked by each helper in each framework
    // fails the test (or stops the program), and the output names the caller's line.

    func testAWrongBackwardFailsUnderXCTest() throws {
        let (status, output) = try runFixtures("xctest", arguments: ["BackpropTestingTests.ReportFixtures"])
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(output.contains("Fixtures.swift:\(try line(of: "assert in XCTest")): error: "), output)
        XCTAssertTrue(output.contains("gradient check failed for 2 element(s):"), output)
        XCTAssertTrue(
            output.contains("Fixtures.swift:\(try line(of: "Float in XCTest")): warning: Sequential<Float> computes in Float"),
            output)
        XCTAssertTrue(
            output.contains("Fixtures.swift:\(try line(of: "model in XCTest")): error: ReportFixtures."
                + "testAWrongLayerFailsByItsPath : failed - model gradient check failed for 4 element(s) under "
                + "mean-squared-error:\n  1.scale[0]: numerical "),
            output)
        XCTAssertTrue(output.contains("Executed 3 tests, with 2 failures"), output)
    }

    func testAWrongBackwardFailsUnderSwiftTestingWithEitherHelper() throws {
        let (status, output) = try runFixtures(
            "swift-testing", arguments: ["--testing-library", "swift-testing", "--filter", "SwiftTestingReportFixtures"])
        XCTAssertNotEqual(status, 0, output)
        for marker in ["assert in Swift Testing", "expect in Swift Testing"] {
            XCTAssertTrue(output.contains("recorded an issue at Fixtures.swift:\(try line(of: marker)):"), output)
        }
        XCTAssertTrue(output.contains("recorded a warning at Fixtures.swift:\(try line(of: "Float in Swift Testing")):"), output)
        XCTAssertTrue(output.contains("Test aFloatModelWarns() passed after"), output)
        XCTAssertTrue(output.contains("gradient check failed for 2 element(s):"), output)
    }

    func testAnXCTestHelperOutsideAnyTestStopsTheProgram() throws {
        let (status, output) = try runFixtures(
            "outside", arguments: ["--testing-library", "swift-testing", "--filter", "OutsideReportFixtures"])
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(
            output.contains("assertGradientsMatch at \(fixturesPath):\(try line(of: "assert outside")) found no "
                + "running XCTest test case to record this failure (in a Swift Testing @Test use expectGradientsMatch)"),
            output)
    }

    func testASwiftTestingHelperInXCTestStops() throws {
        try assertStops(
            withMessageContaining: "expectGradientsMatch at \(#filePath):\(#line + 2) records Swift Testing issues, "
                + "and no Swift Testing test is running here; in an XCTestCase use assertGradientsMatch") {
            expectGradientsMatch(at: [Tensor([1, 2])]) { $0[0].sum() }
        }
    }

    private let fixturesPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures.swift").path

    /// The line of Fixtures.swift that carries `// fixture: <marker>`.
    private func line(of marker: String) throws -> Int {
        let lines = try String(contentsOfFile: fixturesPath, encoding: .utf8).components(separatedBy: "\n")
        return try XCTUnwrap(lines.firstIndex { $0.hasSuffix("// fixture: \(marker)") }, marker) + 1
    }

    /// Runs the test bundle on the fixture `group`.
    private func runFixtures(_ group: String, arguments: [String]) throws -> (status: Int32?, output: String) {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        guard executable.lastPathComponent.hasSuffix(".xctest") else {
            throw XCTSkip("the fixtures run from the xctest executable")
        }
        return try runChildProcess(
            executable, arguments: arguments, environment: ["BACKPROP_REPORT_FIXTURES": group], timeLimit: 120)
    }
}
