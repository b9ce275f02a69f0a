import Backprop
import BackpropTesting
import Foundation
import XCTest

/// Edge cases of the sequence-model ops (values, ties, NaN, repeated ids) and their misuse
/// messages; gradients are checked by the conformance table.
final class SequenceOpsTests: XCTestCase {
    func testGELUMatchesItsDefinitionsAndSiLUIsXTimesSigmoid() {
        let x = Tensor<Double>([-3, -0.5, 0, 0.7, 2])
        let exact = Variable(x).gelu().value.scalars
        let approximate = Variable(x).gelu(approximation: .tanh).value.scalars
        let silu = Variable(x).silu().value.scalars
        for (i, v) in x.scalars.enumerated() {
            XCTAssertEqual(exact[i], v * 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot())), accuracy: 1e-15)
            let u = (2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)
            XCTAssertEqual(approximate[i], 0.5 * v * (1 + Foundation.tanh(u)), accuracy: 1e-15)
            XCTAssertEqual(silu[i], v / (1 + Foundation.exp(-v)), accuracy: 1e-15)
        }
        XCTAssertEqual(Variable(Tensor<Double>([-1000, 1000])).silu().value.scalars, [-0.0, 1000])
    }

    /// The exact GELU in Float and Double against x·½ erfc(−x/√2) and its derivative
    /// Φ(x) + x e^(−x²/2)/√(2π) computed here in Double: Float within 2e-6 relative for
    /// |x| ≤ 3 and 3e-5 in the negative tail down to x = −12, Double within 1e-14 (1e-12 in
    /// the tail), where x·½(1 + erf(x/√2)) has lost every digit (0 below about −5.5 in Float,
    /// −8.3 in Double).
    func testGELUIsAccurateIncludingTheNegativeTail() {
        let xs = stride(from: -12.0, through: 6.0, by: 0.01).map { Double(Float($0)) }
        let single = Variable(Tensor<Float>(xs.map(Float.init)), requiresGradient: true)
        let double = Variable(Tensor<Double>(xs), requiresGradient: true)
        let (ys, yd) = (single.gelu(), double.gelu())
        let (gs, gd) = (gradients(of: ys.sum(), withRespectTo: [single])[0], gradients(of: yd.sum(), withRespectTo: [double])[0])
        for (i, x) in xs.enumerated() {
            let cdf = Foundation.erfc(-x / 2.0.squareRoot()) / 2
            let (want, slope) = (x * cdf, cdf + x * Foundation.exp(-x * x / 2) / (2 * Double.pi).squareRoot())
            let tolerance = Swift.abs(x) <= 3 ? 2e-6 : 3e-5
            XCTAssertLessThanOrEqual(Swift.abs(Double(ys.value.scalars[i]) - want), tolerance * Swift.abs(want), "Float gelu(\(x))")
            // Deep in the tail erfc's relative slope is about z²: one rounding of x/√2 moves it by 1e-14.
            let doubleTolerance = Swift.abs(x) <= 3 ? 1e-14 : 1e-12
            XCTAssertLessThanOrEqual(Swift.abs(yd.value.scalars[i] - want), doubleTolerance * Swift.abs(want), "Double gelu(\(x))")
            // An absolute floor for Float's slope: gelu′ crosses 0 at x ≈ −0.75.
            XCTAssertLessThanOrEqual(Swift.abs(Double(gs.scalars[i]) - slope), 1e-5 * Swift.max(Swift.abs(slope), 1e-2), "Float gelu′(\(x))")
            XCTAssertLessThanOrEqual(Swift.abs(gd.scalars[i] - slope), 1e-13 * Swift.max(Swift.abs(slope), 1e-3), "Double gelu′(\(x))")
        }
        XCTAssertTrue(Variable(Tensor<Float>([.nan])).gelu().value.scalars[0].isNaN)
    }

    func testNaNPropagatesThroughTheSmoothOpsAndLayerNorm() {
        let x = Variable(Tensor<Double>([[.nan, 1, 2]]), requiresGradient: true)
        for y in [x.sin(), x.cos(), x.erf(), x.gelu(), x.gelu(approximation: .tanh), x.silu()] {
            XCTAssertTrue(y.value.scalars[0].isNaN, y.op)
            XCTAssertTrue(gradients(of: y.sum(), withRespectTo: [x])[0].scalars[0].isNaN, y.op)
        }
        let normalized = x.layerNorm(scale: Variable(Tensor([1, 1, 1])), offset: Variable(Tensor([0, 0, 0])))
        XCTAssertTrue(normalized.value.scalars.allSatisfy(\.isNaN))
    }

    func testComparisonsArgmaxAndTheCausalMask() {
        let a = Tensor<Double>([[1, 3, 2], [5, .nan, 5]])
        XCTAssertEqual((a .> 2).scalars, [0, 1, 0, 1, 0, 1])
        XCTAssertEqual((a .!= Tensor([1, 3, 2])).scalars, [0, 0, 0, 1, 1, 1])
        XCTAssertEqual((a .<= Tensor([2])).scalars, [1, 0, 1, 0, 0, 0])
        XCTAssertEqual(Tensor<Double>([[1, 3, 2], [5, 0, 5]]).argmax(), [1, 0])
        XCTAssertEqual(Tensor<Double>([[1, 3, 2], [5, 0, 5]]).argmin(alongAxis: 0), [0, 1, 0])
        XCTAssertEqual(a.argmax(), [1, 1], "a NaN wins")
        XCTAssertEqual(Tensor<Double>.causalMask(length: 3).scalars, [1, 0, 0, 1, 1, 0, 1, 1, 1])
        XCTAssertEqual(Tensor<Double>([1, 0, 2]).maskComplement().scalars, [0, 1, 0])
    }

    func testSelectKeepsTheBranchNotTakenOutOfValueAndGradient() {
        let a = Variable(Tensor<Double>([1, .nan, .infinity]), requiresGradient: true)
        let b = Variable(Tensor<Double>([.nan, 2, 3]), requiresGradient: true)
        let y = select(where: Tensor([1, 0, 0]), a, b)
        XCTAssertEqual(y.value.scalars, [1, 2, 3])
        let g = gradients(of: y.scaled(by: 2).sum(), withRespectTo: [a, b])
        XCTAssertEqual(g[0].scalars, [2, 0, 0])
        XCTAssertEqual(g[1].scalars, [0, 2, 2])
        let filled = a.maskedFill(where: Tensor([0, 1, 1]), with: -1)
        XCTAssertEqual(filled.value.scalars, [1, -1, -1])
        XCTAssertEqual(gradients(of: filled.sum(), withRespectTo: [a])[0].scalars, [1, 0, 0])
    }

    func testRepeatedIdsAddUpInTheEmbeddingGradient() {
        let table = Variable(Tensor<Double>(shape: [4, 2], scalars: (0..<8).map(Double.init)), requiresGradient: true)
        let y = embedding([3, 1, 3, 3], shape: [2, 2], table: table)
        XCTAssertEqual(y.shape, [2, 2, 2])
        XCTAssertEqual(y.value.scalars, [6, 7, 2, 3, 6, 7, 6, 7])
        XCTAssertEqual(gradients(of: y.sum(), withRespectTo: [table])[0].scalars, [0, 0, 1, 1, 0, 0, 3, 3])
    }

    func testLayerNormRowsHaveZeroMeanAndUnitVariance() {
        var rng = SeededGenerator(seed: 3)
        let x = Variable(Tensor<Double>.uniform([3, 6], in: -5..<5, using: &rng))
        let y = x.layerNorm(scale: Variable(Tensor.ones([6])), offset: Variable(Tensor.zeros([6])), epsilon: 0)
        for r in 0..<3 {
            let row = Array(y.value.scalars[r * 6..<(r + 1) * 6])
            let mean = row.reduce(0, +) / 6
            XCTAssertEqual(mean, 0, accuracy: 1e-14)
            XCTAssertEqual(row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6, 1, accuracy: 1e-13)
        }
    }

    static let misuses: [String: (expected: String, body: @Sendable () -> Void)] = [
        "embeddingBadId": (
            "embedding: id 7 at position 1 is outside 0..<4 (table [4, 2])",
            { _ = embedding([0, 7], table: Variable(Tensor<Double>.zeros([4, 2]))) }
        ),
        "attentionMask": (
            "scaledDotProductAttention: mask [3, 3] does not broadcast to the scores [2, 4, 4]",
            {
                let q = Variable(Tensor<Double>.zeros([2, 4, 3]))
                _ = scaledDotProductAttention(query: q, key: q, value: q, mask: .causalMask(length: 3))
            }
        ),
        "attentionShapes": (
            "scaledDotProductAttention: query [2, 4, 3], key [2, 4, 5], value [2, 4, 5]: expected",
            {
                let (q, k) = (Variable(Tensor<Double>.zeros([2, 4, 3])), Variable(Tensor<Double>.zeros([2, 4, 5])))
                _ = scaledDotProductAttention(query: q, key: k, value: k)
            }
        ),
        "lstmCellShapes": (
            "lstmCell: projected input [2, 8], projected hidden [2, 8], state [2, 3]: expected [B, 4H], [B, 4H], [B, H]",
            {
                let gates = Variable(Tensor<Double>.zeros([2, 8]))
                _ = lstmCell(projectedInput: gates, projectedHidden: gates, cell: Variable(Tensor.zeros([2, 3])))
            }
        ),
        "gruCellShapes": (
            "gruCell: projected input [2, 6], projected hidden [2, 9], state [2, 2]: expected [B, 3H], [B, 3H], [B, H]",
            {
                let (a, b) = (Variable(Tensor<Double>.zeros([2, 6])), Variable(Tensor<Double>.zeros([2, 9])))
                _ = gruCell(projectedInput: a, projectedHidden: b, hidden: Variable(Tensor.zeros([2, 2])))
            }
        ),
        "lstmSequenceShapes": (
            "lstmSequence: projected inputs [5, 8], weightHidden [2, 8], biasHidden [8], states [2, 2], [2, 2]: "
                + "expected [T·B, 4H] with T ≥ 1, [H, 4H], [4H] and [B, H]",
            {
                let (x, w, b) = (Variable(Tensor<Double>.zeros([5, 8])), Variable(Tensor<Double>.zeros([2, 8])), Variable(Tensor<Double>.zeros([8])))
                let h = Variable(Tensor<Double>.zeros([2, 2]))
                _ = lstmSequence(projectedInputs: x, weightHidden: w, biasHidden: b, hidden: h, cell: h)
            }
        ),
        "gruSequenceShapes": (
            "gruSequence: projected inputs [4, 6], weightHidden [2, 6], biasHidden [6], states [2, 3]: "
                + "expected [T·B, 3H] with T ≥ 1, [H, 3H], [3H] and [B, H]",
            {
                let (x, w, b) = (Variable(Tensor<Double>.zeros([4, 6])), Variable(Tensor<Double>.zeros([2, 6])), Variable(Tensor<Double>.zeros([6])))
                _ = gruSequence(projectedInputs: x, weightHidden: w, biasHidden: b, hidden: Variable(Tensor.zeros([2, 3])))
            }
        ),
        "maskedFillMask": (
            "maskedFill: mask [2, 3] does not broadcast to [3]",
            { _ = Variable(Tensor<Double>.zeros([3])).maskedFill(where: .zeros([2, 3]), with: 0) }
        ),
        "layerNormScale": (
            "layerNorm: input [2, 3] with scale [2] and offset [3]",
            {
                let x = Variable(Tensor<Double>.zeros([2, 3]))
                _ = x.layerNorm(scale: Variable(Tensor.zeros([2])), offset: Variable(Tensor.zeros([3])))
            }
        ),
    ]

    /// A NaN in one gate pre-activation reaches the outputs of that unit (and no other).
    func testNaNPropagatesThroughTheFusedCells() {
        var gates = Tensor<Double>.zeros([1, 8])
        gates[0, 1] = .nan  // unit 1 of the input gate i (H = 2)
        let lstm = lstmCell(projectedInput: Variable(gates), projectedHidden: Variable(Tensor.zeros([1, 8])),
                            cell: Variable(Tensor.ones([1, 2])))
        XCTAssertTrue(lstm.cell.value[0, 1].isNaN && lstm.hidden.value[0, 1].isNaN)
        XCTAssertFalse(lstm.cell.value[0, 0].isNaN || lstm.hidden.value[0, 0].isNaN)
        var gru = Tensor<Double>.zeros([1, 6])
        gru[0, 3] = .nan  // unit 1 of the update gate z
        let h = gruCell(projectedInput: Variable(gru), projectedHidden: Variable(Tensor.zeros([1, 6])),
                        hidden: Variable(Tensor.ones([1, 2])))
        XCTAssertTrue(h.value[0, 1].isNaN)
        XCTAssertFalse(h.value[0, 0].isNaN)
    }

    func testEveryMisuseStopsWithItsMessage() throws {
        for (name, entry) in Self.misuses.sorted(by: { $0.key < $1.key }) {
            try assertStops(withMessageContaining: entry.expected, id: name, entry.body)
        }
    }
}
