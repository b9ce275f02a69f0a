import Backprop
import BackpropTesting
import Foundation
import XCTest

/// The code of the Backprop catalog's articles "Tensors and variables", "Higher-order
/// derivatives" and "Anomaly mode", compiled and run. Each example sits between
/// `// snippet: <name>` and `// end snippet: <name>`; DocumentationTests checks that every
/// Swift example of the articles is one of these snippets, word for word.
final class ArticleSnippetTests: XCTestCase {
    func testTensors() {
        // snippet: tensors
        let a = Tensor<Double>([[1, 2, 3], [4, 5, 6]])  // shape [2, 3]
        let b = Tensor<Double>([10, 20, 30])  // shape [3]: broadcast over the rows
        let c = a + b  // [[11, 22, 33], [14, 25, 36]]
        let total = c.sum()  // rank 0: 141
        // end snippet: tensors
        XCTAssertEqual(c, Tensor([[11, 22, 33], [14, 25, 36]]))
        XCTAssertEqual(total.shape, [])
        XCTAssertEqual(total.scalar, 141)
    }

    func testVariables() {
        // snippet: variables
        let w = Variable(Tensor<Double>([[0.5, -1], [2, 0.25]]), requiresGradient: true)
        let x = Variable(Tensor<Double>([[1, 2]]))  // a constant: no gradient
        let loss = x.matmul(w).tanh().sum()
        loss.backward()
        // w.gradient == xᵀ (1 − tanh²(x w)), of w's shape; x.gradient == nil
        // end snippet: variables
        let slope = x.value.matmul(w.value).map { 1 - Foundation.tanh($0) * Foundation.tanh($0) }
        assertClose(w.gradient!, x.value.matmul(slope, transposingSelf: true), relativeTolerance: 1e-12)
        XCTAssertNil(x.gradient)
    }

    func testGradientsAddUp() {
        // snippet: accumulation
        let v = Variable(Tensor<Double>([3]), requiresGradient: true)
        (v * v).sum().backward()
        (v * v).sum().backward()
        // v.gradient == [12]: each backward adds 2v = 6
        v.zeroGradient()  // v.gradient == nil
        // end snippet: accumulation
        XCTAssertNil(v.gradient)
        (v * v).sum().backward()
        (v * v).sum().backward()
        XCTAssertEqual(v.gradient, Tensor([12]))
    }

    func testGradientsWithoutStoringThem() {
        // snippet: functional
        let p = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let g = gradients(of: (p * p).sum(), withRespectTo: [p])[0]  // [2, 4]; p.gradient stays nil
        let constant = withoutGradients { (p * p).sum() }  // no graph: requiresGradient == false
        // end snippet: functional
        XCTAssertEqual(g, Tensor([2, 4]))
        XCTAssertNil(p.gradient)
        XCTAssertFalse(constant.requiresGradient)
    }

    func testHigherOrderDerivatives() {
        // snippet: differentiableGradients
        let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let slope = differentiableGradients(of: (x * x * x).sum(), withRespectTo: [x])[0]  // 3x²
        let curvature = gradients(of: slope.sum(), withRespectTo: [x])[0]  // 6x: [6, 12]
        // end snippet: differentiableGradients
        XCTAssertEqual(slope.value, Tensor([3, 12]))
        XCTAssertEqual(curvature, Tensor([6, 12]))

        // snippet: derivative helpers
        let f: (Variable<Double>) -> Variable<Double> = { x in (x * x * x).sum() }
        let hv = hessianVectorProduct(of: f, at: [1, 2], along: [1, 1])  // H = diag(6x): [6, 12]
        let h = hessian(of: f, at: [1, 2])  // [[6, 0], [0, 12]]
        let j = jacobian(of: { (x: Variable<Double>) in x.softmax() }, at: [0, 0])  // [[0.25, -0.25], [-0.25, 0.25]]
        // end snippet: derivative helpers
        XCTAssertEqual(hv, Tensor([6, 12]))
        XCTAssertEqual(h, Tensor([[6, 0], [0, 12]]))
        assertClose(j, Tensor([[0.25, -0.25], [-0.25, 0.25]]), absoluteTolerance: 1e-15)
    }

    func testAnomalyModeNamesTheOpAndItsLine() throws {
        let line = #line + 8
        try assertStops(
            withMessageContaining: "anomaly: backward gradient of op 'sqrt' created at "
                + "BackpropTests/ArticleSnippetTests.swift:\(line) has inf at element 0"
        ) {
            // snippet: anomaly
            withAnomalyDetection {
                let x = Variable(Tensor<Double>([0, 4]), requiresGradient: true)
                x.squareRoot().sum().backward()  // d√x/dx = 1/(2√x) is infinite at 0
            }
            // end snippet: anomaly
        }
    }

    func testWithoutAnomalyModeTheInfinityReachesTheGradient() {
        // snippet: no anomaly mode
        let x = Variable(Tensor<Double>([0, 4]), requiresGradient: true)
        x.squareRoot().sum().backward()  // x.gradient == [inf, 0.25]: nothing stops
        // end snippet: no anomaly mode
        XCTAssertEqual(x.gradient, Tensor([.infinity, 0.25]))
    }
}
