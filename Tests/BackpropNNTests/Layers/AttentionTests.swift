import Backprop
import BackpropNN
import BackpropTesting
import XCTest

final class AttentionTests: XCTestCase {
    func testMultiHeadAttentionGradientsMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 11)
        for causal in [false, true] {
            let attention = MultiHeadAttention<Double>(width: 4, heads: 2, causal: causal, using: &rng)
            let x = Tensor<Double>.uniform([2, 3, 4], in: -1..<1, using: &rng)
            let target = Tensor<Double>.uniform([2, 3, 4], in: -1..<1, using: &rng)
            assertModelGradientsMatch(attention, input: x, target: target, loss: .meanSquaredError, "causal \(causal)")
        }
    }

    /// With the causal mask, an output does not depend on later positions.
    func testCausalAttentionIgnoresLaterPositions() {
        var rng = SeededGenerator(seed: 12)
        let attention = MultiHeadAttention<Double>(width: 4, heads: 2, causal: true, using: &rng)
        var x = Tensor<Double>.uniform([1, 3, 4], in: -1..<1, using: &rng)
        let before = attention(Variable(x)).value
        x[0, 2, 1] += 1
        let after = attention(Variable(x)).value
        assertClose(after.sliced(alongAxis: 1, 0..<2), before.sliced(alongAxis: 1, 0..<2), relativeTolerance: 1e-15)
        XCTAssertNotEqual(after.sliced(alongAxis: 1, 2..<3), before.sliced(alongAxis: 1, 2..<3))
    }

    func testTransformerBlockGradientsMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 13)
        for approximation in GELUApproximation.allCases {
            let block = TransformerBlock<Double>(width: 4, heads: 2, geluApproximation: approximation, using: &rng)
            // Non-trivial norms, so their gradients are checked away from γ = 1, β = 0.
            block.mlpNorm.scale.value = Tensor.uniform([4], in: 0.5..<1.5, using: &rng)
            block.attentionNorm.offset.value = Tensor.uniform([4], in: -0.5..<0.5, using: &rng)
            let x = Tensor<Double>.uniform([2, 3, 4], in: -1..<1, using: &rng)
            let target = Tensor<Double>.uniform([2, 3, 4], in: -1..<1, using: &rng)
            assertModelGradientsMatch(block, input: x, target: target, loss: .meanSquaredError, mode: .fast, "\(approximation)")
        }
    }

    func testMultiHeadAttentionNamesABadInput() throws {
        try assertStops(withMessageContaining: "MultiHeadAttention: input [2, 3] is not [batch, time, 4]") {
            var rng = SeededGenerator(seed: 0)
            _ = MultiHeadAttention<Double>(width: 4, heads: 2, using: &rng)(Variable(Tensor.zeros([2, 3])))
        }
        try assertStops(withMessageContaining: "MultiHeadAttention: width 6 is not a positive multiple of 4 heads") {
            var rng = SeededGenerator(seed: 0)
            _ = MultiHeadAttention<Double>(width: 6, heads: 4, using: &rng)
        }
    }
}
