import Backprop

/// Central differences of `f` at `points` along the tangents: (f(x + hv) − f(x − hv)) / 2h,
/// the reference the transforms' derivatives are checked against.
func finiteDifference(
    of f: ([Variable<Double>]) -> Variable<Double>, at points: [Tensor<Double>],
    along tangents: [Tensor<Double>], step h: Double = 1e-6
) -> Tensor<Double> {
    func value(_ sign: Double) -> Tensor<Double> {
        withoutGradients { f(zip(points, tangents).map { Variable($0 + sign * h * $1) }).value }
    }
    return (value(1) - value(-1)) * (1 / (2 * h))
}

/// The tensor with a one at flat index `i` and zeros elsewhere.
func oneHot(_ i: Int, shape: TensorShape) -> Tensor<Double> {
    var t = Tensor<Double>.zeros(shape)
    t.withUnsafeMutableBufferPointer { $0[i] = 1 }
    return t
}

/// ⟨a, b⟩ over all elements.
func dot(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    zip(a.scalars, b.scalars).reduce(0) { $0 + $1.0 * $1.1 }
}
