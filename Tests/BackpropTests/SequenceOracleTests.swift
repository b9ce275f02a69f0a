import Backprop
import BackpropNN
import BackpropTesting
import XCTest

/// The recurrent layers and attention against the independent loops of
/// `Oracle/SequenceOracle.swift`, in Double.
final class SequenceOracleTests: XCTestCase {
    typealias Oracle = SequenceOracle

    /// A random cell in PyTorch's layout for the oracle.
    func oracleCell(gates: Int, input: Int, hidden: Int, seed: UInt64) -> Oracle.Cell {
        var rng = SeededGenerator(seed: seed)
        func draw(_ n: Int) -> [Double] { Tensor<Double>.uniform([n], in: -0.8..<0.8, using: &rng).scalars }
        let rows = gates * hidden
        return Oracle.Cell(hidden: hidden, wih: draw(rows * input), whh: draw(rows * hidden), bih: draw(rows), bhh: draw(rows))
    }

    /// A PyTorch weight (rows × columns) in the library's layout (columns × rows).
    func transposed(_ w: [Double], rows: Int) -> Tensor<Double> {
        Tensor(shape: [rows, w.count / rows], scalars: w).transposed()
    }

    func libraryCell<C: RecurrentCell>(_ cell: Oracle.Cell, as _: C.Type) -> C where C.Scalar == Double {
        let rows = cell.bih.count
        return C(
            weightInput: transposed(cell.wih, rows: rows), weightHidden: transposed(cell.whh, rows: rows),
            biasInput: Tensor(cell.bih), biasHidden: Tensor(cell.bhh))
    }

    /// Sample b of a [batch, time, features] tensor as rows per step.
    func steps(_ x: Tensor<Double>, sample b: Int) -> [[Double]] {
        let (t, f) = (x.shape[1], x.shape[2])
        return (0..<t).map { s in Array(x.scalars[(b * t + s) * f..<(b * t + s + 1) * f]) }
    }

    func assertClose(_ a: [Double], _ b: [Double], _ tolerance: Double, _ what: String, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, "\(what): max error \(worst)", line: line)
    }

    func testRNNBackpropagationThroughTimeMatchesTheDeltaRecursion() {
        let (batch, time, input, hidden) = (2, 5, 3, 4)
        let cell = oracleCell(gates: 1, input: input, hidden: hidden, seed: 1)
        var rng = SeededGenerator(seed: 2)
        let x = Tensor<Double>.uniform([batch, time, input], in: -1..<1, using: &rng)
        let h0 = Tensor<Double>.uniform([1, batch, hidden], in: -0.5..<0.5, using: &rng)
        let weights = Tensor<Double>.uniform([batch, time, hidden], in: -1..<1, using: &rng)
        let rnn = RNN<Double>(cells: [[libraryCell(cell, as: RNNCell<Double>.self)]])
        let initial = Variable(h0, requiresGradient: true)
        let (output, _) = rnn(Variable(x), initialState: [initial])
        let loss = (output * Variable(weights)).sum()
        let g = gradients(of: loss, withRespectTo: rnn.parameters + [initial])
        var expected = (wih: [Double](repeating: 0, count: hidden * input), whh: [Double](repeating: 0, count: hidden * hidden),
                        bias: [Double](repeating: 0, count: hidden), h0: [Double]())
        for b in 0..<batch {
            let start = Array(h0.scalars[b * hidden..<(b + 1) * hidden])
            let o = Oracle.rnnBackpropagationThroughTime(cell, inputs: steps(x, sample: b), h0: start, lossWeights: steps(weights, sample: b))
            assertClose(steps(output.value, sample: b).flatMap { $0 }, o.hs.flatMap { $0 }, 1e-12, "h of sample \(b)")
            expected.wih = zip(expected.wih, o.wih).map(+)
            expected.whh = zip(expected.whh, o.whh).map(+)
            expected.bias = zip(expected.bias, o.bias).map(+)
            expected.h0 += o.h0
        }
        assertClose(g[0].scalars, transposed(expected.wih, rows: hidden).scalars, 1e-12, "∇W_ih")
        assertClose(g[1].scalars, transposed(expected.whh, rows: hidden).scalars, 1e-12, "∇W_hh")
        assertClose(g[2].scalars, expected.bias, 1e-12, "∇b_ih")
        assertClose(g[3].scalars, expected.bias, 1e-12, "∇b_hh")
        assertClose(g[4].scalars, expected.h0, 1e-12, "∇h0")
    }

    /// Truncated BPTT: each chunk's gradient is the δ recursion over that chunk alone,
    /// started from the previous chunk's final h as a constant, so the gradient summed over
    /// the chunks equals the oracle run chunk by chunk, and differs from full BPTT (which
    /// also carries δ back across the chunk boundary).
    func testTruncatedBackpropagationMatchesTheChunkedDeltaRecursion() {
        let (time, input, hidden, chunk) = (6, 2, 3, 4)
        let cell = oracleCell(gates: 1, input: input, hidden: hidden, seed: 21)
        var rng = SeededGenerator(seed: 22)
        let x = Tensor<Double>.uniform([1, time, input], in: -1..<1, using: &rng)
        let weights = Tensor<Double>.uniform([1, time, hidden], in: -1..<1, using: &rng)
        let rnn = RNN<Double>(cells: [[libraryCell(cell, as: RNNCell<Double>.self)]])
        var summed = [Double](repeating: 0, count: hidden * hidden)
        _ = rnn.truncatedBackpropagation(through: x, chunkLength: chunk) { output, steps in
            let loss = (output * Variable(weights.sliced(alongAxis: 1, steps))).sum()
            let g = gradients(of: loss, withRespectTo: rnn.parameters)
            summed = zip(summed, g[1].scalars).map(+)
        }
        let (xs, cs) = (steps(x, sample: 0), steps(weights, sample: 0))
        let first = Oracle.rnnBackpropagationThroughTime(
            cell, inputs: Array(xs[..<chunk]), h0: Array(repeating: 0, count: hidden), lossWeights: Array(cs[..<chunk]))
        let second = Oracle.rnnBackpropagationThroughTime(
            cell, inputs: Array(xs[chunk...]), h0: first.hs.last!, lossWeights: Array(cs[chunk...]))
        let chunked = transposed(zip(first.whh, second.whh).map(+), rows: hidden).scalars
        assertClose(summed, chunked, 1e-12, "∇W_hh summed over the chunks")
        let full = Oracle.rnnBackpropagationThroughTime(
            cell, inputs: xs, h0: Array(repeating: 0, count: hidden), lossWeights: cs)
        let difference = zip(transposed(full.whh, rows: hidden).scalars, summed).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(difference, 1e-3, "truncation drops the gradient across the chunk boundary")
    }

    func testLSTMAndGRUForwardMatchTheScalarLoops() {
        let (batch, time, input, hidden) = (2, 4, 3, 5)
        var rng = SeededGenerator(seed: 3)
        let x = Tensor<Double>.uniform([batch, time, input], in: -1..<1, using: &rng)
        let h0 = Tensor<Double>.uniform([1, batch, hidden], in: -0.5..<0.5, using: &rng)
        let c0 = Tensor<Double>.uniform([1, batch, hidden], in: -0.5..<0.5, using: &rng)
        let lstmCell = oracleCell(gates: 4, input: input, hidden: hidden, seed: 4)
        let lstm = LSTM<Double>(cells: [[libraryCell(lstmCell, as: LSTMCell<Double>.self)]])
        let (lstmOutput, lstmState) = lstm(Variable(x), initialState: [Variable(h0), Variable(c0)])
        let gruCell = oracleCell(gates: 3, input: input, hidden: hidden, seed: 5)
        let gru = GRU<Double>(cells: [[libraryCell(gruCell, as: GRUCell<Double>.self)]])
        let (gruOutput, gruState) = gru(Variable(x), initialState: [Variable(h0)])
        for b in 0..<batch {
            let (h, c) = (Array(h0.scalars[b * hidden..<(b + 1) * hidden]), Array(c0.scalars[b * hidden..<(b + 1) * hidden]))
            let expected = Oracle.lstm(lstmCell, inputs: steps(x, sample: b), h0: h, c0: c)
            assertClose(steps(lstmOutput.value, sample: b).flatMap { $0 }, expected.hs.flatMap { $0 }, 1e-12, "LSTM h")
            assertClose(Array(lstmState[1].value.scalars[b * hidden..<(b + 1) * hidden]), expected.c, 1e-12, "LSTM c")
            assertClose(Array(lstmState[0].value.scalars[b * hidden..<(b + 1) * hidden]), expected.hs.last!, 1e-12, "LSTM h_T")
            let gruExpected = Oracle.gru(gruCell, inputs: steps(x, sample: b), h0: h)
            assertClose(steps(gruOutput.value, sample: b).flatMap { $0 }, gruExpected.flatMap { $0 }, 1e-12, "GRU h")
            assertClose(Array(gruState[0].value.scalars[b * hidden..<(b + 1) * hidden]), gruExpected.last!, 1e-12, "GRU h_T")
        }
    }

    func testLSTMAndGRUGradientsMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 6)
        let x = Tensor<Double>.uniform([2, 3, 3], in: -1..<1, using: &rng)
        let target = Tensor<Double>.uniform([2, 3, 8], in: -1..<1, using: &rng)
        let lstm = LSTM<Double>(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, using: &rng)
        assertModelGradientsMatch(lstm, input: x, target: target, loss: .meanSquaredError)
        let gru = GRU<Double>(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, using: &rng)
        assertModelGradientsMatch(gru, input: x, target: target, loss: .meanSquaredError)
    }

    func testAttentionMatchesTheLoopWithAndWithoutTheCausalMask() {
        var rng = SeededGenerator(seed: 7)
        let (batch, heads, time, d) = (2, 3, 5, 4)
        let q = Tensor<Double>.uniform([batch, heads, time, d], in: -2..<2, using: &rng)
        let k = Tensor<Double>.uniform([batch, heads, time, d], in: -2..<2, using: &rng)
        let v = Tensor<Double>.uniform([batch, heads, time, 3], in: -2..<2, using: &rng)
        func rows(_ x: Tensor<Double>, _ n: Int) -> [[Double]] {
            let width = x.shape[3]
            return (0..<time).map { Array(x.scalars[(n * time + $0) * width..<(n * time + $0 + 1) * width]) }
        }
        for causal in [false, true] {
            let y = scaledDotProductAttention(
                query: Variable(q), key: Variable(k), value: Variable(v), mask: causal ? .causalMask(length: time) : nil)
            XCTAssertEqual(y.shape, [batch, heads, time, 3])
            let expected = (0..<batch * heads).flatMap { n in
                Oracle.attention(rows(q, n), rows(k, n), rows(v, n), causal: causal).flatMap { $0 }
            }
            assertClose(y.value.scalars, expected, 1e-12, "attention causal \(causal)")
        }
        // A key-padding mask, [batch, 1, 1, T]: a different mask for each batch entry, shared
        // by its heads; entry b sees keys 0...b + 2, and with the causal mask multiplied in too.
        let padding = Tensor<Double>(
            shape: [batch, 1, 1, time], scalars: (0..<batch).flatMap { b in (0..<time).map { $0 <= b + 2 ? 1 : 0 } })
        for causal in [false, true] {
            let mask = causal ? padding * Tensor.causalMask(length: time) : padding
            let y = scaledDotProductAttention(query: Variable(q), key: Variable(k), value: Variable(v), mask: mask)
            let expected = (0..<batch * heads).flatMap { n in
                Oracle.attention(rows(q, n), rows(k, n), rows(v, n)) { i, j in j <= n / heads + 2 && (!causal || j <= i) }
                    .flatMap { $0 }
            }
            assertClose(y.value.scalars, expected, 1e-12, "padded attention causal \(causal)")
        }
    }
}
