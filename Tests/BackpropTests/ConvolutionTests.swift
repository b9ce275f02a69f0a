import Backprop
import BackpropTesting
import XCTest

/// conv1d, conv2d and conv2dTransposed against the independent oracle
/// (`Oracle/ConvolutionalBackprop.swift`: naive loops over the textbook δ formulas), and the
/// shape rules' messages.
final class ConvolutionTests: XCTestCase {
    typealias Oracle = ConvolutionalBackprop

    /// Double agrees with the oracle to this relative error, each element measured against
    /// max(|expected|, 1): the terms summed are products of O(1) values, so an element whose
    /// hundreds of terms cancel to near zero is judged on the scale of its terms, not on the
    /// rounding the cancellation leaves (which depends on the order of summation; a wrong
    /// index or a missing term is off by O(1)).
    let tolerance = 1e-12
    let floor = 1.0

    /// Random shapes and parameters: odd sizes, stride > 1, dilation, asymmetric padding,
    /// groups (depthwise included), 1×1 kernels, and batches large enough for the parallel
    /// split.
    static let cases: [Oracle.Conv] = [
        .init(n: 2, c: 3, h: 5, w: 6, o: 4, groups: 1, kh: 3, kw: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1),
        .init(n: 2, c: 2, h: 7, w: 9, o: 3, groups: 1, kh: 3, kw: 2, strideY: 2, strideX: 2, dilationY: 2,
              dilationX: 2, padTop: 1, padBottom: 2, padLeft: 0, padRight: 1),
        .init(n: 3, c: 4, h: 6, w: 5, o: 6, groups: 2, kh: 3, kw: 3, strideY: 2, strideX: 1, padTop: 1,
              padBottom: 1, padLeft: 1, padRight: 1),
        .init(n: 1, c: 3, h: 5, w: 7, o: 3, groups: 3, kh: 3, kw: 3, dilationX: 2, padTop: 1, padBottom: 1,
              padLeft: 2, padRight: 2),
        .init(n: 2, c: 3, h: 4, w: 3, o: 5, groups: 1, kh: 1, kw: 1),
        .init(n: 2, c: 4, h: 5, w: 5, o: 2, groups: 2, kh: 1, kw: 1, strideY: 2, strideX: 2),
        .init(n: 5, c: 8, h: 11, w: 12, o: 16, groups: 1, kh: 3, kw: 3, strideY: 1, strideX: 2, padTop: 1,
              padBottom: 1, padLeft: 0, padRight: 1),
        // 16 images × groups: lowered through the table; stride, dilation, asymmetric padding.
        .init(n: 8, c: 4, h: 6, w: 7, o: 4, groups: 2, kh: 3, kw: 2, strideY: 2, dilationX: 2, padTop: 1,
              padBottom: 0, padLeft: 1, padRight: 1),
        .init(n: 16, c: 2, h: 5, w: 5, o: 3, groups: 1, kh: 3, kw: 3, padTop: 1, padBottom: 1, padLeft: 1,
              padRight: 1),
        // Kernel taller than the image, even kernel width padded after only.
        .init(n: 2, c: 2, h: 2, w: 3, o: 2, groups: 1, kh: 3, kw: 2, dilationY: 2, padTop: 2, padBottom: 2,
              padLeft: 0, padRight: 1),
        // Over 10⁶ multiply-adds: split over the cores; a lowered matrix too large for the
        // lowering table (lowered row by row).
        .init(n: 4, c: 8, h: 20, w: 48, o: 16, groups: 1, kh: 3, kw: 3, strideX: 2, padTop: 1, padBottom: 1,
              padLeft: 0, padRight: 1),
        .init(n: 2, c: 8, h: 20, w: 24, o: 4, groups: 1, kh: 3, kw: 3, padTop: 1, padBottom: 1, padLeft: 1,
              padRight: 1),
    ]

    func random(_ count: Int, _ rng: inout Oracle.RandomSource) -> [Double] { rng.uniforms(count, -1, 1) }

    func testConv2dMatchesTheOracleForwardAndBackward() {
        for (k, s) in Self.cases.enumerated() {
            var rng = Oracle.RandomSource(seed: UInt64(k + 1))
            let (x, w, b, delta) = (
                random(s.inputCount, &rng), random(s.weightCount, &rng), random(s.o, &rng),
                random(s.outputCount, &rng))
            let xv = Variable(Tensor(shape: [s.n, s.c, s.h, s.w], scalars: x), requiresGradient: true)
            let wv = Variable(Tensor(shape: [s.o, s.cg, s.kh, s.kw], scalars: w), requiresGradient: true)
            let bv = Variable(Tensor(b), requiresGradient: true)
            let y = xv.conv2d(
                weight: wv, bias: bv, stride: Size2D(height: s.strideY, width: s.strideX),
                padding: .explicit(top: s.padTop, bottom: s.padBottom, left: s.padLeft, right: s.padRight),
                dilation: Size2D(height: s.dilationY, width: s.dilationX), groups: s.groups)
            XCTAssertEqual(y.shape, [s.n, s.o, s.outH, s.outW], "case \(k)")
            assertRelativelyClose(
                y.value, Oracle.convolution(x, w, bias: b, s), tolerance: tolerance, floor: floor, "case \(k) y")
            (y * Variable(Tensor(shape: y.shape, scalars: delta))).sum().backward()
            assertRelativelyClose(
                xv.gradient, Oracle.inputGradient(delta, w, s), tolerance: tolerance, floor: floor,
                "case \(k) ∂L/∂x = full correlation of δ with the rotated kernel")
            assertRelativelyClose(
                wv.gradient, Oracle.weightGradient(x, delta, s), tolerance: tolerance, floor: floor,
                "case \(k) ∂L/∂w = correlation of x with δ")
            assertRelativelyClose(
                bv.gradient, Oracle.biasGradient(delta, s), tolerance: tolerance, floor: floor,
                "case \(k) ∂L/∂b = Σ δ")
        }
    }

    func testConv1dIsTheOracleWithHeightOne() {
        let cases: [Oracle.Conv] = [
            .init(n: 3, c: 2, h: 1, w: 11, o: 4, groups: 1, kh: 1, kw: 3, strideX: 2, dilationX: 2, padLeft: 1, padRight: 2),
            .init(n: 2, c: 4, h: 1, w: 9, o: 4, groups: 4, kh: 1, kw: 5, padLeft: 2, padRight: 2),
        ]
        for (k, s) in cases.enumerated() {
            var rng = Oracle.RandomSource(seed: UInt64(100 + k))
            let (x, w, delta) = (random(s.inputCount, &rng), random(s.weightCount, &rng), random(s.outputCount, &rng))
            let xv = Variable(Tensor(shape: [s.n, s.c, s.w], scalars: x), requiresGradient: true)
            let wv = Variable(Tensor(shape: [s.o, s.cg, s.kw], scalars: w), requiresGradient: true)
            let y = xv.conv1d(
                weight: wv, stride: s.strideX,
                padding: .explicit(top: 7, bottom: 7, left: s.padLeft, right: s.padRight),  // height ignored
                dilation: s.dilationX, groups: s.groups)
            XCTAssertEqual(y.shape, [s.n, s.o, s.outW])
            assertRelativelyClose(y.value, Oracle.convolution(x, w, bias: nil, s), tolerance: tolerance, floor: floor)
            (y * Variable(Tensor(shape: y.shape, scalars: delta))).sum().backward()
            assertRelativelyClose(xv.gradient, Oracle.inputGradient(delta, w, s), tolerance: tolerance, floor: floor)
            assertRelativelyClose(wv.gradient, Oracle.weightGradient(x, delta, s), tolerance: tolerance, floor: floor)
        }
    }

    /// The transposed convolution is the oracle's ∂L/∂x map; its derivatives are the
    /// oracle's forward convolution (for its input) and weight gradient (for its weight).
    func testConv2dTransposedIsTheAdjointOfTheOracleConvolution() {
        for (k, s) in Self.cases.enumerated() {
            var rng = Oracle.RandomSource(seed: UInt64(200 + k))
            let (z, w, delta) = (random(s.outputCount, &rng), random(s.weightCount, &rng), random(s.inputCount, &rng))
            // The convolution maps [n, c, h, w] → [n, o, outH, outW]; its transpose the other way,
            // with output padding choosing the size h, w among those that convolve to outH, outW.
            let extraH = s.h + s.padTop + s.padBottom - s.dilationY * (s.kh - 1) - 1 - (s.outH - 1) * s.strideY
            let extraW = s.w + s.padLeft + s.padRight - s.dilationX * (s.kw - 1) - 1 - (s.outW - 1) * s.strideX
            let zv = Variable(Tensor(shape: [s.n, s.o, s.outH, s.outW], scalars: z), requiresGradient: true)
            // PyTorch's transposed weight is [in, out / groups, kH, kW]; here "in" is the o side.
            let wv = Variable(Tensor(shape: [s.o, s.cg, s.kh, s.kw], scalars: w), requiresGradient: true)
            let y = zv.conv2dTransposed(
                weight: wv, stride: Size2D(height: s.strideY, width: s.strideX),
                padding: .explicit(top: s.padTop, bottom: s.padBottom, left: s.padLeft, right: s.padRight),
                outputPadding: Size2D(height: extraH, width: extraW),
                dilation: Size2D(height: s.dilationY, width: s.dilationX), groups: s.groups)
            XCTAssertEqual(y.shape, [s.n, s.c, s.h, s.w], "case \(k)")
            assertRelativelyClose(y.value, Oracle.inputGradient(z, w, s), tolerance: tolerance, floor: floor, "case \(k)")
            (y * Variable(Tensor(shape: y.shape, scalars: delta))).sum().backward()
            assertRelativelyClose(
                zv.gradient, Oracle.convolution(delta, w, bias: nil, s), tolerance: tolerance, floor: floor, "case \(k)")
            assertRelativelyClose(
                wv.gradient, Oracle.weightGradient(delta, z, s), tolerance: tolerance, floor: floor, "case \(k)")
        }
    }

    func testSamePaddingKeepsCeilOfSizeOverStride() {
        let x = Variable(Tensor<Double>.zeros([1, 2, 7, 8]))
        for (kernel, stride, dilation) in [(3, 1, 1), (4, 1, 1), (3, 2, 1), (2, 3, 2)] {
            let w = Variable(Tensor<Double>.zeros([3, 2, kernel, kernel]))
            let y = x.conv2d(weight: w, stride: Size2D(stride), padding: .same, dilation: Size2D(dilation))
            XCTAssertEqual(y.shape, [1, 3, (7 + stride - 1) / stride, (8 + stride - 1) / stride])
        }
        // PyTorch puts the odd zero after: a 2-wide kernel of ones sums x[i] + x[i + 1].
        let row = Variable(Tensor<Double>(shape: [1, 1, 1, 3], scalars: [1, 2, 3]))
        let ones = Variable(Tensor<Double>.ones([1, 1, 1, 2]))
        XCTAssertEqual(row.conv2d(weight: ones, padding: .same).value.scalars, [3, 5, 3])
    }

    func testNaNInTheInputReachesOutputAndGradients() {
        let x = Variable(Tensor<Double>(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, .nan, 6, 7, 8, 9]), requiresGradient: true)
        let w = Variable(Tensor<Double>.ones([1, 1, 2, 2]), requiresGradient: true)
        let y = x.conv2d(weight: w)
        XCTAssertTrue(y.value.scalars.allSatisfy(\.isNaN), "every window holds the NaN")
        y.sum().backward()
        XCTAssertTrue(w.gradient!.scalars.allSatisfy(\.isNaN))
    }

    func testShapeRulesNameTheOpAndTheShapes() {
        func message(_ input: TensorShape, _ weight: TensorShape, stride: [Int] = [1, 1], padding: Int = 0,
                     dilation: [Int] = [1, 1], groups: Int = 1) -> String? {
            if case .failure(let m) = Shapes.convolution(
                input: input, weight: weight, stride: stride, padding: [(padding, padding), (padding, padding)],
                dilation: dilation, groups: groups, op: "conv2d")
            { return m.description }
            return nil
        }
        XCTAssertEqual(
            message([8, 3, 32, 32], [16, 4, 3, 3]),
            "conv2d: input [8, 3, 32, 32], weight [16, 4, 3, 3]: input has 3 channels, weight expects 4")
        XCTAssertEqual(
            message([8, 4, 32, 32], [16, 1, 3, 3], groups: 2),
            "conv2d: input [8, 4, 32, 32], weight [16, 1, 3, 3]: input has 4 channels, weight expects 1 × 2 groups = 2")
        XCTAssertEqual(
            message([8, 4, 8, 8], [6, 1, 3, 3], groups: 4),
            "conv2d: input [8, 4, 8, 8], weight [6, 1, 3, 3]: groups 4 do not divide the 6 output channels")
        XCTAssertEqual(
            message([8, 3, 8, 8], [6, 1, 3, 3], groups: 2),
            "conv2d: input [8, 3, 8, 8], weight [6, 1, 3, 3]: groups 2 do not divide the 3 input channels")
        XCTAssertEqual(
            message([1, 1, 4, 4], [1, 1, 3, 3], stride: [0, 1]),
            "conv2d: input [1, 1, 4, 4], weight [1, 1, 3, 3]: stride [0, 1] must be positive")
        XCTAssertEqual(
            message([1, 1, 4, 4], [1, 1, 3, 3], dilation: [2, 2]),
            "conv2d: input [1, 1, 4, 4], weight [1, 1, 3, 3]: the kernel spans 5 × 5 (dilation included), "
                + "larger than the padded input 4 × 4")
        XCTAssertNil(message([1, 1, 4, 4], [1, 1, 3, 3], padding: 1, dilation: [2, 2]))
        XCTAssertEqual(message([8, 3, 32], [16, 3, 3, 3]), "conv2d: input [8, 3, 32] is not 4-D [batch, channels, height, width]")
        XCTAssertEqual(
            try Shapes.transposedConvolution(
                input: [2, 8, 7, 7], weight: [8, 4, 4, 4], stride: [2, 2], padding: [(1, 1), (1, 1)],
                dilation: [1, 1], outputPadding: [0, 0], groups: 1, op: "conv2dTransposed").get(),
            [2, 4, 14, 14])
    }

    func testMisuseStopsWithTheMessage() throws {
        try assertStops(
            withMessageContaining: "conv2d: input [8, 3, 32, 32], weight [16, 4, 3, 3]: input has 3 channels, weight expects 4"
        ) {
            _ = Variable(Tensor<Float>.zeros([8, 3, 32, 32])).conv2d(weight: Variable(Tensor.zeros([16, 4, 3, 3])))
        }
        try assertStops(withMessageContaining: "conv1d: input [2, 3, 5], weight [4, 3, 7]: the kernel spans 7") {
            _ = Variable(Tensor<Float>.zeros([2, 3, 5])).conv1d(weight: Variable(Tensor.zeros([4, 3, 7])))
        }
    }
}
