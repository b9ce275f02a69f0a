import Backprop
import CBackpropKernels
import XCTest

/// The ops that split their work over the CPUs (GELU, softmax along the last axis, layer
/// normalisation and its backward, batched products, attention) give, on tensors large
/// enough to be split, bit for bit what they give on the pieces one at a time, which are too
/// small to be split: the values do not depend on the number of CPUs. (Skipped on a machine
/// with one CPU, where nothing is split.)
final class ParallelTests: XCTestCase {
    private var rng = SeededGenerator(seed: 11)

    private func bits(_ t: Tensor<Float>) -> [UInt32] { t.scalars.map(\.bitPattern) }

    /// Rows [i, i+1) of a matrix, as a 1-row matrix.
    private func row(_ x: Tensor<Float>, _ i: Int) -> Tensor<Float> {
        let width = x.shape[1]
        return Tensor(shape: [1, width], scalars: Array(x.scalars[i * width..<(i + 1) * width]))
    }

    override func setUpWithError() throws {
        try XCTSkipIf(bp_cpu_count() < 2, "one CPU: nothing is split")
    }

    func testElementWiseAndRowWiseOpsAgreeWithTheirPieces() {
        let (rows, width) = (2048, 64)
        let x = Variable(Tensor<Float>.uniform([rows, width], in: -4..<4, using: &rng), requiresGradient: true)
        let g = Tensor<Float>.uniform([rows, width], in: -1..<1, using: &rng)
        let (gamma, beta) = (Variable(Tensor<Float>.uniform([width], in: 0.5..<2, using: &rng), requiresGradient: true),
                             Variable(Tensor<Float>.uniform([width], in: -1..<1, using: &rng), requiresGradient: true))
        let ops: [(String, (Variable<Float>) -> Variable<Float>)] = [
            ("gelu", { $0.gelu() }),
            ("softmax", { $0.softmax(alongAxis: -1) }),
            ("logSoftmax", { $0.logSoftmax(alongAxis: -1) }),
            ("layerNorm", { $0.layerNorm(scale: gamma, offset: beta) }),
        ]
        for (name, op) in ops {
            let y = op(x)
            let whole = gradients(of: (y * Variable(g)).sum(), withRespectTo: [x, gamma, beta])
            var (gammaSum, betaSum) = ([Float](repeating: 0, count: width), [Float](repeating: 0, count: width))
            for i in stride(from: 0, to: rows, by: 97) {
                let piece = Variable(row(x.value, i), requiresGradient: true)
                let yi = op(piece)
                XCTAssertEqual(bits(yi.value), bits(row(y.value, i)), "\(name) row \(i)")
                let gi = gradients(of: (yi * Variable(row(g, i))).sum(), withRespectTo: [piece])[0]
                XCTAssertEqual(bits(gi), bits(row(whole[0], i)), "\(name) ∇x row \(i)")
            }
            guard name == "layerNorm" else { continue }
            // ∇γ and ∇β: each column summed over the rows in order, ĝ·x̂ from the op itself.
            let normalized = x.value.rowsApplying { Variable($0).layerNorm(scale: Variable(.ones([width])), offset: Variable(.zeros([width]))).value }
            for i in 0..<rows {
                for j in 0..<width {
                    gammaSum[j] += g.scalars[i * width + j] * normalized.scalars[i * width + j]
                    betaSum[j] += g.scalars[i * width + j]
                }
            }
            XCTAssertEqual(whole[1].scalars.map(\.bitPattern), gammaSum.map(\.bitPattern), "∇γ")
            XCTAssertEqual(whole[2].scalars.map(\.bitPattern), betaSum.map(\.bitPattern), "∇β")
        }
    }

    func testBatchedProductsAndAttentionAgreeWithTheirEntries() {
        let (batch, time, d) = (64, 64, 16)
        let q = Tensor<Float>.uniform([batch, time, d], in: -1..<1, using: &rng)
        let k = Tensor<Float>.uniform([batch, time, d], in: -1..<1, using: &rng)
        let v = Tensor<Float>.uniform([batch, time, d], in: -1..<1, using: &rng)
        func entry(_ t: Tensor<Float>, _ i: Int) -> Tensor<Float> {
            let size = t.shape[1] * t.shape[2]
            return Tensor(shape: [1, t.shape[1], t.shape[2]], scalars: Array(t.scalars[i * size..<(i + 1) * size]))
        }
        let scores = q.batchedMatmul(k, transposingOther: true)
        let attended = scaledDotProductAttention(
            query: Variable(q), key: Variable(k), value: Variable(v), mask: .causalMask(length: time))
        for i in [0, 17, 63] {
            XCTAssertEqual(bits(entry(scores, i)), bits(entry(q, i).batchedMatmul(entry(k, i), transposingOther: true)), "product \(i)")
            let alone = scaledDotProductAttention(
                query: Variable(entry(q, i)), key: Variable(entry(k, i)), value: Variable(entry(v, i)),
                mask: .causalMask(length: time))
            XCTAssertEqual(bits(alone.value), bits(entry(attended.value, i)), "attention \(i)")
        }
    }
}

private extension Tensor<Float> {
    /// `f` applied to each row (as a 1-row matrix), the results stacked.
    func rowsApplying(_ f: (Tensor<Float>) -> Tensor<Float>) -> Tensor<Float> {
        let width = shape[1]
        let rows = (0..<shape[0]).flatMap { i in
            f(Tensor(shape: [1, width], scalars: Array(scalars[i * width..<(i + 1) * width]))).scalars
        }
        return Tensor(shape: shape, scalars: rows)
    }
}
