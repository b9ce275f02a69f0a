import Backprop
import XCTest

final class ShapeTests: XCTestCase {
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
