// Arithmetic on plain tensors (no graph), with NumPy broadcasting. Optimizers and
// backward rules use these; the differentiable forms live on `Variable`.

extension Tensor {
    /// Element-wise sum with broadcasting.
    @inlinable
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.borrowed + rhs.borrowed }

    /// Element-wise difference with broadcasting.
    @inlinable
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.borrowed - rhs.borrowed }

    /// Element-wise (Hadamard) product with broadcasting.
    @inlinable
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.borrowed * rhs.borrowed }

    /// Element-wise quotient with broadcasting.
    @inlinable
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.borrowed / rhs.borrowed }

    /// Every element times a scalar.
    @inlinable
    public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }

    /// Every element times a scalar.
    @inlinable
    public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 * rhs } }

    /// Every element plus a scalar.
    @inlinable
    public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 + rhs } }

    /// Every element minus a scalar.
    @inlinable
    public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 - rhs } }

    /// A scalar minus every element.
    @inlinable
    public static func - (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs - $0 } }

    /// The negated tensor.
    @inlinable
    public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }

    /// Adds `rhs` in place (broadcast to `lhs`'s shape).
    @inlinable
    public static func += (lhs: inout Tensor, rhs: Tensor) {
        if lhs.shape == rhs.shape {
            lhs.addScaled(rhs, by: 1)
        } else {
            lhs = lhs + rhs
        }
    }

    /// Subtracts `rhs` in place (broadcast to `lhs`'s shape).
    @inlinable
    public static func -= (lhs: inout Tensor, rhs: Tensor) {
        if lhs.shape == rhs.shape {
            lhs.addScaled(rhs, by: -1)
        } else {
            lhs = lhs - rhs
        }
    }

    /// `self += factor · other` in place, for same-shaped tensors (an axpy).
    @inlinable
    public mutating func addScaled(
        _ other: Tensor, by factor: Scalar, file: StaticString = #fileID, line: UInt = #line
    ) {
        Shapes.requireSame(shape, other.shape, op: "addScaled", file: file, line: line)
        storage.withUnsafeMutableBufferPointer { buffer in
            // A local copy of the inout buffer pointer: written through in the loop, the
            // inout one would be reloaded every iteration, which kept the loop scalar.
            let dst = buffer
            other.storage.withUnsafeBufferPointer { src in
                for i in 0..<dst.count { dst[i] += factor * src[i] }
            }
        }
    }
}

// The same four on operands read in place, for the ops on variables (their inputs' values).
extension BorrowedTensor {
    @inlinable static func + (lhs: Self, rhs: Self) -> Tensor<Scalar> {
        lhs.broadcastMap(rhs, op: "add", symbol: "+") { $0 + $1 }
    }
    @inlinable static func - (lhs: Self, rhs: Self) -> Tensor<Scalar> {
        lhs.broadcastMap(rhs, op: "subtract", symbol: "-") { $0 - $1 }
    }
    @inlinable static func * (lhs: Self, rhs: Self) -> Tensor<Scalar> {
        lhs.broadcastMap(rhs, op: "multiply", symbol: "*") { $0 * $1 }
    }
    @inlinable static func / (lhs: Self, rhs: Self) -> Tensor<Scalar> {
        lhs.broadcastMap(rhs, op: "divide", symbol: "/") { $0 / $1 }
    }
}
