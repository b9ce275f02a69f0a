import Backprop
import BackpropTesting
import XCTest

final class LossesTests: XCTestCase {
    func testSquaredErrorGradientsAtSeveralShapes() {
        var generator = SeededGenerator(seed: 3)
        for shape in [[1], [3], [4, 3], [2, 2, 2]] as [TensorShape] {
            let inputs = [
                Tensor<Double>.uniform(shape, in: -1..<1, using: &generator),
                Tensor<Double>.uniform(shape, in: -1..<1, using: &generator),
            ]
            assertGradientsMatch(at: inputs, "\(shape)") { halfSquaredError($0[0], $0[1]) }
            assertGradientsMatch(at: inputs, "\(shape)") { meanSquaredError($0[0], $0[1]) }
        }
    }

    func testReductionsAreExactlyAsDocumented() {
        let p = Variable(Tensor<Double>([[1, 2], [3, 4]]))
        let t = Variable(Tensor<Double>([[0, 0], [0, 1]]))
        // ½ Σ (ŷ − y)² = ½ (1 + 4 + 9 + 9) = 11.5; mean over 4 elements = 23 / 4.
        XCTAssertEqual(halfSquaredError(p, t).value.scalar, 11.5)
        XCTAssertEqual(meanSquaredError(p, t).value.scalar, 5.75)
    }

    /// Regression: the mean squared error of empty tensors was 0. A mean over no element is
    /// 0/0 = NaN (NumPy, PyTorch), as is binaryCrossEntropy's mean over no row; the half
    /// squared error is a sum, so 0. Gradients are empty tensors of the inputs' shapes.
    func testMeanLossesOfNothingAreNaNWithEmptyGradients() {
        for shape in [[0], [0, 3], [2, 0]] as [TensorShape] {
            let p = Variable(Tensor<Double>(shape: shape, scalars: []), requiresGradient: true)
            let t = Variable(Tensor<Double>(shape: shape, scalars: []), requiresGradient: true)
            let rows = shape[0]
            let cases: [(String, Variable<Double>, Double)] = [
                ("meanSquaredError", meanSquaredError(p, t), .nan),
                ("halfSquaredError", halfSquaredError(p, t), 0),
                // Each of the rows sums over no column (0); no row at all: NaN.
                ("binaryCrossEntropy", binaryCrossEntropy(logits: p, targets: t), rows == 0 ? .nan : 0),
            ]
            for (name, loss, expected) in cases {
                let value = loss.value.scalar
                XCTAssertTrue(value == expected || (value.isNaN && expected.isNaN), "\(name) \(shape): \(value)")
                let empty = Tensor<Double>(shape: shape, scalars: [])
                XCTAssertEqual(gradients(of: loss, withRespectTo: [p, t]), [empty, empty], "\(name) \(shape)")
                XCTAssertEqual(
                    differentiableGradients(of: loss, withRespectTo: [p, t]).map(\.value), [empty, empty],
                    "\(name) \(shape) (create-graph)")
            }
        }
    }

    func testSquaredErrorShapeMessage() {
        XCTAssertEqual(
            Shapes.same([2, 3], [3, 2], op: "meanSquaredError", symbol: "vs"),
            .failure(.init("meanSquaredError: [2, 3] vs [3, 2]: shapes differ")))
    }
}

// The cross-entropies (integer labels, probabilities, binary): values and gradients, and
// finite results at extreme logits.
extension LossesTests {
    func testCrossEntropyWithLabelsGradientAndValue() {
        let x = randomTensor([4, 3])
        let labels = [2, 0, 1, 1]
        assertGradientsMatch(at: [x]) { crossEntropy(logits: $0[0], labels: labels) }
        // The documented reduction: the mean over rows of −log softmax at the label.
        let logSoftmax = Variable(x).logSoftmax().value
        let expected = -(0..<4).map { logSoftmax[$0, labels[$0]] }.reduce(0, +) / 4
        XCTAssertEqual(crossEntropy(logits: Variable(x), labels: labels).value.scalar, expected, accuracy: 1e-14)
    }

    func testCrossEntropyWithProbabilities() {
        let x = randomTensor([4, 3])
        let soft = randomTensor([4, 3], in: 0..<1, seed: 3)
        assertGradientsMatch(at: [x, soft]) { crossEntropy(logits: $0[0], probabilities: $0[1]) }
        var oneHot = Tensor<Double>.zeros([4, 3])
        for (i, c) in [2, 0, 1, 1].enumerated() { oneHot[i, c] = 1 }
        XCTAssertEqual(
            crossEntropy(logits: Variable(x), probabilities: Variable(oneHot)).value.scalar,
            crossEntropy(logits: Variable(x), labels: [2, 0, 1, 1]).value.scalar, accuracy: 1e-14)
    }

    func testBinaryCrossEntropy() {
        for shape in [[5], [4, 1], [3, 2]] as [TensorShape] {
            let x = randomTensor(shape)
            let t = randomTensor(shape, in: 0..<1, seed: 9)
            assertGradientsMatch(at: [x, t]) { binaryCrossEntropy(logits: $0[0], targets: $0[1]) }
            // The documented reduction: the sum over elements divided by the rows.
            var total = 0.0
            for i in 0..<x.count {
                let p = 1 / (1 + Foundation.exp(-x.scalars[i]))
                total -= t.scalars[i] * Foundation.log(p) + (1 - t.scalars[i]) * Foundation.log(1 - p)
            }
            XCTAssertEqual(
                binaryCrossEntropy(logits: Variable(x), targets: Variable(t)).value.scalar,
                total / Double(shape[0]), accuracy: 1e-12)
        }
    }

    func testLossesStayFiniteOnExtremeLogits() {
        let x = Variable(Tensor<Double>([[1000, -1000], [-1000, 1000]]), requiresGradient: true)
        let t = Variable(Tensor<Double>([[0, 1], [0, 1]]))
        let losses = [
            crossEntropy(logits: x, labels: [1, 1]), crossEntropy(logits: x, probabilities: t),
            binaryCrossEntropy(logits: x, targets: t),
        ]
        for loss in losses {
            XCTAssertTrue(allFinite(loss.value), loss.op)
            XCTAssertTrue(allFinite(gradients(of: loss, withRespectTo: [x])[0]), loss.op)
        }
        // Row 0 is confidently wrong by 2000 nats; row 1 is right.
        XCTAssertEqual(losses[0].value.scalar, 1000, accuracy: 1e-9)
    }
}
