import Backprop
import XCTest

/// Compares second derivatives with finite differences of the gradient, in `Double`.
///
/// With random cotangents v (for the output) and u (one per input) drawn from `seed`, the
/// check differentiates h(x) = ⟨u, ∇ₓ⟨v, f(x)⟩⟩ — the gradient recorded with
/// `differentiableGradients`, then differentiated again (a Hessian–vector product) — and
/// compares ∇h with central differences of h, where h at each perturbed point comes from
/// an ordinary first-order backward pass. A pullback that is not written in differentiable
/// ops (or whose own derivative is wrong) fails here while passing the first-order check.
///
/// ```swift
/// let mismatches = checkSecondOrderGradients(at: [Tensor([0.5, -1])]) { $0[0].tanh() }
/// // mismatches.isEmpty == true
/// ```
/// - Parameters:
///   - inputs: Where to check; away from kinks (relu at 0, |x| at 0).
///   - tolerance: The same rule as the first-order check; the defaults suit `Double`.
///   - seed: Seeds the cotangents.
///   - function: The function of the inputs.
/// - Returns: The elements of ∇h that fail, empty when the second derivatives agree.
public func checkSecondOrderGradients(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance = .init(), seed: UInt64 = 0,
    of function: ([Variable<Double>]) -> Variable<Double>
) -> [GradientMismatch] {
    var generator = SeededGenerator(seed: seed &+ 1)
    let probe = withoutGradients { function(inputs.map { Variable($0) }) }
    let outputCotangent = Tensor<Double>.uniform(probe.shape, in: -1..<1, using: &generator)
    let inputCotangents = inputs.map { Tensor<Double>.uniform($0.shape, in: -1..<1, using: &generator) }

    /// ⟨u, ∇ₓ⟨v, f(x)⟩⟩ with the gradient either recorded (differentiable) or plain.
    func contracted(_ variables: [Variable<Double>], differentiable: Bool) -> Variable<Double> {
        let output = function(variables)
        guard output.requiresGradient else { return Variable(Tensor(0)) }
        let gradients: [Variable<Double>] =
            differentiable
            ? differentiableGradients(of: output, withRespectTo: variables, seed: outputCotangent)
            : Backprop.gradients(of: output, withRespectTo: variables, seed: outputCotangent)
                .map { Variable($0) }
        var total = Variable(Tensor<Double>(0))
        for (g, u) in zip(gradients, inputCotangents) { total = total + (g * Variable(u)).sum() }
        return total
    }

    let variables = inputs.map { Variable($0, requiresGradient: true) }
    let h = contracted(variables, differentiable: true)
    let analytical =
        h.requiresGradient
        ? gradients(of: h, withRespectTo: variables)
        : inputs.map { Tensor.zeros($0.shape) }

    func objective(_ point: [Tensor<Double>]) -> Double {
        contracted(point.map { Variable($0, requiresGradient: true) }, differentiable: false)
            .value.scalar
    }

    var mismatches: [GradientMismatch] = []
    var point = inputs
    for i in inputs.indices {
        for e in 0..<inputs[i].count {
            let original = inputs[i].scalars[e]
            point[i].scalars[e] = original + tolerance.epsilon
            let plus = objective(point)
            point[i].scalars[e] = original - tolerance.epsilon
            let minus = objective(point)
            point[i].scalars[e] = original
            let numerical = (plus - minus) / (2 * tolerance.epsilon)
            let exact = analytical[i].scalars[e]
            let allowed = tolerance.absoluteTolerance + tolerance.relativeTolerance * abs(numerical)
            if !(abs(exact - numerical) <= allowed) {
                mismatches.append(
                    GradientMismatch(
                        input: i, element: e, index: multiIndex(e, shape: inputs[i].shape),
                        numerical: numerical, analytical: exact))
            }
        }
    }
    return mismatches
}

/// Asserts that second derivatives of `function` at `inputs` match finite differences of
/// its gradient (see ``checkSecondOrderGradients(at:tolerance:seed:of:)``), reporting each
/// failing element at the caller's line.
///
/// ```swift
/// func testTanhSecondOrder() {
///     assertSecondOrderGradientsMatch(at: [Tensor([[0.5, -1]])]) { $0[0].tanh() }
/// }
/// ```
public func assertSecondOrderGradientsMatch(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance = .init(), seed: UInt64 = 0,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line,
    of function: ([Variable<Double>]) -> Variable<Double>
) {
    let mismatches = checkSecondOrderGradients(
        at: inputs, tolerance: tolerance, seed: seed, of: function)
    guard !mismatches.isEmpty else { return }
    let shown = mismatches.prefix(5).map { "  \($0)" }.joined(separator: "\n")
    let more = mismatches.count > 5 ? "\n  … and \(mismatches.count - 5) more" : ""
    let note = message()
    XCTFail(
        "second-order gradient check failed\(note.isEmpty ? "" : " (\(note))") for "
            + "\(mismatches.count) element(s) of ∇⟨u, ∇⟨v, f⟩⟩:\n\(shown)\(more)",
        file: file, line: line)
}
