import Backprop
import BackpropTesting
import XCTest

/// Gradient checks of add, subtract, multiply and the scalar forms, including every
/// broadcasting case the ops accept.
final class ArithmeticTests: XCTestCase {
    /// Pairs of shapes that broadcast: equal, a bias row, a column, a scalar on each side,
    /// rank-3 with middle broadcasting.
    static let broadcastPairs: [(TensorShape, TensorShape)] = [
        ([3], [3]), ([2, 3], [2, 3]), ([4, 3], [3]), ([4, 3], [1, 3]), ([4, 3], [4, 1]),
        ([4, 3], []), ([], [2, 3]), ([1, 3], [4, 1]), ([2, 3, 4], [3, 1]), ([2, 1, 4], [2, 3, 1]),
    ]

    static func random(_ shape: TensorShape, seed: UInt64) -> Tensor<Double> {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, in: -2..<2, using: &generator)
    }

    func testBinaryOpsAtEveryBroadcastShape() {
        let ops: [(String, (Variable<Double>, Variable<Double>) -> Variable<Double>)] = [
            ("add", { $0 + $1 }), ("subtract", { $0 - $1 }), ("multiply", { $0 * $1 }),
        ]
        for (name, op) in ops {
            for (seed, (a, b)) in Self.broadcastPairs.enumerated() {
                let inputs = [Self.random(a, seed: UInt64(seed)), Self.random(b, seed: 99)]
                assertGradientsMatch(at: inputs, "\(name) \(a) with \(b)") { op($0[0], $0[1]) }
            }
        }
    }

    func testScalarForms() {
        for shape in [[], [5], [2, 3]] as [TensorShape] {
            assertGradientsMatch(at: [Self.random(shape, seed: 1)]) { x in
                let scaled: Variable<Double> = (3 * x[0] + 1.5) * 0.5 - 2
                let flipped: Variable<Double> = (1 - x[0]) - (-x[0])
                return scaled * flipped
            }
        }
    }

    func testBroadcastResultShapeAndValues() {
        let x = Variable(Tensor<Double>([[1, 2, 3], [4, 5, 6]]))
        let b = Variable(Tensor<Double>([10, 20, 30]))
        XCTAssertEqual((x + b).value, [[11, 22, 33], [14, 25, 36]])
        XCTAssertEqual((x * Variable(Tensor([[2], [3]]))).value, [[2, 4, 6], [12, 15, 18]])
    }

    /// Every path of the broadcast loop (a whole operand with the other's trailing axes on
    /// either side, with or without leading 1s, and the strided walk) against the values read
    /// by index: y[i] = a[i broadcast to a] − b[i broadcast to b].
    func testBroadcastValuesOnEveryPath() {
        let pairs: [(TensorShape, TensorShape)] = [
            ([2, 3, 4, 5], [4, 5]), ([4, 5], [2, 3, 4, 5]), ([2, 3, 4, 5], [1, 1, 4, 5]), ([2, 3, 4, 5], [3, 4, 5]),
            ([2, 3, 4, 5], [3, 1, 5]), ([2, 1, 4, 5], [3, 4, 1]), ([2, 3, 1, 5], [2, 3, 4, 5]), ([3, 4], [1, 4]),
        ]
        for (k, (aShape, bShape)) in pairs.enumerated() {
            let (a, b) = (Self.random(aShape, seed: UInt64(k)), Self.random(bShape, seed: 50 + UInt64(k)))
            let y = a - b
            let shape = y.shape
            func element(_ t: Tensor<Double>, at index: [Int]) -> Double {
                let own = Array(index.suffix(t.rank)).enumerated().map { t.shape[$0] == 1 ? 0 : $1 }
                return t.scalars[zip(own, Array(t.shape)).reduce(0) { $0 * $1.1 + $1.0 }]
            }
            var index = [Int](repeating: 0, count: shape.count)
            for i in 0..<y.count {
                XCTAssertEqual(y.scalars[i], element(a, at: index) - element(b, at: index), "\(aShape) − \(bShape) at \(index)")
                for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                    index[axis] += 1
                    if index[axis] < shape[axis] { break }
                    index[axis] = 0
                }
            }
        }
    }

    func testBiasGradientIsTheColumnSum() {
        let x = Variable(Tensor<Double>([[1, 2, 3], [4, 5, 6]]))
        let b = Variable(Tensor<Double>([0, 0, 0]), requiresGradient: true)
        (x + b).sum().backward()
        XCTAssertEqual(b.gradient, [2, 2, 2])
    }

    func testAGradientIsOnlyComputedForInputsThatRequireOne() {
        let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let c = Variable(Tensor<Double>([3, 4]))
        (x * c).sum().backward()
        XCTAssertEqual(x.gradient, [3, 4])
        XCTAssertNil(c.gradient)
    }

    func testBroadcastShapeRuleAndMessage() {
        XCTAssertEqual(try Shapes.broadcast([4, 3], [3], op: "add").get(), [4, 3])
        XCTAssertEqual(try Shapes.broadcast([2, 1, 4], [3, 1], op: "add").get(), [2, 3, 4])
        XCTAssertEqual(
            Shapes.broadcast([2, 3], [4], op: "add", symbol: "+"),
            .failure(.init("add: [2, 3] + [4]: sizes 3 and 4 do not broadcast (axis 1 of the result)")))
    }
}

// Division: gradients with broadcasting on either operand, and a scalar on either side.
extension ArithmeticTests {
    func testDivideBroadcastingGradients() {
        let pairs: [(TensorShape, TensorShape)] = [([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([], [2, 3])]
        for (k, (a, b)) in pairs.enumerated() {
            let x = randomTensor(a, seed: UInt64(k))
            let y = randomTensor(b, in: 0.5..<2, seed: UInt64(k + 10))
            assertGradientsMatch(at: [x, y]) { $0[0] / $0[1] }
            assertGradientsMatch(at: [y, x]) { $0[1] / $0[0] }
        }
    }

    func testScalarDivisionOnEitherSide() {
        let x = randomTensor([2, 3], in: 0.5..<2)
        assertGradientsMatch(at: [x]) { 2 / $0[0] }
        assertGradientsMatch(at: [x]) { $0[0] / 4 }
        XCTAssertEqual((Variable(Tensor<Double>([2, 4])) / 2).value, Tensor([1, 2]))
        XCTAssertEqual((8 / Variable(Tensor<Double>([2, 4]))).value, Tensor([4, 2]))
    }
}
