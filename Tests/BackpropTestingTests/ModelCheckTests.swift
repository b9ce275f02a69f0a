import Backprop
import BackpropNN
@testable import BackpropTesting
import XCTest

/// y = x ⊙ scale with the gradient of the scale doubled: a layer with a wrong backward.
struct WrongScale<Scalar: TensorScalar>: Layer {
    let scale: Variable<Scalar>
    init(features: Int) { scale = Variable(Tensor(repeating: 1.5, shape: [features]), requiresGradient: true) }
    func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        Variable(op: "wrongScale", value: x.value * scale.value, inputs: [x, scale]) { _, g in
            [g * scale, (g * x).sum(alongAxis: 0).scaled(by: 2)]
        }
    }
    var namedParameters: [NamedParameter<Scalar>] { [NamedParameter("scale", scale)] }
}

final class ModelCheckTests: XCTestCase {
    private func model<Scalar: TensorScalar>(_: Scalar.Type, wrong: Bool) -> (Sequential<Scalar>, Tensor<Scalar>, Tensor<Scalar>) {
        var rng = SeededGenerator(seed: 3)
        let first = Dense<Scalar>(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng)
        let last = Dense<Scalar>(inputSize: 4, outputSize: 2, using: &rng)
        let model = wrong ? Sequential(first, WrongScale(features: 4), last) : Sequential(first, last)
        return (model, Tensor.normal([5, 3], using: &rng), Tensor.normal([5, 2], using: &rng))
    }

    func testARightModelPassesAndKeepsItsParameters() {
        let (model, x, y) = model(Double.self, wrong: false)
        let before = model.parameters.map(\.value)
        XCTAssertEqual(checkModelGradients(model, input: x, target: y, loss: .meanSquaredError).count, 0)
        XCTAssertEqual(model.parameters.map(\.value), before)
        XCTAssertTrue(model.parameters.allSatisfy { $0.gradient == nil })
    }

    func testAWrongLayerIsNamedByItsPath() {
        let (model, x, y) = model(Double.self, wrong: true)
        let mismatches = checkModelGradients(model, input: x, target: y, loss: .meanSquaredError)
        XCTAssertEqual(mismatches.map(\.name), Array(repeating: "1.scale", count: 4))
        XCTAssertEqual(mismatches.map(\.index), [[0], [1], [2], [3]])
        XCTAssertTrue(mismatches[0].description.hasPrefix("1.scale[0]: numerical "), mismatches[0].description)
        for m in mismatches { XCTAssertEqual(m.analytical, 2 * m.numerical, accuracy: 1e-6) }
    }

    func testAFloatModelIsCheckedInFloatWithAWarning() throws {
        let (right, x, y) = model(Float.self, wrong: false)
        let report = modelReport(
            right, input: x, target: y, loss: .meanSquaredError, tolerance: nil, mode: .everyElement, seed: 0,
            note: "")
        XCTAssertNil(report.failure)
        XCTAssertEqual(report.warnings.count, 1)
        XCTAssertTrue(report.warnings[0].contains("computes in Float"), report.warnings[0])
        // The loose Float tolerance still sees a gradient off by a factor of two.
        let (wrong, _, _) = model(Float.self, wrong: true)
        let failure = try XCTUnwrap(
            modelReport(wrong, input: x, target: y, loss: .meanSquaredError, tolerance: nil, mode: .everyElement,
                        seed: 0, note: "").failure)
        XCTAssertTrue(failure.hasPrefix("model gradient check failed for 4 element(s) under mean-squared-error:\n  1.scale[0]: "), failure)
    }
}
