// The shape of a tensor, stored inline: copying a tensor copies its shape with the struct
// and touches no reference count, and making a tensor allocates no array for its shape.

/// The size along each axis of a tensor, up to ``maxRank`` axes, stored inline (no heap
/// allocation).
///
/// It behaves like `[Int]`: an array literal makes one, it is a mutable, range-replaceable
/// random-access collection, `==` compares it with another shape or a literal, and it
/// prints and encodes as an array.
///
/// ```swift
/// var s: TensorShape = [32, 5]
/// s.count                 // 2 (the rank)
/// s[1]                    // 5
/// s.append(2)             // [32, 5, 2]
/// s.elementCount          // 320
/// TensorShape([4, 3]) == [4, 3]   // true
/// ```
/// - Precondition: at most ``maxRank`` axes.
@frozen
public struct TensorShape: Sendable {
    /// The most axes a shape can have (a tensor of rank 8 or less).
    public static var maxRank: Int { 8 }

    @usableFromInline internal var rank: Int
    // Sizes beyond `rank` are always 0, so equality and hashing can read all eight.
    @usableFromInline internal var sizes: (Int, Int, Int, Int, Int, Int, Int, Int)

    /// The shape of a rank-0 tensor (one element).
    @inlinable
    public init() {
        rank = 0
        sizes = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// A rank-1 shape.
    @inlinable
    public init(_ size: Int) {
        self.init()
        rank = 1
        sizes.0 = size
    }

    /// A rank-2 shape: rows, columns.
    @inlinable
    public init(_ rows: Int, _ columns: Int) {
        self.init()
        rank = 2
        sizes.0 = rows
        sizes.1 = columns
    }

    /// A shape with the given sizes.
    ///
    /// - Precondition: at most ``maxRank`` sizes.
    @inlinable
    public init<S: Sequence<Int>>(_ sizes: S) {
        self.init()
        for size in sizes { append(size) }
    }

    /// The number of elements of a tensor of this shape (1 for rank 0). Sizes are not
    /// checked here: see ``Shapes/elementCount(_:op:)``.
    @inlinable
    public var elementCount: Int {
        var n = 1
        for size in self { n &*= size }
        return n
    }

    /// The number of elements, or `nil` when a size is negative or the product of the
    /// nonzero sizes overflows `Int` (``Shapes/elementCount(_:op:)`` says which).
    ///
    /// A size of 0 makes the count 0 but does not excuse the other sizes: `[0, 2⁶², 2⁶²]` is
    /// refused like `[2⁶², 2⁶², 0]`, so the answer does not depend on the order of the axes
    /// and the strides of any valid shape (products of its sizes) fit in `Int`.
    ///
    /// ```swift
    /// TensorShape([2, 3]).validElementCount              // 6
    /// TensorShape([2, 0, Int.max]).validElementCount     // 0
    /// TensorShape([2, -3]).validElementCount             // nil
    /// TensorShape([Int.max, 2]).validElementCount        // nil
    /// TensorShape([0, Int.max, 2]).validElementCount     // nil
    /// ```
    @inlinable
    public var validElementCount: Int? {
        withUnsafeBytes(of: sizes) { raw in
            var total = 1
            for axis in 0..<rank {
                let size = raw.load(fromByteOffset: axis &* MemoryLayout<Int>.stride, as: Int.self)
                let (product, overflow) = total.multipliedReportingOverflow(by: size)
                // An overflow means the sizes so far, none of them 0, multiply past Int.max.
                if size < 0 || overflow { return nil }
                total = product
            }
            if total != 0 { return total }
            // A size of 0 stopped the running product: the other sizes must still fit. Every
            // size was checked non-negative above.
            var nonzero = 1
            for axis in 0..<rank {
                let size = raw.load(fromByteOffset: axis &* MemoryLayout<Int>.stride, as: Int.self)
                if size == 0 { continue }
                let (product, overflow) = nonzero.multipliedReportingOverflow(by: size)
                if overflow { return nil }
                nonzero = product
            }
            return 0
        }
    }

    /// The sizes as an array.
    @inlinable
    public var dimensions: [Int] { Array(self) }
}

extension TensorShape: RandomAccessCollection, MutableCollection {
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { rank }

    /// The size along `axis`.
    ///
    /// - Precondition: `0 <= axis < count`.
    @inlinable
    public subscript(axis: Int) -> Int {
        get {
            require(axis >= 0 && axis < rank, "TensorShape: axis \(axis) of rank \(rank)")
            return withUnsafeBytes(of: sizes) {
                $0.load(fromByteOffset: axis &* MemoryLayout<Int>.stride, as: Int.self)
            }
        }
        set {
            require(axis >= 0 && axis < rank, "TensorShape: axis \(axis) of rank \(rank)")
            withUnsafeMutableBytes(of: &sizes) {
                $0.storeBytes(of: newValue, toByteOffset: axis &* MemoryLayout<Int>.stride, as: Int.self)
            }
        }
    }
}

extension TensorShape: RangeReplaceableCollection {
    /// Appends one axis.
    ///
    /// - Precondition: the shape has fewer than ``maxRank`` axes.
    @inlinable
    public mutating func append(_ size: Int) {
        require(
            rank < Self.maxRank,
            "TensorShape: more than \(Self.maxRank) axes (a tensor has rank \(Self.maxRank) or less)")
        rank += 1
        self[rank - 1] = size
    }

    /// Replaces the sizes in `subrange` (every insertion and removal comes here), building
    /// the result inline: no array (reductions drop an axis on every call).
    @inlinable
    public mutating func replaceSubrange<C: Collection<Int>>(
        _ subrange: Range<Int>, with newElements: C
    ) {
        require(
            subrange.lowerBound >= 0 && subrange.upperBound <= rank,
            "TensorShape: range \(subrange) out of bounds for rank \(rank)")
        var result = TensorShape()
        for axis in 0..<subrange.lowerBound { result.append(self[axis]) }
        for size in newElements { result.append(size) }
        for axis in subrange.upperBound..<rank { result.append(self[axis]) }
        self = result
    }
}

extension TensorShape {
    /// Removes the axis at `axis` and returns its size, shifting the later ones down in
    /// place (reductions drop an axis on every call).
    ///
    /// - Precondition: `0 <= axis < count`.
    @inlinable @discardableResult
    public mutating func remove(at axis: Int) -> Int {
        let removed = self[axis]
        for i in axis..<(rank - 1) { self[i] = self[i + 1] }
        self[rank - 1] = 0  // sizes beyond the rank stay 0
        rank -= 1
        return removed
    }
}

extension TensorShape: ExpressibleByArrayLiteral {
    @inlinable
    public init(arrayLiteral sizes: Int...) {
        self.init(sizes)
    }
}

extension TensorShape: Hashable {
    @inlinable
    public static func == (a: TensorShape, b: TensorShape) -> Bool {
        a.rank == b.rank && a.sizes.0 == b.sizes.0 && a.sizes.1 == b.sizes.1
            && a.sizes.2 == b.sizes.2 && a.sizes.3 == b.sizes.3 && a.sizes.4 == b.sizes.4
            && a.sizes.5 == b.sizes.5 && a.sizes.6 == b.sizes.6 && a.sizes.7 == b.sizes.7
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(rank)
        for size in self { hasher.combine(size) }
    }
}

extension TensorShape: CustomStringConvertible, CustomDebugStringConvertible {
    /// The sizes as `[2, 3]`.
    public var description: String { dimensions.description }
    public var debugDescription: String { "TensorShape(\(description))" }
}

extension TensorShape: Codable {
    /// Decodes an array of sizes (the form ``encode(to:)`` writes).
    public init(from decoder: any Decoder) throws {
        let sizes = try [Int](from: decoder)
        guard sizes.count <= Self.maxRank else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "TensorShape: \(sizes.count) axes, more than \(Self.maxRank)"))
        }
        self.init(sizes)
    }

    /// Encodes the sizes as an array of integers.
    public func encode(to encoder: any Encoder) throws {
        try dimensions.encode(to: encoder)
    }
}
