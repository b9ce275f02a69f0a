import CBackpropKernels

// The heap storage behind a tensor: one object holding the shape, the element count and the
// scalars, shared between copies until one of them writes (copy-on-write).
//
// Why the shape lives in the object: a tensor is then a single reference, so copying one
// (which the engine does for every value, gradient and operand) is one reference-count
// operation instead of two, and making one allocates no array for its shape. In a small
// training step, where tensors are tiny, reference counting is much of the cost.
//
// Why not `[Scalar]`: creating an array of a generic element goes through the standard
// library's unspecialised `_ContiguousArrayBuffer(_uninitializedCount:)`, which looks up
// `_ContiguousArrayStorage<Scalar>`'s metadata in a global table on every allocation, and
// freeing one goes through a generic `swift_arrayDestroy`, both on every tensor an op
// makes; a `ManagedBuffer` subclass specialised in this module allocates with a cached
// metadata pointer and frees without the walk.

/// The header of a ``TensorBuffer``: the shape, the element count and where the scalars are.
///
/// Small tensors keep their scalars in the object, right after this header (16-byte
/// aligned, as the kernels' vector loads are slower on scalars with only 8-byte
/// alignment). Large ones (at least `BP_LARGE_BUFFER_BYTES`) keep them in a 64-byte aligned
/// block from the C target's per-thread cache, which stops the C library from handing the
/// memory back to the system between steps (see CBackpropBuffers.h). A reshaped copy of a
/// shared tensor is a view: its own header, pointing at the scalars of the buffer it keeps
/// alive in `owner`.
@usableFromInline
internal struct TensorBufferHeader<Scalar> {
    @usableFromInline var shape: TensorShape
    @usableFromInline var count: Int
    /// The scalars when they do not follow the header (large tensors and views).
    @usableFromInline var outOfLine: UnsafeMutablePointer<Scalar>?
    /// For a view, the buffer that owns the scalars (a strong reference, released by the
    /// view's deinit; unmanaged so the header stays plain data that is copied and destroyed
    /// without reference counting).
    @usableFromInline var owner: Unmanaged<AnyObject>?
    @inlinable
    init(
        shape: TensorShape, count: Int, outOfLine: UnsafeMutablePointer<Scalar>?,
        owner: Unmanaged<AnyObject>?
    ) {
        (self.shape, self.count, self.outOfLine, self.owner) = (shape, count, outOfLine, owner)
    }
}

/// The object that owns a tensor's shape and scalars (small tensors: the scalars follow the
/// header). It has no deinit of its own: freeing one runs no generic code beyond
/// `ManagedBuffer`'s, which mattered for the ten small tensors a per-sample step frees.
@usableFromInline
internal class TensorBuffer<Scalar: TensorScalar>:
    ManagedBuffer<TensorBufferHeader<Scalar>, Scalar>
{
    /// A buffer of `count` scalars under `shape`, not yet initialised.
    ///
    /// - Precondition: the byte count fits in `Int`; otherwise the program stops with the shape
    ///   and the bytes it needs (a valid element count can still need too many bytes: 2⁶²
    ///   Doubles are 2⁶⁵ bytes).
    @inlinable @inline(__always)
    static func make(shape: TensorShape, count: Int) -> TensorBuffer {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Scalar>.stride)
        if _slowPath(overflow) { tooManyBytes(shape: shape, count: count) }
        let buffer =
            bytes < BP_LARGE_BUFFER_BYTES
            ? create(minimumCapacity: count) { _ in
                TensorBufferHeader(shape: shape, count: count, outOfLine: nil, owner: nil)
            }
            : makeLarge(shape: shape, count: count, bytes: bytes)
        return unsafeDowncast(buffer, to: TensorBuffer.self)
    }

    /// Stops with the message of ``Shapes/byteCount(count:scalarStride:shape:op:)``: out of
    /// line, so the allocation path stays small.
    @usableFromInline @inline(never)
    static func tooManyBytes(shape: TensorShape, count: Int) -> Never {
        let stride = MemoryLayout<Scalar>.stride
        switch Shapes.byteCount(count: count, scalarStride: stride, shape: shape, op: "Tensor") {
        case .failure(let mismatch): misuseFailure(mismatch.description)
        case .success(let bytes): misuseFailure("Tensor: \(bytes) bytes for shape \(Shapes.format(shape))")
        }
    }

    @usableFromInline
    static func makeLarge(shape: TensorShape, count: Int, bytes: Int)
        -> ManagedBuffer<TensorBufferHeader<Scalar>, Scalar>
    {
        guard let block = bp_buffer_allocate(bytes) else {
            fatalError("Tensor: out of memory for \(count) scalars (\(bytes) bytes)")
        }
        let scalars = block.bindMemory(to: Scalar.self, capacity: count)
        return OutOfLineTensorBuffer<Scalar>.create(minimumCapacity: 0) { _ in
            TensorBufferHeader(shape: shape, count: count, outOfLine: scalars, owner: nil)
        }
    }

    /// A view of `source`'s scalars under another shape with the same element count.
    @usableFromInline
    static func makeView(of source: TensorBuffer, shape: TensorShape) -> TensorBuffer {
        let (scalars, count, owner) = source.withUnsafeMutablePointers { header, elements in
            (header.pointee.outOfLine ?? elements, header.pointee.count,
             header.pointee.owner ?? Unmanaged.passUnretained(source as AnyObject))
        }
        _ = owner.retain()
        let view = OutOfLineTensorBuffer<Scalar>.create(minimumCapacity: 0) { _ in
            TensorBufferHeader(shape: shape, count: count, outOfLine: scalars, owner: owner)
        }
        return unsafeDowncast(view, to: TensorBuffer.self)
    }

    /// Calls `body` with the address of the scalars, valid during the call.
    @inlinable
    final func withScalars<R>(_ body: (UnsafeMutablePointer<Scalar>) throws -> R) rethrows -> R {
        try withUnsafeMutablePointers { header, elements in
            try body(header.pointee.outOfLine ?? elements)
        }
    }
}

/// A buffer whose scalars live elsewhere: a large tensor's block from the per-thread cache,
/// or, for a view, the scalars of the buffer it keeps alive in `owner`.
@usableFromInline
internal final class OutOfLineTensorBuffer<Scalar: TensorScalar>: TensorBuffer<Scalar> {
    deinit {
        withUnsafeMutablePointerToHeader { header in
            if let owner = header.pointee.owner {
                owner.release()
            } else if let scalars = header.pointee.outOfLine {
                bp_buffer_release(
                    UnsafeMutableRawPointer(scalars), header.pointee.count * MemoryLayout<Scalar>.stride)
            }
        }
    }
}

/// Copy-on-write shape and scalars for ``Tensor``.
@usableFromInline
internal struct TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    // @unchecked: the buffer is only written through `withUnsafeMutableBufferPointer`, the
    // subscript or `reshape`, which copy it first unless this value holds the only reference.
    @usableFromInline internal var buffer: TensorBuffer<Scalar>

    /// Storage for `count` scalars under `shape` that `body` must initialise completely.
    @inlinable
    init(
        shape: TensorShape, count: Int,
        initializingWith body: (UnsafeMutableBufferPointer<Scalar>) throws -> Void
    ) rethrows {
        let made = TensorBuffer<Scalar>.make(shape: shape, count: count)
        try made.withScalars { try body(UnsafeMutableBufferPointer(start: $0, count: count)) }
        buffer = made
    }

    @inlinable
    init(shape: TensorShape, repeating value: Scalar, count: Int) {
        self.init(shape: shape, count: count) { $0.initialize(repeating: value) }
    }

    @inlinable
    init<C: Collection>(shape: TensorShape, _ scalars: C) where C.Element == Scalar {
        let count = scalars.count
        self.init(shape: shape, count: count) { buffer in
            var (rest, written) = buffer.initialize(from: scalars)
            require(written == count && rest.next() == nil, "TensorStorage: count changed")
        }
    }

    /// Read through the header pointer: the `header` property of a class is checked for
    /// exclusive access at run time on every read.
    @inlinable var count: Int { buffer.withUnsafeMutablePointerToHeader { $0.pointee.count } }
    @inlinable var isEmpty: Bool { count == 0 }
    @inlinable var shape: TensorShape {
        buffer.withUnsafeMutablePointerToHeader { $0.pointee.shape }
    }
    /// The size along `axis` and the rank, read without copying the whole shape.
    @inlinable func size(_ axis: Int) -> Int {
        buffer.withUnsafeMutablePointerToHeader { $0.pointee.shape[axis] }
    }
    @inlinable var rank: Int {
        buffer.withUnsafeMutablePointerToHeader { $0.pointee.shape.count }
    }
    /// Whether the shape equals `other`'s, compared in place.
    @inlinable func hasShape(of other: TensorStorage) -> Bool {
        if buffer === other.buffer { return true }
        return buffer.withUnsafeMutablePointerToHeader { a in
            other.buffer.withUnsafeMutablePointerToHeader { b in a.pointee.shape == b.pointee.shape }
        }
    }
    @inlinable func hasShape(_ shape: TensorShape) -> Bool {
        buffer.withUnsafeMutablePointerToHeader { $0.pointee.shape == shape }
    }

    /// Gives the scalars another shape (same element count, checked by the caller): in the
    /// header when this value holds the only reference, else as a view sharing them.
    @inlinable
    mutating func reshape(to newShape: TensorShape) {
        if isKnownUniquelyReferenced(&buffer) {
            buffer.withUnsafeMutablePointerToHeader { $0.pointee.shape = newShape }
        } else {
            buffer = TensorBuffer.makeView(of: buffer, shape: newShape)
        }
    }

    /// The scalars as an array (a copy).
    @inlinable var array: [Scalar] { withUnsafeBufferPointer { Array($0) } }

    @inlinable
    subscript(index: Int) -> Scalar {
        get {
            require(index >= 0 && index < count, "Tensor: index out of range")
            return buffer.withScalars { $0[index] }
        }
        set {
            require(index >= 0 && index < count, "Tensor: index out of range")
            makeUnique()
            buffer.withScalars { $0[index] = newValue }
        }
    }

    @inlinable
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows
        -> R
    {
        try buffer.withUnsafeMutablePointers { header, elements in
            try body(UnsafeBufferPointer(start: header.pointee.outOfLine ?? elements, count: header.pointee.count))
        }
    }

    @inlinable
    mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        makeUnique()
        let count = self.count
        return try buffer.withScalars { base in
            var scalars = UnsafeMutableBufferPointer(start: base, count: count)
            defer {
                require(
                    scalars.baseAddress == base && scalars.count == count,
                    "Tensor.withUnsafeMutableBufferPointer: the buffer was replaced")
            }
            return try body(&scalars)
        }
    }

    /// Copies the scalars into a buffer of their own if another tensor shares them (or this
    /// is a view of another tensor's scalars).
    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&buffer) || isView {
            let source = self
            self = TensorStorage(shape: shape, count: count) { target in
                source.withUnsafeBufferPointer { _ = target.initialize(from: $0) }
            }
        }
    }

    @inlinable var isView: Bool {
        buffer.withUnsafeMutablePointerToHeader { $0.pointee.owner != nil }
    }

    @inlinable
    func map<T>(_ transform: (Scalar) throws -> T) rethrows -> [T] {
        try withUnsafeBufferPointer { try $0.map(transform) }
    }
}

extension TensorStorage: Equatable {
    /// Equal shapes and equal scalars.
    @inlinable
    static func == (lhs: TensorStorage, rhs: TensorStorage) -> Bool {
        if lhs.buffer === rhs.buffer { return true }
        guard lhs.hasShape(of: rhs) else { return false }
        return lhs.withUnsafeBufferPointer { a in
            rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) }
        }
    }
}

extension TensorStorage: Hashable where Scalar: Hashable {
    @inlinable
    func hash(into hasher: inout Hasher) {
        hasher.combine(shape)
        withUnsafeBufferPointer { for x in $0 { hasher.combine(x) } }
    }
}

/// A tensor's shape and scalars read in place, without retaining its buffer.
///
/// For the engine's hot paths only: reading a tensor out of a class (a variable's value, a
/// node's input) copies it, which retains and later releases its buffer, and a small
/// training step did over a hundred of those atomic operations. A borrowed view costs none,
/// but it is valid only while something else keeps that tensor alive and unchanged (the
/// variable it was read from, which the caller holds and does not write meanwhile). Never
/// store one.
@usableFromInline
internal struct BorrowedTensor<Scalar: TensorScalar> {
    @usableFromInline let header: UnsafeMutablePointer<TensorBufferHeader<Scalar>>
    @usableFromInline let scalars: UnsafeMutablePointer<Scalar>

    @inlinable @inline(__always)
    init(_ buffer: TensorBuffer<Scalar>) {
        (header, scalars) = buffer.withUnsafeMutablePointers { header, elements in
            (header, header.pointee.outOfLine ?? elements)
        }
    }

    @inlinable var shape: TensorShape { header.pointee.shape }
    @inlinable var count: Int { header.pointee.count }
    @inlinable var rank: Int { header.pointee.shape.count }
    @inlinable func size(_ axis: Int) -> Int { header.pointee.shape[axis] }
    @inlinable var buffer: UnsafeBufferPointer<Scalar> {
        UnsafeBufferPointer(start: scalars, count: header.pointee.count)
    }
}

extension Tensor {
    /// This tensor's shape and scalars without a retain: see ``BorrowedTensor``. The caller
    /// must keep this tensor (or the variable holding it) alive and unchanged while it uses
    /// the view.
    @inlinable @inline(__always)
    internal var borrowed: BorrowedTensor<Scalar> {
        Unmanaged.passUnretained(storage.buffer)._withUnsafeGuaranteedRef { BorrowedTensor($0) }
    }
}
