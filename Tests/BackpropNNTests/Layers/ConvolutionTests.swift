import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class ConvolutionLayerTests: XCTestCase {
    func testConv2DAppliesTheOpWithItsParametersThenTheActivation() {
        var rng = SeededGenerator(seed: 1)
        let config = ConvolutionConfiguration(
            inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, activation: .relu)
        let layer = Conv2D<Double>(config, biasInitializer: .uniformUnit, using: &rng)
        XCTAssertEqual(layer.weight.shape, [3, 2, 3, 3], "OIHW, PyTorch's Conv2d.weight")
        XCTAssertEqual(layer.namedParameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(layer.parameterCount, config.parameterCount)
        let x = Variable(Tensor<Double>.normal([2, 2, 5, 5], using: &rng))
        let expected = x.conv2d(weight: layer.weight, bias: layer.bias, stride: 2, padding: 1).relu()
        XCTAssertEqual(layer(x).value, expected.value)
        let noBias = Conv2D<Double>(.init(inChannels: 2, outChannels: 4, kernelSize: 1, usesBias: false), using: &rng)
        XCTAssertEqual(noBias.namedParameters.map(\.name), ["weight"])
    }

    /// He normal for ReLU, Glorot uniform otherwise, with PyTorch's fan of a convolution:
    /// fan-in = in channels / groups · kH · kW, fan-out = out channels · kH · kW.
    func testInitialisationUsesTheConvolutionFans() {
        var rng = SeededGenerator(seed: 2)
        let he = Conv2D<Double>(.init(inChannels: 8, outChannels: 64, kernelSize: 3, activation: .relu), using: &rng)
        let w = he.weight.value.scalars
        let sd = (w.map { $0 * $0 }.reduce(0, +) / Double(w.count)).squareRoot()
        XCTAssertEqual(sd, (2.0 / 72).squareRoot(), accuracy: 0.01, "He normal: σ = √(2 / fan-in), fan-in 8·9")
        let glorot = Conv2D<Double>(.init(inChannels: 8, outChannels: 16, kernelSize: 3, groups: 4), using: &rng)
        let limit = (6.0 / Double(2 * 9 + 16 * 9)).squareRoot()
        XCTAssertLessThanOrEqual(glorot.weight.value.scalars.map(abs).max()!, limit)
        XCTAssertGreaterThan(glorot.weight.value.scalars.map(abs).max()!, 0.9 * limit)
        XCTAssertEqual(glorot.bias!.value.scalars, [Double](repeating: 0, count: 16))
    }

    func testConv1DAndConvTranspose2DShapes() {
        var rng = SeededGenerator(seed: 3)
        let conv1 = Conv1D<Float>(.init(inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1), using: &rng)
        XCTAssertEqual(conv1.weight.shape, [6, 4, 3])
        XCTAssertEqual(conv1.configuration.kernelSize, Size2D(height: 1, width: 3))
        XCTAssertEqual(conv1(Variable(Tensor.zeros([2, 4, 9]))).shape, [2, 6, 5])
        let up = ConvTranspose2D<Float>(.init(inChannels: 8, outChannels: 4, kernelSize: 4, stride: 2, padding: 1), using: &rng)
        XCTAssertEqual(up.weight.shape, [8, 4, 4, 4], "PyTorch's ConvTranspose2d.weight: [in, out / groups, kH, kW]")
        XCTAssertEqual(up(Variable(Tensor.zeros([2, 8, 5, 5]))).shape, [2, 4, 10, 10])
    }

    func testPoolingAndFlattenLayersHaveNoParameters() {
        let x = Variable(Tensor<Float>.ones([2, 3, 6, 6]))
        XCTAssertEqual(MaxPool2D<Float>(kernelSize: 2)(x).shape, [2, 3, 3, 3])
        XCTAssertEqual(AvgPool2D<Float>(kernelSize: 3, stride: 1, padding: 1)(x).shape, [2, 3, 6, 6])
        XCTAssertEqual(GlobalAveragePool<Float>()(x).shape, [2, 3])
        XCTAssertEqual(Flatten<Float>()(x).shape, [2, 108])
        XCTAssertTrue(MaxPool2D<Float>(kernelSize: 2).namedParameters.isEmpty)
    }

    func testBadConfigurationIsNamed() throws {
        XCTAssertEqual(
            ConvolutionConfiguration(inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2).problem,
            "groups 2 do not divide the channels 3 → 4")
        try assertStops(withMessageContaining: "convolution layer: channels 3 → 0") {
            var rng = SeededGenerator(seed: 0)
            _ = Conv2D<Float>(.init(inChannels: 3, outChannels: 0, kernelSize: 3), using: &rng)
        }
    }
}
