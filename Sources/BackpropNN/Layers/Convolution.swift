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

/// The parts the three convolution layers share: configuration, weight, optional bias.
public protocol ConvolutionLayer: Layer {
    /// The architecture.
    var configuration: ConvolutionConfiguration { get }
    /// The kernel weights.
    var weight: Variable<Scalar> { get }
    /// The bias per output channel, if the configuration has one.
    var bias: Variable<Scalar>? { get }
    /// The weight's shape for a configuration.
    static func weightShape(_ configuration: ConvolutionConfiguration) -> TensorShape
    /// A layer with the given parameters (PyTorch's `weight` and `bias` as they are).
    init(_ configuration: ConvolutionConfiguration, weight: Tensor<Scalar>, bias: Tensor<Scalar>?)
}

extension ConvolutionLayer {
    /// A layer with freshly drawn parameters (the weight before the bias; the bias
    /// defaults to zeros). See ``ConvolutionConfiguration`` for the initialisation.
    public init(
        _ configuration: ConvolutionConfiguration, initializer: Initializer? = nil,
        biasInitializer: Initializer = .zeros, using generator: inout SeededGenerator
    ) {
        let (w, b): (Tensor<Scalar>, Tensor<Scalar>?) = configuration.makeParameters(
            weightShape: Self.weightShape(configuration), initializer: initializer,
            biasInitializer: biasInitializer, using: &generator)
        self.init(configuration, weight: w, bias: b)
    }

    /// `weight`, then `bias` when there is one.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        [NamedParameter("weight", weight)] + (bias.map { [NamedParameter("bias", $0)] } ?? [])
    }
}

/// A 2-D convolution layer, y = f(conv2d(x, W) + b), for inputs [batch, inChannels, height,
/// width] (NCHW). The weight is [outChannels, inChannels / groups, kH, kW] (OIHW), PyTorch's
/// `Conv2d.weight` as it is; see ``Backprop/Variable/conv2d(weight:bias:stride:padding:dilation:groups:file:line:)``
/// for the formula and its derivatives.
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let conv = Conv2D<Float>(.init(inChannels: 1, outChannels: 16, kernelSize: 3, padding: 1,
///                                activation: .relu), using: &rng)
/// conv(Variable(Tensor.zeros([32, 1, 8, 8]))).shape   // [32, 16, 8, 8]
/// ```
public struct Conv2D<Scalar: TensorScalar>: ConvolutionLayer {
    /// [outChannels, inChannels / groups, kernelSize.height, kernelSize.width].
    public static func weightShape(_ c: ConvolutionConfiguration) -> TensorShape {
        [c.outChannels, c.inChannels / c.groups, c.kernelSize.height, c.kernelSize.width]
    }

    public let configuration: ConvolutionConfiguration
    public let weight: Variable<Scalar>
    public let bias: Variable<Scalar>?

    public init(_ configuration: ConvolutionConfiguration, weight: Tensor<Scalar>, bias: Tensor<Scalar>?) {
        self.configuration = configuration
        self.weight = Variable(weight, requiresGradient: true)
        self.bias = bias.map { Variable($0, requiresGradient: true) }
    }

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let c = configuration
        return c.activation.apply(
            input.conv2d(
                weight: weight, bias: bias, stride: c.stride, padding: c.padding, dilation: c.dilation,
                groups: c.groups))
    }
}

/// A 1-D convolution layer, y = f(conv1d(x, W) + b), for inputs [batch, inChannels, length]
/// (NCL). The weight is [outChannels, inChannels / groups, kernel] (PyTorch's `Conv1d.weight`);
/// the configuration's kernel, stride and dilation are read along the width (their heights
/// are set to 1), and so is its padding.
///
/// ```swift
/// let conv = Conv1D<Float>(.init(inChannels: 8, outChannels: 16,
///                                kernelSize: 5), using: &rng)   // kernel 1 × 5
/// ```
public struct Conv1D<Scalar: TensorScalar>: ConvolutionLayer {
    /// [outChannels, inChannels / groups, kernelSize.width].
    public static func weightShape(_ c: ConvolutionConfiguration) -> TensorShape {
        [c.outChannels, c.inChannels / c.groups, c.kernelSize.width]
    }

    public let configuration: ConvolutionConfiguration
    public let weight: Variable<Scalar>
    public let bias: Variable<Scalar>?

    public init(_ configuration: ConvolutionConfiguration, weight: Tensor<Scalar>, bias: Tensor<Scalar>?) {
        // One axis: the heights are 1 whatever the configuration said.
        var c = configuration
        (c.kernelSize.height, c.stride.height, c.dilation.height) = (1, 1, 1)
        self.configuration = c
        self.weight = Variable(weight, requiresGradient: true)
        self.bias = bias.map { Variable($0, requiresGradient: true) }
    }

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let c = configuration
        return c.activation.apply(
            input.conv1d(
                weight: weight, bias: bias, stride: c.stride.width, padding: c.padding,
                dilation: c.dilation.width, groups: c.groups))
    }
}

/// A transposed 2-D convolution layer (upsampling), y = f(conv2dTransposed(x, W) + b), for
/// inputs [batch, inChannels, height, width]. The weight is [inChannels, outChannels / groups,
/// kH, kW], PyTorch's `ConvTranspose2d.weight` as it is.
///
/// ```swift
/// let up = ConvTranspose2D<Float>(.init(inChannels: 32, outChannels: 16, kernelSize: 4,
///                                       stride: 2, padding: 1), using: &rng)
/// up(Variable(Tensor.zeros([8, 32, 7, 7]))).shape   // [8, 16, 14, 14]
/// ```
public struct ConvTranspose2D<Scalar: TensorScalar>: ConvolutionLayer {
    /// [inChannels, outChannels / groups, kernelSize.height, kernelSize.width].
    public static func weightShape(_ c: ConvolutionConfiguration) -> TensorShape {
        [c.inChannels, c.outChannels / c.groups, c.kernelSize.height, c.kernelSize.width]
    }

    public let configuration: ConvolutionConfiguration
    public let weight: Variable<Scalar>
    public let bias: Variable<Scalar>?

    public init(_ configuration: ConvolutionConfiguration, weight: Tensor<Scalar>, bias: Tensor<Scalar>?) {
        self.configuration = configuration
        self.weight = Variable(weight, requiresGradient: true)
        self.bias = bias.map { Variable($0, requiresGradient: true) }
    }

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let c = configuration
        return c.activation.apply(
            input.conv2dTransposed(
                weight: weight, bias: bias, stride: c.stride, padding: c.padding, outputPadding: c.outputPadding,
                dilation: c.dilation, groups: c.groups))
    }
}
