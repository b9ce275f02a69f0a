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
}
