import Backprop
import XCTest

final class SmokeTests: XCTestCase {
    func testChainRuleOnSmallNet() {
        let w = Variable(Tensor<Double>([[1, 2], [3, 4]]), requiresGradient: true)
        let b = Variable(Tensor<Double>([0.5, -0.5]), requiresGradient: true)
        let x = Variable(Tensor<Double>([[1, 1], [2, 0]]))
        let y = (x.matmul(w) + b).sigmoid()
        let loss = halfSquaredError(y, Variable(Tensor.zeros([2, 2])))
        loss.backward()
        XCTAssertEqual(w.gradient?.shape, [2, 2])
        XCTAssertEqual(b.gradient?.shape, [2])
        let g = gradients(of: loss, withRespectTo: [w, b])
        XCTAssertEqual(g[0], w.gradient)
        XCTAssertEqual(g[1], b.gradient)
        let dx = differentiableGradients(of: (w * w * w).sum(), withRespectTo: [w])[0]
        let dxx = gradients(of: dx.sum(), withRespectTo: [w])[0]
        XCTAssertEqual(dxx, Tensor([[6, 12], [18, 24]]))
    }
}
