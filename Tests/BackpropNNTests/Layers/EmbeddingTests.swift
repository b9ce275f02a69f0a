import Backprop
import BackpropNN
import BackpropTesting
import XCTest

final class EmbeddingLayerTests: XCTestCase {
    func testEmbeddingLooksUpRowsByIdAndShape() {
        var rng = SeededGenerator(seed: 1)
        let embed = Embedding<Double>(vocabularySize: 5, width: 3, using: &rng)
        let y = embed([4, 0, 4, 2], shape: [2, 2])
        XCTAssertEqual(y.shape, [2, 2, 3])
        for (k, id) in [4, 0, 4, 2].enumerated() {
            XCTAssertEqual(Array(y.value.scalars[3 * k..<3 * k + 3]), Array(embed.weight.value.scalars[3 * id..<3 * id + 3]))
        }
        XCTAssertEqual(embed(Variable(Tensor([[4, 0], [4, 2]]))).value, y.value, "ids held by a tensor")
    }

    func testPositionalEmbeddingAddsOneRowPerPosition() {
        var rng = SeededGenerator(seed: 2)
        let positions = PositionalEmbedding<Double>(maximumLength: 4, width: 2, using: &rng)
        let x = Tensor<Double>.uniform([2, 3, 2], in: -1..<1, using: &rng)
        let y = positions(Variable(x)).value
        for b in 0..<2 { for t in 0..<3 { for j in 0..<2 {
            XCTAssertEqual(y[b, t, j], x[b, t, j] + positions.weight.value[t, j])
        } } }
    }

    func testPositionalEmbeddingNamesATooLongSequence() throws {
        try assertStops(withMessageContaining: "PositionalEmbedding: input [1, 5, 2] is not [batch, time ≤ 4, 2]") {
            var rng = SeededGenerator(seed: 0)
            _ = PositionalEmbedding<Double>(maximumLength: 4, width: 2, using: &rng)(Variable(Tensor.zeros([1, 5, 2])))
        }
    }

    func testLayerNormLayerGradientsMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 3)
        let norm = LayerNorm<Double>(width: 4)
        norm.scale.value = Tensor.uniform([4], in: 0.5..<1.5, using: &rng)
        let x = Tensor<Double>.uniform([3, 4], in: -1..<1, using: &rng)
        assertModelGradientsMatch(norm, input: x, target: Tensor.uniform([3, 4], in: -1..<1, using: &rng), loss: .meanSquaredError)
    }
}
