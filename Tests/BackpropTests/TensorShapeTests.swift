import Foundation
import XCTest

@testable import Backprop

/// The inline shape (Sources/Backprop/Tensor/TensorShape.swift): it behaves like `[Int]`.
final class TensorShapeTests: XCTestCase {
    func testBehavesLikeAnArrayOfSizes() {
        var s: TensorShape = [32, 5]
        XCTAssertEqual(s.count, 2)
        XCTAssertEqual(s[1], 5)
        XCTAssertEqual(Array(s), [32, 5])
        s.append(2)
        XCTAssertEqual(s, [32, 5, 2])
        XCTAssertEqual(s.elementCount, 320)
        s.remove(at: 0)
        XCTAssertEqual(s, [5, 2])
        s[0] = 7
        XCTAssertEqual(s.dimensions, [7, 2])
        XCTAssertEqual(TensorShape().elementCount, 1, "rank 0 is one element")
        XCTAssertEqual(s.description, "[7, 2]")
        XCTAssertEqual(TensorShape(4, 3), [4, 3])
        XCTAssertEqual(TensorShape([1, 2, 3]).reversed(), [3, 2, 1])
    }

    /// Sizes beyond the rank stay zero, so shapes that were built differently compare and
    /// hash alike.
    func testEqualityAndHashingIgnoreHowTheShapeWasBuilt() {
        var a: TensorShape = [2, 3, 4]
        a.removeLast()
        let b = TensorShape([2, 3])
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.hashValue, b.hashValue)
        XCTAssertNotEqual(a, [2, 3, 0], "a trailing 0 is a different rank")
        XCTAssertNotEqual(TensorShape([3]), TensorShape([3, 1]))
        XCTAssertEqual(Set([a, b, [3, 2]]).count, 2)
    }

    func testValidElementCount() {
        XCTAssertEqual(TensorShape([2, 0, 5]).validElementCount, 0)
        XCTAssertNil(TensorShape([2, -1]).validElementCount, "negative size")
        XCTAssertNil(TensorShape([Int.max, 2]).validElementCount, "overflow")
        XCTAssertEqual(
            Shapes.elementCount([Int.max / 2, 3], op: "zeros"),
            .failure(Shapes.Mismatch("zeros: shape [4611686018427387903, 3] has too many elements")))
    }

    /// Regression: `[0, Int.max, Int.max]` was valid (the running product hit 0 first) and
    /// `[Int.max, Int.max, 0]` not. A shape is valid when no size is negative and the product
    /// of its nonzero sizes fits in `Int` (so stride arithmetic on it cannot overflow), in
    /// any axis order.
    func testValidElementCountDoesNotDependOnAxisOrder() {
        let big = 1 << 62
        for sizes in [[0, Int.max, Int.max], [0, big, big], [0, 1 << 32, 1 << 32], [-1, 0], [0, 2, -3]] {
            for order in permutations(sizes) {
                XCTAssertNil(TensorShape(order).validElementCount, "\(order)")
            }
        }
        for (sizes, count) in [([0, Int.max], 0), ([0, 1 << 61, 2, 0], 0), ([1 << 31, 1 << 31, 0], 0), ([big, 1, 1], big)] {
            for order in permutations(sizes) {
                XCTAssertEqual(TensorShape(order).validElementCount, count, "\(order)")
            }
        }
    }

    private func permutations(_ sizes: [Int]) -> [[Int]] {
        guard let first = sizes.first else { return [[]] }
        return permutations(Array(sizes.dropFirst())).flatMap { rest in
            (0...rest.count).map { i in Array(rest[..<i]) + [first] + Array(rest[i...]) }
        }
    }

    func testEightAxesAtMost() {
        let eight = TensorShape(repeatElement(1, count: TensorShape.maxRank))
        XCTAssertEqual(eight.count, 8)
        XCTAssertEqual(Tensor<Float>.zeros(eight).count, 1)
    }

    /// Encoded as a plain array of sizes (the checkpoint format), and decoding more than
    /// eight sizes is an error, not a crash.
    func testCodableAsAnArray() throws {
        let data = try JSONEncoder().encode(TensorShape([4, 3]))
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "[4,3]")
        XCTAssertEqual(try JSONDecoder().decode(TensorShape.self, from: data), [4, 3])
        let tooMany = Data("[1,1,1,1,1,1,1,1,1]".utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(TensorShape.self, from: tooMany)) { error in
            guard case DecodingError.dataCorrupted(let context) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(context.debugDescription, "TensorShape: 9 axes, more than 8")
        }
    }

    /// The shape lives in the tensor's buffer: changing one tensor's shape never changes a
    /// copy's.
    func testTensorsSharingScalarsKeepTheirOwnShapes() {
        let a = Tensor<Double>([1, 2, 3, 4, 5, 6])
        let b = a.reshaped(to: [2, 3])
        let c = b.reshaped(to: [3, 2])
        XCTAssertEqual(a.shape, [6])
        XCTAssertEqual(b.shape, [2, 3])
        XCTAssertEqual(c.shape, [3, 2])
        XCTAssertEqual(c[2, 1], 6)
        XCTAssertNotEqual(b, c, "same scalars, different shapes")
    }
}
