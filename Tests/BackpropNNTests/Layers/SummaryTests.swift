import Backprop
import BackpropNN
import XCTest

private struct Pair: Layer {
    let encoder: Sequential<Double>
    let head: Dense<Double>
    let scale = Variable(Tensor<Double>([1]), requiresGradient: true)
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { head(encoder(x)) * scale }
}

final class SummaryTests: XCTestCase {
    func testASequentialListsLayersWithOutputShapesCountsAndFrozenState() {
        var rng = SeededGenerator(seed: 0)
        let first = Dense<Double>(inputSize: 4, outputSize: 5, using: &rng)
        let model = Sequential<Double>(first, ActivationLayer(.relu), Dense(inputSize: 5, outputSize: 3, using: &rng))
        first.freeze()
        let summary = model.summary(inputShape: [2, 4])
        XCTAssertEqual(summary.rows.map(\.name), ["0", "1", "2"])
        XCTAssertEqual(summary.rows.map(\.type), ["Dense<Double>", "ActivationLayer<Double>", "Dense<Double>"])
        XCTAssertEqual(summary.rows.map(\.outputShape), [[2, 5], [2, 5], [2, 3]])
        XCTAssertEqual(summary.rows.map(\.parameterCount), [first.parameterCount, 0, 5 * 3 + 3])
        XCTAssertEqual(summary.rows.map(\.trainableCount), [0, 0, 5 * 3 + 3])
        XCTAssertEqual(summary.parameterCount, model.parameterCount)
        XCTAssertEqual(summary.trainableCount, model.trainableParameterCount)
        let text = summary.description
        XCTAssertTrue(text.contains("frozen"), text)
        XCTAssertTrue(text.contains("total: \(model.parameterCount) parameters, 18 trainable, 25 frozen; output [2, 3]"),
                      text)
        XCTAssertEqual(text.split(separator: "\n").count, 5, text)
    }

    func testAnyOtherLayerIsGroupedByChild() {
        var rng = SeededGenerator(seed: 0)
        let model = Pair(encoder: Sequential(Dense(inputSize: 2, outputSize: 3, using: &rng)),
                         head: Dense(inputSize: 3, outputSize: 1, using: &rng))
        let summary = model.summary(inputShape: [1, 2])
        XCTAssertEqual(summary.rows.map(\.name), ["encoder", "head", "scale"])
        XCTAssertEqual(summary.rows.map(\.parameterCount), [9, 4, 1])
        XCTAssertEqual(summary.outputShape, [1, 1])
        XCTAssertNil(model.summary().outputShape)
    }
}
