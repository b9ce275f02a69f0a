import Backprop
import BackpropTesting
import XCTest

/// The code of the Backprop catalog's articles and landing page, compiled and run, so the
/// documentation cannot drift from the library.
final class ReverseModeArticleTests: XCTestCase {
    /// "How reverse mode works": the gradients of a sigmoid layer from the reverse sweep
    /// equal the δ formulas ∇W = Xᵀ δ, ∇b = column sums of δ, δ = (Ŷ − T) ⊙ Ŷ ⊙ (1 − Ŷ).
    func testDenseLayerGradientsAreTheDeltaFormulas() {
        var rng = SeededGenerator(seed: 0)
        let x = Variable(Tensor<Double>.normal([4, 3], using: &rng))  // 4 samples, 3 inputs
        let t = Variable(Tensor<Double>.uniform([4, 2], using: &rng))  // targets
        let w = Variable(Tensor<Double>.normal([3, 2], using: &rng), requiresGradient: true)
        let b = Variable(Tensor<Double>.zeros([2]), requiresGradient: true)

        let y = x.dense(weight: w, bias: b, activation: .sigmoid)
        halfSquaredError(y, t).backward()

        let delta = (y.value - t.value) * y.value * (1 - y.value)  // (Ŷ − T) ⊙ f′(U)
        let expectedW = x.value.matmul(delta, transposingSelf: true)  // Xᵀ δ
        let expectedB = delta.sum(alongAxis: 0)  // column sums of δ

        assertClose(w.gradient!, expectedW, absoluteTolerance: 1e-14)
        assertClose(b.gradient!, expectedB, absoluteTolerance: 1e-14)
    }

    /// "How reverse mode works": a recorded gradient differentiated once more.
    func testGradientsOfGradients() {
        let x = Variable(Tensor<Double>(2), requiresGradient: true)
        let slope = differentiableGradients(of: x * x * x, withRespectTo: [x])[0]  // 3x² = 12
        let curvature = gradients(of: slope, withRespectTo: [x])[0]  // 6x = 12
        XCTAssertEqual(slope.value.scalar, 12, accuracy: 1e-12)
        XCTAssertEqual(curvature.scalar, 12, accuracy: 1e-12)
    }

    /// The landing page's example.
    func testLandingPageExample() {
        let w = Variable(Tensor<Double>([[1, 2], [3, 4]]), requiresGradient: true)
        let x = Variable(Tensor<Double>([[1], [1]]))
        let loss = w.matmul(x).sum()
        loss.backward()
        XCTAssertEqual(w.gradient!, Tensor([[1, 1], [1, 1]]))
    }
}
