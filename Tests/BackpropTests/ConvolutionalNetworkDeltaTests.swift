import Backprop
import XCTest

/// A small CNN end to end — conv → relu → max pool → flatten → dense → mean softmax
/// cross-entropy — against the oracle's chain of δs, each layer's δ computed from the next
/// one's by the textbook formulas (`Oracle/ConvolutionalBackprop.swift`), no autodiff.
final class ConvolutionalNetworkDeltaTests: XCTestCase {
    typealias Oracle = ConvolutionalBackprop

    func testSmallCNNMatchesTheChainOfDeltas() {
        for seed: UInt64 in [1, 2, 3] {
            var rng = Oracle.RandomSource(seed: seed)
            let conv = Oracle.Conv(
                n: 3, c: 2, h: 6, w: 6, o: 4, groups: 1, kh: 3, kw: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1)
            let pool = Oracle.window(n: 3, c: 4, h: 6, w: 6, k: 2, stride: 2, pad: 0)
            let (features, classes) = (4 * 3 * 3, 5)
            let x = rng.uniforms(conv.inputCount, -1, 1)
            let w = rng.uniforms(conv.weightCount, -0.5, 0.5)
            let b = rng.uniforms(conv.o, -0.1, 0.1)
            let v = rng.uniforms(features * classes, -0.5, 0.5)  // dense weight [in, out]
            let c = rng.uniforms(classes, -0.1, 0.1)
            let labels = (0..<conv.n).map { _ in rng.int(in: 0...(classes - 1)) }

            // The oracle: forward, then the δs layer by layer.
            let u = Oracle.convolution(x, w, bias: b, conv)
            let a = u.map { max($0, 0) }
            let (pooled, argmax) = Oracle.maxPool(a, pool)  // flattened row-major = NCHW order
            var logits = [Double](repeating: 0, count: conv.n * classes)
            for r in 0..<conv.n {
                for j in 0..<classes {
                    logits[r * classes + j] = c[j] + (0..<features).reduce(0) { $0 + pooled[r * features + $1] * v[$1 * classes + j] }
                }
            }
            var loss = 0.0
            var deltaLogits = logits
            for r in 0..<conv.n {
                let row = logits[(r * classes)..<((r + 1) * classes)]
                let top = row.max()!
                let sum = row.reduce(0) { $0 + exp($1 - top) }
                loss += (log(sum) + top - logits[r * classes + labels[r]]) / Double(conv.n)
                for j in 0..<classes {
                    let softmax = exp(logits[r * classes + j] - top) / sum
                    deltaLogits[r * classes + j] = (softmax - (j == labels[r] ? 1 : 0)) / Double(conv.n)
                }
            }
            var dv = [Double](repeating: 0, count: v.count)
            var dc = [Double](repeating: 0, count: classes)
            var deltaPooled = [Double](repeating: 0, count: pooled.count)
            for r in 0..<conv.n {
                for j in 0..<classes {
                    let d = deltaLogits[r * classes + j]
                    dc[j] += d
                    for f in 0..<features {
                        dv[f * classes + j] += pooled[r * features + f] * d
                        deltaPooled[r * features + f] += d * v[f * classes + j]
                    }
                }
            }
            let deltaActivation = Oracle.maxPoolGradient(deltaPooled, argmax: argmax, pool)
            let deltaConv = zip(deltaActivation, u).map { $1 > 0 ? $0 : 0 }
            let expectedWeight = Oracle.weightGradient(x, deltaConv, conv)
            let expectedBias = Oracle.biasGradient(deltaConv, conv)
            let expectedInput = Oracle.inputGradient(deltaConv, w, conv)

            // The library.
            let xv = Variable(Tensor(shape: [3, 2, 6, 6], scalars: x), requiresGradient: true)
            let wv = Variable(Tensor(shape: [4, 2, 3, 3], scalars: w), requiresGradient: true)
            let bv = Variable(Tensor(b), requiresGradient: true)
            let vv = Variable(Tensor(shape: [features, classes], scalars: v), requiresGradient: true)
            let cv = Variable(Tensor(c), requiresGradient: true)
            let hidden = xv.conv2d(weight: wv, bias: bv, padding: 1).relu().maxPool2d(kernelSize: 2).flattened()
            let output = crossEntropy(logits: hidden.dense(weight: vv, bias: cv), labels: labels)
            assertRelativelyClose(output.value.scalar, loss, tolerance: 1e-12, "seed \(seed) loss")
            output.backward()
            let floor = 1e-3
            assertRelativelyClose(vv.gradient, dv, tolerance: 1e-12, floor: floor, "seed \(seed) dense ∇W")
            assertRelativelyClose(cv.gradient, dc, tolerance: 1e-12, floor: floor, "seed \(seed) dense ∇b")
            assertRelativelyClose(wv.gradient, expectedWeight, tolerance: 1e-12, floor: floor, "seed \(seed) conv ∇W")
            assertRelativelyClose(bv.gradient, expectedBias, tolerance: 1e-12, floor: floor, "seed \(seed) conv ∇b")
            assertRelativelyClose(xv.gradient, expectedInput, tolerance: 1e-12, floor: floor, "seed \(seed) ∇x")
        }
    }
}
