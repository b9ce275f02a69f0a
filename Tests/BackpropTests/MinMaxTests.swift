import Backprop
import BackpropTesting
import XCTest

final class MinMaxTests: XCTestCase {
    func testGradientsWithBroadcasting() {
        let pairs: [(TensorShape, TensorShape)] = [([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3], [])]
        for (k, (a, b)) in pairs.enumerated() {
            // Distinct values (no ties) so the functions are smooth near the sample.
            let x = randomTensor(a, seed: UInt64(k))
            let y = randomTensor(b, seed: UInt64(k + 20)).map { $0 + 0.013 }
            assertGradientsMatch(at: [x, y]) { maximum($0[0], $0[1]) }
            assertGradientsMatch(at: [x, y]) { minimum($0[0], $0[1]) }
        }
        let x = randomTensor([2, 3], in: -3..<3).map { $0 + 0.001 }
        assertGradientsMatch(at: [x]) { maximum($0[0], 0.5) }
        assertGradientsMatch(at: [x]) { minimum(-0.5, $0[0]) }
        assertGradientsMatch(at: [x]) { $0[0].clamped(lower: -1, upper: 1) }
        assertGradientsMatch(at: [x]) { $0[0].clamped(upper: 0) }
    }

    func testTieRuleAndExactZeros() {
        let a = Variable(Tensor<Double>([1, 2, 3]), requiresGradient: true)
        let b = Variable(Tensor<Double>([1, 5, -.infinity]), requiresGradient: true)
        for f in [maximum, minimum] as [(Variable<Double>, Variable<Double>, StaticString, UInt) -> Variable<Double>] {
            let g = gradients(of: f(a, b, #fileID, #line).sum(), withRespectTo: [a, b])
            XCTAssertEqual(g[0].scalars[0], 1, "ties go to the first operand")
            XCTAssertEqual(g[1].scalars[0], 0)
            XCTAssertEqual(g[0] + g[1], Tensor([1, 1, 1]))
            XCTAssertFalse(g[0].scalars.contains { $0.isNaN } || g[1].scalars.contains { $0.isNaN })
        }
        XCTAssertEqual(maximum(a, b).value, Tensor([1, 5, 3]))
        XCTAssertEqual(minimum(a, b).value, Tensor([1, 2, -.infinity]))
        // Scalar first: ties go to the constant.
        let x = Variable(Tensor<Double>([0, 1]), requiresGradient: true)
        XCTAssertEqual(gradients(of: maximum(0, x).sum(), withRespectTo: [x])[0], Tensor([0, 1]))
        XCTAssertEqual(gradients(of: maximum(x, 0).sum(), withRespectTo: [x])[0], Tensor([1, 1]))
    }

    func testClampBoundsPassTheGradient() {
        let x = Variable(Tensor<Double>([-2, -1, 0, 1, 2]), requiresGradient: true)
        let y = x.clamped(lower: -1, upper: 1)
        XCTAssertEqual(y.value, Tensor([-1, -1, 0, 1, 1]))
        XCTAssertEqual(gradients(of: y.sum(), withRespectTo: [x])[0], Tensor([0, 1, 1, 1, 0]))
    }

    /// Regression: `maximum(NaN, 1)` was 1 while `maximum(1, NaN)` was NaN. Now NaN wins from
    /// either side (IEEE 754-2019 maximum / minimum), and the gradient goes to the NaN operand
    /// (the first when both are) as NaN: a NaN input never gives a silently finite result.
    func testNaNPropagatesThroughMaximumAndMinimumInEitherOrder() {
        let n = Double.nan
        let a = Variable(Tensor<Double>([n, 1, n, 2, 1]), requiresGradient: true)
        let b = Variable(Tensor<Double>([1, n, n, 0, 1]), requiresGradient: true)
        // (op, value, ∇a, ∇b); the last two columns keep the order and tie rules.
        let cases: [(String, Variable<Double>, [Double], [Double], [Double])] = [
            ("maximum", maximum(a, b), [n, n, n, 2, 1], [n, 0, n, 1, 1], [0, n, 0, 0, 0]),
            ("minimum", minimum(a, b), [n, n, n, 0, 1], [n, 0, n, 0, 1], [0, n, 0, 1, 0]),
        ]
        for (name, y, value, da, db) in cases {
            XCTAssertTrue(sameScalarsOrNaN(y.value, Tensor(value)), "\(name): \(y.value)")
            let g = gradients(of: y.sum(), withRespectTo: [a, b])
            XCTAssertTrue(sameScalarsOrNaN(g[0], Tensor(da)), "\(name) ∇a: \(g[0])")
            XCTAssertTrue(sameScalarsOrNaN(g[1], Tensor(db)), "\(name) ∇b: \(g[1])")
            let again = differentiableGradients(of: y.sum(), withRespectTo: [a, b])
            XCTAssertTrue(sameScalarsOrNaN(again[0].value, Tensor(da)), "\(name) ∇a (create-graph)")
            XCTAssertTrue(sameScalarsOrNaN(again[1].value, Tensor(db)), "\(name) ∇b (create-graph)")
        }
        // With a constant, on either side.
        let x = Variable(Tensor<Double>([n, 1, -1]), requiresGradient: true)
        let withConstant: [(String, Variable<Double>, [Double], [Double])] = [
            ("maximum(x, 0)", maximum(x, 0), [n, 1, 0], [n, 1, 0]),
            ("maximum(0, x)", maximum(0, x), [n, 1, 0], [n, 1, 0]),
            ("minimum(x, 0)", minimum(x, 0), [n, 0, -1], [n, 0, 1]),
            ("minimum(0, x)", minimum(0, x), [n, 0, -1], [n, 0, 1]),
        ]
        for (name, y, value, dx) in withConstant {
            XCTAssertTrue(sameScalarsOrNaN(y.value, Tensor(value)), "\(name): \(y.value)")
            let g = gradients(of: y.sum(), withRespectTo: [x])[0]
            XCTAssertTrue(sameScalarsOrNaN(g, Tensor(dx)), "\(name) ∇x: \(g)")
        }
        // Broadcast: a NaN scalar against a matrix takes every element, and its gradient
        // (the sum of four NaNs) is NaN; the matrix gets exactly 0.
        let m = Variable(Tensor<Double>([[1, 2], [3, 4]]), requiresGradient: true)
        let s = Variable(Tensor<Double>(n), requiresGradient: true)
        for y in [maximum(m, s), minimum(m, s), maximum(s, m), minimum(s, m)] {
            XCTAssertTrue(y.value.scalars.allSatisfy(\.isNaN), "\(y.op): \(y.value)")
            let g = gradients(of: y.sum(), withRespectTo: [m, s])
            XCTAssertEqual(g[0], Tensor.zeros([2, 2]), y.op)
            XCTAssertTrue(g[1].scalar.isNaN, y.op)
        }
    }

    /// clamp keeps NaN (already so) and its derivative there is NaN, not the 0 of "outside
    /// the bounds" (regression: the NaN input got a silent 0).
    func testClampPropagatesNaNToValueAndGradient() {
        let n = Double.nan
        let x = Variable(Tensor<Double>([n, -2, 0.5, 2]), requiresGradient: true)
        let cases: [(Variable<Double>, [Double], [Double])] = [
            (x.clamped(lower: 0, upper: 1), [n, 0, 0.5, 1], [n, 0, 1, 0]),
            (x.clamped(upper: 0), [n, -2, 0, 0], [n, 1, 0, 0]),
            (x.clamped(lower: 0), [n, 0, 0.5, 2], [n, 0, 1, 1]),
        ]
        for (y, value, dx) in cases {
            XCTAssertTrue(sameScalarsOrNaN(y.value, Tensor(value)), "\(y.value)")
            let g = gradients(of: y.sum(), withRespectTo: [x])[0]
            XCTAssertTrue(sameScalarsOrNaN(g, Tensor(dx)), "∇x: \(g)")
        }
    }
}
