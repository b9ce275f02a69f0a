import Backprop
import BackpropTesting
import XCTest

final class SoftmaxTests: XCTestCase {
    func testGradientsAlongEachAxis() {
        for (k, shape) in ([[5], [3, 4], [2, 3, 4]] as [TensorShape]).enumerated() {
            let x = randomTensor(shape, in: -3..<3, seed: UInt64(k))
            for axis in -1..<shape.count {
                assertGradientsMatch(at: [x]) { $0[0].softmax(alongAxis: axis) }
                assertGradientsMatch(at: [x]) { $0[0].logSoftmax(alongAxis: axis) }
                assertGradientsMatch(at: [x]) { $0[0].logSumExp(alongAxis: axis) }
                assertGradientsMatch(at: [x]) { $0[0].logSumExp(alongAxis: axis, keepingDimension: true) }
            }
            assertGradientsMatch(at: [x]) { $0[0].logSumExp() }
        }
    }

    func testAgreesWithNaiveFormulaOnModerateInputs() {
        let x = randomTensor([3, 4])
        let v = Variable(x)
        for i in 0..<3 {
            let row = (0..<4).map { x[i, $0] }
            let denominator = row.map(Foundation.exp).reduce(0, +)
            for j in 0..<4 {
                XCTAssertEqual(v.softmax().value[i, j], Foundation.exp(row[j]) / denominator, accuracy: 1e-14)
                XCTAssertEqual(v.logSoftmax().value[i, j], row[j] - Foundation.log(denominator), accuracy: 1e-14)
            }
            XCTAssertEqual(v.logSumExp(alongAxis: 1).value[i], Foundation.log(denominator), accuracy: 1e-14)
        }
    }

    func testExtremeInputsStayFinite() {
        let x = Variable(Tensor<Double>([[1000, -1000, 0], [-1000, -1000, -1000]]), requiresGradient: true)
        for y in [x.logSoftmax(), x.logSumExp(alongAxis: 1), x.softmax(), x.logSumExp()] {
            XCTAssertTrue(allFinite(y.value), "\(y.op)")
            XCTAssertTrue(allFinite(gradients(of: y.sum(), withRespectTo: [x])[0]), "\(y.op)")
        }
        XCTAssertEqual(x.logSumExp(alongAxis: 1).value[1], -1000 + Foundation.log(3), accuracy: 1e-12)
        XCTAssertEqual(x.softmax().value[0, 0], 1)
    }
}

extension SoftmaxTests {
    /// The last axis takes a row kernel, any other axis the general loops: softmax and
    /// log-softmax give the same result both ways (against the transpose), at ±1000 and ±∞,
    /// and a NaN makes only its own row NaN.
    func testLastAxisRowKernelMatchesTheGeneralPath() {
        let x = Tensor<Double>([[1, 2, 3], [1000, -1000, 0], [-.infinity, 0, 1], [.nan, 1, 2]])
        let functions: [(String, (Tensor<Double>, Int) -> Tensor<Double>)] = [
            ("softmax", { $0.softmax(alongAxis: $1) }), ("logSoftmax", { $0.logSoftmax(alongAxis: $1) }),
        ]
        for (name, f) in functions {
            let byRows = f(x, 1)
            let byColumns = f(x.transposed(), 0).transposed()
            for (a, b) in zip(byRows.scalars.prefix(9), byColumns.scalars.prefix(9)) {
                if a.isInfinite { XCTAssertEqual(a, b, name) } else { XCTAssertEqual(a, b, accuracy: 1e-12, name) }
            }
            XCTAssertTrue(byRows.scalars.suffix(3).allSatisfy(\.isNaN), "\(name): \(byRows)")
            XCTAssertTrue(byColumns.scalars.suffix(3).allSatisfy(\.isNaN), "\(name): \(byColumns)")
        }
    }
}
