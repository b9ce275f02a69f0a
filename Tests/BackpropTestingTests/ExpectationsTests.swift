import Backprop
import BackpropNN
import BackpropTesting
import Testing

/// The Swift Testing helpers in a Swift Testing target: passing checks record nothing, and a
/// wrong backward is recorded as an issue (`withKnownIssue` fails the test when none is).
@Suite struct ExpectationsTests {
    /// Whether `issue` carries a comment containing `text`.
    static func mentions(_ text: String) -> KnownIssueMatcher {
        { issue in issue.comments.contains { $0.rawValue.contains(text) } }
    }

    @Test func rightGradientsRecordNothing() {
        expectGradientsMatch(at: [Tensor([[-2, 0.5, 3]])]) { $0[0].sigmoid() }
        expectSecondOrderGradientsMatch(at: [Tensor([[0.5, -1]])]) { $0[0].tanh() }
        expectClose(Tensor<Double>([1, 2]), Tensor([1, 2 + 1e-13]))
    }

    @Test func aWrongBackwardIsRecorded() {
        withKnownIssue {
            expectGradientsMatch(at: [Tensor([1, 2, 3, 4, 5, 6, 7])]) { wrongCube($0[0]).sum() }
        } matching: { issue in
            Self.mentions("gradient check failed for 7 element(s):\n  inputs[0][0]: ")(issue)
                && Self.mentions("  … and 2 more")(issue)
        }
    }

    @Test func theXCTestHelperFailsASwiftTestingTest() {
        withKnownIssue {
            assertGradientsMatch(at: [Tensor([1, 2])]) { wrongCube($0[0]).sum() }
        } matching: { Self.mentions("inputs[0][1]: numerical ")($0) }
    }

    @Test func theSecondOrderHelperChecksTheFirstOrder() {
        withKnownIssue {
            expectSecondOrderGradientsMatch(at: [Tensor([1, 2])]) { wrongCube($0[0]).sum() }
        } matching: { Self.mentions("gradient check failed for 2 element(s)")($0) }
    }

    @Test func aWrongLayerIsRecordedByItsPath() {
        var rng = SeededGenerator(seed: 4)
        let model = Sequential<Double>(
            Dense(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng), WrongScale(features: 4))
        withKnownIssue {
            expectModelGradientsMatch(
                model, input: Tensor.normal([2, 3], using: &rng), target: Tensor.normal([2, 4], using: &rng),
                loss: .meanSquaredError)
        } matching: { Self.mentions("  1.scale[0]: numerical ")($0) }
    }
}
