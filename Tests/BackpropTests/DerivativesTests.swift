import Backprop
import BackpropTesting
import XCTest

final class DerivativesTests: XCTestCase {
    // f(x) = Σ xᵢ³ + x₀x₁: ∇f = 3xᵢ² + (x₁, x₀, 0), H = diag(6xᵢ) + [[0,1,0],[1,0,0],[0,0,0]].
    private func f(_ x: Variable<Double>) -> Variable<Double> {
        x.pow(3).sum() + (x.rows(0..<1) * x.rows(1..<2)).sum()
    }
    private let x: Tensor<Double> = [1, -2, 0.5]

    func testHessianOfAKnownFunction() {
        let expected: Tensor<Double> = [[6, 1, 0], [1, -12, 0], [0, 0, 3]]
        assertClose(hessian(of: f, at: x), expected, absoluteTolerance: 1e-12)
    }

    func testHessianVectorProductMatchesHessianTimesVector() {
        let v: Tensor<Double> = [0.5, 1, -2]
        let expected = Tensor<Double>([6 * 0.5 + 1, 0.5 - 12, -6])
        assertClose(hessianVectorProduct(of: f, at: x, along: v), expected, absoluteTolerance: 1e-12)
    }

    func testJacobianOfSoftmaxAndOfAMatrixFunction() {
        // ∂softmaxᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ); at x = 0 with n = 2, s = ½.
        assertClose(jacobian(of: { $0.softmax() }, at: [0, 0]), [[0.25, -0.25], [-0.25, 0.25]],
                    absoluteTolerance: 1e-15)
        // y = A·x for a fixed A: J = A, shape [2] + [3].
        let a: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]
        assertClose(jacobian(of: { Variable(a).matmul($0) }, at: x), a)
        // A [2, 2] output of a [2] input: J has shape [2, 2, 2].
        XCTAssertEqual(jacobian(of: { $0.unsqueezed(axis: 0).broadcast(toShape: [2, 2]) }, at: Tensor<Double>([1, 2])).shape, [2, 2, 2])
    }

    func testLinearFunctionsHaveZeroHessian() {
        assertClose(hessian(of: { ($0 * 3).sum() }, at: x), .zeros([3, 3]))
        assertClose(hessianVectorProduct(of: { $0.sum() }, at: x, along: x), .zeros([3]))
    }

    func testHessianOfCrossEntropyIsTheSoftmaxCovariance() {
        // For one row, ∇²ₓ CE = diag(p) − p pᵀ with p = softmax(x).
        let logits: Tensor<Double> = [0.2, -1, 0.7]
        let h = hessian(of: { crossEntropy(logits: $0.unsqueezed(axis: 0), labels: [1]) }, at: logits)
        let e = logits.scalars.map(Foundation.exp)
        let p = e.map { $0 / e.reduce(0, +) }
        for i in 0..<3 {
            for j in 0..<3 {
                XCTAssertEqual(h[i, j], (i == j ? p[i] : 0) - p[i] * p[j], accuracy: 1e-12)
            }
        }
    }

    // g(x, w) for x [3], w [2, 2]: tanh(w·x₀..₁ + x₂) ⊙ Σx, a [2] output.
    private func g(_ x: Variable<Double>, _ w: Variable<Double>) -> Variable<Double> {
        let head = w.matmul(x.rows(0..<2).reshaped(to: [2, 1])).reshaped(to: [2])
        return (head + x.rows(2..<3)).tanh() * x.sum()
    }
    private let w: Tensor<Double> = [[0.3, -1], [2, 0.5]]
    /// g of the concatenation z = [x, w flattened] (7 elements).
    private func gOfConcatenation(_ z: Variable<Double>) -> Variable<Double> {
        g(z.rows(0..<3), z.rows(3..<7).reshaped(to: [2, 2]))
    }
    private var concatenation: Tensor<Double> { Tensor(x.scalars + w.scalars) }

    /// Columns `range` of a [rows, columns] matrix.
    private func columns(_ m: Tensor<Double>, _ range: Range<Int>) -> Tensor<Double> {
        withoutGradients { Variable(m).sliced(alongAxis: 1, range).value }
    }

    func testJacobianOfSeveralInputsMatchesTheJacobianOfTheConcatenation() {
        let whole = jacobian(of: gOfConcatenation, at: concatenation)   // [2, 7]
        for mode in [JacobianMode.reverse, .forward, .automatic] {
            let j = jacobian(of: { v in self.g(v["x"], v["w"]) }, at: ["x": x, "w": w], mode: mode)
            XCTAssertEqual(j["x"].shape, [2, 3])
            XCTAssertEqual(j["w"].shape, [2, 2, 2])
            assertClose(j["x"], columns(whole, 0..<3), absoluteTolerance: 1e-14, "\(mode)")
            assertClose(j["w"].reshaped(to: [2, 4]), columns(whole, 3..<7), absoluteTolerance: 1e-14, "\(mode)")
        }
    }

    func testForwardAndReverseJacobiansAgreeWhereTheOutputIsLarger() {
        // [2] → [3, 4]: the automatic mode builds it by columns.
        let f = { (x: Variable<Double>) in x.unsqueezed(axis: 0).broadcast(toShape: [6, 2]).reshaped(to: [3, 4]).tanh().exp() }
        let input: Tensor<Double> = [0.5, -1.5]
        let reverse = jacobian(of: f, at: input, mode: .reverse)
        assertClose(jacobian(of: f, at: input, mode: .forward), reverse, absoluteTolerance: 1e-14)
        assertClose(jacobian(of: f, at: input), reverse, absoluteTolerance: 1e-14)
        XCTAssertEqual(reverse.shape, [3, 4, 2])
    }

    func testHessianOfSeveralInputsMatchesTheHessianOfTheConcatenation() {
        let scalar = { (y: Variable<Double>) in (y * y).sum() + y.rows(0..<1).sum().exp() }
        let whole = hessian(of: { scalar(self.gOfConcatenation($0)) }, at: concatenation)   // [7, 7]
        let h = hessian(of: { v in scalar(self.g(v["x"], v["w"])) }, at: ["x": x, "w": w])
        let rows = withoutGradients { (Variable(whole).rows(0..<3).value, Variable(whole).rows(3..<7).value) }
        assertClose(h["x", "x"], columns(rows.0, 0..<3), absoluteTolerance: 1e-13)
        assertClose(h["x", "w"].reshaped(to: [3, 4]), columns(rows.0, 3..<7), absoluteTolerance: 1e-13)
        assertClose(h["w", "x"].reshaped(to: [4, 3]), columns(rows.1, 0..<3), absoluteTolerance: 1e-13)
        assertClose(h["w", "w"].reshaped(to: [4, 4]), columns(rows.1, 3..<7), absoluteTolerance: 1e-13)
        // Symmetric blocks: ∂²f/∂x∂w is the transpose of ∂²f/∂w∂x.
        assertClose(h["x", "w"].reshaped(to: [3, 4]), h["w", "x"].reshaped(to: [4, 3]).transposed(), absoluteTolerance: 1e-13)
    }

    func testInputsThatDoNotReachTheOutputHaveZeroBlocks() {
        let j = jacobian(of: { (v: NamedVariables<Double>) in v["a"].exp() }, at: ["a": [1, 2], "unused": [3]])
        XCTAssertEqual(j["unused"].scalars, [0, 0])
        let h = hessian(of: { (v: NamedVariables<Double>) in v["a"].sum() }, at: ["a": [1, 2], "b": [3]])
        XCTAssertEqual(h["a", "b"].scalars, [0, 0])
        XCTAssertEqual(h["a", "a"].scalars, [0, 0, 0, 0])
    }
}
