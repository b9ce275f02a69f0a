/// An N-dimensional array of `Float` or `Double` in contiguous row-major storage.
///
/// `Tensor` is a value type: copies share storage until one of them is mutated
/// (copy-on-write). It holds no graph; wrap it in a ``Variable`` to differentiate.
///
/// ```swift
/// let x: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]
/// print(x.shape)        // [2, 3]
/// print(x[1, 2])        // 6.0
/// ```
public struct Tensor<Scalar: TensorScalar>: Sendable {
    /// The size along each axis; `[]` for a scalar.
    @inlinable public var shape: TensorShape { storage.shape }
    /// The elements in row-major order (a copy; use ``withUnsafeBufferPointer(_:)`` to read
    /// them in place).
    public var scalars: [Scalar] {
        get { storage.array }
        set {
            require(
                newValue.count == storage.count,
                "Tensor.scalars: \(newValue.count) scalars for shape \(Shapes.format(shape))")
            storage = TensorStorage(shape: shape, newValue)
        }
    }
    /// The shape and the scalars, in one copy-on-write object.
    @usableFromInline internal var storage: TensorStorage<Scalar>

    /// Creates a tensor of the given shape from row-major scalars.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape`.
    @inlinable
    public init(shape: TensorShape, scalars: [Scalar]) {
        if let message = Shapes.invalidContents(shape: shape, scalarCount: scalars.count) {
            misuseFailure(message)
        }
        self.storage = TensorStorage(shape: shape, scalars)
    }

    /// Creates a rank-0 tensor.
    @inlinable
    public init(_ scalar: Scalar) {
        self.storage = TensorStorage(shape: TensorShape(), repeating: scalar, count: 1)
    }

    /// Creates a rank-1 tensor.
    @inlinable
    public init(_ scalars: [Scalar]) {
        self.storage = TensorStorage(shape: TensorShape(scalars.count), scalars)
    }

    /// Creates a rank-2 tensor from rows of equal length.
    @inlinable
    public init(_ rows: [[Scalar]]) {
        let columns = rows.first?.count ?? 0
        require(
            rows.allSatisfy { $0.count == columns },
            "Tensor: rows have different lengths \(rows.map(\.count))")
        self.storage = TensorStorage(shape: TensorShape(rows.count, columns), rows.joined())
    }

    /// Creates a tensor of the given shape by calling `body` with a buffer of
    /// uninitialised storage that it must fill completely.
    @inlinable
    public init(
        shape: TensorShape,
        unsafeUninitializedScalars body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> Void
    ) rethrows {
        let count = Shapes.requireElementCount(shape, op: "Tensor")
        self.storage = try TensorStorage(shape: shape, count: count) { buffer in
            var buffer = buffer
            try body(&buffer)
            require(
                buffer.count == count,
                "Tensor(shape:unsafeUninitializedScalars:): the buffer was replaced")
        }
    }

    /// A tensor of a valid `shape` of `count` elements whose scalars `body` initialises
    /// completely: the engine's constructor, with no checks.
    @inlinable @inline(__always)
    internal init(shape: TensorShape, count: Int, initializingWith body: (UnsafeMutablePointer<Scalar>) -> Void) {
        self.storage = TensorStorage(shape: shape, count: count) { body($0.baseAddress!) }
    }

    /// A tensor of the given shape with every element equal to `value`.
    @inlinable
    public init(repeating value: Scalar, shape: TensorShape) {
        let count = Shapes.requireElementCount(shape, op: "Tensor")
        self.storage = TensorStorage(shape: shape, repeating: value, count: count)
    }

    /// A tensor of zeros.
    @inlinable
    public static func zeros(_ shape: TensorShape) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A tensor of ones.
    @inlinable
    public static func ones(_ shape: TensorShape) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// The n × n identity matrix.
    @inlinable
    public static func identity(_ n: Int) -> Tensor {
        var t = zeros([n, n])
        for i in 0..<n { t.storage[i * n + i] = 1 }
        return t
    }

    /// The number of axes.
    @inlinable public var rank: Int { storage.rank }
    /// The number of elements.
    @inlinable public var count: Int { storage.count }
    /// Whether the tensor holds exactly one element (any rank).
    @inlinable public var isScalar: Bool { storage.count == 1 }

    /// The single element of a one-element tensor.
    @inlinable
    public var scalar: Scalar {
        require(
            storage.count == 1, "Tensor.scalar: shape \(Shapes.format(shape)) is not one element")
        return storage[0]
    }

    /// The element at a full index.
    @inlinable
    public subscript(indices: Int...) -> Scalar {
        get { storage[offset(of: indices)] }
        set { storage[offset(of: indices)] = newValue }
    }

    @inlinable
    internal func offset(of indices: [Int]) -> Int {
        require(
            indices.count == shape.count,
            "Tensor subscript: \(indices.count) indices for shape \(Shapes.format(shape))")
        var offset = 0
        for (i, d) in zip(indices, shape) {
            require(
                i >= 0 && i < d,
                "Tensor subscript: index \(indices) out of range for shape \(Shapes.format(shape))")
            offset = offset * d + i
        }
        return offset
    }

    /// The same scalars under another shape with the same number of elements (no copy: the
    /// result shares them until one of the two is written).
    ///
    /// - Precondition: the element counts agree.
    @inlinable
    public consuming func reshaped(to newShape: TensorShape) -> Tensor {
        let newCount = Shapes.requireElementCount(newShape, op: "reshape")
        require(
            newCount == count,
            "reshape: \(Shapes.format(shape)) → \(Shapes.format(newShape)): "
                + "\(count) and \(newCount) elements differ")
        storage.reshape(to: newShape)
        return self
    }

    /// Calls `body` with the scalars as a buffer.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R)
        rethrows -> R
    {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the scalars as a mutable buffer (copying shared storage first).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// The tensor converted to another scalar type.
    @inlinable
    public func converted<Other: TensorScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(shape: shape, scalars: storage.map { Other($0) })
    }
}

extension Tensor: Equatable {}
extension Tensor: Hashable where Scalar: Hashable {}
extension Tensor: Codable {
    @usableFromInline internal enum CodingKeys: String, CodingKey {
        case dimensions, storage
    }

    /// Decodes a tensor, checking that the shape has no negative size and that the scalars
    /// fill it exactly (a `DecodingError.dataCorrupted` naming both otherwise).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let shape = try container.decode(TensorShape.self, forKey: .dimensions)
        let scalars = try container.decode([Scalar].self, forKey: .storage)
        if let message = Shapes.invalidContents(shape: shape, scalarCount: scalars.count) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: message))
        }
        self.storage = TensorStorage(shape: shape, scalars)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(shape, forKey: .dimensions)
        try container.encode(storage.array, forKey: .storage)
    }
}

extension Tensor: ExpressibleByArrayLiteral {
    /// Creates a tensor from nested array literals; every level must be rectangular.
    ///
    /// ```swift
    /// let m: Tensor<Float> = [[1, 2], [3, 4]]   // shape [2, 2]
    /// ```
    /// A bare number is not a tensor literal (so `tensor * 2` means scaling); write
    /// `Tensor(2)` for a rank-0 tensor.
    @inlinable
    public init(arrayLiteral elements: TensorLiteral<Scalar>...) {
        let literal = TensorLiteral(arrayLiteral: elements)
        self.init(shape: literal.shape, scalars: literal.scalars)
    }
}

/// One level of a nested tensor literal: a number or an array of levels.
public struct TensorLiteral<Scalar: TensorScalar>: ExpressibleByArrayLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral
{
    @usableFromInline let shape: TensorShape
    @usableFromInline let scalars: [Scalar]

    @inlinable public init(integerLiteral value: Int) {
        shape = []
        scalars = [Scalar(value)]
    }

    @inlinable public init(floatLiteral value: Double) {
        shape = []
        scalars = [Scalar(value)]
    }

    @inlinable public init(arrayLiteral elements: TensorLiteral...) {
        self.init(arrayLiteral: elements)
    }

    @inlinable init(arrayLiteral elements: [TensorLiteral]) {
        guard let first = elements.first else {
            shape = [0]
            scalars = []
            return
        }
        require(
            elements.allSatisfy { $0.shape == first.shape },
            "Tensor literal: elements have different shapes "
                + "\(elements.map { Shapes.format($0.shape) })")
        shape = [elements.count] + first.shape
        scalars = elements.flatMap(\.scalars)
    }
}

extension Tensor: CustomStringConvertible {
    /// The elements nested by axis, like `[[1.0, 2.0], [3.0, 4.0]]`.
    ///
    /// Abbreviated as NumPy prints arrays: a tensor of more than 1,000 elements shows only
    /// the first and last 3 entries of every axis longer than 6, with `...` between them,
    /// so printing a `[300, 64]` tensor gives a few lines, not 100,000 characters. Smaller
    /// tensors print every element.
    public var description: String {
        let abbreviated = storage.count > 1000
        func render(_ axis: Int, _ offset: Int) -> String {
            if axis == shape.count { return "\(storage[offset])" }
            let stride = shape[(axis + 1)...].reduce(1, *)
            let n = shape[axis]
            let item = { (i: Int) in render(axis + 1, offset + i * stride) }
            let items = abbreviated && n > 6
                ? (0..<3).map(item) + ["..."] + ((n - 3)..<n).map(item)
                : (0..<n).map(item)
            return "[" + items.joined(separator: ", ") + "]"
        }
        return storage.isEmpty ? "[]" : render(0, 0)
    }
}
