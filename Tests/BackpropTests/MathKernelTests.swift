import Backprop
import CBackpropKernels
import Foundation
import XCTest

/// The inline Float exp and tanh of the activation loops (CBackpropMath.h), against the
/// correctly rounded Double results over a sweep of every float range.
final class MathKernelTests: XCTestCase {
    private func exp(_ x: Float) -> Float { bp_expf_inline(x) }
    private func tanh(_ x: Float) -> Float { bp_tanhf_inline(x) }

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

    /// The Float sigmoid and tanh activations (which run these in their loops) within 2 ulp
    /// of the Double ones, NaN and infinities included.
    func testFloatSigmoidAndTanhActivationsStayWithinTwoUlps() {
        let xs = stride(from: -120.0, through: 120.0, by: 0.0173).map { Float($0) } + [.nan, .infinity, -.infinity, 0, -0.0]
        for activation in [Activation.sigmoid, .tanh] {
            let single = activation.apply(Variable(Tensor<Float>(xs))).value.scalars
            let double = activation.apply(Variable(Tensor<Double>(xs.map(Double.init)))).value.scalars
            for (x, (s, d)) in zip(xs, zip(single, double)) {
                if d.isNaN { XCTAssertTrue(s.isNaN, "\(activation)(\(x))"); continue }
                XCTAssertLessThanOrEqual(ulps(s, d), 2, "\(activation)(\(x)) = \(s), Double \(d)")
            }
        }
    }

    /// The array kernels (`bp_sigmoidf_inplace`, `bp_tanhf_inplace`, `bp_expf_inplace`, in the CPU's widest
    /// vectors) give bit for bit what the inline functions give one element at a time, over
    /// the whole sweep and at every offset of a vector's lanes (lengths 1 to 40).
    func testArrayKernelsMatchTheScalarFunctionsBitForBit() {
        let xs = sweep + [.nan, .infinity, -.infinity, 0, -0.0, Float.leastNonzeroMagnitude]
        func sigmoid(_ v: Float) -> Float {
            let e = exp(-Swift.abs(v))
            return v >= 0 ? 1 / (1 + e) : e / (1 + e)
        }
        typealias Kernel = (UnsafeMutablePointer<Float>?, Int) -> Void
        let pairs: [(Kernel, (Float) -> Float)] = [(bp_sigmoidf_inplace, sigmoid), (bp_tanhf_inplace, tanh), (bp_expf_inplace, exp)]
        for (kernel, scalar) in pairs {
            var all = xs
            kernel(&all, all.count)
            XCTAssertEqual(all.map(\.bitPattern), xs.map { scalar($0).bitPattern })
            for length in 1...40 {
                var part = Array(xs[1000..<1000 + length])
                kernel(&part, length)
                XCTAssertEqual(part.map(\.bitPattern), xs[1000..<1000 + length].map { scalar($0).bitPattern }, "length \(length)")
            }
        }
    }

    /// The GELU kernels give bit for bit the scalar formulas: `gelu(_:approximation:)` for
    /// the forward; for the backward g·y′ with y′ = Φ(x) + x·φ(x) (exact) or
    /// (1 + t)/2 + x(1 − t²)·c(1 + 3k·x²)/2 (tanh), with the inline Φ, exp and tanh. And the
    /// Float op runs them: its value and gradient are the kernels'.
    func testGELUKernelsMatchTheScalarFormulasBitForBit() {
        let xs = sweep.filter { Swift.abs($0) < 20 } + [.nan, .infinity, -.infinity, 0, -0.0, -8, 8]
        let g = xs.indices.map { Float($0 % 7) - 3.5 }
        func exact(_ x: Float) -> Float {
            let density = Float(1 / (2 * Double.pi).squareRoot()) * exp(-0.5 * (x * x))
            return bp_normal_cdff_inline(x) + x * density
        }
        func approximated(_ x: Float) -> Float {
            let (c, k) = (Float(0.797_884_560_802_865_4), Float(0.044715))
            let t = tanh(c * (x + k * (x * x * x)))
            let du = c * (Float(3 * 0.044715) * (x * x) + 1)
            return 0.5 * (t + 1) + 0.5 * (x * (1 - t * t) * du)
        }
        typealias Forward = (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void
        typealias Backward = (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void
        let cases: [(GELUApproximation, Forward, Backward, (Float) -> Float)] = [
            (.none, bp_gelu_erff, bp_gelu_erf_backwardf, exact), (.tanh, bp_gelu_tanhf, bp_gelu_tanh_backwardf, approximated),
        ]
        for (approximation, forward, backward, slope) in cases {
            for range in [xs.indices, 1000..<1001, 1000..<1017, 1003..<1040] {
                var y = [Float](repeating: 0, count: range.count)
                Array(xs[range]).withUnsafeBufferPointer { forward($0.baseAddress, &y, range.count) }
                XCTAssertEqual(
                    y.map(\.bitPattern), xs[range].map { gelu($0, approximation: approximation).bitPattern },
                    "gelu \(approximation) \(range)")
                var d = Array(g[range])   // in place, as the kernel may run
                Array(xs[range]).withUnsafeBufferPointer { x in
                    d.withUnsafeMutableBufferPointer { backward(x.baseAddress, $0.baseAddress, $0.baseAddress, range.count) }
                }
                XCTAssertEqual(d.map(\.bitPattern), range.map { (g[$0] * slope(xs[$0])).bitPattern }, "gelu′ \(approximation) \(range)")
            }
            let x = Variable(Tensor(xs), requiresGradient: true)
            let y = x.gelu(approximation: approximation)
            XCTAssertEqual(y.value.scalars.map(\.bitPattern), xs.map { gelu($0, approximation: approximation).bitPattern })
            let gradient = gradients(of: (y * Variable(Tensor(g))).sum(), withRespectTo: [x])[0]
            XCTAssertEqual(gradient.scalars.map(\.bitPattern), xs.indices.map { (g[$0] * slope(xs[$0])).bitPattern })
        }
    }

    /// The Float softmax kernel against the Double softmax (within 4 ulp plus the rounding of
    /// x − max, over rows of every length from 1 to 70 and values from −40 to 40), in place
    /// the same bit for bit, and rows
    /// with NaN or with every score −∞ NaN (as the Double path gives).
    func testSoftmaxKernelMatchesDoubleAndRunsInPlace() {
        var rng = SeededGenerator(seed: 3)
        for columns in 1...70 {
            let x = Tensor<Double>.uniform([3, columns], in: -40..<40, using: &rng)
            let single = Tensor<Float>(shape: x.shape, scalars: x.scalars.map(Float.init))
            let want = Tensor<Double>(shape: x.shape, scalars: single.scalars.map(Double.init)).softmax(alongAxis: 1)
            let got = single.softmax(alongAxis: 1)
            for (i, (s, d)) in zip(got.scalars, want.scalars).enumerated() {
                // x − max is rounded to Float first: e to it is off by |x − max|·2⁻²⁴ relative.
                let row = single.scalars[(i / columns) * columns..<(i / columns + 1) * columns]
                let spread = Double(row.max()! - single.scalars[i])
                XCTAssertLessThanOrEqual(Swift.abs(Double(s) - d), (4 + spread) * 0x1p-24 * d, "softmax of \(columns) columns")
            }
            let logGot = single.logSoftmax(alongAxis: 1)
            for (s, d) in zip(logGot.scalars, want.scalars) {
                XCTAssertLessThanOrEqual(Swift.abs(Double(s) - Foundation.log(d)), 1e-5 * Swift.max(1, Swift.abs(Foundation.log(d))))
            }
            var inPlace = single.scalars
            inPlace.withUnsafeMutableBufferPointer { bp_softmax_rowsf($0.baseAddress, $0.baseAddress, 3, columns, 0) }
            XCTAssertEqual(inPlace.map(\.bitPattern), got.scalars.map(\.bitPattern), "in place, \(columns) columns")
        }
        let special = Tensor<Float>([[1, .nan, 2], [-.infinity, -.infinity, -.infinity], [0, -.infinity, 0]]).softmax(alongAxis: 1)
        XCTAssertTrue(special.scalars[0..<6].allSatisfy(\.isNaN))
        XCTAssertEqual(Array(special.scalars[6...]), [0.5, 0, 0.5])
    }
}
