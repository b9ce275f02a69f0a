import Backprop

/// Compares second derivatives with finite differences of the gradient, in `Double`.
///
/// With random cotangents v (for the output) and u (one per input) drawn from `seed`, the
/// check differentiates h(x) = ⟨u, ∇ₓ⟨v, f(x)⟩⟩ — the gradient recorded with
/// `differentiableGradients`, then differentiated again (a Hessian–vector product) — and
/// compares ∇h with central differences of h, where h at each perturbed point comes from
/// an ordinary first-order backward pass. A pullback that is not written in differentiable
/// ops (or whose own derivative is wrong) fails here while passing the first-order check.
///
/// This check alone does not say that the first derivative is right: it differentiates
/// the gradient that backward computes, whatever it is (a pullback returning 2·g for x²'s
/// 2x·g still has a consistent derivative). The helpers
/// ``assertSecondOrderGradientsMatch(at:tolerance:seed:_:file:line:of:)`` and
/// ``expectSecondOrderGradientsMatch(at:tolerance:seed:_:sourceLocation:of:)`` run
/// ``checkGradients(at:tolerance:mode:seed:of:)`` too. Inputs of more than 1,000 elements
/// are checked in fast mode (see ``GradientCheckMode``).
///
/// ```swift
/// let secondOrder = checkSecondOrderGradients(at: [Tensor([0.5, -1])]) { $0[0].tanh() }
/// // secondOrder.isEmpty == true
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
    let problem = GradientProblem(
        names: inputs.indices.map { "inputs[\($0)]" }, point: inputs, seed: seed,
        output: contracted(variables, differentiable: true), leaves: variables)
    return problem.check(tolerance: tolerance, mode: .automatic) { point in
        contracted(point.map { Variable($0, requiresGradient: true) }, differentiable: false).value
    }.mismatches
}

/// The report of the first-order check and of
/// ``checkSecondOrderGradients(at:tolerance:seed:of:)``: a second derivative says nothing
/// about whether the first one is right, so the helpers check both.
func secondOrderReport(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance, seed: UInt64, note: String,
    of function: ([Variable<Double>]) -> Variable<Double>
) -> CheckReport {
    let first = functionCheck(at: inputs, tolerance: tolerance, mode: .automatic, seed: seed, of: function)
    let second = GradientCheckOutcome(
        mismatches: checkSecondOrderGradients(at: inputs, tolerance: tolerance, seed: seed, of: function))
    return CheckReport(failures: [
        failureMessage("gradient check", note: note, first),
        failureMessage("second-order gradient check", note: note, second, of: " of ∇⟨u, ∇⟨v, f⟩⟩"),
    ])
}
