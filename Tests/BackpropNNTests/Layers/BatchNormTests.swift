import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class BatchNormLayerTests: XCTestCase {
    /// Training normalises with the batch statistics and moves the running ones PyTorch's
    /// way (unbiased variance); inference uses the running ones.
    func testTrainingUpdatesRunningStatisticsAndInferenceUsesThem() {
        let layer = BatchNorm<Double>(channels: 2, momentum: 0.1)
        // Channel 0: 1, 3, 5, 7 (mean 4, biased variance 5, unbiased 20/3); channel 1: all 2.
        let x = Variable(Tensor<Double>(shape: [2, 2, 2, 1], scalars: [1, 3, 2, 2, 5, 7, 2, 2]))
        let y = withLearningPhase(.training) { layer(x) }
        XCTAssertEqual(y.value[0, 0, 0, 0], -3 / (5 + 1e-5).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(layer.runningMean.value.scalars[0], 0.4, accuracy: 1e-15)
        XCTAssertEqual(layer.runningMean.value.scalars[1], 0.2, accuracy: 1e-15)
        XCTAssertEqual(layer.runningVariance.value.scalars[0], 0.9 + 0.1 * 20 / 3, accuracy: 1e-15)
        XCTAssertEqual(layer.runningVariance.value.scalars[1], 0.9, accuracy: 1e-15)
        let inference = layer.predict(x.value)
        XCTAssertEqual(inference[0, 0, 0, 0], (1 - 0.4) / (0.9 + 2.0 / 3 + 1e-5).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(layer.runningMean.value.scalars[0], 0.4, accuracy: 1e-15, "inference leaves them")
        XCTAssertEqual(layer.namedParameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(layer.namedBuffers.map(\.name), ["runningMean", "runningVariance"])
    }

    /// A small CNN with batch norm saved and read back: architecture, parameters and
    /// running statistics, the same predictions.
    func testCheckpointKeepsArchitectureParametersAndRunningStatistics() throws {
        var rng = SeededGenerator(seed: 5)
        let model = Sequential<Float>(
            Conv2D(.init(inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1), using: &rng),
            BatchNorm(channels: 4), ActivationLayer(.relu), MaxPool2D(kernelSize: 2),
            AvgPool2D(kernelSize: 1), Flatten(), Dense(inputSize: 16, outputSize: 3, using: &rng))
        let x = Tensor<Float>.normal([5, 1, 4, 4], using: &rng)
        _ = withLearningPhase(.training) { model(Variable(x)) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bp-cnn-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint(model: model).write(to: url)
        let checkpoint = try Checkpoint.read(from: url)
        XCTAssertEqual(checkpoint.buffers?.map(\.name), ["1.runningMean", "1.runningVariance"])
        let restored: Sequential<Float> = try checkpoint.makeModel()
        XCTAssertEqual(restored.predict(x), model.predict(x))
        XCTAssertEqual(restored.namedBuffers.map(\.variable.value), model.namedBuffers.map(\.variable.value))
    }
}
