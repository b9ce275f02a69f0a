import Backprop
import Foundation
import XCTest

/// Float's exp and tanh are Backprop's own (inline, so loops over tensors vectorise):
/// checked against the correctly rounded Double results over a sweep of every float range.
final class TensorScalarTests: XCTestCase {
    private func exp<S: TensorScalar>(_ x: S) -> S { S.exp(x) }
    private func tanh<S: TensorScalar>(_ x: S) -> S { S.tanh(x) }

    /// |got − want| in units in the last place of the float nearest `want`.
    private func ulps(_ got: Float, _ want: Double) -> Double {
        let nearest = Float(want)
        if nearest.isInfinite || want == 0 { return got == nearest ? 0 : .infinity }
        return abs(Double(got) - want) / Double(nearest.magnitude.ulp)
    }

    /// Every 65,537th bit pattern of the finite floats (about 65,000 values in each sign,
    /// every exponent), plus the ones around the thresholds of each function.
    private var sweep: [Float] {
        var values = stride(from: 0, through: UInt32.max, by: 65_537).map { Float(bitPattern: $0) }.filter(\.isFinite)
        for edge: Float in [88.72283, -87.33654, -103.27893, 0.625, -0.625, 9.01, 0] {
            var x = edge
            for _ in 0..<64 { values.append(x); x = x.nextUp }
        }
        return values
    }

    func testExpIsWithinOneUlpEverywhere() {
        var worst = (error: 0.0, at: Float(0))
        for x in sweep {
            let error = ulps(exp(x), Foundation.exp(Double(x)))
            if error > worst.error { worst = (error, x) }
        }
        XCTAssertLessThanOrEqual(worst.error, 1, "exp(\(worst.at))")
        XCTAssertEqual(exp(Float.infinity), .infinity)
        XCTAssertEqual(exp(-Float.infinity), 0)
        XCTAssertEqual(exp(Float(89)), .infinity)
        XCTAssertEqual(exp(Float(-104)), 0)
        XCTAssertTrue(exp(Float.nan).isNaN)
        XCTAssertEqual(exp(Float(0)), 1)
        XCTAssertGreaterThan(exp(Float(-100)), 0, "subnormal results are kept")
    }

    func testTanhIsWithinOneAndAHalfUlpsEverywhere() {
        var worst = (error: 0.0, at: Float(0))
        for x in sweep {
            let error = ulps(tanh(x), Foundation.tanh(Double(x)))
            if error > worst.error { worst = (error, x) }
        }
        XCTAssertLessThanOrEqual(worst.error, 1.5, "tanh(\(worst.at))")
        XCTAssertEqual(tanh(Float.infinity), 1)
        XCTAssertEqual(tanh(-Float.infinity), -1)
        XCTAssertEqual(tanh(-Float(0)).sign, .minus)
        XCTAssertTrue(tanh(Float.nan).isNaN)
        XCTAssertEqual(tanh(Float.leastNonzeroMagnitude), .leastNonzeroMagnitude)
    }
}
