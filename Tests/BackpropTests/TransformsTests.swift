import Backprop
import BackpropTesting
import XCTest

final class TransformsTests: XCTestCase {
    // f(x, w) = Σ tanh(x·w) ⊙ x·w: a scalar of a [2, 3] and a [3, 2] input.
    private func f(_ v: [Variable<Double>]) -> Variable<Double> {
        let h = v[0].matmul(v[1])
        return (h.tanh() * h).sum()
    }
    private var points: [Tensor<Double>] {
        var rng = SeededGenerator(seed: 7)
        return [Tensor.uniform([2, 3], in: -1..<1, using: &rng), Tensor.uniform([3, 2], in: -1..<1, using: &rng)]
    }

    func testGradientOfSeveralInputsMatchesFiniteDifferences() {
        let points = self.points
        let (value, grads) = valueWithGradient(of: f, at: points)
        XCTAssertEqual(value.scalars, withoutGradients { f(points.map { Variable($0) }) }.value.scalars)
        for (k, point) in points.enumerated() {
            for i in 0..<point.count {
                let tangents = points.indices.map { $0 == k ? oneHot(i, shape: point.shape) : .zeros(points[$0].shape) }
                let numerical = finiteDifference(of: f, at: points, along: tangents).scalars[0]
                XCTAssertEqual(grads[k].scalars[i], numerical, accuracy: 1e-8, "input \(k), element \(i)")
            }
        }
        // The one-input form is the same sweep.
        let one = gradient(of: { self.f([$0, Variable(points[1])]) }, at: points[0])
        XCTAssertEqual(one.scalars, grads[0].scalars)
    }

    func testStructOfParametersGetsTheGradientsOfItsFields() {
        struct Affine {
            var weight: Variable<Double>
            var bias: Variable<Double>
            var scale = 2.0
        }
        let (w, b): (Tensor<Double>, Tensor<Double>) = ([[1, -2], [0.5, 3]], [0.25, -1])
        let x = Variable(Tensor<Double>([[1, 2], [-1, 0.5]]))
        let loss = { (p: Affine) in x.matmul(p.weight).adding(p.bias).tanh().sum().scaled(by: p.scale) }
        let parameters = Affine(weight: Variable(w, requiresGradient: true), bias: Variable(b))
        let g = gradient(of: loss, at: parameters, withRespectTo: [\.weight, \.bias])
        let expected = gradient(of: { v in loss(Affine(weight: v[0], bias: v[1])) }, at: [w, b])
        XCTAssertEqual(g.weight.value.scalars, expected[0].scalars)
        XCTAssertEqual(g.bias.value.scalars, expected[1].scalars)
        XCTAssertEqual(g.scale, 2)
        // The caller's variables are untouched.
        XCTAssertNil(parameters.weight.gradient)
        XCTAssertEqual(parameters.weight.value.scalars, w.scalars)
    }

    func testPullbackIsReusableAndLinear() {
        let points = self.points
        let g = { (v: [Variable<Double>]) in v[0].matmul(v[1]).tanh() }
        let (value, pullback) = vjp(of: g, at: points)
        XCTAssertEqual(value.shape, [2, 2])
        let a: Tensor<Double> = [[1, 0], [0.5, -2]]
        let b: Tensor<Double> = [[0, 3], [1, 1]]
        let (pa, pb, pab) = (pullback(a), pullback(b), pullback(a + b))
        for k in 0..<2 {
            assertClose(pab[k], pa[k] + pb[k], absoluteTolerance: 1e-15)
            // Each call equals a fresh sweep seeded with that cotangent.
            let inputs = points.map { Variable($0, requiresGradient: true) }
            assertClose(pa[k], gradients(of: g(inputs), withRespectTo: inputs, seed: a)[k], relativeTolerance: 0)
        }
    }

    func testTransformsRecordInsideWithoutGradientsAndConstantsGiveZeros() {
        let inside = withoutGradients { gradient(of: { ($0 * $0).sum() }, at: [1, 2] as Tensor<Double>) }
        XCTAssertEqual(inside.scalars, [2, 4])
        let constant = valueWithGradient(of: { (_: Variable<Double>) in Variable(Tensor<Double>(3)) }, at: [1, 2])
        XCTAssertEqual(constant.gradient.scalars, [0, 0])
        XCTAssertEqual(vjp(of: { (_: Variable<Double>) in Variable(Tensor<Double>([1, 1])) }, at: [5]).pullback([1, 1]).scalars, [0])
    }
}
