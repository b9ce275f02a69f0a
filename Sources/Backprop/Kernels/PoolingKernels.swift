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
        let (sY, sX) = (p.strideY, p.strideX)
        for plane in 0..<(batch * inChannels) {
            let base = plane * inHeight * inWidth
            for oh in 0..<outHeight {
                // The window's rows and columns inside the input (never empty: the padding
                // is smaller than the kernel).
                let top = oh * sY - p.padTop
                let rows = Swift.max(top, 0)..<Swift.min(top + kernelHeight, inHeight)
                for ow in 0..<outWidth {
                    let left = ow * sX - p.padLeft
                    let columns = Swift.max(left, 0)..<Swift.min(left + kernelWidth, inWidth)
                    var arg = base + rows.lowerBound * inWidth + columns.lowerBound
                    var best = x[arg]
                    for ih in rows {
                        let row = base + ih * inWidth
                        for iw in columns {
                            let v = x[row + iw]
                            // Strictly greater: ties keep the first; a NaN replaces a number.
                            if v > best || (v.isNaN && !best.isNaN) { (best, arg) = (v, row + iw) }
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
