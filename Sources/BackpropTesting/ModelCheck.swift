import Backprop
import BackpropNN

/// Compares the gradients that backward computes for a whole model — every parameter and
/// the input — under `loss` on one batch with central differences, and names each failing
/// element by its path (`1.weight[3, 2]`, `input[0, 1]`).
///
/// The model runs in the inference phase (`LearningPhase.inference`), so layers that draw
/// random numbers in training, such as dropout, give the same output at every evaluation;
/// their training-phase backward is not checked. Each parameter's value is changed during
/// the check and restored before it returns; stored gradients are left alone.
///
/// A `Double` model is checked with ``GradientCheckTolerance/init(epsilon:absoluteTolerance:relativeTolerance:)``'s
/// defaults. A `Float` model can only be evaluated in `Float`: it is checked with
/// ``GradientCheckTolerance/float`` (errors under about 1 % go unseen), and the assertion
/// helpers warn about it; build the model for `Double` to check it tightly.
///
/// ```swift
/// let (model, batch, targets) = twoLayerModel()
/// let mismatches = checkModelGradients(model, input: batch, target: targets, loss: .meanSquaredError)
/// // mismatches.isEmpty == true
/// ```
///
/// where `twoLayerModel` builds a model and a batch:
///
/// ```swift
/// /// A small model and a batch of inputs and targets for it.
/// func twoLayerModel() -> (Sequential<Double>, batch: Tensor<Double>, targets: Tensor<Double>) {
///     var rng = SeededGenerator(seed: 0)
///     let model = Sequential<Double>(
///         Dense(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng),
///         Dense(inputSize: 4, outputSize: 2, using: &rng))
///     return (model, Tensor.normal([5, 3], using: &rng), Tensor.normal([5, 2], using: &rng))
/// }
/// ```
/// - Parameters:
///   - model: The model; its parameters are the leaves checked after the input.
///   - input: One batch of inputs.
///   - target: The targets of the batch.
///   - loss: The loss of the model's output against `target`.
///   - tolerance: How far the two may differ; by default the standard for the model's
///     scalar type (``GradientCheckTolerance/standard(for:)``).
///   - mode: Every element, or fast mode (see ``GradientCheckMode``).
///   - seed: Seeds fast mode's directions.
/// - Returns: The elements that fail; `input` is input 0, the parameters follow in the order
///   of `namedParameters`.
public func checkModelGradients<Model: Layer>(
    _ model: Model, input: Tensor<Model.Scalar>, target: Tensor<Model.Scalar>,
    loss: Loss<Model.Scalar>, tolerance: GradientCheckTolerance? = nil,
    mode: GradientCheckMode = .automatic, seed: UInt64 = 0
) -> [GradientMismatch] {
    modelCheck(model, input: input, target: target, loss: loss, tolerance: tolerance, mode: mode, seed: seed)
        .mismatches
}

/// ``checkModelGradients(_:input:target:loss:tolerance:mode:seed:)`` with its outcome.
func modelCheck<Model: Layer>(
    _ model: Model, input: Tensor<Model.Scalar>, target: Tensor<Model.Scalar>,
    loss: Loss<Model.Scalar>, tolerance: GradientCheckTolerance?, mode: GradientCheckMode, seed: UInt64
) -> GradientCheckOutcome {
    let parameters = model.namedParameters
    let values = parameters.map(\.variable.value)
    defer { for (p, value) in zip(parameters, values) { p.variable.value = value } }
    let targetVariable = Variable(target)
    return withLearningPhase(.inference) {
        let inputVariable = Variable(input, requiresGradient: true)
        let problem = GradientProblem(
            names: ["input"] + parameters.map(\.name), point: [input] + values, seed: seed,
            output: loss(model(inputVariable), targetVariable),
            leaves: [inputVariable] + parameters.map(\.variable))
        return problem.check(tolerance: tolerance ?? .standard(for: Model.Scalar.self), mode: mode) { point in
            for (p, value) in zip(parameters, point.dropFirst()) { p.variable.value = value }
            return withoutGradients { loss(model(Variable(point[0])), targetVariable).value }
        }
    }
}

/// The report of a model check, with a warning when the model computes in `Float`.
func modelReport<Model: Layer>(
    _ model: Model, input: Tensor<Model.Scalar>, target: Tensor<Model.Scalar>,
    loss: Loss<Model.Scalar>, tolerance: GradientCheckTolerance?, mode: GradientCheckMode,
    seed: UInt64, note: String
) -> CheckReport {
    let outcome = modelCheck(
        model, input: input, target: target, loss: loss, tolerance: tolerance, mode: mode, seed: seed)
    let warnings =
        Model.Scalar.self == Double.self
        ? []
        : [
            "\(Model.self) computes in \(Model.Scalar.self), so its gradients were checked in "
                + "\(Model.Scalar.self) with loose tolerances (errors under about 1 % are not "
                + "seen); build the model for Double to check it tightly"
        ]
    return CheckReport(
        failures: [failureMessage("model gradient check", note: note, outcome, of: " under \(loss.name)")],
        warnings: warnings)
}
