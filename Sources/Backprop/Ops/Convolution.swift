// Convolution (cross-correlation, no kernel flip, as in every peer) in channels-first
// layout: inputs [batch, channels, height, width] (NCHW; [batch, channels, length] in 1-D),
// weights [out channels, in channels / groups, kernel height, kernel width] (OIHW), the
// layout of PyTorch, whose tensors and weights load unchanged.
//
// Three primitives, each the others' adjoint, so every derivative is written once and can
// be differentiated again:
//   conv      y  = x ⋆ w                          (the forward pass)
//   transpose dx = δ ⋆ᵀ w  (∂L/∂x: the full correlation of δ with the 180°-rotated kernel)
//   weight    dw = x ⋆ δ   (∂L/∂w: the correlation of the input with δ)
// ⟨conv(x, w), δ⟩ = ⟨x, transpose(δ, w)⟩ = ⟨w, weight(x, δ)⟩ gives every pullback:
//   conv(x, w):       ∇x = transpose(∇y, w),  ∇w = weight(x, ∇y)
//   transpose(δ, w):  ∇δ = conv(∇y, w),       ∇w = weight(∇y, δ)
//   weight(x, δ):     ∇x = transpose(δ, ∇y),  ∇δ = conv(x, ∇y)
// and ∂L/∂b = δ summed over the batch and the positions.

extension Variable {
    /// The 2-D convolution (cross-correlation) of a batch of images with a bank of kernels,
    /// plus an optional bias per output channel. Layout NCHW / OIHW, as PyTorch.
    ///
    /// y[n, o, i, j] = b[o] + Σ_{c ∈ group(o), p, q} w[o, c, p, q] ·
    ///                 x[n, g·C/G + c, i·s_h − pad_top + p·d_h, j·s_w − pad_left + q·d_w]
    /// (x is zero outside the image). Derivatives, with δ = ∂L/∂y:
    /// ∂L/∂x = δ convolved transposed with w (the full correlation of δ with the kernel
    /// rotated by 180°, strides and dilations spread out), ∂L/∂w = the correlation of x
    /// with δ, ∂L/∂b[o] = Σ_{n, i, j} δ[n, o, i, j]. Each is itself a differentiable op.
    ///
    /// ```swift
    /// let x = Variable(Tensor<Float>.zeros([8, 3, 32, 32]))
    /// let w = Variable(Tensor<Float>.zeros([16, 3, 3, 3]), requiresGradient: true)
    /// x.conv2d(weight: w, padding: .same).shape             // [8, 16, 32, 32]
    /// x.conv2d(weight: w, stride: 2, padding: 1).shape      // [8, 16, 16, 16]
    /// ```
    /// - Parameters:
    ///   - weight: [out channels, in channels / groups, kernel height, kernel width].
    ///     PyTorch's `Conv2d.weight` as it is.
    ///   - bias: [out channels], or `nil`.
    ///   - stride: The step between output positions (default 1).
    ///   - padding: Zeros around the input: explicit, or ``Padding/same``.
    ///   - dilation: The spacing between kernel taps (default 1).
    ///   - groups: Input and output channels split into this many independent groups
    ///     (`groups` = in channels = out channels: depthwise).
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    /// - Precondition: 4-D input and weight; channels that fit the weight and the groups;
    ///   positive stride and dilation; a kernel no larger than the padded input — or the
    ///   message names the op and the shapes, e.g. `conv2d: input [8, 3, 32, 32], weight
    ///   [16, 4, 3, 3]: input has 3 channels, weight expects 4`.
    @inlinable
    public func conv2d(
        weight: Variable, bias: Variable? = nil, stride: Size2D = 1, padding: Padding = 0,
        dilation: Size2D = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        convolution2D(
            weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
            groups: groups, op: "conv2d", file: file, line: line)
    }

    /// The 1-D convolution (cross-correlation) of a batch of sequences: ``conv2d(weight:bias:stride:padding:dilation:groups:file:line:)``
    /// on images of height 1. Layout NCL / OIL, as PyTorch.
    ///
    /// y[n, o, i] = b[o] + Σ_{c, q} w[o, c, q] · x[n, c, i·s − pad_left + q·d];
    /// ∂L/∂x = the transposed convolution of δ with w, ∂L/∂w = the correlation of x with δ,
    /// ∂L/∂b = δ summed over the batch and the positions.
    ///
    /// ```swift
    /// let x = Variable(Tensor<Double>.zeros([4, 2, 10]))
    /// let w = Variable(Tensor<Double>.zeros([5, 2, 3]), requiresGradient: true)
    /// x.conv1d(weight: w, stride: 2).shape   // [4, 5, 4]
    /// ```
    /// - Parameters:
    ///   - weight: [out channels, in channels / groups, kernel length].
    ///   - bias: [out channels], or `nil`.
    ///   - stride: The step between output positions (default 1).
    ///   - padding: Only the width components apply (`left` before, `right` after).
    ///   - dilation: The spacing between kernel taps (default 1).
    ///   - groups: Input and output channels split into this many independent groups.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    /// - Precondition: 3-D input and weight, and the conditions of `conv2d`.
    @inlinable
    public func conv1d(
        weight: Variable, bias: Variable? = nil, stride: Int = 1, padding: Padding = 0,
        dilation: Int = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let lengthPadding: Padding
        switch padding {
        case .same: lengthPadding = .same
        case .explicit(_, _, let left, let right):
            lengthPadding = .explicit(top: 0, bottom: 0, left: left, right: right)
        }
        // The 1-D rule first, so a message shows the caller's shapes.
        let pads = lengthPadding.resolved(
            size: Size2D(height: 1, width: shape.count == 3 ? shape[2] : 0),
            kernel: Size2D(height: 1, width: weight.shape.count == 3 ? weight.shape[2] : 0),
            stride: Size2D(height: 1, width: stride), dilation: Size2D(height: 1, width: dilation))
        _ = Shapes.convolution(
            input: shape, weight: weight.shape, stride: [stride], padding: [(pads.left, pads.right)],
            dilation: [dilation], groups: groups, op: "conv1d"
        ).orFail(file: file, line: line)
        return unsqueezed(axis: 2, file: file, line: line).convolution2D(
            weight: weight.unsqueezed(axis: 2, file: file, line: line), bias: bias,
            stride: Size2D(height: 1, width: stride), padding: .explicit(top: 0, bottom: 0, left: pads.left, right: pads.right),
            dilation: Size2D(height: 1, width: dilation), groups: groups, op: "conv1d",
            file: file, line: line
        ).squeezed(axis: 2, file: file, line: line)
    }

    /// The transposed 2-D convolution (the adjoint of ``conv2d(weight:bias:stride:padding:dilation:groups:file:line:)``,
    /// sometimes called deconvolution): upsampling for decoders. Layout NCHW; the weight is
    /// [in channels, out channels / groups, kernel height, kernel width], PyTorch's
    /// `ConvTranspose2d.weight` as it is.
    ///
    /// y = convᵀ(x, w) + b, the map whose adjoint is the convolution with the same weight
    /// and parameters: ⟨convᵀ(x, w), z⟩ = ⟨x, conv(z, w)⟩. Each output side is
    /// (size − 1)·stride − padding before − padding after + dilation·(kernel − 1) +
    /// outputPadding + 1. Derivatives: ∂L/∂x = conv(δ, w), ∂L/∂w = the correlation of δ with
    /// x, ∂L/∂b = δ summed over the batch and the positions.
    ///
    /// ```swift
    /// let z = Variable(Tensor<Float>.zeros([8, 32, 7, 7]))
    /// let w = Variable(Tensor<Float>.zeros([32, 16, 4, 4]), requiresGradient: true)
    /// z.conv2dTransposed(weight: w, stride: 2, padding: 1).shape   // [8, 16, 14, 14]
    /// ```
    /// - Parameters:
    ///   - weight: [in channels, out channels / groups, kernel height, kernel width].
    ///   - bias: [out channels], or `nil`.
    ///   - stride: The stride of the convolution this is the adjoint of (default 1).
    ///   - padding: The padding of the convolution this is the adjoint of (explicit only).
    ///   - outputPadding: Rows and columns added after the output, choosing among the sizes
    ///     that convolve to the input's when stride > 1; smaller than the stride or the dilation.
    ///   - dilation: The spacing between kernel taps (default 1).
    ///   - groups: Input and output channels split into this many independent groups.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    /// - Precondition: as for `conv2d`, with the channel rules of the transposed weight.
    @inlinable
    public func conv2dTransposed(
        weight: Variable, bias: Variable? = nil, stride: Size2D = 1, padding: Padding = 0,
        outputPadding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        guard case .explicit(let top, let bottom, let left, let right) = padding else {
            misuseFailure(
                "conv2dTransposed: input \(Shapes.format(shape)), weight \(Shapes.format(weight.shape)): "
                    + "padding .same is not defined for a transposed convolution; give it explicitly",
                file: file, line: line)
        }
        let parameters = ConvolutionParameters(
            stride: stride, dilation: dilation, groups: groups, padding: (top, bottom, left, right))
        let outputShape = Shapes.transposedConvolution(
            input: shape, weight: weight.shape, stride: parameters.stride, padding: parameters.padding,
            dilation: parameters.dilation, outputPadding: [outputPadding.height, outputPadding.width],
            groups: groups, op: "conv2dTransposed"
        ).orFail(file: file, line: line)
        let y = convolutionInputGradient(
            weight: weight, inputShape: outputShape, parameters, file: file, line: line)
        guard let bias else { return y }
        checkBias(bias, channels: outputShape[1], op: "conv2dTransposed", file: file, line: line)
        return y + bias.reshaped(to: [1, outputShape[1], 1, 1], file: file, line: line)
    }

    /// `conv2d` under the name `op`, after its parameters are resolved and checked.
    @inlinable
    internal func convolution2D(
        weight: Variable, bias: Variable?, stride: Size2D, padding: Padding, dilation: Size2D,
        groups: Int, op: String, file: StaticString, line: UInt
    ) -> Variable {
        let size = shape.count == 4 ? Size2D(height: shape[2], width: shape[3]) : Size2D(0)
        let kernel = weight.shape.count == 4 ? Size2D(height: weight.shape[2], width: weight.shape[3]) : Size2D(0)
        let parameters = ConvolutionParameters(
            stride: stride, dilation: dilation, groups: groups,
            padding: padding.resolved(size: size, kernel: kernel, stride: stride, dilation: dilation))
        let outputShape = parameters.outputShape(
            input: shape, weight: weight.shape, op: op, file: file, line: line)
        if let bias { checkBias(bias, channels: outputShape[1], op: op, file: file, line: line) }
        return convolution(weight: weight, bias: bias, parameters, outputShape: outputShape, file: file, line: line)
    }

    @inlinable
    internal func checkBias(_ bias: Variable, channels: Int, op: String, file: StaticString, line: UInt) {
        require(
            bias.shape == [channels],
            "\(op): input \(Shapes.format(shape)): bias \(Shapes.format(bias.shape)) is not "
                + "[\(channels)], one per output channel", file: file, line: line)
    }

    /// The primitive y = self ⋆ weight (+ bias), shapes checked.
    @inlinable
    internal func convolution(
        weight: Variable, bias: Variable?, _ parameters: ConvolutionParameters,
        outputShape: TensorShape, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let geometry = ConvolutionGeometry(
            input: shape, weight: weight.shape, output: outputShape, parameters)
        let output = Tensor.filled(outputShape, reading: value, weight.value) { x, w, y in
            if let bias {
                bias.value.withUnsafeBufferPointer { geometry.forward(x: x, w: w, bias: $0.baseAddress, y: y) }
            } else {
                geometry.forward(x: x, w: w, bias: nil, y: y)
            }
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Variable(op: "conv2d", value: output, inputs: inputs, file: file, line: line) { y, g in
            let (x, w) = (y.input(at: 0), y.input(at: 1))
            var gradients = [
                x.requiresGradient
                    ? g.convolutionInputGradient(weight: w, inputShape: x.shape, parameters) : nil,
                w.requiresGradient
                    ? x.convolutionWeightGradient(outputGradient: g, weightShape: w.shape, parameters) : nil,
            ]
            if y.inputCount == 3 {
                let channels = outputShape[1]
                gradients.append(
                    y.input(at: 2).requiresGradient
                        ? g.summed(toShape: [1, channels, 1, 1]).reshaped(to: [channels]) : nil)
            }
            return gradients
        }
    }

    /// The primitive ∂L/∂x = self ⋆ᵀ weight for self = δ = ∂L/∂y of the convolution of an
    /// input of `inputShape` with `weight`: the transposed convolution.
    @inlinable
    internal func convolutionInputGradient(
        weight: Variable, inputShape: TensorShape, _ parameters: ConvolutionParameters,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let geometry = ConvolutionGeometry(
            input: inputShape, weight: weight.shape, output: shape, parameters)
        Shapes.requireSame(
            parameters.outputShape(input: inputShape, weight: weight.shape, op: "conv2dTransposed", file: file, line: line),
            shape, op: "conv2dTransposed", symbol: "vs", file: file, line: line)
        let output = Tensor.filled(inputShape, reading: value, weight.value) {
            geometry.inputGradient(gy: $0, w: $1, gx: $2)
        }
        return Variable(
            op: "conv2dTransposed", value: output, inputs: [self, weight], file: file, line: line
        ) { y, h in
            let (delta, w) = (y.input(at: 0), y.input(at: 1))
            return [
                delta.requiresGradient
                    ? h.convolution(weight: w, bias: nil, parameters, outputShape: delta.shape) : nil,
                w.requiresGradient
                    ? h.convolutionWeightGradient(outputGradient: delta, weightShape: w.shape, parameters) : nil,
            ]
        }
    }

    /// The primitive ∂L/∂w = the correlation of self (the input x) with δ = ∂L/∂y, for a
    /// weight of `weightShape`.
    @inlinable
    internal func convolutionWeightGradient(
        outputGradient delta: Variable, weightShape: TensorShape, _ parameters: ConvolutionParameters,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let geometry = ConvolutionGeometry(
            input: shape, weight: weightShape, output: delta.shape, parameters)
        let output = Tensor.filled(weightShape, reading: value, delta.value) {
            geometry.weightGradient(x: $0, gy: $1, gw: $2)
        }
        return Variable(
            op: "conv2dWeightGradient", value: output, inputs: [self, delta], file: file, line: line
        ) { y, k in
            let (x, delta) = (y.input(at: 0), y.input(at: 1))
            return [
                x.requiresGradient
                    ? delta.convolutionInputGradient(weight: k, inputShape: x.shape, parameters) : nil,
                delta.requiresGradient
                    ? x.convolution(weight: k, bias: nil, parameters, outputShape: delta.shape) : nil,
            ]
        }
    }
}
