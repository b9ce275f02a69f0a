import Backprop

/// Every sample as one row, [batch, d₁, d₂, …] → [batch, d₁·d₂·…], in row-major (for NCHW:
/// channel-major, PyTorch's `flatten(1)`) order: between convolutional and ``Dense`` layers.
public struct Flatten<Scalar: TensorScalar>: Layer {
    /// Creates the layer.
    public init() {}

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> { input.flattened() }

    /// None.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [] }
}

/// Every sample reshaped to `sampleShape`, [batch, …] → [batch] + sampleShape, keeping the
/// row-major order: rows of 64 pixels to [batch, 1, 8, 8] images before a ``Conv2D``
/// (PyTorch's `nn.Unflatten(1, sampleShape)`). A reshape: the gradient is reshaped back.
///
/// ```swift
/// Reshape<Float>(sampleShape: [1, 8, 8])(Variable(Tensor.zeros([32, 64]))).shape   // [32, 1, 8, 8]
/// ```
public struct Reshape<Scalar: TensorScalar>: Layer {
    /// The shape of one sample after the layer.
    public var sampleShape: [Int]

    /// Creates the layer.
    public init(sampleShape: [Int]) { self.sampleShape = sampleShape }

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let batch = input.shape.first ?? 0
        require(
            input.shape.count >= 1 && Shapes.count(input.shape.dropFirst()) == Shapes.count(sampleShape),
            "Reshape: input \(Shapes.format(input.shape)) does not hold samples of \(Shapes.format(sampleShape))")
        return input.reshaped(to: TensorShape([batch] + sampleShape))
    }

    /// None.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [] }
}
