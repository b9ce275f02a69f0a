import Backprop
import XCTest

// Temporary central-difference check until BackpropTesting's checker lands on main.

/// Checks the gradients of `f` at `inputs` against central differences, contracting a
/// non-scalar output with fixed random weights.
func checkGradients(
    _ inputs: [Tensor<Double>], tolerance: Double = 1e-5,
    file: StaticString = #filePath, line: UInt = #line,
    _ f: ([Variable<Double>]) -> Variable<Double>
) {
    let probe = f(inputs.map { Variable($0) })
    var rng = SeededGenerator(seed: 7)
    let weights = Variable(Tensor<Double>.uniform(probe.shape, in: 0.5..<1.5, using: &rng))
    func scalarValue(_ xs: [Tensor<Double>]) -> Double {
        withoutGradients { (f(xs.map { Variable($0) }) * weights).sum().value.scalar }
    }
    let vars = inputs.map { Variable($0, requiresGradient: true) }
    let analytic = gradients(of: (f(vars) * weights).sum(), withRespectTo: vars)
    let eps = 1e-6
    for (j, x) in inputs.enumerated() {
        XCTAssertEqual(analytic[j].shape, x.shape, "input \(j) gradient shape", file: file, line: line)
        for i in 0..<x.count {
            var plus = inputs, minus = inputs
            plus[j].scalars[i] += eps
            minus[j].scalars[i] -= eps
            let numeric = (scalarValue(plus) - scalarValue(minus)) / (2 * eps)
            let a = analytic[j].scalars[i]
            XCTAssert(
                Swift.abs(a - numeric) <= tolerance + 1e-4 * Swift.abs(numeric),
                "input \(j) element \(i): analytic \(a), numeric \(numeric)", file: file, line: line)
        }
    }
}

/// A reproducible random tensor in `range`.
func randomTensor(_ shape: [Int], in range: Range<Double> = -2..<2, seed: UInt64 = 1) -> Tensor<Double> {
    var rng = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, in: range, using: &rng)
}

/// Whether every element is finite.
func allFinite(_ t: Tensor<Double>?) -> Bool { t?.scalars.allSatisfy(\.isFinite) ?? false }
