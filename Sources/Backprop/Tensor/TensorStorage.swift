import CBackpropKernels

// The heap storage behind a tensor: one object holding the element count and the scalars,
// shared between copies until one of them writes (copy-on-write).
//
// Why not `[Scalar]`: creating an array of a generic element goes through the standard
// library's unspecialised `_ContiguousArrayBuffer(_uninitializedCount:)`, which looks up
// `_ContiguousArrayStorage<Scalar>`'s metadata in a global table on every allocation, and
// freeing one goes through a generic `swift_arrayDestroy`. Together that was about a fifth
// of a small training step (Iris, 4-5-3) in `perf`; a `ManagedBuffer` subclass specialised
// in this module allocates with a cached metadata pointer and frees without the walk.

/// The header of a ``TensorBuffer``: the element count and where the scalars are.
///
/// Small tensors keep their scalars in the object, right after this 16-byte header (so they
/// start 32 bytes in, 16-byte aligned like an array's; with an 8-byte header they were only
/// 8-byte aligned and the digits epoch ran about 4 % slower). Large ones (at least
/// `BP_LARGE_BUFFER_BYTES`) keep them in a 64-byte aligned block from the C target's
/// per-thread cache, which stops the C library from handing the memory back to the system
/// between steps (see CBackpropBuffers.h).
@usableFromInline
internal struct TensorBufferHeader<Scalar> {
    @usableFromInline var count: Int
    /// The scalars of a large tensor; `nil` when they follow the header.
    @usableFromInline var outOfLine: UnsafeMutablePointer<Scalar>?
    @inlinable init(count: Int, outOfLine: UnsafeMutablePointer<Scalar>?) {
        (self.count, self.outOfLine) = (count, outOfLine)
    }
}

/// The object that owns a tensor's scalars.
@usableFromInline
internal final class TensorBuffer<Scalar: TensorScalar>:
    ManagedBuffer<TensorBufferHeader<Scalar>, Scalar>
{
    /// A buffer of `count` scalars, not yet initialised.
    @inlinable @inline(__always)
    static func make(count: Int) -> TensorBuffer {
        let bytes = count * MemoryLayout<Scalar>.stride
        let buffer =
            bytes < BP_LARGE_BUFFER_BYTES
            ? create(minimumCapacity: count) { _ in TensorBufferHeader(count: count, outOfLine: nil) }
            : makeLarge(count: count, bytes: bytes)
        return unsafeDowncast(buffer, to: TensorBuffer.self)
    }

    @usableFromInline
    static func makeLarge(count: Int, bytes: Int) -> ManagedBuffer<TensorBufferHeader<Scalar>, Scalar> {
        guard let block = bp_buffer_allocate(bytes) else {
            fatalError("Tensor: out of memory for \(count) scalars (\(bytes) bytes)")
        }
        let scalars = block.bindMemory(to: Scalar.self, capacity: count)
        return create(minimumCapacity: 0) { _ in TensorBufferHeader(count: count, outOfLine: scalars) }
    }

    deinit {
        withUnsafeMutablePointerToHeader { header in
            if let scalars = header.pointee.outOfLine {
                bp_buffer_release(
                    UnsafeMutableRawPointer(scalars), header.pointee.count * MemoryLayout<Scalar>.stride)
            }
        }
    }

    /// Calls `body` with the address of the scalars, valid during the call.
    @inlinable
    func withScalars<R>(_ body: (UnsafeMutablePointer<Scalar>) throws -> R) rethrows -> R {
        try withUnsafeMutablePointers { header, elements in
            try body(header.pointee.outOfLine ?? elements)
        }
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
        try buffer.withScalars { try body(UnsafeMutableBufferPointer(start: $0, count: count)) }
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
            return buffer.withScalars { $0[index] }
        }
        set {
            precondition(index >= 0 && index < count, "Tensor: index out of range")
            makeUnique()
            buffer.withScalars { $0[index] = newValue }
        }
    }

    @inlinable
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows
        -> R
    {
        try buffer.withScalars { try body(UnsafeBufferPointer(start: $0, count: count)) }
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
            let source = self
            self = TensorStorage(count: count) { target in
                source.withUnsafeBufferPointer { _ = target.initialize(from: $0) }
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
