import Backprop

/// Max pooling over windows of each channel, inputs [batch, channels, height, width]
/// (NCHW). The gradient goes to each window's maximum (the first one on ties); see
/// ``Backprop/Variable/maxPool2d(kernelSize:stride:padding:file:line:)``.
///
/// ```swift
/// MaxPool2D<Float>(kernelSize: 2)(Variable(Tensor.zeros([32, 16, 8, 8]))).shape   // [32, 16, 4, 4]
/// ```
public struct MaxPool2D<Scalar: TensorScalar>: Layer {
    /// The window.
    public var kernelSize: Size2D
    /// The step between windows (`nil`: the window).
    public var stride: Size2D?
    /// Positions outside the input, never chosen.
    public var padding: Padding

    /// Creates the layer.
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Padding = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
    }

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        input.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }

    /// None.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [] }
}

/// Average pooling over windows of each channel (padding counted as zeros), inputs NCHW;
/// see ``Backprop/Variable/avgPool2d(kernelSize:stride:padding:file:line:)``.
///
/// ```swift
/// AvgPool2D<Float>(kernelSize: 2)(Variable(Tensor.zeros([32, 16, 8, 8]))).shape   // [32, 16, 4, 4]
/// ```
public struct AvgPool2D<Scalar: TensorScalar>: Layer {
    /// The window.
    public var kernelSize: Size2D
    /// The step between windows (`nil`: the window).
    public var stride: Size2D?
    /// Zeros around the input, counted in the mean.
    public var padding: Padding

    /// Creates the layer.
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Padding = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
    }

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        input.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }

    /// None.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [] }
}

/// The mean over all positions of each channel: [batch, channels, spatial…] → [batch,
/// channels], the usual head of a fully convolutional classifier.
public struct GlobalAveragePool<Scalar: TensorScalar>: Layer {
    /// Creates the layer.
    public init() {}

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> { input.globalAveragePool() }

    /// None.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [] }
}
