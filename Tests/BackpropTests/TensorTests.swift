import Backprop
import Foundation
import XCTest

/// Tensor creation, literals, indexing, value semantics and the plain (graph-free) maths.
final class TensorTests: XCTestCase {
    // MARK: Creation

    func testInitializers() {
        let t = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(t.rank, 2)
        XCTAssertEqual(t.count, 6)
        XCTAssertEqual(t[1, 2], 6)
        XCTAssertEqual(t[0, 1], 2)

        let scalar = Tensor<Float>(2.5)
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.scalar, 2.5)
        XCTAssertTrue(scalar.isScalar)

        XCTAssertEqual(Tensor<Double>([1, 2, 3]).shape, [3])
        XCTAssertEqual(Tensor<Double>([[1, 2], [3, 4], [5, 6]]).shape, [3, 2])
        XCTAssertEqual(Tensor<Double>([[1, 2], [3, 4]]).scalars, [1, 2, 3, 4])
        XCTAssertEqual(Tensor<Double>(shape: [0, 4], scalars: []).count, 0)
    }

    func testFilledZerosOnesIdentity() {
        XCTAssertEqual(Tensor<Double>(repeating: 7, shape: [2, 2]).scalars, [7, 7, 7, 7])
        XCTAssertEqual(Tensor<Float>.zeros([3]).scalars, [0, 0, 0])
        XCTAssertEqual(Tensor<Float>.ones([2, 1]).scalars, [1, 1])
        XCTAssertEqual(Tensor<Float>.ones([2, 1]).shape, [2, 1])
        XCTAssertEqual(Tensor<Double>.identity(3).scalars, [1, 0, 0, 0, 1, 0, 0, 0, 1])
        XCTAssertEqual(Tensor<Double>.zeros([]).shape, [])
        XCTAssertEqual(Tensor<Double>.zeros([]).count, 1)
    }

    func testUnsafeUninitializedInit() {
        let t = Tensor<Double>(shape: [2, 2]) { buffer in
            for i in 0..<buffer.count { buffer[i] = Double(i * i) }
        }
        XCTAssertEqual(t.scalars, [0, 1, 4, 9])
    }

    func testLiterals() {
        let rank0 = Tensor<Double>(3)  // a bare number is not a tensor literal
        XCTAssertEqual(rank0.shape, [])
        XCTAssertEqual(rank0.scalar, 3)
        let mixed: Tensor<Float> = [0.5, 2, -1e-3]
        XCTAssertEqual(mixed.scalars, [0.5, 2, -1e-3])
        let vector: Tensor<Double> = [1, 2, 3]
        XCTAssertEqual(vector.shape, [3])
        let matrix: Tensor<Float> = [[1, 2], [3, 4], [5, 6]]
        XCTAssertEqual(matrix.shape, [3, 2])
        XCTAssertEqual(matrix[2, 0], 5)
        let cube: Tensor<Double> = [[[1, 2]], [[3, 4]]]
        XCTAssertEqual(cube.shape, [2, 1, 2])
        XCTAssertEqual(cube.scalars, [1, 2, 3, 4])
        let empty: Tensor<Double> = []
        XCTAssertEqual(empty.shape, [0])
    }

    func testSubscriptSetAndValueSemantics() {
        var a: Tensor<Double> = [[1, 2], [3, 4]]
        let b = a
        a[0, 1] = 20
        XCTAssertEqual(a.scalars, [1, 20, 3, 4])
        XCTAssertEqual(b.scalars, [1, 2, 3, 4], "copies are independent (copy-on-write)")
        var c = b
        c.addScaled(b, by: 2)
        XCTAssertEqual(c.scalars, [3, 6, 9, 12])
        XCTAssertEqual(b.scalars, [1, 2, 3, 4])
    }

    func testReshapedAndConverted() {
        let t: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]
        let r = t.reshaped(to: [3, 2])
        XCTAssertEqual(r.shape, [3, 2])
        XCTAssertEqual(r[2, 1], 6)
        XCTAssertEqual(t.reshaped(to: [6]).scalars, t.scalars)
        let f: Tensor<Float> = t.converted()
        XCTAssertEqual(f.shape, [2, 3])
        XCTAssertEqual(f.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Tensor<Double>([0.1]).converted(to: Float.self).scalars, [Float(0.1)])
    }

    func testDescription() {
        XCTAssertEqual(Tensor<Double>([[1, 2], [3, 4]]).description, "[[1.0, 2.0], [3.0, 4.0]]")
        XCTAssertEqual(Tensor<Double>(5).description, "5.0")
        XCTAssertEqual(Tensor<Double>(shape: [0], scalars: []).description, "[]")
    }

    /// Past 1,000 elements every axis longer than 6 shows its first and last 3 entries.
    func testDescriptionOfALargeTensorIsAbbreviatedAsNumPys() {
        let large = Tensor<Double>(shape: [300, 64], scalars: (0..<(300 * 64)).map(Double.init))
        let row = { (r: Int) in
            let first = (0..<3).map { "\(Double(r * 64 + $0))" }
            let last = (61..<64).map { "\(Double(r * 64 + $0))" }
            return "[" + (first + ["..."] + last).joined(separator: ", ") + "]"
        }
        let expected = "[" + ([0, 1, 2].map(row) + ["..."] + [297, 298, 299].map(row)).joined(separator: ", ") + "]"
        XCTAssertEqual(large.description, expected)
        XCTAssertLessThan(large.description.count, 400, "not the 100,000 characters of every element")
        // At the threshold every element is printed.
        let small = Tensor<Double>(shape: [10, 100], scalars: Array(repeating: 1, count: 1000))
        XCTAssertEqual(small.description.components(separatedBy: "1.0").count - 1, 1000)
    }

    func testCodableRoundTrip() throws {
        let t: Tensor<Float> = [[1.5, -2], [0, 1e-7]]
        let data = try JSONEncoder().encode(t)
        XCTAssertEqual(try JSONDecoder().decode(Tensor<Float>.self, from: data), t)
    }

    // MARK: Arithmetic (hand-computed values)

    func testBroadcastingArithmetic() {
        let m: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]
        let row: Tensor<Double> = [10, 20, 30]
        let column: Tensor<Double> = [[100], [200]]
        XCTAssertEqual((m + row).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((row + m).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((m + column).scalars, [101, 102, 103, 204, 205, 206])
        XCTAssertEqual((m - row).scalars, [-9, -18, -27, -6, -15, -24])
        XCTAssertEqual((m * column).scalars, [100, 200, 300, 800, 1000, 1200])
        XCTAssertEqual((m / Tensor(2)).scalars, [0.5, 1, 1.5, 2, 2.5, 3])
        XCTAssertEqual((column + row).shape, [2, 3])
        XCTAssertEqual((column + row).scalars, [110, 120, 130, 210, 220, 230])
        let cube = Tensor<Double>(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6])
        let plane = Tensor<Double>(shape: [2, 1], scalars: [10, 20])
        XCTAssertEqual((cube + plane).shape, [2, 2, 3])
        XCTAssertEqual(
            (cube + plane).scalars, [11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26])
        XCTAssertEqual((2 * m - 1).scalars, [1, 3, 5, 7, 9, 11])
        XCTAssertEqual((m * 0.5 + 1).scalars, [1.5, 2, 2.5, 3, 3.5, 4])
        XCTAssertEqual((-m).scalars, [-1, -2, -3, -4, -5, -6])
        var acc = m
        acc += row
        XCTAssertEqual(acc.scalars, [11, 22, 33, 14, 25, 36])
        acc -= m
        XCTAssertEqual(acc.scalars, [10, 20, 30, 10, 20, 30])
    }

    func testReductions() {
        let m: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]
        XCTAssertEqual(m.sum(), Tensor(21))
        XCTAssertEqual(m.sum(alongAxis: 0), Tensor([5, 7, 9]))
        XCTAssertEqual(m.sum(alongAxis: 1), Tensor([6, 15]))
        XCTAssertEqual(m.sum(alongAxis: -1, keepingDimension: true).shape, [2, 1])
        XCTAssertEqual(m.summed(toShape: [3]), Tensor([5, 7, 9]))
        XCTAssertEqual(m.summed(toShape: [1, 3]).scalars, [5, 7, 9])
        XCTAssertEqual(m.summed(toShape: [2, 1]).scalars, [6, 15])
        XCTAssertEqual(m.summed(toShape: []), Tensor(21))
        XCTAssertEqual(m.summed(toShape: [2, 3]), m)
        let cube = Tensor<Double>(shape: [2, 2, 3], scalars: (1...12).map(Double.init))
        // [2, 1] aligns with the last two axes: sum over axis 0 and axis 2.
        // 1+2+3+7+8+9 and 4+5+6+10+11+12
        XCTAssertEqual(cube.summed(toShape: [2, 1]).scalars, [30, 48])
    }

    /// Broadcasting that only added one-long axes sums nothing (the one-long sums are
    /// reshapes): the result reuses the scalars but stays a value of its own, and a target
    /// that does not broadcast still stops (PreconditionTests).
    func testSummedToShapeOverOneLongAxesStaysAValue() {
        let row = Tensor<Double>(shape: [1, 3], scalars: [1, 2, 3])
        var bias = row.summed(toShape: [3])
        XCTAssertEqual(bias, Tensor([1, 2, 3]))
        XCTAssertEqual(Tensor<Double>(shape: [1, 1, 2], scalars: [4, 5]).summed(toShape: [1, 2]).shape, [1, 2])
        bias[0] = 100
        XCTAssertEqual(row.shape, [1, 3])
        XCTAssertEqual(row.scalars, [1, 2, 3])
        XCTAssertEqual(Tensor<Double>(7).summed(toShape: [1, 1]).shape, [1, 1])
    }

    func testTransposeAndMatmul() {
        let a: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]  // 2 × 3
        let b: Tensor<Double> = [[1, 0], [0, 1], [2, -1]]  // 3 × 2
        XCTAssertEqual(a.transposed(), Tensor([[1, 4], [2, 5], [3, 6]]))
        XCTAssertEqual(a.matmul(b), Tensor([[7, -1], [16, -1]]))
        XCTAssertEqual(b.matmul(a), Tensor([[1, 2, 3], [4, 5, 6], [-2, -1, 0]]))
        XCTAssertEqual(a.matmul(a, transposingOther: true), Tensor([[14, 32], [32, 77]]))
        XCTAssertEqual(
            a.matmul(a, transposingSelf: true),
            Tensor([[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
        XCTAssertEqual(
            b.matmul(a, transposingSelf: true, transposingOther: true),
            a.matmul(b).transposed())
        XCTAssertEqual(
            Tensor<Double>.zeros([2, 0]).matmul(Tensor.zeros([0, 3])), Tensor.zeros([2, 3]))
    }

    /// A product big enough for the blocked kernel agrees with a plain triple loop.
    func testLargeMatmulMatchesNaiveLoop() {
        var rng = SeededGenerator(seed: 8)
        let (m, k, n) = (67, 129, 45)
        for transposes in [(false, false), (true, false), (false, true), (true, true)] {
            let a = Tensor<Double>.uniform(
                transposes.0 ? [k, m] : [m, k], in: -1..<1, using: &rng)
            let b = Tensor<Double>.uniform(
                transposes.1 ? [n, k] : [k, n], in: -1..<1, using: &rng)
            let c = a.matmul(b, transposingSelf: transposes.0, transposingOther: transposes.1)
            let (sa, sb) = (a.scalars, b.scalars)
            var expected = [Double](repeating: 0, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k {
                        s +=
                            (transposes.0 ? sa[p * m + i] : sa[i * k + p])
                            * (transposes.1 ? sb[j * k + p] : sb[p * n + j])
                    }
                    expected[i * n + j] = s
                }
            }
            XCTAssertEqual(c.shape, [m, n])
            assertRelativelyClose(c, expected, tolerance: 1e-11, floor: 1e-3, "\(transposes)")
        }
    }
}

/// Decoding checks that the data describes a valid tensor (regression: the synthesised
/// Codable accepted any shape with any number of scalars, and the tensor crashed later).
final class TensorDecodingTests: XCTestCase {
    private func decode(_ json: String) throws -> Tensor<Double> {
        try JSONDecoder().decode(Tensor<Double>.self, from: Data(json.utf8))
    }

    func testRejectsScalarsThatDoNotFillTheShape() {
        XCTAssertThrowsError(try decode(#"{"dimensions":[2,2],"storage":[1,2,3]}"#)) { error in
            XCTAssertTrue("\(error)".contains("3 scalars do not fill shape [2, 2]"), "\(error)")
        }
    }

    func testRejectsNegativeSizes() {
        XCTAssertThrowsError(try decode(#"{"dimensions":[-1,-1],"storage":[1]}"#)) { error in
            XCTAssertTrue("\(error)".contains("negative size in shape [-1, -1]"), "\(error)")
        }
    }

    func testRejectsShapesWhoseCountOverflows() {
        XCTAssertThrowsError(
            try decode(#"{"dimensions":[4294967296,4294967296],"storage":[]}"#))
    }

    func testAcceptsValidData() throws {
        let t = try decode(#"{"dimensions":[2,1],"storage":[1.5,-2]}"#)
        XCTAssertEqual(t, Tensor([[1.5], [-2]]))
        XCTAssertEqual(try decode(#"{"dimensions":[],"storage":[4]}"#), Tensor(4))
    }
}
