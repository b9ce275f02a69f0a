// Comparisons that produce masks, the arg-max / arg-min indices and the causal mask: plain
// tensor functions without a gradient (a mask or an index is piecewise constant, its
// derivative 0 almost everywhere), consumed by the masking ops
// (``select(where:_:_:file:line:)``, ``Variable/maskedFill(where:with:file:line:)``).
//
// A mask is a tensor of 1 (true) and 0 (false) in the element type; any non-zero element
// counts as true where a mask is read. A comparison with NaN is false (IEEE 754), except
// `.!=`, which is true.

extension Tensor {
    /// The mask of `predicate(a, b)` with NumPy broadcasting.
    @inlinable
    internal static func mask(
        _ a: Tensor, _ b: Tensor, op: String, _ predicate: (Scalar, Scalar) -> Bool
    ) -> Tensor {
        a.broadcastMap(b, op: op, symbol: op) { predicate($0, $1) ? 1 : 0 }
    }

    /// 1 where a < b, else 0 (broadcasting): `x .< 0`.
    @inlinable public static func .< (a: Tensor, b: Tensor) -> Tensor { mask(a, b, op: ".<", <) }
    /// 1 where a ≤ b, else 0 (broadcasting).
    @inlinable public static func .<= (a: Tensor, b: Tensor) -> Tensor { mask(a, b, op: ".<=", <=) }
    /// 1 where a > b, else 0 (broadcasting).
    @inlinable public static func .> (a: Tensor, b: Tensor) -> Tensor { mask(a, b, op: ".>", >) }
    /// 1 where a ≥ b, else 0 (broadcasting).
    @inlinable public static func .>= (a: Tensor, b: Tensor) -> Tensor { mask(a, b, op: ".>=", >=) }
    /// 1 where a = b, else 0 (broadcasting).
    @inlinable public static func .== (a: Tensor, b: Tensor) -> Tensor { mask(a, b, op: ".==", ==) }
    /// 1 where a ≠ b (and where either is NaN), else 0 (broadcasting).
    @inlinable public static func .!= (a: Tensor, b: Tensor) -> Tensor { mask(a, b, op: ".!=", !=) }
    /// 1 where an element is below `b`, else 0.
    @inlinable public static func .< (a: Tensor, b: Scalar) -> Tensor { a .< Tensor(b) }
    /// 1 where an element is above `b`, else 0.
    @inlinable public static func .> (a: Tensor, b: Scalar) -> Tensor { a .> Tensor(b) }
    /// 1 where an element equals `b`, else 0.
    @inlinable public static func .== (a: Tensor, b: Scalar) -> Tensor { a .== Tensor(b) }

    /// The logical negation of a mask: 1 where it is 0, else 0.
    @inlinable
    public func maskComplement() -> Tensor { map { $0 == 0 ? 1 : 0 } }

    /// The index of the largest element along `axis` (negative counts from the end) of each
    /// lane, in the row-major order of the reduced shape (`[batch, classes]` along −1: one
    /// index per row). Ties go to the first; a lane holding a NaN gives the first NaN's index
    /// (so a divergence is not hidden behind a valid-looking class).
    ///
    /// ```swift
    /// Tensor<Double>([[1, 3, 2], [5, 0, 5]]).argmax(alongAxis: -1)   // [1, 0]
    /// ```
    /// - Precondition: the axis is valid and not empty.
    @inlinable
    public func argmax(alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> [Int] {
        argBest(alongAxis: axis, op: "argmax", file: file, line: line, >)
    }

    /// The index of the smallest element along `axis` of each lane (see
    /// ``argmax(alongAxis:file:line:)`` for the order, ties and NaN).
    ///
    /// ```swift
    /// Tensor<Double>([[1, 3, 2], [5, 0, 5]]).argmin(alongAxis: -1)   // [0, 1]
    /// ```
    @inlinable
    public func argmin(alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> [Int] {
        argBest(alongAxis: axis, op: "argmin", file: file, line: line, <)
    }

    @inlinable
    internal func argBest(
        alongAxis axis: Int, op: String, file: StaticString, line: UInt, _ better: (Scalar, Scalar) -> Bool
    ) -> [Int] {
        let axis = Shapes.normalizedAxis(axis, rank: rank, op: op).orFail(file: file, line: line)
        require(shape[axis] > 0, "\(op): axis \(axis) of \(Shapes.format(shape)) is empty", file: file, line: line)
        let s = AxisSplit(shape, axis: axis)
        let x = scalars
        var result = [Int](repeating: 0, count: s.outer * s.inner)
        for o in 0..<s.outer {
            for j in 0..<s.inner {
                let base = o * s.length * s.inner + j
                var best = 0
                for k in 0..<s.length {
                    let v = x[base + k * s.inner], b = x[base + best * s.inner]
                    if b.isNaN { break }
                    if v.isNaN || better(v, b) { best = k }
                }
                result[o * s.inner + j] = best
            }
        }
        return result
    }

    /// The causal mask of a sequence of `length` steps, `[length, length]`: 1 where query i
    /// may attend to key j (j ≤ i), 0 above the diagonal (the future).
    ///
    /// ```swift
    /// Tensor<Double>.causalMask(length: 3)   // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    /// ```
    @inlinable
    public static func causalMask(length: Int) -> Tensor {
        require(length > 0, "causalMask: length \(length) is not positive")
        return Tensor(shape: [length, length], count: length * length) { out in
            for i in 0..<length {
                for j in 0..<length { out[i * length + j] = j <= i ? 1 : 0 }
            }
        }
    }
}
