import Backprop
import BackpropNN
import BackpropTesting
import XCTest

final class RecurrentTests: XCTestCase {
    /// Run in chunks, the outputs are those of the whole sequence (the state carries over),
    /// and each chunk's graph starts at the detached state (its leaves are only the
    /// parameters and that chunk's input).
    func testTruncatedBackpropagationCarriesTheStateAcrossChunks() {
        var rng = SeededGenerator(seed: 1)
        let lstm = LSTM<Double>(inputSize: 2, hiddenSize: 3, using: &rng)
        let x = Tensor<Double>.uniform([2, 7, 2], in: -1..<1, using: &rng)
        let (whole, wholeState) = lstm(Variable(x), initialState: nil)
        var chunks: [Range<Int>] = []
        let final = lstm.truncatedBackpropagation(through: x, chunkLength: 3) { output, steps in
            chunks.append(steps)
            assertClose(output.value, whole.value.sliced(alongAxis: 1, steps), relativeTolerance: 1e-12)
            // Only the chunk's own steps were recorded: the gradient with respect to the
            // parameters needs no node of an earlier chunk, and none is reachable.
            XCTAssertEqual(output.shape, [2, steps.count, 3])
        }
        XCTAssertEqual(chunks, [0..<3, 3..<6, 6..<7])
        XCTAssertEqual(final.count, 2)
        assertClose(final[0], wholeState[0].value, relativeTolerance: 1e-12)
        assertClose(final[1], wholeState[1].value, relativeTolerance: 1e-12)
    }

    func testMismatchedInitialStateNamesTheLayerAndShapes() throws {
        try assertStops(
            withMessageContaining:
                "Recurrent<LSTMCell<Double>>: initial state [1, 2, 3] for input [2, 4, 2]; expected 2 of [1, 2, 3]"
        ) {
            var rng = SeededGenerator(seed: 0)
            let lstm = LSTM<Double>(inputSize: 2, hiddenSize: 3, using: &rng)
            _ = lstm(Variable(Tensor.zeros([2, 4, 2])), initialState: [Variable(Tensor.zeros([1, 2, 3]))])
        }
        try assertStops(withMessageContaining: "Recurrent<GRUCell<Double>>: initial state [1, 3, 3] for input [2, 4, 2]; expected 1 of [1, 2, 3]") {
            var rng = SeededGenerator(seed: 0)
            let gru = GRU<Double>(inputSize: 2, hiddenSize: 3, using: &rng)
            _ = gru(Variable(Tensor.zeros([2, 4, 2])), initialState: [Variable(Tensor.zeros([1, 3, 3]))])
        }
    }

    func testEmptySequenceNamesTheShape() throws {
        try assertStops(withMessageContaining: "input [2, 0, 2] is not [batch, time ≥ 1, 2]") {
            var rng = SeededGenerator(seed: 0)
            let rnn = RNN<Double>(inputSize: 2, hiddenSize: 3, using: &rng)
            _ = rnn(Variable(Tensor.zeros([2, 0, 2])))
        }
    }
}
