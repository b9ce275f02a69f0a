import Backprop

/// A reproducible random tensor in `range`.
func randomTensor(_ shape: TensorShape, in range: Range<Double> = -2..<2, seed: UInt64 = 1) -> Tensor<Double> {
    var rng = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, in: range, using: &rng)
}

/// Whether every element is finite (false for a missing gradient).
func allFinite(_ t: Tensor<Double>?) -> Bool { t?.scalars.allSatisfy(\.isFinite) ?? false }

/// Whether two tensors have the same shape and the same scalars, NaN matching NaN (`==` on
/// tensors, like IEEE equality, never matches a NaN).
func sameScalarsOrNaN(_ a: Tensor<Double>?, _ b: Tensor<Double>) -> Bool {
    guard let a, a.shape == b.shape else { return false }
    return zip(a.scalars, b.scalars).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
}
