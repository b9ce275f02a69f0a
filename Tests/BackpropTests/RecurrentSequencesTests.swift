import Backprop
import XCTest

/// The fused recurrences against the same steps composed from the per-step ops (`dense` and
/// the fused cells, themselves checked against the scalar-loop oracle and by the conformance
/// kit): values, first-order gradients of every input, both directions, several shapes.
final class RecurrentSequencesTests: XCTestCase {
    /// (steps, batch, hidden) cases: one step of one unit, and longer sequences.
    let sizes = [(1, 1, 1), (5, 3, 4), (3, 2, 2)]

    /// The inputs of a recurrence with `gates` blocks: projected inputs, Wₕ, bₕ and `states`
    /// initial states, all requiring gradients.
    func inputs(gates: Int, steps: Int, batch: Int, hidden: Int, states: Int, seed: UInt64) -> [Variable<Double>] {
        let shapes: [TensorShape] = [[steps * batch, gates * hidden], [hidden, gates * hidden], [gates * hidden]]
            + Array(repeating: [batch, hidden], count: states)
        return shapes.enumerated().map {
            Variable(randomTensor($1, in: -1.5..<1.5, seed: seed + UInt64($0)), requiresGradient: true)
        }
    }

    /// Checks `fused` against `composed` (both from the same inputs to a list of outputs):
    /// every output's value and the gradients of Σ wₖ ⊙ outputₖ (wₖ random) with respect to
    /// every input, to 1e-12.
    func assertSame(
        _ v: [Variable<Double>], _ what: String,
        fused: ([Variable<Double>]) -> [Variable<Double>], composed: ([Variable<Double>]) -> [Variable<Double>],
        line: UInt = #line
    ) {
        let (a, b) = (fused(v), composed(v))
        let weights = a.enumerated().map { Variable(randomTensor($1.shape, seed: 90 + UInt64($0))) }
        func loss(_ outputs: [Variable<Double>]) -> Variable<Double> {
            zip(outputs, weights).map { ($0 * $1).sum() }.reduce(Variable(Tensor(0.0)), +)
        }
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.shape, y.shape, what, line: line)
            let worst = zip(x.value.scalars, y.value.scalars).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-12, "\(what): value", line: line)
        }
        let (ga, gb) = (gradients(of: loss(a), withRespectTo: v), gradients(of: loss(b), withRespectTo: v))
        for (k, (x, y)) in zip(ga, gb).enumerated() {
            let worst = zip(x.scalars, y.scalars).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(worst, 1e-12, "\(what): gradient of input \(k)", line: line)
            XCTAssertTrue(x.scalars.contains { $0 != 0 }, "\(what): gradient of input \(k) is zero", line: line)
        }
    }

    /// The steps in the order they run.
    func order(_ steps: Int, _ reversed: Bool) -> [Int] { reversed ? (0..<steps).reversed() : Array(0..<steps) }

    func testLSTMSequenceIsTheStepByStepLSTM() {
        for (steps, batch, hidden) in sizes {
            for reversed in [false, true] {
                let v = inputs(gates: 4, steps: steps, batch: batch, hidden: hidden, states: 2, seed: 10)
                assertSame(v, "lstm T=\(steps) B=\(batch) H=\(hidden) reversed=\(reversed)") { v in
                    let run = lstmSequence(
                        projectedInputs: v[0], weightHidden: v[1], biasHidden: v[2], hidden: v[3], cell: v[4],
                        reversed: reversed)
                    return [run.outputs, run.hidden, run.cell]
                } composed: { v in
                    var (h, c) = (v[3], v[4])
                    var outputs = [Variable<Double>](repeating: v[3], count: steps)
                    for t in order(steps, reversed) {
                        (h, c) = lstmCell(
                            projectedInput: v[0].rows(t * batch..<(t + 1) * batch),
                            projectedHidden: h.matmul(v[1]) + v[2], cell: c)
                        outputs[t] = h
                    }
                    return [concatenate(outputs, alongAxis: 0), h, c]
                }
            }
        }
    }

    func testGRUSequenceIsTheStepByStepGRU() {
        for (steps, batch, hidden) in sizes {
            for reversed in [false, true] {
                let v = inputs(gates: 3, steps: steps, batch: batch, hidden: hidden, states: 1, seed: 20)
                assertSame(v, "gru T=\(steps) B=\(batch) H=\(hidden) reversed=\(reversed)") { v in
                    let run = gruSequence(
                        projectedInputs: v[0], weightHidden: v[1], biasHidden: v[2], hidden: v[3], reversed: reversed)
                    return [run.outputs, run.hidden]
                } composed: { v in
                    var h = v[3]
                    var outputs = [Variable<Double>](repeating: v[3], count: steps)
                    for t in order(steps, reversed) {
                        h = gruCell(
                            projectedInput: v[0].rows(t * batch..<(t + 1) * batch),
                            projectedHidden: h.matmul(v[1]) + v[2], hidden: h)
                        outputs[t] = h
                    }
                    return [concatenate(outputs, alongAxis: 0), h]
                }
            }
        }
    }

    /// Inputs that need no gradient get none, and the others are unchanged by that.
    func testConstantInputsGetNoGradient() {
        let v = inputs(gates: 4, steps: 3, batch: 2, hidden: 2, states: 2, seed: 30)
        let constants = v.enumerated().map { $0 >= 3 ? Variable($1.value) : $1 }
        let run = lstmSequence(
            projectedInputs: constants[0], weightHidden: constants[1], biasHidden: constants[2], hidden: constants[3],
            cell: constants[4])
        let all = lstmSequence(projectedInputs: v[0], weightHidden: v[1], biasHidden: v[2], hidden: v[3], cell: v[4])
        XCTAssertEqual(
            gradients(of: run.outputs.sum(), withRespectTo: Array(constants[..<3])),
            gradients(of: all.outputs.sum(), withRespectTo: Array(v[..<3])))
    }

    /// Gradients of gradients: the Hessian–vector product of a fused sequence's loss matches
    /// the one of the same steps composed from the per-step ops.
    func testSecondOrderMatchesTheComposedRecurrence() {
        for (gates, states) in [(4, 2), (3, 1)] {
            let v = inputs(gates: gates, steps: 3, batch: 2, hidden: 2, states: states, seed: 40)
            let direction = v.enumerated().map { Variable(randomTensor($1.shape, seed: 60 + UInt64($0))) }
            func hvp(_ f: ([Variable<Double>]) -> Variable<Double>) -> [Tensor<Double>] {
                let g = differentiableGradients(of: f(v).squared().sum(), withRespectTo: v)
                let inner = zip(g, direction).map { ($0 * $1).sum() }.reduce(Variable(Tensor(0.0)), +)
                return gradients(of: inner, withRespectTo: v)
            }
            let fused = hvp { v in
                gates == 4
                    ? lstmSequence(projectedInputs: v[0], weightHidden: v[1], biasHidden: v[2], hidden: v[3], cell: v[4])
                        .outputs
                    : gruSequence(projectedInputs: v[0], weightHidden: v[1], biasHidden: v[2], hidden: v[3]).outputs
            }
            let composed = hvp { v in
                var (h, c, outputs) = (v[3], v.last!, [Variable<Double>]())
                for t in 0..<3 {
                    let (a, b) = (v[0].rows(t * 2..<(t + 1) * 2), h.matmul(v[1]) + v[2])
                    if gates == 4 {
                        (h, c) = lstmCell(projectedInput: a, projectedHidden: b, cell: c)
                    } else {
                        h = gruCell(projectedInput: a, projectedHidden: b, hidden: h)
                    }
                    outputs.append(h)
                }
                return concatenate(outputs, alongAxis: 0)
            }
            for (k, (a, b)) in zip(fused, composed).enumerated() {
                let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 1
                XCTAssertLessThanOrEqual(worst, 1e-12, "\(gates) gates: input \(k)")
            }
        }
    }

    /// A NaN in one step's projected input reaches that step's and every later step's outputs.
    func testNaNPropagatesAlongTheSequence() {
        var x = Tensor<Double>.zeros([3, 8])
        x[1, 0] = .nan   // step 1, gate i of unit 0
        let run = lstmSequence(
            projectedInputs: Variable(x), weightHidden: Variable(Tensor.ones([2, 8])), biasHidden: Variable(Tensor.zeros([8])),
            hidden: Variable(Tensor.zeros([1, 2])), cell: Variable(Tensor.zeros([1, 2])))
        // Step 1's unit 0, then every unit of step 2 (through Wₕ); step 0 and step 1's unit 1 not.
        XCTAssertEqual(run.outputs.value.scalars.map(\.isNaN), [false, false, true, false, true, true])
    }

    /// The examples of the doc comments, compiled and run.
    func testDocumentationExamples() {
        let x = Variable(randomTensor([6, 3]))   // 3 steps of a batch of 2, time-major
        let (wi, bi) = (Variable(randomTensor([3, 8], seed: 2)), Variable(randomTensor([8], seed: 3)))
        let (wh, bh) = (Variable(randomTensor([2, 8], seed: 4)), Variable(randomTensor([8], seed: 5)))
        let (h0, c0) = (Variable(Tensor<Double>.zeros([2, 2])), Variable(Tensor<Double>.zeros([2, 2])))
        let (outputs, h, c) = lstmSequence(
            projectedInputs: x.dense(weight: wi, bias: bi), weightHidden: wh, biasHidden: bh,
            hidden: h0, cell: c0)
        XCTAssertEqual([outputs.shape, h.shape, c.shape], [[6, 2], [2, 2], [2, 2]])
        XCTAssertEqual(h.value.scalars, Array(outputs.value.scalars[8...]))
        let (wg, bg) = (Variable(randomTensor([3, 6], seed: 6)), Variable(randomTensor([6], seed: 7)))
        let (wgh, bgh) = (Variable(randomTensor([2, 6], seed: 8)), Variable(randomTensor([6], seed: 9)))
        let gru = gruSequence(
            projectedInputs: x.dense(weight: wg, bias: bg), weightHidden: wgh, biasHidden: bgh, hidden: h0)
        XCTAssertEqual([gru.outputs.shape, gru.hidden.shape], [[6, 2], [2, 2]])
    }
}
