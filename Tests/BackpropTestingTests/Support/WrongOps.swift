import Backprop

/// x³ with a deliberately wrong backward (2x instead of 3x²): every check must flag it.
func wrongCube(_ x: Variable<Double>) -> Variable<Double> {
    Variable(op: "wrongCube", value: x.value.map { $0 * $0 * $0 }, inputs: [x]) { _, g in
        [g * x.scaled(by: 2)]
    }
}

/// x · w with the gradient of w 10 % too large (every element wrong), and the right
/// gradient of x.
func wrongLinear<Scalar: TensorScalar>(_ x: Variable<Scalar>, _ w: Variable<Scalar>) -> Variable<Scalar> {
    Variable(op: "wrongLinear", value: x.value.matmul(w.value), inputs: [x, w]) { _, g in
        [g.matmul(w, transposingOther: true), x.matmul(g, transposingSelf: true).scaled(by: 1.1)]
    }
}
