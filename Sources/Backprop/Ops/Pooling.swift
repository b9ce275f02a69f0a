// Pooling over windows of each channel (layout NCHW), global average pooling and flatten.
//
// Max pooling is a selection: y = x gathered at the arg-max of each window, so its
// derivative is the adjoint, δ added into those positions (overlapping windows add up),
// and the gather and the scatter-add are each other's pullbacks (linear, so the second
// derivative exists and is zero). Average pooling is a depthwise convolution with a constant
// kernel 1/(kH·kW), whose derivative is the convolution's (the transposed convolution).

extension Variable {
    /// The maximum of each window of each channel. Layout NCHW.
    ///
    /// y[n, c, i, j] = max over the window (p, q) of x[n, c, i·s_h − pad_top + p, j·s_w −
    /// pad_left + q] (padding never wins); ∂y/∂x = 1 at the element each output took, 0
    /// elsewhere, so ∂L/∂x receives δ at the arg-max of every window (summed where windows
    /// overlap). Tie rule: the first maximum of the window in row-major order gets the
    /// gradient, the other tied elements 0. NaN: a window holding a NaN gives NaN (the first
    /// NaN wins) and the gradient reaching that NaN element is NaN.
    ///
    /// ```swift
    /// let x = Variable(Tensor<Double>(shape: [1, 1, 2, 2], scalars: [1, 3, 3, 2]))
    /// x.maxPool2d(kernelSize: 2).value   // [[[[3.0]]]]: the gradient goes to element (0, 1)
    /// ```
    /// - Parameters:
    ///   - kernelSize: The window.
    ///   - stride: The step between windows (default: the window, no overlap).
    ///   - padding: Positions outside the input, never chosen; at most kernel − 1 per side.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    /// - Precondition: a 4-D input; positive kernel and stride; the window fits the padded input.
    @inlinable
    public func maxPool2d(
        kernelSize: Size2D, stride: Size2D? = nil, padding: Padding = 0,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let (outputShape, geometry) = poolingGeometry(
            kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding, op: "maxPool2d",
            file: file, line: line)
        let count = Shapes.count(outputShape)
        var positions = [Int](repeating: 0, count: count)
        var sawNaN = false
        let output = Tensor<Scalar>(shape: outputShape, count: count) { y in
            value.withUnsafeBufferPointer { x in
                positions.withUnsafeMutableBufferPointer {
                    sawNaN = geometry.maxPool(x: x.baseAddress!, y: y, positions: $0.baseAddress!)
                }
            }
        }
        let (inputShape, taken, hasNaN) = (shape, positions, sawNaN)
        return Variable(op: "maxPool2d", value: output, inputs: [self], file: file, line: line) { y, g in
            // The derivative at a NaN that won is NaN (see MinMax.swift's NaN rule).
            let delta = hasNaN ? g.routed(by: y.value.map(branchDerivative)) : g
            return [delta.scatterAddingElements(at: taken, shape: inputShape)]
        }
    }

    /// The mean of each window of each channel, padding counted as zeros in the mean
    /// (PyTorch's default `count_include_pad`). Layout NCHW.
    ///
    /// y[n, c, i, j] = (1 / (kH·kW)) Σ_{p, q} x[n, c, i·s_h − pad_top + p, j·s_w − pad_left + q]:
    /// a depthwise convolution with the constant kernel 1/(kH·kW), so ∂L/∂x is its transposed
    /// convolution: each δ spread evenly, 1/(kH·kW) to every element of its window.
    ///
    /// ```swift
    /// let x = Variable(Tensor<Double>(shape: [1, 1, 2, 2], scalars: [1, 3, 3, 2]))
    /// x.avgPool2d(kernelSize: 2).value   // [[[[2.25]]]]
    /// ```
    /// - Parameters: as for ``maxPool2d(kernelSize:stride:padding:file:line:)``.
    @inlinable
    public func avgPool2d(
        kernelSize: Size2D, stride: Size2D? = nil, padding: Padding = 0,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let (outputShape, geometry) = poolingGeometry(
            kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding, op: "avgPool2d",
            file: file, line: line)
        let channels = shape[1]
        let kernel = Variable(
            Tensor(
                repeating: 1 / Scalar(kernelSize.height * kernelSize.width),
                shape: [channels, 1, kernelSize.height, kernelSize.width]))
        return convolution(weight: kernel, bias: nil, geometry.p, outputShape: outputShape, file: file, line: line)
    }

    /// The mean over all positions of each channel: [batch, channels, spatial…] → [batch,
    /// channels].
    ///
    /// y[n, c] = (1 / HW) Σ_{i, j} x[n, c, i, j];  ∂L/∂x[n, c, i, j] = δ[n, c] / HW.
    ///
    /// ```swift
    /// Variable(Tensor<Double>.ones([8, 32, 7, 7])).globalAveragePool().shape   // [8, 32]
    /// ```
    /// - Precondition: rank ≥ 3.
    @inlinable
    public func globalAveragePool(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        require(
            shape.count >= 3,
            "globalAveragePool: input \(Shapes.format(shape)) is not [batch, channels, spatial…] (rank ≥ 3)",
            file: file, line: line)
        let positions = Shapes.count(shape.dropFirst(2))
        return reshaped(to: [shape[0], shape[1], positions], file: file, line: line)
            .mean(alongAxis: 2, file: file, line: line)
    }

    /// Every sample as one row: [batch, d₁, d₂, …] → [batch, d₁·d₂·…], in row-major order
    /// (for NCHW: index c·H·W + i·W + j, PyTorch's `flatten(1)`). A reshape: ∂L/∂x is δ
    /// reshaped back.
    ///
    /// ```swift
    /// Variable(Tensor<Float>.zeros([32, 32, 2, 2])).flattened().shape   // [32, 128]
    /// ```
    /// - Precondition: rank ≥ 2.
    @inlinable
    public func flattened(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        require(
            shape.count >= 2, "flatten: input \(Shapes.format(shape)) has no axis after the batch",
            file: file, line: line)
        return reshaped(to: [shape[0], Shapes.count(shape.dropFirst())], file: file, line: line)
    }

    /// The output shape and geometry of pooling this input, or a stop naming `op`.
    @inlinable
    internal func poolingGeometry(
        kernelSize: Size2D, stride: Size2D, padding: Padding, op: String, file: StaticString, line: UInt
    ) -> (TensorShape, ConvolutionGeometry) {
        let size = shape.count == 4 ? Size2D(height: shape[2], width: shape[3]) : Size2D(0)
        let p = ConvolutionParameters(
            stride: stride, dilation: 1, groups: shape.count == 4 ? shape[1] : 1,
            padding: padding.resolved(size: size, kernel: kernelSize, stride: stride, dilation: 1))
        let outputShape = Shapes.pooling(
            input: shape, kernel: [kernelSize.height, kernelSize.width], stride: p.stride,
            padding: p.padding, op: op
        ).orFail(file: file, line: line)
        let weight: TensorShape = [shape[1], 1, kernelSize.height, kernelSize.width]
        return (outputShape, ConvolutionGeometry(input: shape, weight: weight, output: outputShape, p))
    }

    /// yⱼ = x[positions[j]] (flat indices), of `shape`: the derivative of max pooling's
    /// adjoint. Its pullback is ``scatterAddingElements(at:shape:)``.
    @inlinable
    internal func gatheringElements(at positions: [Int], shape: TensorShape) -> Variable {
        let inputShape = self.shape
        return Variable(
            op: "gatherElements", value: value.gatheringElements(at: positions, shape: shape), inputs: [self]
        ) { _, g in [g.scatterAddingElements(at: positions, shape: inputShape)] }
    }

    /// Zeros of `shape` with each xⱼ added at flat index `positions[j]`: max pooling's
    /// derivative. Its pullback is ``gatheringElements(at:shape:)``.
    @inlinable
    internal func scatterAddingElements(at positions: [Int], shape: TensorShape) -> Variable {
        let sourceShape = self.shape
        return Variable(
            op: "scatterAddElements", value: value.scatterAddingElements(at: positions, shape: shape),
            inputs: [self]
        ) { _, g in [g.gatheringElements(at: positions, shape: sourceShape)] }
    }
}
