// The heap storage behind a tensor: one object holding the element count and the scalars,
// shared between copies until one of them writes (copy-on-write).
//
// Why not `[Scalar]`: creating an array of a generic element goes through the standard
// library's unspecialised `_ContiguousArrayBuffer(_uninitializedCount:)`, which looks up
// `_ContiguousArrayStorage<Scalar>`'s metadata in a global table on every allocation, and
// freeing one goes through a generic `swift_arrayDestroy`. Together that was about a fifth
// of a small training step (Iris, 4-5-3) in `perf`; a `ManagedBuffer` subclass specialised
// in this module allocates with a cached metadata pointer and frees without the walk.

/// The header of a ``TensorBuffer``: the element count, padded to 16 bytes so that the
/// scalars start 32 bytes into the object, 16-byte aligned like an array's (with an 8-byte
/// header they were only 8-byte aligned, and vector loads in element-wise loops split
/// across cache lines more often: the digits epoch ran about 4 % slower).
@usableFromInline
internal struct TensorBufferHeader {
    @usableFromInline var count: Int
    @usableFromInline var padding = 0
    @inlinable init(count: Int) { self.count = count }
}

/// The object that owns a tensor's scalars: the count in the header, the scalars after it.
@usableFromInline
internal final class TensorBuffer<Scalar: TensorScalar>: ManagedBuffer<TensorBufferHeader, Scalar> {
    /// A buffer of `count` scalars, not yet initialised.
    @inlinable
    static func make(count: Int) -> TensorBuffer {
        let buffer = create(minimumCapacity: count) { _ in TensorBufferHeader(count: count) }
        return unsafeDowncast(buffer, to: TensorBuffer.self)
    }
}

/// Copy-on-write scalars for ``Tensor``: the subset of `Array`'s interface the library uses.
@usableFromInline
internal struct TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    // @unchecked: the buffer is only written through `withUnsafeMutableBufferPointer` or the
    // subscript, which copy it first unless this value holds the only reference.
    @usableFromInline internal var buffer: TensorBuffer<Scalar>

    /// Storage for `count` scalars that `body` must initialise completely.
    @inlinable
    init(count: Int, initializingWith body: (UnsafeMutableBufferPointer<Scalar>) throws -> Void)
        rethrows
    {
        buffer = TensorBuffer.make(count: count)
        try buffer.withUnsafeMutablePointerToElements { base in
            try body(UnsafeMutableBufferPointer(start: base, count: count))
        }
    }

    @inlinable
    init(repeating value: Scalar, count: Int) {
        self.init(count: count) { $0.initialize(repeating: value) }
    }

    @inlinable
    init<C: Collection>(_ scalars: C) where C.Element == Scalar {
        let count = scalars.count
        self.init(count: count) { buffer in
            var (rest, written) = buffer.initialize(from: scalars)
            precondition(written == count && rest.next() == nil, "TensorStorage: count changed")
        }
    }

    /// Read through the header pointer: the `header` property of a class is checked for
    /// exclusive access at run time on every read.
    @inlinable var count: Int { buffer.withUnsafeMutablePointerToHeader { $0.pointee.count } }
    @inlinable var isEmpty: Bool { count == 0 }

    /// The scalars as an array (a copy).
    @inlinable var array: [Scalar] { withUnsafeBufferPointer { Array($0) } }

    @inlinable
    subscript(index: Int) -> Scalar {
        get {
            precondition(index >= 0 && index < count, "Tensor: index out of range")
            return buffer.withUnsafeMutablePointerToElements { $0[index] }
        }
        set {
            precondition(index >= 0 && index < count, "Tensor: index out of range")
            makeUnique()
            buffer.withUnsafeMutablePointerToElements { $0[index] = newValue }
        }
    }

    @inlinable
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows
        -> R
    {
        try buffer.withUnsafeMutablePointerToElements { base in
            try body(UnsafeBufferPointer(start: base, count: count))
        }
    }

    @inlinable
    mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        makeUnique()
        let count = self.count
        return try buffer.withUnsafeMutablePointerToElements { base in
            var scalars = UnsafeMutableBufferPointer(start: base, count: count)
            defer {
                precondition(
                    scalars.baseAddress == base && scalars.count == count,
                    "Tensor.withUnsafeMutableBufferPointer: the buffer was replaced")
            }
            return try body(&scalars)
        }
    }

    /// Copies the scalars into a buffer of their own if another tensor shares them.
    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&buffer) {
            let source = buffer
            self = TensorStorage(count: count) { target in
                _ = source.withUnsafeMutablePointerToElements { base in
                    target.initialize(from: UnsafeBufferPointer(start: base, count: target.count))
                }
            }
        }
    }

    @inlinable
    func map<T>(_ transform: (Scalar) throws -> T) rethrows -> [T] {
        try withUnsafeBufferPointer { try $0.map(transform) }
    }
}

extension TensorStorage: Equatable {
    @inlinable
    static func == (lhs: TensorStorage, rhs: TensorStorage) -> Bool {
        if lhs.buffer === rhs.buffer { return true }
        return lhs.withUnsafeBufferPointer { a in
            rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) }
        }
    }
}

extension TensorStorage: Hashable where Scalar: Hashable {
    @inlinable
    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        withUnsafeBufferPointer { for x in $0 { hasher.combine(x) } }
    }
}
