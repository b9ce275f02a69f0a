import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class LossesTests: XCTestCase {
    let output: Tensor<Double> = [[0.2, 0.9], [0.4, 0.1], [1.5, -1]]
    let target: Tensor<Double> = [[0, 1], [1, 0], [1, 0]]

    func testMeanHalfSquaredErrorIsTheMeanOverRowsOfHalfTheSquaredNorm() {
        var expected = 0.0
        for r in 0..<3 { for j in 0..<2 { expected += 0.5 * pow(output[r, j] - target[r, j], 2) } }
        let loss = Loss<Double>.meanHalfSquaredError(Variable(output), Variable(target)).value.scalar
        XCTAssertEqual(loss, expected / 3, accuracy: 1e-15)
        // One row: exactly ½‖ŷ − y‖² (the per-sample loss of classic backpropagation).
        let one = Loss<Double>.meanHalfSquaredError(Variable(Tensor([[0.2, 0.9]])), Variable(Tensor([[0, 1]])))
        XCTAssertEqual(one.value.scalar, 0.5 * (0.04 + 0.01), accuracy: 1e-15)
    }

    /// Backprop's `halfSquaredError` sums ½ (ŷ − y)² over every element; the loss
    /// `meanHalfSquaredError` averages the rows' ½‖ŷᵣ − yᵣ‖², so on m rows the sum is exactly
    /// m times the mean, and so are the gradients.
    func testSumAndMeanHalfSquaredErrorsDifferByTheRowCount() {
        var rng = SeededGenerator(seed: 4)
        for m in [1, 2, 3, 5, 8] {
            let x = Tensor<Double>.normal([m, 3], using: &rng)
            let t = Tensor<Double>.normal([m, 3], using: &rng)
            let (sumInput, meanInput) = (Variable(x, requiresGradient: true), Variable(x, requiresGradient: true))
            let sum = halfSquaredError(sumInput, Variable(t))
            let mean = Loss<Double>.meanHalfSquaredError(meanInput, Variable(t))
            XCTAssertEqual(sum.value.scalar, Double(m) * mean.value.scalar, accuracy: 1e-13 * sum.value.scalar, "m = \(m)")
            let sumGradient = gradients(of: sum, withRespectTo: [sumInput])[0]
            let meanGradient = gradients(of: mean, withRespectTo: [meanInput])[0]
            for (g, h) in zip(sumGradient.scalars, meanGradient.scalars) {
                XCTAssertEqual(g, Double(m) * h, accuracy: 1e-13, "m = \(m)")
            }
        }
    }

    /// `"half-squared-error"` is an alias of `meanHalfSquaredError`, so checkpoints that store
    /// it load; the deprecated Swift name `halfSquaredError` gives the same loss.
    func testTheOldNameIsAnAliasOfMeanHalfSquaredError() throws {
        XCTAssertEqual(Loss<Float>.meanHalfSquaredError.name, "mean-half-squared-error")
        XCTAssertEqual(Loss<Float>.named("half-squared-error")?.name, "mean-half-squared-error")
        XCTAssertEqual(Loss<Double>.named("half-squared-error")?(Variable(output), Variable(target)).value,
                       Loss<Double>.meanHalfSquaredError(Variable(output), Variable(target)).value)
        let json = #"""
            {"formatVersion": 1, "scalarType": "Float", "parameters": [], "classNames": [],
             "featureNames": [], "loss": "half-squared-error"}
            """#
        let checkpoint = try JSONDecoder().decode(Checkpoint.self, from: Data(json.utf8))
        XCTAssertEqual(checkpoint.loss.flatMap { Loss<Float>.named($0) }?.name, "mean-half-squared-error")
        // Through a protocol whose requirement the deprecated member satisfies: no warning here.
        XCTAssertEqual(deprecatedHalfSquaredError(Loss<Double>.self).name, "mean-half-squared-error")
        XCTAssertEqual(deprecatedHalfSquaredError(Loss<Double>.self)(Variable(output), Variable(target)).value,
                       Loss<Double>.meanHalfSquaredError(Variable(output), Variable(target)).value)
    }

    func testMeanSquaredErrorAveragesOverAllElements() {
        var expected = 0.0
        for r in 0..<3 { for j in 0..<2 { expected += pow(output[r, j] - target[r, j], 2) } }
        XCTAssertEqual(Loss<Double>.meanSquaredError(Variable(output), Variable(target)).value.scalar, expected / 6, accuracy: 1e-15)
    }

    /// Regression: the mean squared error (and binary cross-entropy) of an empty batch was 0.
    /// Every built-in loss is a mean over the rows, so an empty batch gives NaN, as in NumPy and
    /// PyTorch, with an empty gradient.
    func testMeanLossesOfAnEmptyBatchAreNaN() {
        let empty = Tensor<Double>(shape: [0, 2], scalars: [])
        for loss in [Loss<Double>.meanHalfSquaredError, .meanSquaredError, .binaryCrossEntropy, .meanAbsoluteError, .huber()] {
            let output = Variable(empty, requiresGradient: true)
            let value = loss(output, Variable(empty))
            XCTAssertTrue(value.value.scalar.isNaN, "\(loss.name): \(value.value)")
            XCTAssertEqual(gradients(of: value, withRespectTo: [output])[0], empty, loss.name)
        }
    }

    func testCrossEntropyOfLogitsAgainstOneHotRows() {
        var expected = 0.0
        for r in 0..<3 {
            let z = (0..<2).map { exp(output[r, $0]) }.reduce(0, +)
            for j in 0..<2 where target[r, j] == 1 { expected -= log(exp(output[r, j]) / z) }
        }
        XCTAssertEqual(Loss<Double>.crossEntropy(Variable(output), Variable(target)).value.scalar, expected / 3, accuracy: 1e-14)
    }

    func testSparseCrossEntropyEqualsOneHotCrossEntropy() {
        let indices = Tensor<Double>(shape: [3, 1], scalars: [1, 0, 0])
        let sparse = Loss<Double>.sparseCrossEntropy(Variable(output), Variable(indices)).value.scalar
        let dense = Loss<Double>.crossEntropy(Variable(output), Variable(target)).value.scalar
        XCTAssertEqual(sparse, dense, accuracy: 1e-15)
    }

    func testBinaryCrossEntropyOfLogits() {
        let x: Tensor<Double> = [[0.3], [-2], [4]]
        let t: Tensor<Double> = [[1], [0], [0]]
        var expected = 0.0
        for r in 0..<3 {
            let s = 1 / (1 + exp(-x[r, 0]))
            expected -= t[r, 0] * log(s) + (1 - t[r, 0]) * log(1 - s)
        }
        let loss = Loss<Double>.binaryCrossEntropy
        XCTAssertEqual(loss(Variable(x), Variable(t)).value.scalar, expected / 3, accuracy: 1e-14)
        XCTAssertEqual(loss.binaryThreshold, 0)
    }

    func testMeanAbsoluteErrorAveragesOverAllElements() {
        var expected = 0.0
        for r in 0..<3 { for j in 0..<2 { expected += abs(output[r, j] - target[r, j]) } }
        let loss = Loss<Double>.meanAbsoluteError
        XCTAssertEqual(loss.name, "mean-absolute-error")
        XCTAssertEqual(loss(Variable(output), Variable(target)).value.scalar, expected / 6, accuracy: 1e-15)
    }

    /// PyTorch's Huber loss: ½d² inside δ, δ(|d| − ½δ) outside, averaged over the elements.
    func testHuberFollowsItsDefinition() {
        for delta in [1.0, 0.3, 2.5] {
            var expected = 0.0
            for r in 0..<3 {
                for j in 0..<2 {
                    let d = abs(output[r, j] - target[r, j])
                    expected += d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta)
                }
            }
            let loss = Loss<Double>.huber(delta: delta)
            XCTAssertEqual(loss(Variable(output), Variable(target)).value.scalar, expected / 6, accuracy: 1e-15, "δ = \(delta)")
            XCTAssertEqual(Loss<Double>.named(loss.name)?(Variable(output), Variable(target)).value,
                           loss(Variable(output), Variable(target)).value, loss.name)
        }
        XCTAssertEqual(Loss<Double>.huber().name, "huber")
        XCTAssertEqual(Loss<Float>.huber(delta: 0.5).name, "huber-0.5")
        XCTAssertNil(Loss<Float>.named("huber-x"))
        XCTAssertNil(Loss<Float>.named("huber--1.0"))
    }

    /// Both losses against central differences, away from their kinks (d = 0, |d| = δ).
    func testMeanAbsoluteErrorAndHuberGradientsMatchCentralDifferences() {
        let y = Tensor<Double>([[0.2, 0.9, -1.7], [0.4, 2.6, -0.35]])
        let t = Tensor<Double>([[0, 1.3, 0.1], [1, 0, -0.5]])
        assertGradientsMatch(at: [y, t], "mean absolute error") { Loss<Double>.meanAbsoluteError($0[0], $0[1]) }
        for delta in [1.0, 0.5] {
            assertGradientsMatch(at: [y, t], "huber δ = \(delta)") { Loss<Double>.huber(delta: delta)($0[0], $0[1]) }
        }
    }

    func testElementwiseLossesRefuseDifferentShapes() throws {
        try assertStops(withMessageContaining: "mean-absolute-error: output [3, 2] and target [3, 1] shapes differ") {
            _ = Loss<Double>.meanAbsoluteError(Variable(output), Variable(Tensor.zeros([3, 1])))
        }
        try assertStops(withMessageContaining: "huber: output [3, 2] and target [2] shapes differ") {
            _ = Loss<Double>.huber()(Variable(output), Variable(Tensor.zeros([2])))
        }
        try assertStops(withMessageContaining: "Loss.huber: delta 0.0 is not positive and finite") {
            _ = Loss<Double>.huber(delta: 0)
        }
    }

    func testLookupByName() {
        for loss in Loss<Float>.allBuiltIn { XCTAssertEqual(Loss<Float>.named(loss.name)?.name, loss.name) }
        XCTAssertNil(Loss<Float>.named("nope"))
        let names = Set(Loss<Float>.allBuiltIn.map(\.name))
        for (alias, name) in Loss<Float>.aliases {
            XCTAssertFalse(names.contains(alias), alias)
            XCTAssertTrue(names.contains(name), name)
            XCTAssertEqual(Loss<Float>.named(alias)?.name, name)
        }
    }

    /// Every built-in loss is finite with finite gradients at logits of ±1000 and
    /// 0, in Float and Double, with the analytic limits for the logit losses.
    func testBuiltInLossesAtPlusMinusThousand() {
        checkHugeLogits(Float.self)
        checkHugeLogits(Double.self)
    }

    private func checkHugeLogits<T: TensorScalar>(_: T.Type) {
        let logits = Tensor<T>([[1000, -1000], [-1000, 1000], [0, 0]])
        let oneHot = Tensor<T>([[0, 1], [0, 1], [1, 0]])
        let ln2 = 0.693_147_180_559_945_3
        let tolerance = T.self == Float.self ? 1e-5 : 1e-12
        // (loss, target, expected loss, expected ∂L/∂ŷ or nil to check finiteness only)
        let cases: [(Loss<T>, Tensor<T>, Double, [Double]?)] = [
            (.crossEntropy, oneHot, (2000 + ln2) / 3, [1.0 / 3, -1.0 / 3, 0, 0, -0.5 / 3, 0.5 / 3]),
            (.sparseCrossEntropy, Tensor([[1], [1], [0]]), (2000 + ln2) / 3, [1.0 / 3, -1.0 / 3, 0, 0, -0.5 / 3, 0.5 / 3]),
            // Σ over the row of softplus(x) − t·x, averaged over 3 rows.
            (.binaryCrossEntropy, oneHot, (2000 + 0 + 2 * ln2) / 3, [1.0 / 3, -1.0 / 3, 0, 0, -0.5 / 3, 0.5 / 3]),
            // d = ŷ − y = [1000, −1001, −1000, 999, −1, 0]: |d| and h(d) averaged over 6, sign(d)/6.
            (.meanAbsoluteError, oneHot, 4001.0 / 6, [1.0 / 6, -1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6, 0]),
            (.huber(), oneHot, 3998.5 / 6, [1.0 / 6, -1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6, 0]),
            (.meanSquaredError, oneHot, 0, nil),
            (.meanHalfSquaredError, oneHot, 0, nil),
        ]
        for (loss, target, expected, gradient) in cases {
            let x = Variable(logits, requiresGradient: true)
            let value = loss(x, Variable(target))
            value.backward()
            let name = "\(loss.name) (\(T.self))"
            XCTAssertTrue(Double(value.value.scalar).isFinite, name)
            XCTAssertTrue(x.gradient?.scalars.allSatisfy(\.isFinite) ?? false, name)
            if let gradient {
                XCTAssertEqual(Double(value.value.scalar), expected, accuracy: tolerance * expected, name)
                for (g, e) in zip(x.gradient!.scalars, gradient) {
                    XCTAssertEqual(Double(g), e, accuracy: tolerance, "\(name): \(x.gradient!)")
                }
            }
        }
    }
}

/// The deprecated `Loss.halfSquaredError`, reached through a protocol requirement so that
/// the tests compile without a deprecation warning.
private protocol HasHalfSquaredErrorLoss { static var halfSquaredError: Self { get } }
extension Loss: HasHalfSquaredErrorLoss {}
private func deprecatedHalfSquaredError<L: HasHalfSquaredErrorLoss>(_: L.Type) -> L { L.halfSquaredError }
