import Backprop
import BackpropTesting
import XCTest

/// Max, average and global average pooling and flatten against the oracle
/// (`Oracle/ConvolutionalBackprop.swift`), the tie and NaN rules.
final class PoolingTests: XCTestCase {
    typealias Oracle = ConvolutionalBackprop
    let tolerance = 1e-12

    /// (n, c, h, w, kernel, stride, padding): odd sizes, overlapping windows, padding.
    static let cases = [
        (2, 3, 6, 6, 2, 2, 0), (1, 2, 7, 5, 3, 2, 1), (2, 2, 5, 7, 3, 1, 1), (3, 1, 9, 9, 2, 3, 1),
    ]

    func testMaxAndAveragePoolingMatchTheOracle() {
        for (k, (n, c, h, w, kernel, stride, pad)) in Self.cases.enumerated() {
            let s = Oracle.window(n: n, c: c, h: h, w: w, k: kernel, stride: stride, pad: pad)
            var rng = Oracle.RandomSource(seed: UInt64(k + 1))
            let x = rng.uniforms(s.inputCount, -1, 1)
            let delta = rng.uniforms(s.outputCount, -1, 1)
            let (expected, argmax) = Oracle.maxPool(x, s)
            let xv = Variable(Tensor(shape: [n, c, h, w], scalars: x), requiresGradient: true)
            let seed = Variable(Tensor(shape: [n, c, s.outH, s.outW], scalars: delta))
            let maxPooled = xv.maxPool2d(kernelSize: Size2D(kernel), stride: Size2D(stride), padding: Padding(integerLiteral: pad))
            assertRelativelyClose(maxPooled.value, expected, tolerance: 0, "case \(k) max")
            (maxPooled * seed).sum().backward()
            assertRelativelyClose(
                xv.gradient, Oracle.maxPoolGradient(delta, argmax: argmax, s), tolerance: 0, "case \(k) δ to the arg-max")
            xv.zeroGradient()
            let averaged = xv.avgPool2d(kernelSize: Size2D(kernel), stride: Size2D(stride), padding: Padding(integerLiteral: pad))
            assertRelativelyClose(averaged.value, Oracle.averagePool(x, s), tolerance: tolerance, floor: 1e-3, "case \(k) avg")
            (averaged * seed).sum().backward()
            assertRelativelyClose(
                xv.gradient, Oracle.averagePoolGradient(delta, s), tolerance: tolerance, floor: 1e-3, "case \(k) δ/(kh·kw)")
        }
    }

    /// Tie rule: the first maximum in row-major window order gets the whole gradient;
    /// overlapping windows add up at a shared arg-max.
    func testTiesGoToTheFirstMaximumAndOverlapsAdd() {
        let x = Variable(Tensor<Double>(shape: [1, 1, 2, 3], scalars: [5, 5, 1, 5, 5, 2]), requiresGradient: true)
        let y = x.maxPool2d(kernelSize: 2, stride: 1)   // windows (0,0) and (0,1), both 5
        XCTAssertEqual(y.value.scalars, [5, 5])
        y.sum().backward()
        XCTAssertEqual(x.gradient!.scalars, [1, 1, 0, 0, 0, 0])
        let peak = Variable(Tensor<Double>(shape: [1, 1, 2, 3], scalars: [1, 9, 1, 1, 1, 1]), requiresGradient: true)
        peak.maxPool2d(kernelSize: 2, stride: 1).sum().backward()
        XCTAssertEqual(peak.gradient!.scalars, [0, 2, 0, 0, 0, 0], "both windows take the 9")
    }

    func testNaNWinsAndItsGradientIsNaN() {
        let x = Variable(Tensor<Double>(shape: [1, 1, 2, 4], scalars: [1, .nan, 3, 4, 2, 9, 0, -1]), requiresGradient: true)
        let y = x.maxPool2d(kernelSize: 2)
        XCTAssertTrue(y.value.scalars[0].isNaN, "a window holding a NaN gives NaN")
        XCTAssertEqual(y.value.scalars[1], 4)
        y.sum().backward()
        let g = x.gradient!.scalars
        XCTAssertTrue(g[1].isNaN)
        XCTAssertEqual(g.enumerated().filter { $0.offset != 1 }.map(\.element), [0, 0, 1, 0, 0, 0, 0])
    }

    func testGlobalAveragePoolAndFlatten() {
        var rng = Oracle.RandomSource(seed: 9)
        let x = rng.uniforms(2 * 3 * 4 * 5, -1, 1)
        let xv = Variable(Tensor(shape: [2, 3, 4, 5], scalars: x), requiresGradient: true)
        let pooled = xv.globalAveragePool()
        XCTAssertEqual(pooled.shape, [2, 3])
        let expected = (0..<6).map { plane in x[(plane * 20)..<(plane * 20 + 20)].reduce(0, +) / 20 }
        assertRelativelyClose(pooled.value, expected, tolerance: tolerance)
        pooled.sum().backward()
        assertRelativelyClose(xv.gradient, [Double](repeating: 1.0 / 20, count: 120), tolerance: tolerance)
        let flat = xv.flattened()
        XCTAssertEqual(flat.shape, [2, 60])
        XCTAssertEqual(flat.value.scalars, x, "row-major: index c·H·W + i·W + j")
    }

    func testMisuseNamesTheOp() throws {
        XCTAssertEqual(
            Shapes.pooling(input: [1, 1, 4, 4], kernel: [2, 2], stride: [0, 2], padding: [(0, 0), (0, 0)], op: "maxPool2d"),
            .failure(Shapes.Mismatch("maxPool2d: input [1, 1, 4, 4], kernel [2, 2]: stride [0, 2] must be positive")))
        XCTAssertEqual(
            Shapes.pooling(input: [1, 1, 4, 4], kernel: [2, 2], stride: [2, 2], padding: [(2, 2), (0, 0)], op: "maxPool2d"),
            .failure(Shapes.Mismatch("maxPool2d: input [1, 1, 4, 4], kernel [2, 2]: padding must be smaller than the kernel")))
        try assertStops(withMessageContaining: "maxPool2d: input [1, 1, 2, 2], kernel [3, 3]: the kernel is larger than the padded input") {
            _ = Variable(Tensor<Float>.zeros([1, 1, 2, 2])).maxPool2d(kernelSize: 3)
        }
        try assertStops(withMessageContaining: "flatten: input [4] has no axis after the batch") {
            _ = Variable(Tensor<Float>.zeros([4])).flattened()
        }
    }
}
