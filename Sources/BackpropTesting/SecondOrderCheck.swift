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

    return centralDifferenceMismatches(
        at: inputs, analytical: analytical, tolerance: tolerance, objective: objective)
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
    report(
        mismatches, check: "second-order gradient check", of: " of ∇⟨u, ∇⟨v, f⟩⟩",
        note: message(), file: file, line: line)
}
