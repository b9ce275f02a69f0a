// Convolution, pooling and batch normalisation with their hand-derived δ formulas, written
// independently as a test oracle: naive loops over `[Double]` indexed by the definitions,
// no Tensor, no Variable, no im2col, nothing of the library (layout NCHW, weights OIHW).
//
// The backward formulas are the textbook ones:
//   ∂L/∂x = the full correlation of δ (spread out by the stride: zeros inserted) with the
//           kernel rotated by 180°;
//   ∂L/∂w = the correlation of the input with δ;
//   ∂L/∂b = δ summed over the batch and the positions;
//   max pooling: δ goes to the arg-max of its window (the first maximum on ties);
//   average pooling: δ / (kH·kW) to every element of its window;
//   batch normalisation: ∂L/∂x = γ/√(σ² + ε) · (δ − mean(δ) − x̂ · mean(δ x̂)).

/// The textbook convolutional layers as closed-form loops.
enum ConvolutionalBackprop {
    /// The seeded generator of the fully connected oracle.
    typealias RandomSource = ClassicBackprop.Random

    /// A convolution's sizes and parameters; input [n, c, h, w], weight [o, c/g, kh, kw].
    struct Conv {
        var n, c, h, w, o, groups, kh, kw: Int
        var strideY = 1, strideX = 1, dilationY = 1, dilationX = 1
        var padTop = 0, padBottom = 0, padLeft = 0, padRight = 0

        var outH: Int { (h + padTop + padBottom - dilationY * (kh - 1) - 1) / strideY + 1 }
        var outW: Int { (w + padLeft + padRight - dilationX * (kw - 1) - 1) / strideX + 1 }
        var cg: Int { c / groups }
        var og: Int { o / groups }
        var inputCount: Int { n * c * h * w }
        var weightCount: Int { o * cg * kh * kw }
        var outputCount: Int { n * o * outH * outW }

        func xi(_ b: Int, _ ch: Int, _ i: Int, _ j: Int) -> Int { ((b * c + ch) * h + i) * w + j }
        func wi(_ oc: Int, _ ch: Int, _ p: Int, _ q: Int) -> Int { ((oc * cg + ch) * kh + p) * kw + q }
        func yi(_ b: Int, _ oc: Int, _ i: Int, _ j: Int) -> Int { ((b * o + oc) * outH + i) * outW + j }
    }

    /// x at (b, ch, i, j), 0 outside the image (the zero padding).
    static func padded(_ x: [Double], _ s: Conv, _ b: Int, _ ch: Int, _ i: Int, _ j: Int) -> Double {
        i >= 0 && i < s.h && j >= 0 && j < s.w ? x[s.xi(b, ch, i, j)] : 0
    }

    /// y[b, o, i, j] = bias[o] + Σ_{c, p, q} w[o, c, p, q] · x[b, g·cg + c, i·s − pad + p·d, j·s − pad + q·d].
    static func convolution(_ x: [Double], _ weight: [Double], bias: [Double]?, _ s: Conv) -> [Double] {
        var y = [Double](repeating: 0, count: s.outputCount)
        for b in 0..<s.n {
            for oc in 0..<s.o {
                let g = oc / s.og
                for i in 0..<s.outH {
                    for j in 0..<s.outW {
                        var sum = bias?[oc] ?? 0
                        for ch in 0..<s.cg {
                            for p in 0..<s.kh {
                                for q in 0..<s.kw {
                                    sum += weight[s.wi(oc, ch, p, q)]
                                        * padded(
                                            x, s, b, g * s.cg + ch, i * s.strideY - s.padTop + p * s.dilationY,
                                            j * s.strideX - s.padLeft + q * s.dilationX)
                                }
                            }
                        }
                        y[s.yi(b, oc, i, j)] = sum
                    }
                }
            }
        }
        return y
    }

    /// ∂L/∂x: δ spread out by the stride (δ_up[u·s] = δ[u], zeros between), correlated in
    /// full with the kernel rotated by 180° (w_rot[p, q] = w[kh − 1 − p, kw − 1 − q]),
    /// dilation applied to the kernel taps:
    /// ∂L/∂x[b, c, a, e] = Σ_{o ∈ group(c), p, q} w_rot[o, c, p, q] ·
    ///                     δ_up[b, o, a + pad_top − (kh − 1)·d + p·d, e + pad_left − (kw − 1)·d + q·d].
    static func inputGradient(_ delta: [Double], _ weight: [Double], _ s: Conv) -> [Double] {
        func spread(_ b: Int, _ oc: Int, _ u: Int, _ v: Int) -> Double {
            guard u >= 0, v >= 0, u % s.strideY == 0, v % s.strideX == 0 else { return 0 }
            let (i, j) = (u / s.strideY, v / s.strideX)
            return i < s.outH && j < s.outW ? delta[s.yi(b, oc, i, j)] : 0
        }
        var dx = [Double](repeating: 0, count: s.inputCount)
        for b in 0..<s.n {
            for ch in 0..<s.c {
                let (g, local) = (ch / s.cg, ch % s.cg)
                for a in 0..<s.h {
                    for e in 0..<s.w {
                        var sum = 0.0
                        for oc in (g * s.og)..<((g + 1) * s.og) {
                            for p in 0..<s.kh {
                                for q in 0..<s.kw {
                                    let rotated = weight[s.wi(oc, local, s.kh - 1 - p, s.kw - 1 - q)]
                                    sum += rotated
                                        * spread(
                                            b, oc, a + s.padTop - (s.kh - 1) * s.dilationY + p * s.dilationY,
                                            e + s.padLeft - (s.kw - 1) * s.dilationX + q * s.dilationX)
                                }
                            }
                        }
                        dx[s.xi(b, ch, a, e)] = sum
                    }
                }
            }
        }
        return dx
    }

    /// ∂L/∂w[o, c, p, q] = Σ_{b, i, j} δ[b, o, i, j] · x[b, g·cg + c, i·s − pad + p·d, j·s − pad + q·d].
    static func weightGradient(_ x: [Double], _ delta: [Double], _ s: Conv) -> [Double] {
        var dw = [Double](repeating: 0, count: s.weightCount)
        for oc in 0..<s.o {
            let g = oc / s.og
            for ch in 0..<s.cg {
                for p in 0..<s.kh {
                    for q in 0..<s.kw {
                        var sum = 0.0
                        for b in 0..<s.n {
                            for i in 0..<s.outH {
                                for j in 0..<s.outW {
                                    sum += delta[s.yi(b, oc, i, j)]
                                        * padded(
                                            x, s, b, g * s.cg + ch, i * s.strideY - s.padTop + p * s.dilationY,
                                            j * s.strideX - s.padLeft + q * s.dilationX)
                                }
                            }
                        }
                        dw[s.wi(oc, ch, p, q)] = sum
                    }
                }
            }
        }
        return dw
    }

    /// ∂L/∂b[o] = Σ_{b, i, j} δ[b, o, i, j].
    static func biasGradient(_ delta: [Double], _ s: Conv) -> [Double] {
        var db = [Double](repeating: 0, count: s.o)
        for b in 0..<s.n {
            for oc in 0..<s.o {
                for i in 0..<s.outH { for j in 0..<s.outW { db[oc] += delta[s.yi(b, oc, i, j)] } }
            }
        }
        return db
    }

    // MARK: Pooling

    /// A pooling window over each channel: a depthwise Conv whose kernel is the window.
    static func window(n: Int, c: Int, h: Int, w: Int, k: Int, stride: Int, pad: Int) -> Conv {
        Conv(
            n: n, c: c, h: h, w: w, o: c, groups: c, kh: k, kw: k, strideY: stride, strideX: stride,
            padTop: pad, padBottom: pad, padLeft: pad, padRight: pad)
    }

    /// The window's elements of x (those inside the image) for output (b, ch, i, j), as
    /// flat indices in row-major window order.
    static func members(_ s: Conv, _ b: Int, _ ch: Int, _ i: Int, _ j: Int) -> [Int] {
        var result: [Int] = []
        for p in 0..<s.kh {
            for q in 0..<s.kw {
                let (a, e) = (i * s.strideY - s.padTop + p, j * s.strideX - s.padLeft + q)
                if a >= 0 && a < s.h && e >= 0 && e < s.w { result.append(s.xi(b, ch, a, e)) }
            }
        }
        return result
    }

    /// Max pooling: the values and, per output, the index of the first maximum.
    static func maxPool(_ x: [Double], _ s: Conv) -> (y: [Double], argmax: [Int]) {
        var y = [Double](repeating: 0, count: s.outputCount)
        var argmax = [Int](repeating: 0, count: s.outputCount)
        for b in 0..<s.n {
            for ch in 0..<s.c {
                for i in 0..<s.outH {
                    for j in 0..<s.outW {
                        let window = members(s, b, ch, i, j)
                        var best = window[0]
                        for k in window where x[k] > x[best] { best = k }
                        y[s.yi(b, ch, i, j)] = x[best]
                        argmax[s.yi(b, ch, i, j)] = best
                    }
                }
            }
        }
        return (y, argmax)
    }

    /// ∂L/∂x of max pooling: each δ added at its window's arg-max.
    static func maxPoolGradient(_ delta: [Double], argmax: [Int], _ s: Conv) -> [Double] {
        var dx = [Double](repeating: 0, count: s.inputCount)
        for (k, d) in delta.enumerated() { dx[argmax[k]] += d }
        return dx
    }

    /// Average pooling: the window's sum divided by kh·kw (padding counted as zeros).
    static func averagePool(_ x: [Double], _ s: Conv) -> [Double] {
        var y = [Double](repeating: 0, count: s.outputCount)
        for b in 0..<s.n {
            for ch in 0..<s.c {
                for i in 0..<s.outH {
                    for j in 0..<s.outW {
                        y[s.yi(b, ch, i, j)] = members(s, b, ch, i, j).reduce(0) { $0 + x[$1] } / Double(s.kh * s.kw)
                    }
                }
            }
        }
        return y
    }

    /// ∂L/∂x of average pooling: δ / (kh·kw) to every element of the window.
    static func averagePoolGradient(_ delta: [Double], _ s: Conv) -> [Double] {
        var dx = [Double](repeating: 0, count: s.inputCount)
        for b in 0..<s.n {
            for ch in 0..<s.c {
                for i in 0..<s.outH {
                    for j in 0..<s.outW {
                        for k in members(s, b, ch, i, j) { dx[k] += delta[s.yi(b, ch, i, j)] / Double(s.kh * s.kw) }
                    }
                }
            }
        }
        return dx
    }

    // MARK: Batch normalisation

    /// The forward pass and the closed-form gradients of batch normalisation over [n, c, m]
    /// (m positions per channel), for an upstream δ.
    struct BatchNormResult {
        var y: [Double]
        var mean: [Double]
        var variance: [Double]
        var dx: [Double]
        var dScale: [Double]
        var dOffset: [Double]
    }

    static func batchNorm(
        _ x: [Double], n: Int, c: Int, m: Int, scale: [Double], offset: [Double], epsilon: Double,
        delta: [Double]
    ) -> BatchNormResult {
        func index(_ b: Int, _ ch: Int, _ k: Int) -> Int { (b * c + ch) * m + k }
        let count = Double(n * m)
        var result = BatchNormResult(
            y: x, mean: [], variance: [], dx: x, dScale: [], dOffset: [])
        for ch in 0..<c {
            var mean = 0.0
            for b in 0..<n { for k in 0..<m { mean += x[index(b, ch, k)] } }
            mean /= count
            var variance = 0.0
            for b in 0..<n { for k in 0..<m { variance += (x[index(b, ch, k)] - mean) * (x[index(b, ch, k)] - mean) } }
            variance /= count
            let sigma = (variance + epsilon).squareRoot()
            var (meanDelta, meanDeltaXHat, dScale, dOffset) = (0.0, 0.0, 0.0, 0.0)
            for b in 0..<n {
                for k in 0..<m {
                    let i = index(b, ch, k)
                    let xHat = (x[i] - mean) / sigma
                    result.y[i] = scale[ch] * xHat + offset[ch]
                    meanDelta += delta[i] / count
                    meanDeltaXHat += delta[i] * xHat / count
                    dScale += delta[i] * xHat
                    dOffset += delta[i]
                }
            }
            for b in 0..<n {
                for k in 0..<m {
                    let i = index(b, ch, k)
                    let xHat = (x[i] - mean) / sigma
                    result.dx[i] = scale[ch] / sigma * (delta[i] - meanDelta - xHat * meanDeltaXHat)
                }
            }
            result.mean.append(mean)
            result.variance.append(variance)
            result.dScale.append(dScale)
            result.dOffset.append(dOffset)
        }
        return result
    }
}
