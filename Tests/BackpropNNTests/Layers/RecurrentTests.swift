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

    /// Checkpointed every k steps (k dividing the length or not, longer than it), stacked
    /// and bidirectional: the outputs and the final states equal the plain ones bit for
    /// bit, every gradient (parameters, input, initial state) to rounding (a shared
    /// parameter's per-step terms are summed per segment first), and the graph holds one
    /// checkpointed node per segment.
    func testCheckpointedStepsGiveTheSameOutputsAndGradients() {
        var rng = SeededGenerator(seed: 2)
        let plainLSTM = LSTM<Double>(inputSize: 2, hiddenSize: 3, layers: 2, bidirectional: true, using: &rng)
        let plainGRU = GRU<Double>(inputSize: 2, hiddenSize: 3, using: &rng)
        let x = Variable(Tensor<Double>.uniform([2, 7, 2], in: -1..<1, using: &rng), requiresGradient: true)
        func run<Cell: RecurrentCell<Double>>(_ layer: Recurrent<Cell>) -> (values: [[Double]], gradients: [[Double]], nodes: Int) {
            var draws = SeededGenerator(seed: 9)
            let h0 = (0..<Cell.stateCount).map { _ in
                Variable(Tensor<Double>.uniform([layer.cells.count * layer.cells[0].count, 2, 3], in: -1..<1, using: &draws),
                         requiresGradient: true)
            }
            let (y, final) = layer(x, initialState: h0)
            var loss = y.squared().sum()
            for state in final { loss = loss + (state * state).sum() }
            var checkpoints = 0
            var seen = Set<ObjectIdentifier>()
            var stack = [loss]
            while let node = stack.popLast() {
                guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
                if node.op == "checkpointed" { checkpoints += 1 }
                stack += node.inputs
            }
            let g = gradients(of: loss, withRespectTo: layer.parameters + [x] + h0)
            return ([y.value.scalars] + final.map(\.value.scalars), g.map(\.scalars), checkpoints)
        }
        for interval in [1, 3, 7, 10] {
            var lstm = plainLSTM, gru = plainGRU
            (lstm.checkpointInterval, gru.checkpointInterval) = (interval, interval)
            let segments = (7 + interval - 1) / interval
            let (plain, checkpointed) = (run(plainLSTM), run(lstm))
            for (a, b) in zip(checkpointed.values, plain.values) {
                assertClose(Tensor(a), Tensor(b), absoluteTolerance: 1e-14, "LSTM values, interval \(interval)")
            }
            for (a, b) in zip(checkpointed.gradients, plain.gradients) {
                assertClose(Tensor(a), Tensor(b), absoluteTolerance: 1e-13, "LSTM, interval \(interval)")
            }
            XCTAssertEqual(checkpointed.nodes, 4 * segments, "LSTM: 2 layers × 2 directions × segments")
            let (plainG, checkpointedG) = (run(plainGRU), run(gru))
            for (a, b) in zip(checkpointedG.values, plainG.values) {
                assertClose(Tensor(a), Tensor(b), absoluteTolerance: 1e-14, "GRU values, interval \(interval)")
            }
            for (a, b) in zip(checkpointedG.gradients, plainG.gradients) {
                assertClose(Tensor(a), Tensor(b), absoluteTolerance: 1e-13, "GRU, interval \(interval)")
            }
            XCTAssertEqual(checkpointedG.nodes, segments)
        }
    }

    /// `unroll` over a list of steps gives the one-layer call's outputs and final states, in
    /// both directions, and for a cell of the default `sequence` (RNN) as for the fused ones.
    func testUnrollMatchesTheLayer() {
        var rng = SeededGenerator(seed: 3)
        let x = Tensor<Double>.uniform([2, 5, 3], in: -1..<1, using: &rng)
        let steps = (0..<5).map { Variable(x.sliced(alongAxis: 1, $0..<$0 + 1).reshaped(to: [2, 3])) }
        func check<Cell: RecurrentCell>(_ layer: Recurrent<Cell>) where Cell.Scalar == Double {
            let (y, final) = layer(Variable(x), initialState: nil)
            let zeros = (0..<Cell.stateCount).map { _ in Variable(Tensor<Double>.zeros([2, 4])) }
            for (d, cell) in layer.cells[0].enumerated() {
                let run = Recurrent<Cell>.unroll(cell, steps, from: zeros, reversed: d == 1)
                for (t, h) in run.outputs.enumerated() {
                    assertClose(h.value, y.value.sliced(alongAxis: 1, t..<t + 1).sliced(alongAxis: 2, 4 * d..<4 * d + 4)
                        .reshaped(to: [2, 4]), relativeTolerance: 1e-12, "\(Cell.self) direction \(d) step \(t)")
                }
                for (j, state) in run.finalState.enumerated() {
                    assertClose(state.value, final[j].value.sliced(alongAxis: 0, d..<d + 1).reshaped(to: [2, 4]), relativeTolerance: 1e-12)
                }
            }
        }
        check(LSTM<Double>(inputSize: 3, hiddenSize: 4, bidirectional: true, using: &rng))
        check(GRU<Double>(inputSize: 3, hiddenSize: 4, bidirectional: true, using: &rng))
        check(RNN<Double>(inputSize: 3, hiddenSize: 4, bidirectional: true, using: &rng))
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
