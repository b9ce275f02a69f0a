// The hot ops from code that does not know its scalar type.
//
// Backprop's ops are generic and `@inlinable`: a caller that knows the scalar type gets its
// own copy specialised for `Float` or `Double`. Code that does not know it stays generic: a
// generic layer of a user's own (`struct MyDense<Scalar: TensorScalar>: Layer`) called
// through `any Layer` from a container runs its conformance's generic code, and an op
// called there would run unspecialised too, every element through protocol witnesses and
// its pullbacks likewise: many times slower than the same op in a specialised caller.
//
// So the hot ops (dense, matmul, the element-wise arithmetic of two variables, whose four
// ops share `arithmetic(_:_:file:line:)`, and the activations) begin with
//
//     if !_isConcrete(Scalar.self),
//         let y = concretely(float: { $0.addingNode(other.retyped(), …) }, double: { … })
//     { return y }
//
// `_isConcrete` is `true` at compile time wherever the scalar type is known, so specialised
// callers lose nothing; elsewhere the closure of the scalar type in use records the node
// with concrete types (and so concrete pullbacks). The closures call the op's body (the
// `…Node` function), never the public op, so an unoptimised build, where `_isConcrete` is
// always `false`, cannot loop.

extension Variable {
    /// The variable `float` or `double` (whichever matches `Scalar`) makes from this one,
    /// or `nil` for another scalar type (the caller then runs its generic body).
    @inlinable @inline(__always)
    internal func concretely(
        float: (Variable<Float>) -> Variable<Float>, double: (Variable<Double>) -> Variable<Double>
    ) -> Variable? {
        if Scalar.self == Float.self { return unsafeDowncast(float(retyped()), to: Variable.self) }
        if Scalar.self == Double.self { return unsafeDowncast(double(retyped()), to: Variable.self) }
        return nil
    }

    /// This variable as a `Variable<T>`, for `T` the type `Scalar` is (checked by
    /// ``concretely(float:double:)``, the only caller).
    @inlinable @inline(__always)
    internal func retyped<T: TensorScalar>(_ type: T.Type = T.self) -> Variable<T> {
        unsafeDowncast(self, to: Variable<T>.self)
    }
}
