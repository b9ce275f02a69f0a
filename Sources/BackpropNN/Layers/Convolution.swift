import Backprop

/// The architecture of a convolution layer (``Conv1D``, ``Conv2D``, ``ConvTranspose2D``):
/// what it is built from and what a checkpoint saves. Layout NCHW (NCL in 1-D), as PyTorch.
///
/// ```swift
/// let c = ConvolutionConfiguration(inChannels: 1, outChannels: 16, kernelSize: 3, padding: 1,
///                                  activation: .relu)
/// ```
public struct ConvolutionConfiguration: Codable, Sendable, Equatable {
    /// Channels of the input.
    public var inChannels: Int
    /// Channels of the output.
    public var outChannels: Int
    /// The kernel (height 1 for ``Conv1D``).
    public var kernelSize: Size2D
    /// The step between output positions.
    public var stride: Size2D
    /// Zeros around the input (for ``ConvTranspose2D``, of the convolution it is the adjoint of).
    public var padding: Padding
    /// Rows and columns added after a transposed convolution's output (0 otherwise).
    public var outputPadding: Size2D
    /// The spacing between kernel taps.
    public var dilation: Size2D
    /// Independent channel groups (in = out = groups: depthwise).
    public var groups: Int
    /// Whether the layer adds a bias per output channel.
    public var usesBias: Bool
    /// The activation applied to the output.
    public var activation: Activation

    /// Creates a configuration; the defaults are a plain convolution with a bias.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Padding = 0,
        outputPadding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1, usesBias: Bool = true,
        activation: Activation = .identity
    ) {
        (self.inChannels, self.outChannels, self.kernelSize, self.stride, self.padding) =
            (inChannels, outChannels, kernelSize, stride, padding)
        (self.outputPadding, self.dilation, self.groups, self.usesBias, self.activation) =
            (outputPadding, dilation, groups, usesBias, activation)
    }

    /// Why the configuration cannot make a layer (a size that is not positive, groups that
    /// do not divide the channels, negative padding), or `nil`.
    public var problem: String? {
        let sizes = [inChannels, outChannels, kernelSize.height, kernelSize.width, stride.height, stride.width,
                     dilation.height, dilation.width, groups]
        if sizes.contains(where: { $0 <= 0 }) {
            return "channels \(inChannels) → \(outChannels), kernel \(kernelSize), stride \(stride), dilation "
                + "\(dilation), groups \(groups): all must be positive"
        }
        if inChannels % groups != 0 || outChannels % groups != 0 {
            return "groups \(groups) do not divide the channels \(inChannels) → \(outChannels)"
        }
        if case .explicit(let top, let bottom, let left, let right) = padding, min(top, bottom, left, right) < 0 {
            return "negative padding"
        }
        if outputPadding.height < 0 || outputPadding.width < 0 { return "negative output padding" }
        return nil
    }

    /// The number of trainable scalars of a layer with this configuration.
    public var parameterCount: Int {
        outChannels * (inChannels / Swift.max(groups, 1)) * kernelSize.height * kernelSize.width
            + (usesBias ? outChannels : 0)
    }

    /// The weight and the bias, drawn with `initializer` (default He normal before ReLU-like
    /// activations, Glorot uniform otherwise) for the fan-in and fan-out of a convolution,
    /// as PyTorch counts them: weight.shape[1] and weight.shape[0] times the kernel taps.
    func makeParameters<Scalar: TensorScalar>(
        weightShape: TensorShape, initializer: Initializer?, biasInitializer: Initializer,
        using generator: inout SeededGenerator
    ) -> (weight: Tensor<Scalar>, bias: Tensor<Scalar>?) {
        if let problem { misuseFailure("convolution layer: \(problem)") }
        let taps = Shapes.count(weightShape.dropFirst(2))
        let (fanIn, fanOut) = (weightShape[1] * taps, weightShape[0] * taps)
        let chosen = initializer ?? (activation.prefersHeInitialization ? .heNormal : .glorotUniform)
        let weight: Tensor<Scalar> = chosen.make(shape: weightShape, fanIn: fanIn, fanOut: fanOut, using: &generator)
        let bias: Tensor<Scalar>? = usesBias
            ? biasInitializer.make(shape: [outChannels], fanIn: fanIn, fanOut: fanOut, using: &generator) : nil
        return (weight, bias)
    }
}

/// What distinguishes the three convolution layers (``Conv1D``, ``Conv2D``,
/// ``ConvTranspose2D``): the weight's shape and the op.
public protocol ConvolutionKind {
    /// The weight's shape for a configuration.
    static func weightShape(_ configuration: ConvolutionConfiguration) -> TensorShape
    /// The configuration as the layer keeps it (1-D: the heights set to 1).
    static func normalized(_ configuration: ConvolutionConfiguration) -> ConvolutionConfiguration
    /// The op, before the activation.
    static func apply<Scalar>(
        _ input: Variable<Scalar>, weight: Variable<Scalar>, bias: Variable<Scalar>?,
        _ configuration: ConvolutionConfiguration
    ) -> Variable<Scalar>
    /// The architecture as a checkpoint saves it.
    static func spec(_ configuration: ConvolutionConfiguration) -> LayerSpec
}

extension ConvolutionKind {
    /// Unchanged.
    public static func normalized(_ configuration: ConvolutionConfiguration) -> ConvolutionConfiguration {
        configuration
    }
}

/// ``Conv2D``: weight [outChannels, inChannels / groups, kH, kW] (OIHW), PyTorch's
/// `Conv2d.weight` as it is;
/// `Variable.conv2d(…)`.
public enum Convolution2DKind: ConvolutionKind {
    public static func weightShape(_ c: ConvolutionConfiguration) -> TensorShape {
        [c.outChannels, c.inChannels / c.groups, c.kernelSize.height, c.kernelSize.width]
    }

    @inlinable
    public static func apply<Scalar>(
        _ input: Variable<Scalar>, weight: Variable<Scalar>, bias: Variable<Scalar>?, _ c: ConvolutionConfiguration
    ) -> Variable<Scalar> {
        input.conv2d(
            weight: weight, bias: bias, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
    }

    public static func spec(_ c: ConvolutionConfiguration) -> LayerSpec { .conv2d(c) }
}

/// ``Conv1D``: weight [outChannels, inChannels / groups, kernel] (PyTorch's `Conv1d.weight`);
/// kernel, stride, dilation and padding read along the width (the heights are set to 1);
/// `Variable.conv1d(…)`.
public enum Convolution1DKind: ConvolutionKind {
    public static func weightShape(_ c: ConvolutionConfiguration) -> TensorShape {
        [c.outChannels, c.inChannels / c.groups, c.kernelSize.width]
    }

    public static func normalized(_ configuration: ConvolutionConfiguration) -> ConvolutionConfiguration {
        var c = configuration
        (c.kernelSize.height, c.stride.height, c.dilation.height) = (1, 1, 1)
        return c
    }

    @inlinable
    public static func apply<Scalar>(
        _ input: Variable<Scalar>, weight: Variable<Scalar>, bias: Variable<Scalar>?, _ c: ConvolutionConfiguration
    ) -> Variable<Scalar> {
        input.conv1d(
            weight: weight, bias: bias, stride: c.stride.width, padding: c.padding, dilation: c.dilation.width,
            groups: c.groups)
    }

    public static func spec(_ c: ConvolutionConfiguration) -> LayerSpec { .conv1d(c) }
}

/// ``ConvTranspose2D``: weight [inChannels, outChannels / groups, kH, kW], PyTorch's
/// `ConvTranspose2d.weight` as it is;
/// `Variable.conv2dTransposed(…)`.
public enum TransposedConvolution2DKind: ConvolutionKind {
    public static func weightShape(_ c: ConvolutionConfiguration) -> TensorShape {
        [c.inChannels, c.outChannels / c.groups, c.kernelSize.height, c.kernelSize.width]
    }

    @inlinable
    public static func apply<Scalar>(
        _ input: Variable<Scalar>, weight: Variable<Scalar>, bias: Variable<Scalar>?, _ c: ConvolutionConfiguration
    ) -> Variable<Scalar> {
        input.conv2dTransposed(
            weight: weight, bias: bias, stride: c.stride, padding: c.padding, outputPadding: c.outputPadding,
            dilation: c.dilation, groups: c.groups)
    }

    public static func spec(_ c: ConvolutionConfiguration) -> LayerSpec { .convTranspose2d(c) }
}

/// A convolution layer, y = f(op(x, W) + b), the op chosen by `Kind`: use it as ``Conv1D``,
/// ``Conv2D`` or ``ConvTranspose2D``. Layout NCHW (NCL in 1-D), as PyTorch.
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let conv = Conv2D<Float>(.init(inChannels: 1, outChannels: 16, kernelSize: 3, padding: 1,
///                                activation: .relu), using: &rng)
/// conv(Variable(Tensor.zeros([32, 1, 8, 8]))).shape   // [32, 16, 8, 8]
/// let conv1 = Conv1D<Float>(.init(inChannels: 8, outChannels: 16, kernelSize: 5), using: &rng)  // kernel 1 × 5
/// let up = ConvTranspose2D<Float>(.init(inChannels: 32, outChannels: 16, kernelSize: 4,
///                                       stride: 2, padding: 1), using: &rng)
/// up(Variable(Tensor.zeros([8, 32, 7, 7]))).shape   // [8, 16, 14, 14]
/// ```
public struct Convolution<Scalar: TensorScalar, Kind: ConvolutionKind>: Layer {
    /// The architecture.
    public let configuration: ConvolutionConfiguration
    /// The kernel weights (shape: see `Kind`).
    public let weight: Variable<Scalar>
    /// The bias per output channel, if the configuration has one.
    public let bias: Variable<Scalar>?

    /// A layer with the given parameters (PyTorch's `weight` and `bias` as they are).
    public init(_ configuration: ConvolutionConfiguration, weight: Tensor<Scalar>, bias: Tensor<Scalar>?) {
        self.configuration = Kind.normalized(configuration)
        self.weight = Variable(weight, requiresGradient: true)
        self.bias = bias.map { Variable($0, requiresGradient: true) }
    }

    /// A layer with freshly drawn parameters (the weight before the bias; the bias defaults
    /// to zeros). See ``ConvolutionConfiguration`` for the initialisation.
    public init(
        _ configuration: ConvolutionConfiguration, initializer: Initializer? = nil,
        biasInitializer: Initializer = .zeros, using generator: inout SeededGenerator
    ) {
        let c = Kind.normalized(configuration)
        let (w, b): (Tensor<Scalar>, Tensor<Scalar>?) = c.makeParameters(
            weightShape: Kind.weightShape(c), initializer: initializer, biasInitializer: biasInitializer,
            using: &generator)
        self.init(c, weight: w, bias: b)
    }

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        configuration.activation.apply(Kind.apply(input, weight: weight, bias: bias, configuration))
    }

    /// `weight`, then `bias` when there is one.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        [NamedParameter("weight", weight)] + (bias.map { [NamedParameter("bias", $0)] } ?? [])
    }
}

/// A 2-D convolution layer for inputs [batch, inChannels, height, width] (NCHW).
public typealias Conv2D<Scalar: TensorScalar> = Convolution<Scalar, Convolution2DKind>
/// A 1-D convolution layer for inputs [batch, inChannels, length] (NCL).
public typealias Conv1D<Scalar: TensorScalar> = Convolution<Scalar, Convolution1DKind>
/// A transposed 2-D convolution layer (upsampling) for inputs [batch, inChannels, height, width].
public typealias ConvTranspose2D<Scalar: TensorScalar> = Convolution<Scalar, TransposedConvolution2DKind>
