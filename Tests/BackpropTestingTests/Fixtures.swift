import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import Testing
import XCTest

// Tests that fail on purpose, run only in the child processes that ReportingTests starts
// (the environment variable names which group); in an ordinary run they are skipped.
// ReportingTests finds each call's line by the `fixture:` comment on it.

/// The fixture group this process runs, if any.
let fixtureGroup = ProcessInfo.processInfo.environment["BACKPROP_REPORT_FIXTURES"]

final class ReportFixtures: XCTestCase {
    func testXCTestHelperFailsAWrongBackward() throws {
        try XCTSkipUnless(fixtureGroup == "xctest", "runs in ReportingTests' child process")
        assertGradientsMatch(at: [Tensor([1, 2])]) { wrongCube($0[0]).sum() }  // fixture: assert in XCTest
    }

    func testAWrongLayerFailsByItsPath() throws {
        try XCTSkipUnless(fixtureGroup == "xctest", "runs in ReportingTests' child process")
        var rng = SeededGenerator(seed: 4)
        let model = Sequential<Double>(
            Dense(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng), WrongScale(features: 4))
        let (x, y) = (Tensor<Double>.normal([2, 3], using: &rng), Tensor<Double>.normal([2, 4], using: &rng))
        assertModelGradientsMatch(model, input: x, target: y, loss: .meanSquaredError)  // fixture: model in XCTest
    }

    func testAFloatModelWarns() throws {
        try XCTSkipUnless(fixtureGroup == "xctest", "runs in ReportingTests' child process")
        let (model, x, y) = floatModel()
        assertModelGradientsMatch(model, input: x, target: y, loss: .meanSquaredError)  // fixture: Float in XCTest
    }
}

/// A right Float model and a batch: its check passes, with a warning.
func floatModel() -> (Sequential<Float>, Tensor<Float>, Tensor<Float>) {
    var rng = SeededGenerator(seed: 5)
    let model = Sequential<Float>(Dense(inputSize: 2, outputSize: 2, activation: .tanh, using: &rng))
    return (model, Tensor.normal([3, 2], using: &rng), Tensor.normal([3, 2], using: &rng))
}

@Suite(.enabled(if: fixtureGroup == "swift-testing"))
struct SwiftTestingReportFixtures {
    @Test func xctestHelperInsideATest() {
        assertGradientsMatch(at: [Tensor([1, 2])]) { wrongCube($0[0]).sum() }  // fixture: assert in Swift Testing
    }

    @Test func swiftTestingHelper() {
        expectGradientsMatch(at: [Tensor([1, 2])]) { wrongCube($0[0]).sum() }  // fixture: expect in Swift Testing
    }

    @Test func aFloatModelWarns() {
        let (model, x, y) = floatModel()
        expectModelGradientsMatch(model, input: x, target: y, loss: .meanSquaredError)  // fixture: Float in Swift Testing
    }
}

@Suite(.enabled(if: fixtureGroup == "outside"))
struct OutsideReportFixtures {
    /// A detached task runs outside the test: neither framework would see an issue there.
    @Test func xctestHelperOutsideAnyTest() async {
        await Task.detached {
            assertGradientsMatch(at: [Tensor([1, 2])]) { wrongCube($0[0]).sum() }  // fixture: assert outside
        }.value
    }
}
