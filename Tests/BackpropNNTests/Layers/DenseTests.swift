import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class DenseTests: XCTestCase {
    func testDenseComputesRowVectorAffineMapThenActivation() {
        let w: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]  // 2 inputs × 3 outputs
        let b: Tensor<Double> = [0.5, -1, 0]
        let layer = Dense(weight: w, bias: b, activation: .sigmoid)
        let x: Tensor<Double> = [[1, -1], [0, 2]]
        let y = layer(Variable(x)).value
        // Written out by hand: u[r][j] = Σₖ x[r][k] w[k][j] + b[j].
        for r in 0..<2 {
            for j in 0..<3 {
                let u = x[r, 0] * w[0, j] + x[r, 1] * w[1, j] + b[j]
                XCTAssertEqual(y[r, j], 1 / (1 + Foundation.exp(-u)), accuracy: 1e-15)
            }
        }
        XCTAssertEqual(layer.inputSize, 2)
        XCTAssertEqual(layer.outputSize, 3)
        XCTAssertEqual(layer.namedParameters.map(\.name), ["weight", "bias"])
    }

    func testDenseGradientsMatchCentralDifferences() {
        var rng = SeededGenerator(seed: 4)
        for activation in Activation.allCases {
            let x = Tensor<Double>.normal([3, 4], using: &rng)
            let w = Tensor<Double>.normal([4, 2], using: &rng)
            let b = Tensor<Double>.normal([2], using: &rng)
            let c = Variable(Tensor<Double>.normal([3, 2], using: &rng))
            let layer = Dense(weight: w, bias: b, activation: activation)
            assertGradientsMatch(at: [x], "\(activation)") { v in (layer(v[0]) * c).sum() }
        }
    }

    func testDenseBackwardGivesTheDeltaFormulas() {
        // ∇W = xᵀ Δ, ∇b = column sums of Δ, with Δ = ∇y ⊙ σ'(u) (the batched δ formulas).
        var rng = SeededGenerator(seed: 9)
        let layer = Dense<Double>(inputSize: 3, outputSize: 2, activation: .sigmoid, initializer: .normal(standardDeviation: 1), using: &rng)
        let x = Tensor<Double>.normal([4, 3], using: &rng)
        let y = layer(Variable(x))
        y.sum().backward()
        let s = y.value
        let delta = s.map { $0 * (1 - $0) }  // ∇y = 1
        XCTAssertEqual(layer.weight.gradient!.scalars, x.matmul(delta, transposingSelf: true, transposingOther: false).scalars)
        XCTAssertEqual(layer.bias.gradient!.scalars, delta.sum(alongAxis: 0).scalars)
    }
}
