// The window parameters (sizes, padding) and shape rules of convolution and pooling, with
// the messages their ops print.
//
// Layout: channels first, as PyTorch. Inputs are [batch, channels, spatial…] (NCL for 1-D,
// NCHW for 2-D), weights [out channels, in channels / groups, kernel…] (OIL, OIHW), and a
// transposed convolution's weight is [in channels, out channels / groups, kernel…] (the
// weight of the convolution it is the adjoint of). PyTorch's tensors and weights load
// unchanged.

/// A height and a width: a kernel size, stride or dilation. An integer literal gives both.
///
/// ```swift
/// x.conv2d(weight: w, stride: 2)                  // Size2D(height: 2, width: 2)
/// x.conv2d(weight: w, stride: Size2D(height: 1, width: 2))
/// ```
public struct Size2D: Hashable, Sendable, Codable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// Along the height (rows).
    public var height: Int
    /// Along the width (columns).
    public var width: Int

    /// Creates a size from its two components.
    @inlinable public init(height: Int, width: Int) { (self.height, self.width) = (height, width) }
    /// The same size along both axes.
    @inlinable public init(_ size: Int) { self.init(height: size, width: size) }
    /// The same size along both axes.
    @inlinable public init(integerLiteral value: Int) { self.init(value) }

    public var description: String { "\(height) × \(width)" }
}

/// The zeros added around the input of a convolution or pooling window.
///
/// An integer literal pads every side by that much (`padding: 1`). In 1-D
/// (``Variable/conv1d(weight:bias:stride:padding:dilation:groups:file:line:)``) only the
/// width components apply, along the length.
public enum Padding: Hashable, Sendable, Codable, ExpressibleByIntegerLiteral {
    /// The given zeros before (top, left) and after (bottom, right) each spatial axis.
    case explicit(top: Int, bottom: Int, left: Int, right: Int)
    /// As much as keeps ⌈size / stride⌉ outputs along each axis: a total of
    /// max((out − 1)·stride + dilation·(kernel − 1) + 1 − size, 0) zeros, half before and the
    /// rest (one more when odd) after, as PyTorch's and TensorFlow's `"same"` (with stride 1
    /// the output has the input's size).
    case same

    /// The same zeros on every side.
    @inlinable public init(integerLiteral value: Int) {
        self = .explicit(top: value, bottom: value, left: value, right: value)
    }

    /// `height` zeros above and below, `width` left and right.
    @inlinable public static func symmetric(height: Int, width: Int) -> Padding {
        .explicit(top: height, bottom: height, left: width, right: width)
    }

    /// No padding.
    public static let valid = Padding.explicit(top: 0, bottom: 0, left: 0, right: 0)

    /// The zeros on each side for an input of `size` and a window of `kernel`.
    @inlinable
    internal func resolved(size: Size2D, kernel: Size2D, stride: Size2D, dilation: Size2D)
        -> (top: Int, bottom: Int, left: Int, right: Int)
    {
        switch self {
        case .explicit(let top, let bottom, let left, let right): return (top, bottom, left, right)
        case .same:
            func split(_ size: Int, _ kernel: Int, _ stride: Int, _ dilation: Int) -> (Int, Int) {
                guard stride > 0 else { return (0, 0) }  // the shape rule reports the stride
                let out = (size + stride - 1) / stride
                let total = Swift.max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
                return (total / 2, total - total / 2)
            }
            let (top, bottom) = split(size.height, kernel.height, stride.height, dilation.height)
            let (left, right) = split(size.width, kernel.width, stride.width, dilation.width)
            return (top, bottom, left, right)
        }
    }
}

extension Shapes {
    /// The spatial output size of a convolution or pooling window along one axis:
    /// ⌊(size + before + after − dilation·(kernel − 1) − 1) / stride⌋ + 1, or `nil` when the
    /// window (dilation included) is larger than the padded size.
    @inlinable
    public static func convolutionOutputSize(
        _ size: Int, kernel: Int, stride: Int, padding: (before: Int, after: Int), dilation: Int
    ) -> Int? {
        let span = dilation * (kernel - 1) + 1
        let padded = size + padding.before + padding.after
        return padded >= span ? (padded - span) / stride + 1 : nil
    }

    /// The output shape of a convolution of `input` [batch, channels, spatial…] with
    /// `weight` [out channels, in channels / groups, kernel…]: [batch, out channels, output
    /// sizes…], each output size given by ``convolutionOutputSize(_:kernel:stride:padding:dilation:)``.
    /// `stride`, `padding` and `dilation` have one entry per spatial axis.
    ///
    /// ```swift
    /// Shapes.convolution(input: [8, 3, 32, 32], weight: [16, 4, 3, 3], stride: [1, 1],
    ///                    padding: [(1, 1), (1, 1)], dilation: [1, 1], groups: 1, op: "conv2d")
    /// // .failure("conv2d: input [8, 3, 32, 32], weight [16, 4, 3, 3]: input has 3 channels, weight expects 4")
    /// ```
    @inlinable
    public static func convolution(
        input: TensorShape, weight: TensorShape, stride: [Int], padding: [(before: Int, after: Int)],
        dilation: [Int], groups: Int, op: String
    ) -> Result<TensorShape, Mismatch> {
        let axes = stride.count
        let rank = axes + 2
        let names = axes == 1 ? "length" : "height, width"
        let shapes = "input \(format(input)), weight \(format(weight))"
        func fail(_ reason: String) -> Result<TensorShape, Mismatch> {
            .failure(Mismatch("\(op): \(shapes): \(reason)"))
        }
        guard input.count == rank else {
            return .failure(
                Mismatch("\(op): input \(format(input)) is not \(rank)-D [batch, channels, \(names)]"))
        }
        guard weight.count == rank else {
            return .failure(
                Mismatch(
                    "\(op): weight \(format(weight)) is not \(rank)-D "
                        + "[out channels, in channels / groups, \(names)]"))
        }
        if let problem = windowProblem(stride: stride, padding: padding, dilation: dilation) {
            return fail(problem)
        }
        guard groups > 0 else { return fail("groups \(groups) is not positive") }
        let (channels, outChannels) = (input[1], weight[0])
        guard channels % groups == 0 else {
            return fail("groups \(groups) do not divide the \(channels) input channels")
        }
        guard outChannels % groups == 0 else {
            return fail("groups \(groups) do not divide the \(outChannels) output channels")
        }
        guard channels == weight[1] * groups else {
            let expected = groups == 1 ? "\(weight[1])" : "\(weight[1]) × \(groups) groups = \(weight[1] * groups)"
            return fail("input has \(channels) channels, weight expects \(expected)")
        }
        var output = TensorShape(input[0], outChannels)
        for a in 0..<axes {
            guard weight[a + 2] > 0 else { return fail("kernel sizes must be positive") }
            guard
                let size = convolutionOutputSize(
                    input[a + 2], kernel: weight[a + 2], stride: stride[a], padding: padding[a],
                    dilation: dilation[a])
            else {
                let spans = (0..<axes).map { dilation[$0] * (weight[$0 + 2] - 1) + 1 }
                let padded = (0..<axes).map { input[$0 + 2] + padding[$0].before + padding[$0].after }
                return fail(
                    "the kernel spans \(spans.map(String.init).joined(separator: " × ")) (dilation "
                        + "included), larger than the padded input "
                        + padded.map(String.init).joined(separator: " × "))
            }
            output.append(size)
        }
        return .success(output)
    }

    /// The output shape of a transposed convolution of `input` [batch, in channels,
    /// spatial…] with `weight` [in channels, out channels / groups, kernel…]: along each
    /// axis (size − 1)·stride − before − after + dilation·(kernel − 1) + outputPadding + 1,
    /// the size whose convolution with the same parameters has `input`'s size (`outputPadding`
    /// picks one of the sizes that do when stride > 1).
    @inlinable
    public static func transposedConvolution(
        input: TensorShape, weight: TensorShape, stride: [Int], padding: [(before: Int, after: Int)],
        dilation: [Int], outputPadding: [Int], groups: Int, op: String
    ) -> Result<TensorShape, Mismatch> {
        let axes = stride.count
        let shapes = "input \(format(input)), weight \(format(weight))"
        func fail(_ reason: String) -> Result<TensorShape, Mismatch> {
            .failure(Mismatch("\(op): \(shapes): \(reason)"))
        }
        guard input.count == axes + 2, weight.count == axes + 2 else {
            return fail(
                "expected \(axes + 2)-D input [batch, channels, …] and weight "
                    + "[in channels, out channels / groups, …]")
        }
        if let problem = windowProblem(stride: stride, padding: padding, dilation: dilation) {
            return fail(problem)
        }
        guard groups > 0 else { return fail("groups \(groups) is not positive") }
        guard input[1] == weight[0] else {
            return fail("input has \(input[1]) channels, weight expects \(weight[0])")
        }
        guard weight[0] % groups == 0 else {
            return fail("groups \(groups) do not divide the \(weight[0]) input channels")
        }
        var output = TensorShape(input[0], weight[1] * groups)
        for a in 0..<axes {
            let extra = outputPadding[a]
            guard extra >= 0, extra < Swift.max(stride[a], dilation[a]) else {
                return fail(
                    "output padding \(format(outputPadding)) must be non-negative and smaller "
                        + "than the stride or the dilation")
            }
            guard weight[a + 2] > 0 else { return fail("kernel sizes must be positive") }
            let size = (input[a + 2] - 1) * stride[a] - padding[a].before - padding[a].after
                + dilation[a] * (weight[a + 2] - 1) + extra + 1
            guard size > 0, input[a + 2] > 0 else {
                return fail("the output size along spatial axis \(a) is \(size), not positive")
            }
            output.append(size)
        }
        return .success(output)
    }

    /// The output shape of pooling `input` [batch, channels, height, width] over windows of
    /// `kernel` (height, width) with `stride` and `padding` (before, after per axis):
    /// [batch, channels, output height, output width]. Padding is at most kernel − 1 on each
    /// side, so every window holds at least one element of the input.
    ///
    /// ```swift
    /// Shapes.pooling(input: [2, 3, 8, 8], kernel: [2, 2], stride: [2, 2], padding: [(0, 0), (0, 0)],
    ///                op: "maxPool2d")   // .success([2, 3, 4, 4])
    /// ```
    @inlinable
    public static func pooling(
        input: TensorShape, kernel: [Int], stride: [Int], padding: [(before: Int, after: Int)], op: String
    ) -> Result<TensorShape, Mismatch> {
        let prefix = "\(op): input \(format(input)), kernel \(format(kernel))"
        guard input.count == 4 else {
            return .failure(Mismatch("\(op): input \(format(input)) is not 4-D [batch, channels, height, width]"))
        }
        guard kernel.allSatisfy({ $0 > 0 }) else {
            return .failure(Mismatch("\(prefix): kernel sizes must be positive"))
        }
        if let problem = windowProblem(stride: stride, padding: padding, dilation: [1, 1]) {
            return .failure(Mismatch("\(prefix): \(problem)"))
        }
        guard zip(padding, kernel).allSatisfy({ $0.before < $1 && $0.after < $1 }) else {
            return .failure(Mismatch("\(prefix): padding must be smaller than the kernel"))
        }
        var output = TensorShape(input[0], input[1])
        for a in 0..<2 {
            guard
                let size = convolutionOutputSize(
                    input[a + 2], kernel: kernel[a], stride: stride[a], padding: padding[a], dilation: 1)
            else {
                return .failure(Mismatch("\(prefix): the kernel is larger than the padded input"))
            }
            output.append(size)
        }
        return .success(output)
    }

    /// Why a stride, padding or dilation is unusable (non-positive stride or dilation,
    /// negative padding), or `nil`.
    @inlinable
    internal static func windowProblem(
        stride: [Int], padding: [(before: Int, after: Int)], dilation: [Int]
    ) -> String? {
        if stride.contains(where: { $0 <= 0 }) { return "stride \(format(stride)) must be positive" }
        if dilation.contains(where: { $0 <= 0 }) {
            return "dilation \(format(dilation)) must be positive"
        }
        if padding.contains(where: { $0.before < 0 || $0.after < 0 }) {
            let pairs = padding.map { "(\($0.before), \($0.after))" }.joined(separator: ", ")
            return "padding [\(pairs)] must not be negative"
        }
        return nil
    }
}
