/// The shape arithmetic behind the ops, with the messages their preconditions print.
///
/// Every function returns either the result shape or a message that names the op and the
/// shapes, so the ops can `precondition` on it and tests can call it directly.
///
/// ```swift
/// Shapes.matmul([3, 4], [5, 2], op: "matmul")
/// // .failure("matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ")
/// ```
public enum Shapes {
    /// A shape error: the message names the op and the shapes involved.
    public struct Mismatch: Error, Equatable, CustomStringConvertible, Sendable {
        /// The full message, for example `add: [2, 3] + [4]: sizes 3 and 4 do not broadcast`.
        public let description: String
        @inlinable public init(_ description: String) { self.description = description }
    }

    /// Formats a shape as `[2, 3]`.
    @inlinable
    public static func format(_ shape: some Sequence<Int>) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// The number of elements of a shape (1 for rank 0).
    @inlinable
    public static func count(_ shape: some Sequence<Int>) -> Int {
        var n = 1
        for d in shape { n &*= d }
        return n
    }

    /// The NumPy broadcast of two shapes: aligned at the trailing axis, each pair of sizes
    /// equal or one of them 1.
    ///
    /// ```swift
    /// Shapes.broadcast([32, 5], [5], op: "add")   // .success([32, 5])
    /// ```
    @inlinable
    public static func broadcast(_ a: TensorShape, _ b: TensorShape, op: String, symbol: String = ",")
        -> Result<TensorShape, Mismatch>
    {
        if a == b { return .success(a) }
        let rank = Swift.max(a.count, b.count)
        var result = TensorShape(repeatElement(1, count: rank))
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 {
                result[i] = da
            } else if da == 1 {
                result[i] = db
            } else {
                return .failure(
                    Mismatch(
                        "\(op): \(format(a)) \(symbol) \(format(b)): sizes \(da) and \(db) "
                            + "do not broadcast (axis \(i) of the result)"))
            }
        }
        return .success(result)
    }

    /// The shape of a 2-D matrix product `[m, k] × [k, n] → [m, n]`.
    @inlinable
    public static func matmul(_ a: TensorShape, _ b: TensorShape, op: String = "matmul")
        -> Result<TensorShape, Mismatch>
    {
        guard a.count == 2, b.count == 2 else {
            return .failure(
                Mismatch("\(op): \(format(a)) × \(format(b)): both operands must be 2-D"))
        }
        guard a[1] == b[0] else {
            return .failure(
                Mismatch(
                    "\(op): \(format(a)) × \(format(b)): inner sizes \(a[1]) and \(b[0]) differ"))
        }
        return .success(TensorShape(a[0], b[1]))
    }

    /// Checks that an axis is valid for a shape; negative axes count from the end.
    @inlinable
    public static func normalizedAxis(_ axis: Int, rank: Int, op: String)
        -> Result<Int, Mismatch>
    {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else {
            return .failure(Mismatch("\(op): axis \(axis) is out of range for rank \(rank)"))
        }
        return .success(a)
    }

    /// The shape after reducing `axis` (kept as size 1 when `keepingDimension`).
    @inlinable
    public static func reduced(_ shape: TensorShape, axis: Int, keepingDimension: Bool) -> TensorShape {
        var s = shape
        if keepingDimension { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }

    /// Checks that `axes` is a permutation of the axes of `shape`.
    ///
    /// ```swift
    /// Shapes.permutation([2, 3], [0, 0], op: "permute")
    /// // .failure("permute: [0, 0] is not a permutation of the axes of [2, 3]")
    /// ```
    @inlinable
    public static func permutation(_ shape: TensorShape, _ axes: [Int], op: String)
        -> Result<TensorShape, Mismatch>
    {
        guard axes.sorted() == Array(0..<shape.count) else {
            return .failure(
                Mismatch("\(op): \(format(axes)) is not a permutation of the axes of \(format(shape))"))
        }
        return .success(TensorShape(axes.map { shape[$0] }))
    }

    /// The shape of a slice `range` along an (already normalised) axis.
    @inlinable
    public static func sliced(_ shape: TensorShape, axis: Int, range: Range<Int>, op: String)
        -> Result<TensorShape, Mismatch>
    {
        guard range.lowerBound >= 0, range.upperBound <= shape[axis] else {
            return .failure(
                Mismatch(
                    "\(op): range \(range.lowerBound)..<\(range.upperBound) is out of bounds "
                        + "for axis \(axis) of \(format(shape))"))
        }
        var s = shape
        s[axis] = range.count
        return .success(s)
    }

    /// The shape of shapes joined along `axis`: equal ranks, equal sizes off the axis.
    ///
    /// ```swift
    /// Shapes.concatenated([[2, 3], [4, 3]], axis: 0, op: "concatenate")   // .success([6, 3])
    /// ```
    @inlinable
    public static func concatenated(_ shapes: [TensorShape], axis: Int, op: String)
        -> Result<TensorShape, Mismatch>
    {
        guard let first = shapes.first else {
            return .failure(Mismatch("\(op): no tensors to join"))
        }
        let requested = axis
        let axis: Int
        switch normalizedAxis(requested, rank: first.count, op: op) {
        case .success(let a): axis = a
        case .failure(let error): return .failure(error)
        }
        var result = first
        result[axis] = 0
        for s in shapes {
            var a = s, b = first
            if s.count == first.count { a[axis] = 0; b[axis] = 0 }
            guard a == b else {
                return .failure(
                    Mismatch(
                        "\(op): \(shapes.map(format).joined(separator: ", ")): sizes differ "
                            + "off axis \(axis)"))
            }
            result[axis] += s[axis]
        }
        return .success(result)
    }

    /// The shape of one row when gathering rows `indices` of `shape`.
    @inlinable
    public static func rowGather(_ shape: TensorShape, _ indices: [Int], op: String)
        -> Result<TensorShape, Mismatch>
    {
        guard let rows = shape.first else {
            return .failure(Mismatch("\(op): a rank-0 tensor has no rows"))
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= rows }) {
            return .failure(
                Mismatch("\(op): row \(bad) is out of range 0..<\(rows) for \(format(shape))"))
        }
        return .success(TensorShape(shape.dropFirst()))
    }

    /// The shape of a batched matrix product `[b, m, k] × [b, k, n] → [b, m, n]` (operands
    /// given after any transposition of their last two axes).
    @inlinable
    public static func batchedMatmul(_ a: TensorShape, _ b: TensorShape, op: String = "matmul")
        -> Result<TensorShape, Mismatch>
    {
        guard a.count == 3, b.count == 3, a[0] == b[0] else {
            return .failure(
                Mismatch(
                    "\(op): \(format(a)) × \(format(b)): batched operands must be 3-D with "
                        + "equal batch sizes"))
        }
        guard a[2] == b[1] else {
            return .failure(
                Mismatch(
                    "\(op): \(format(a)) × \(format(b)): inner sizes \(a[2]) and \(b[1]) differ"))
        }
        return .success([a[0], a[1], b[2]])
    }

    /// Checks what a pullback returned: one gradient (or `nil`) per input, each of its
    /// input's shape (`nil` for an input that needs none). `op` leads the message: the
    /// reverse sweep passes `backward: op 'name'`, plus where the op was created under
    /// anomaly detection.
    ///
    /// ```swift
    /// Shapes.pullback([[3]], inputs: [[2, 3]], op: "backward: op 'softsign'")
    /// // .failure("backward: op 'softsign' returned a gradient of shape [3] for input 0 of shape [2, 3]")
    /// ```
    @inlinable
    public static func pullback(_ gradients: [TensorShape?], inputs: [TensorShape], op: String)
        -> Result<Void, Mismatch>
    {
        guard gradients.count == inputs.count else {
            return .failure(
                Mismatch(
                    "\(op) returned \(gradients.count) gradients for \(inputs.count) "
                        + "inputs (return nil for an input that needs none)"))
        }
        for (i, (g, x)) in zip(gradients, inputs).enumerated() {
            if let g, g != x {
                return .failure(
                    Mismatch(
                        "\(op) returned a gradient of shape \(format(g)) for input \(i) "
                            + "of shape \(format(x))"))
            }
        }
        return .success(())
    }

    /// Stops with the message of ``same(_:_:op:symbol:)`` unless the shapes are equal: the
    /// check for hot paths, which builds nothing when they are.
    @inlinable
    public static func requireSame(
        _ a: TensorShape, _ b: TensorShape, op: String, symbol: String = ",",
        file: StaticString = #fileID, line: UInt = #line
    ) {
        if a != b { _ = same(a, b, op: op, symbol: symbol).orFail(file: file, line: line) }
    }

    /// Checks that two shapes are equal, for ops that do not broadcast.
    @inlinable
    public static func same(_ a: TensorShape, _ b: TensorShape, op: String, symbol: String = ",")
        -> Result<TensorShape, Mismatch>
    {
        a == b
            ? .success(a)
            : .failure(
                Mismatch("\(op): \(format(a)) \(symbol) \(format(b)): shapes differ"))
    }
}

extension Shapes {
    /// The number of elements of a shape that a tensor can have: no negative size, and the
    /// product of the nonzero sizes fits in `Int` (see ``TensorShape/validElementCount``: a
    /// size of 0 does not excuse huge other sizes, whatever the order of the axes).
    ///
    /// ```swift
    /// Shapes.elementCount([2, -3], op: "zeros")
    /// // .failure("zeros: negative size in shape [2, -3]")
    /// Shapes.elementCount([0, Int.max, 2], op: "zeros")
    /// // .failure("zeros: shape [0, 9223372036854775807, 2] has too many elements
    /// //           (its nonzero sizes multiply past Int.max)")
    /// ```
    @inlinable
    public static func elementCount(_ shape: TensorShape, op: String) -> Result<Int, Mismatch> {
        if let count = shape.validElementCount { return .success(count) }
        if shape.contains(where: { $0 < 0 }) {
            return .failure(Mismatch("\(op): negative size in shape \(format(shape))"))
        }
        let empty = shape.contains(0)
        return .failure(
            Mismatch(
                "\(op): shape \(format(shape)) has too many elements"
                    + (empty ? " (its nonzero sizes multiply past Int.max)" : "")))
    }

    /// The bytes of `count` scalars of `scalarStride` bytes each for a tensor of `shape`, or a
    /// message when they do not fit in `Int` (the most one allocation can ask for), with the
    /// exact figure.
    ///
    /// ```swift
    /// Shapes.byteCount(count: 1 << 62, scalarStride: 8, shape: [1 << 62], op: "Tensor")
    /// // .failure("Tensor: shape [4611686018427387904] needs 36893488147419103232 bytes
    /// //           (8 per scalar), more than the 9223372036854775807 one allocation can hold")
    /// ```
    @inlinable
    public static func byteCount(count: Int, scalarStride: Int, shape: TensorShape, op: String)
        -> Result<Int, Mismatch>
    {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: scalarStride)
        if !overflow { return .success(bytes) }
        return .failure(
            Mismatch(
                "\(op): shape \(format(shape)) needs \(decimalProduct(count, scalarStride)) bytes "
                    + "(\(scalarStride) per scalar), more than the \(Int.max) one allocation can hold"))
    }

    /// a · b for non-negative a and b, exactly, in decimal (the product may not fit in `Int`).
    @usableFromInline
    internal static func decimalProduct(_ a: Int, _ b: Int) -> String {
        var (high, low) = UInt(a).multipliedFullWidth(by: UInt(b))
        var digits: [Character] = []
        repeat {
            // Long division of the 128-bit (high, low) by 10, one digit per round.
            let (quotientHigh, remainderHigh) = high.quotientAndRemainder(dividingBy: 10)
            let (quotientLow, digit) = UInt(10).dividingFullWidth((high: remainderHigh, low: low))
            digits.append(Character(String(digit)))
            (high, low) = (quotientHigh, quotientLow)
        } while high != 0 || low != 0
        return String(digits.reversed())
    }

    /// Why `scalarCount` scalars cannot make a tensor of `shape` (see
    /// ``elementCount(_:op:)``, or a scalar count that does not fill it), or `nil` when they
    /// can.
    ///
    /// ```swift
    /// Shapes.invalidContents(shape: [2, 2], scalarCount: 3)
    /// // "Tensor: 3 scalars do not fill shape [2, 2]"
    /// ```
    @inlinable
    public static func invalidContents(shape: TensorShape, scalarCount: Int) -> String? {
        if shape.validElementCount == scalarCount { return nil }
        switch elementCount(shape, op: "Tensor") {
        case .failure(let mismatch): return mismatch.description
        case .success(let total) where total != scalarCount:
            return "Tensor: \(scalarCount) scalars do not fill shape \(format(shape))"
        case .success: return nil
        }
    }
}

extension Shapes {
    /// The element count of `shape`, stopping with the message of ``elementCount(_:op:)``
    /// when it has none: the check for hot paths, which builds nothing when the shape is valid.
    ///
    /// ```swift
    /// Shapes.requireElementCount([2, 3], op: "zeros")    // 6
    /// Shapes.requireElementCount([2, -3], op: "zeros")   // stops: "zeros: negative size in shape [2, -3]"
    /// ```
    @inlinable
    public static func requireElementCount(_ shape: TensorShape, op: String) -> Int {
        if let count = shape.validElementCount { return count }
        return elementCount(shape, op: op).orFail()
    }
}

extension Result where Failure == Shapes.Mismatch {
    /// The success value, or a stop (``misuseFailure(_:file:line:)``) with the mismatch's message.
    @inlinable
    public func orFail(file: StaticString = #fileID, line: UInt = #line) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let error): misuseFailure(error.description, file: file, line: line)
        }
    }
}
