// Max pooling's forward pass (values and arg-max positions), and the pair of linear maps
// its derivative is made of: gathering elements at positions and its adjoint, adding
// elements into positions.

extension ConvolutionGeometry {
    /// The maximum of every window of every channel (weight shape [C, 1, kH, kW], groups C),
    /// written to `y`; `positions[j]` gets the flat index in x of the element output j took.
    /// Padding never wins (a window always holds an element of x). Ties: the first maximum
    /// in row-major order within the window. NaN: the first NaN of the window wins. Returns
    /// whether any output is NaN.
    @inlinable
    func maxPool<Scalar: TensorScalar>(
        x: UnsafePointer<Scalar>, y: UnsafeMutablePointer<Scalar>, positions: UnsafeMutablePointer<Int>
    ) -> Bool {
        var sawNaN = false
        var j = 0
        for plane in 0..<(batch * inChannels) {
            let base = plane * inHeight * inWidth
            for oh in 0..<outHeight {
                for ow in 0..<outWidth {
                    var best = Scalar.zero
                    var arg = -1
                    for kh in 0..<kernelHeight {
                        let ih = oh * p.strideY - p.padTop + kh * p.dilationY
                        guard ih >= 0 && ih < inHeight else { continue }
                        for kw in 0..<kernelWidth {
                            let iw = ow * p.strideX - p.padLeft + kw * p.dilationX
                            guard iw >= 0 && iw < inWidth else { continue }
                            let index = base + ih * inWidth + iw
                            let v = x[index]
                            if arg < 0 || v > best || (v.isNaN && !best.isNaN) { (best, arg) = (v, index) }
                        }
                    }
                    sawNaN = sawNaN || best.isNaN
                    y[j] = best
                    positions[j] = arg
                    j += 1
                }
            }
        }
        return sawNaN
    }
}

extension Tensor {
    /// yⱼ = x[positions[j]] (flat indices), shaped `shape`.
    @inlinable
    internal func gatheringElements(at positions: [Int], shape: TensorShape) -> Tensor {
        Tensor(shape: shape, count: positions.count) { out in
            withUnsafeBufferPointer { x in
                for (j, i) in positions.enumerated() { out[j] = x[i] }
            }
        }
    }

    /// Zeros of `shape` with every xⱼ added at flat index `positions[j]`: the adjoint of
    /// ``gatheringElements(at:shape:)``.
    @inlinable
    internal func scatterAddingElements(at positions: [Int], shape: TensorShape) -> Tensor {
        var result = Tensor.zeros(shape)
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { out in
                for (j, i) in positions.enumerated() { out[i] += x[j] }
            }
        }
        return result
    }
}
