import Backprop
import BackpropTesting
import XCTest

final class ForwardModeTests: XCTestCase {
    // A vector function of two inputs through the ops a network uses: [2, 3] × [3, 4] → [2, 4].
    private func f(_ v: [Variable<Double>]) -> Variable<Double> {
        let h = v[0].matmul(v[1]).sigmoid()
        return (h * h.exp()).softmax() + v[0].sum().scaled(by: 0.5)
    }
    private func sample(_ shapes: [TensorShape], seed: UInt64) -> [Tensor<Double>] {
        var rng = SeededGenerator(seed: seed)
        return shapes.map { Tensor.uniform($0, in: -1..<1, using: &rng) }
    }

    func testJVPMatchesFiniteDifferences() {
        let points = sample([[2, 3], [3, 4]], seed: 1)
        let tangents = sample([[2, 3], [3, 4]], seed: 2)
        let (value, jv) = jvp(of: f, at: points, along: tangents)
        XCTAssertEqual(value.scalars, withoutGradients { f(points.map { Variable($0) }) }.value.scalars)
        assertClose(jv, finiteDifference(of: f, at: points, along: tangents), absoluteTolerance: 1e-9, relativeTolerance: 1e-7)
    }

    func testJVPAndVJPAgreeOnTheBilinearForm() {
        // ⟨u, J v⟩ by forward mode equals ⟨Jᵀu, v⟩ by reverse mode.
        for seed in UInt64(0)..<4 {
            let points = sample([[2, 3], [3, 4]], seed: seed)
            let v = sample([[2, 3], [3, 4]], seed: seed + 10)
            let u = sample([[2, 4]], seed: seed + 20)[0]
            let forward = dot(u, jvp(of: f, at: points, along: v).differential)
            let transposed = vjp(of: f, at: points).pullback(u)
            let reverse = dot(transposed[0], v[0]) + dot(transposed[1], v[1])
            XCTAssertEqual(forward, reverse, accuracy: 1e-12 * max(1, abs(reverse)), "seed \(seed)")
        }
    }

    func testOneLinearizationGivesEveryColumnOfTheJacobian() {
        let x = sample([[5]], seed: 3)[0]
        let g = { (x: Variable<Double>) in (x.tanh() * x).softmax() }
        let linear = linearization(of: g, at: x)
        let j = jacobian(of: g, at: x)   // by reverse mode, one row per output
        for column in 0..<5 {
            let jv = linear.differential(along: oneHot(column, shape: [5]))
            for row in 0..<5 {
                XCTAssertEqual(jv.scalars[row], j[row, column], accuracy: 1e-14)
            }
        }
        XCTAssertEqual(linear.value.scalars, withoutGradients { g(Variable(x)) }.value.scalars)
    }

    func testInputsThatDoNotReachTheValueContributeNothing() {
        let unused = jvp(of: { (v: [Variable<Double>]) in v[0].exp() }, at: [[1, 2], [3]], along: [[1, 1], [100]])
        XCTAssertEqual(unused.differential.scalars, [Foundation.exp(1), Foundation.exp(2)])
        let constant = jvp(of: { (_: Variable<Double>) in Variable(Tensor<Double>([1, 2])) }, at: [0], along: [1])
        XCTAssertEqual(constant.differential.scalars, [0, 0])
        // A linear function: its recorded backward does not depend on the point.
        XCTAssertEqual(jvp(of: { $0.scaled(by: 3) }, at: [1, 2] as Tensor<Double>, along: [1, -1]).differential.scalars, [3, -3])
    }
}
