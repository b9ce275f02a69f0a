import Backprop
import BackpropNN
import BackpropTesting
import XCTest

/// `LabeledTensors(features:targets:)` stops with a message that says what is wrong: a
/// tensor that is not 2-D, or row counts that differ. Each case runs in a child process
/// (BackpropTesting's `assertStops`).
final class LabeledTensorsMisuseTests: XCTestCase {
    func testOneDimensionalTargetsAreNamedAsARankProblem() throws {
        try assertStops(
            withMessageContaining: "LabeledTensors: targets [8] must be 2-D [rows, outputs], not rank 1 (reshape to [8, 1])"
        ) {
            _ = LabeledTensors<Float>(features: .zeros([8, 2]), targets: .zeros([8]))
        }
        try assertStops(withMessageContaining: "LabeledTensors: features [8] must be 2-D [rows, features], not rank 1") {
            _ = LabeledTensors<Float>(features: .zeros([8]), targets: .zeros([8, 1]))
        }
    }

    func testDifferentRowCountsAreNamedAsSuch() throws {
        try assertStops(
            withMessageContaining: "LabeledTensors: features [8, 2] have 8 rows, targets [7, 1] 7; they need the same number"
        ) {
            _ = LabeledTensors<Float>(features: .zeros([8, 2]), targets: .zeros([7, 1]))
        }
    }
}
