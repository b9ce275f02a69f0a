import Backprop
import XCTest

/// The shape arithmetic behind the ops' preconditions, called directly.
final class ShapeTests: XCTestCase {
    func testFormatAndCount() {
        XCTAssertEqual(Shapes.format([]), "[]")
        XCTAssertEqual(Shapes.format([2, 3]), "[2, 3]")
        XCTAssertEqual(Shapes.count([]), 1)
        XCTAssertEqual(Shapes.count([2, 3, 4]), 24)
        XCTAssertEqual(Shapes.count([5, 0]), 0)
    }

    func testBroadcastSuccesses() {
        XCTAssertEqual(Shapes.broadcast([32, 5], [5], op: "add"), .success([32, 5]))
        XCTAssertEqual(Shapes.broadcast([5], [32, 5], op: "add"), .success([32, 5]))
        XCTAssertEqual(Shapes.broadcast([3, 1], [1, 4], op: "add"), .success([3, 4]))
        XCTAssertEqual(Shapes.broadcast([], [2, 3], op: "add"), .success([2, 3]))
        XCTAssertEqual(Shapes.broadcast([2, 1, 3], [4, 1], op: "add"), .success([2, 4, 3]))
        XCTAssertEqual(Shapes.broadcast([0, 3], [3], op: "add"), .success([0, 3]))
        XCTAssertEqual(Shapes.broadcast([2, 3], [2, 3], op: "add"), .success([2, 3]))
    }

    func testBroadcastFailureNamesOpAndShapes() {
        XCTAssertEqual(
            Shapes.broadcast([2, 3], [4], op: "add", symbol: "+"),
            .failure(
                .init("add: [2, 3] + [4]: sizes 3 and 4 do not broadcast (axis 1 of the result)")))
        XCTAssertEqual(
            Shapes.broadcast([2, 3], [3, 3], op: "multiply", symbol: "*"),
            .failure(
                .init(
                    "multiply: [2, 3] * [3, 3]: sizes 2 and 3 do not broadcast (axis 0 of the result)"
                )))
        XCTAssertEqual(
            Shapes.broadcast([5, 2, 3], [4, 3], op: "add").failureValue?.description,
            "add: [5, 2, 3] , [4, 3]: sizes 2 and 4 do not broadcast (axis 1 of the result)")
    }

    func testMatmul() {
        XCTAssertEqual(Shapes.matmul([3, 4], [4, 2]), .success([3, 2]))
        XCTAssertEqual(Shapes.matmul([1, 0], [0, 7]), .success([1, 7]))
        XCTAssertEqual(
            Shapes.matmul([3, 4], [5, 2]),
            .failure(.init("matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ")))
        XCTAssertEqual(
            Shapes.matmul([3], [3, 2], op: "dot"),
            .failure(.init("dot: [3] × [3, 2]: both operands must be 2-D")))
        XCTAssertEqual(
            Shapes.matmul([2, 2], [2, 2, 2]),
            .failure(.init("matmul: [2, 2] × [2, 2, 2]: both operands must be 2-D")))
    }

    func testNormalizedAxis() {
        XCTAssertEqual(Shapes.normalizedAxis(0, rank: 2, op: "sum"), .success(0))
        XCTAssertEqual(Shapes.normalizedAxis(-1, rank: 2, op: "sum"), .success(1))
        XCTAssertEqual(Shapes.normalizedAxis(-2, rank: 2, op: "sum"), .success(0))
        XCTAssertEqual(
            Shapes.normalizedAxis(2, rank: 2, op: "sum"),
            .failure(.init("sum: axis 2 is out of range for rank 2")))
        XCTAssertEqual(
            Shapes.normalizedAxis(-3, rank: 2, op: "mean"),
            .failure(.init("mean: axis -3 is out of range for rank 2")))
        XCTAssertEqual(
            Shapes.normalizedAxis(0, rank: 0, op: "sum"),
            .failure(.init("sum: axis 0 is out of range for rank 0")))
    }

    func testReduced() {
        XCTAssertEqual(Shapes.reduced([2, 3, 4], axis: 1, keepingDimension: false), [2, 4])
        XCTAssertEqual(Shapes.reduced([2, 3, 4], axis: 1, keepingDimension: true), [2, 1, 4])
        XCTAssertEqual(Shapes.reduced([5], axis: 0, keepingDimension: false), [])
    }

    func testSame() {
        XCTAssertEqual(Shapes.same([2, 3], [2, 3], op: "addScaled"), .success([2, 3]))
        XCTAssertEqual(
            Shapes.same([2, 3], [3, 2], op: "halfSquaredError", symbol: "vs"),
            .failure(.init("halfSquaredError: [2, 3] vs [3, 2]: shapes differ")))
    }

    func testOrFailReturnsSuccessValue() {
        XCTAssertEqual(Shapes.matmul([2, 3], [3, 1]).orFail(), [2, 1])
    }
}

extension Result {
    fileprivate var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension ShapeTests {
    func testElementCount() {
        XCTAssertEqual(Shapes.elementCount([2, 3], op: "zeros"), .success(6))
        XCTAssertEqual(Shapes.elementCount([], op: "zeros"), .success(1))
        XCTAssertEqual(Shapes.elementCount([4, 0], op: "zeros"), .success(0))
        // Shapes.count multiplies with wrapping: [−2, −3] would pass as 6.
        XCTAssertEqual(
            Shapes.elementCount([-2, -3], op: "reshape"),
            .failure(.init("reshape: negative size in shape [-2, -3]")))
        XCTAssertEqual(
            Shapes.elementCount([1 << 62, 4], op: "zeros"),
            .failure(.init("zeros: shape [4611686018427387904, 4] has too many elements")))
    }

    /// A zero size does not excuse the other sizes: their product must fit too (regression:
    /// `[0, Int.max, Int.max]` passed, and `permuted` then overflowed on its strides).
    func testElementCountOfAnEmptyShapeChecksItsOtherSizes() {
        XCTAssertEqual(
            Shapes.elementCount([0, Int.max, Int.max], op: "zeros"),
            .failure(.init(
                "zeros: shape [0, 9223372036854775807, 9223372036854775807] has too many elements "
                    + "(its nonzero sizes multiply past Int.max)")))
        XCTAssertEqual(
            Shapes.elementCount([Int.max, Int.max, 0], op: "zeros"),
            .failure(.init(
                "zeros: shape [9223372036854775807, 9223372036854775807, 0] has too many elements "
                    + "(its nonzero sizes multiply past Int.max)")))
        XCTAssertEqual(Shapes.elementCount([Int.max, 0], op: "zeros"), .success(0))
        XCTAssertEqual(
            Shapes.elementCount([0, -1, Int.max, Int.max], op: "zeros"),
            .failure(.init("zeros: negative size in shape [0, -1, 9223372036854775807, 9223372036854775807]")))
        XCTAssertEqual(
            Shapes.invalidContents(shape: [Int.max, Int.max, 0], scalarCount: 0),
            "Tensor: shape [9223372036854775807, 9223372036854775807, 0] has too many elements "
                + "(its nonzero sizes multiply past Int.max)")
    }

    /// A valid element count can still need more bytes than `Int` holds: the message gives
    /// the exact figure (regression: `Tensor.zeros([1 << 62])` died of an arithmetic overflow).
    func testByteCountBeyondIntMaxNamesTheShapeAndTheBytes() {
        XCTAssertEqual(
            Shapes.byteCount(count: 6, scalarStride: 8, shape: [2, 3], op: "Tensor"), .success(48))
        XCTAssertEqual(
            Shapes.byteCount(count: 1 << 60, scalarStride: 4, shape: [1 << 60], op: "Tensor"),
            .success(1 << 62))
        XCTAssertEqual(
            Shapes.byteCount(count: 1 << 62, scalarStride: 8, shape: [1 << 62], op: "zeros"),
            .failure(.init(
                "zeros: shape [4611686018427387904] needs 36893488147419103232 bytes (8 per scalar), "
                    + "more than the 9223372036854775807 one allocation can hold")))
        let limits: [(Int, Int, String)] = [
            (1 << 61, 4, "9223372036854775808"), (Int.max, 8, "73786976294838206456"),
            (Int.max, 2, "18446744073709551614"), (Int.max / 3 + 1, 4, "12297829382473034412"),
        ]
        for (count, stride, bytes) in limits {
            guard case .failure(let m) = Shapes.byteCount(count: count, scalarStride: stride, shape: [count], op: "Tensor")
            else { XCTFail("\(count) × \(stride) fits"); continue }
            XCTAssertTrue(m.description.contains("needs \(bytes) bytes (\(stride) per scalar)"), m.description)
        }
    }

    func testInvalidContents() {
        XCTAssertNil(Shapes.invalidContents(shape: [2, 3], scalarCount: 6))
        XCTAssertNil(Shapes.invalidContents(shape: [], scalarCount: 1))
        XCTAssertNil(Shapes.invalidContents(shape: [0, 5], scalarCount: 0))
        XCTAssertEqual(
            Shapes.invalidContents(shape: [2, 2], scalarCount: 3),
            "Tensor: 3 scalars do not fill shape [2, 2]")
        XCTAssertEqual(
            Shapes.invalidContents(shape: [-1, -1], scalarCount: 1),
            "Tensor: negative size in shape [-1, -1]")
        // 2³² · 2³² wraps to 0 in wrapping arithmetic: must not pass for 0 scalars.
        XCTAssertEqual(
            Shapes.invalidContents(shape: [1 << 32, 1 << 32], scalarCount: 0),
            "Tensor: shape [4294967296, 4294967296] has too many elements")
        XCTAssertEqual(
            Shapes.invalidContents(shape: [], scalarCount: 0),
            "Tensor: 0 scalars do not fill shape []")
    }
}

/// The shape rules of the op library (permute, slice, concatenate, …).
final class ShapeRuleTests: XCTestCase {
    func testPermutation() {
        XCTAssertEqual(try Shapes.permutation([2, 3, 4], [2, 0, 1], op: "permute").get(), [4, 2, 3])
        XCTAssertEqual(
            Shapes.permutation([2, 3], [0, 0], op: "permute"),
            .failure(Shapes.Mismatch("permute: [0, 0] is not a permutation of the axes of [2, 3]")))
    }

    func testSliceBounds() {
        XCTAssertEqual(try Shapes.sliced([5, 2], axis: 0, range: 1..<4, op: "slice").get(), [3, 2])
        XCTAssertEqual(
            Shapes.sliced([5, 2], axis: 1, range: 1..<3, op: "slice"),
            .failure(Shapes.Mismatch("slice: range 1..<3 is out of bounds for axis 1 of [5, 2]")))
    }

    func testConcatenated() {
        XCTAssertEqual(try Shapes.concatenated([[2, 3], [4, 3]], axis: 0, op: "concatenate").get(), [6, 3])
        XCTAssertEqual(try Shapes.concatenated([[2, 3], [2, 1]], axis: -1, op: "concatenate").get(), [2, 4])
        XCTAssertEqual(
            Shapes.concatenated([[2, 3], [4, 2]], axis: 0, op: "concatenate"),
            .failure(Shapes.Mismatch("concatenate: [2, 3], [4, 2]: sizes differ off axis 0")))
        XCTAssertEqual(
            Shapes.concatenated([[2, 3], [3]], axis: 0, op: "concatenate"),
            .failure(Shapes.Mismatch("concatenate: [2, 3], [3]: sizes differ off axis 0")))
    }

    func testRowGather() {
        XCTAssertEqual(try Shapes.rowGather([3, 2], [0, 2, 2], op: "gatherRows").get(), [2])
        XCTAssertEqual(
            Shapes.rowGather([3, 2], [3], op: "gatherRows"),
            .failure(Shapes.Mismatch("gatherRows: row 3 is out of range 0..<3 for [3, 2]")))
    }

    func testBatchedMatmul() {
        XCTAssertEqual(try Shapes.batchedMatmul([2, 3, 4], [2, 4, 5]).get(), [2, 3, 5])
        XCTAssertEqual(
            Shapes.batchedMatmul([2, 3, 4], [3, 4, 5]),
            .failure(Shapes.Mismatch(
                "matmul: [2, 3, 4] × [3, 4, 5]: batched operands must be 3-D with equal batch sizes")))
        XCTAssertEqual(
            Shapes.batchedMatmul([2, 3, 4], [2, 5, 5]),
            .failure(Shapes.Mismatch("matmul: [2, 3, 4] × [2, 5, 5]: inner sizes 4 and 5 differ")))
    }
}
