import Backprop

/// How a ``Pool2D`` layer reduces each window: ``MaximumPooling`` or ``AveragePooling``.
public protocol PoolingOperation {
    /// The op applied to the input.
    static func pool<Scalar>(
        _ input: Variable<Scalar>, kernelSize: Size2D, stride: Size2D?, padding: Padding
    ) -> Variable<Scalar>
    /// The architecture of a layer pooling this way, as a checkpoint saves it.
    static func spec(kernelSize: Size2D, stride: Size2D?, padding: Padding) -> LayerSpec
}

/// The maximum of each window: `Variable.maxPool2d(…)`
/// (the gradient goes to each window's maximum, the first one on ties).
public enum MaximumPooling: PoolingOperation {
    @inlinable
    public static func pool<Scalar>(
        _ input: Variable<Scalar>, kernelSize: Size2D, stride: Size2D?, padding: Padding
    ) -> Variable<Scalar> {
        input.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }

    public static func spec(kernelSize: Size2D, stride: Size2D?, padding: Padding) -> LayerSpec {
        .maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// The mean of each window, padding counted as zeros:
/// `Variable.avgPool2d(…)`.
public enum AveragePooling: PoolingOperation {
    @inlinable
    public static func pool<Scalar>(
        _ input: Variable<Scalar>, kernelSize: Size2D, stride: Size2D?, padding: Padding
    ) -> Variable<Scalar> {
        input.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }

    public static func spec(kernelSize: Size2D, stride: Size2D?, padding: Padding) -> LayerSpec {
        .avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// Pooling over windows of each channel, inputs [batch, channels, height, width] (NCHW);
/// use it as ``MaxPool2D`` or ``AvgPool2D``.
///
/// ```swift
/// MaxPool2D<Float>(kernelSize: 2)(Variable(Tensor.zeros([32, 16, 8, 8]))).shape   // [32, 16, 4, 4]
/// AvgPool2D<Float>(kernelSize: 3, stride: 1, padding: 1)            // keeps the size
/// ```
public struct Pool2D<Scalar: TensorScalar, Operation: PoolingOperation>: Layer {
    /// The window.
    public var kernelSize: Size2D
    /// The step between windows (`nil`: the window).
    public var stride: Size2D?
    /// Positions around the input: never chosen by the maximum, zeros in the mean.
    public var padding: Padding

    /// Creates the layer.
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Padding = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
    }

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        Operation.pool(input, kernelSize: kernelSize, stride: stride, padding: padding)
    }

    /// None.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [] }
}

/// Max pooling (see ``Pool2D`` and ``MaximumPooling``).
public typealias MaxPool2D<Scalar: TensorScalar> = Pool2D<Scalar, MaximumPooling>
/// Average pooling (see ``Pool2D`` and ``AveragePooling``).
public typealias AvgPool2D<Scalar: TensorScalar> = Pool2D<Scalar, AveragePooling>

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
