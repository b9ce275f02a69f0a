import Backprop
import BackpropNN
import Testing

// The Swift Testing helpers: the checks and reports of the XCTest helpers in
// Assertions.swift, recorded as issues at the caller's `SourceLocation`. Called where no
// Swift Testing test is running (in an XCTestCase), they stop the program with a message
// naming the XCTest helper, since an issue recorded there would be dropped.

/// Expects backward's gradients of `function` at `inputs` to match central differences
/// (see ``checkGradients(at:tolerance:mode:seed:of:)``), recording an issue that lists the
/// first failing elements (input, index, numerical and analytical value) at the caller's
/// source location.
///
/// ```swift
/// @Test func sigmoid() {
///     expectGradientsMatch(at: [Tensor([[-2, 0.5, 3]])]) { x in x[0].sigmoid() }
/// }
/// ```
public func expectGradientsMatch(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance = .init(),
    mode: GradientCheckMode = .automatic, seed: UInt64 = 0,
    _ message: @autoclosure () -> String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation,
    of function: ([Variable<Double>]) -> Variable<Double>
) {
    record(
        gradientsReport(at: inputs, tolerance: tolerance, mode: mode, seed: seed, note: message(), of: function),
        by: .gradients, style: .swiftTesting, at: CallerLocation(sourceLocation))
}

/// Expects the first derivatives of `function` at `inputs` to match central differences
/// and its second derivatives to match finite differences of its gradient (see
/// ``checkSecondOrderGradients(at:tolerance:seed:of:)``), recording an issue for each that
/// fails.
///
/// ```swift
/// @Test func tanhSecondOrder() {
///     expectSecondOrderGradientsMatch(at: [Tensor([[0.5, -1]])]) { $0[0].tanh() }
/// }
/// ```
public func expectSecondOrderGradientsMatch(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance = .init(), seed: UInt64 = 0,
    _ message: @autoclosure () -> String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation,
    of function: ([Variable<Double>]) -> Variable<Double>
) {
    record(
        secondOrderReport(at: inputs, tolerance: tolerance, seed: seed, note: message(), of: function),
        by: .secondOrder, style: .swiftTesting, at: CallerLocation(sourceLocation))
}

/// Expects one op to pass ``checkConformance(_:float:)``, recording one issue with its first
/// few problems. Pass the op's `Float` entry to compare the two precisions. With a table as
/// the arguments of a parameterised test, each op is its own test case:
///
/// ```swift
/// @Test(arguments: zip(OpInfo<Double>.library, OpInfo<Float>.library))
/// func conforms(_ op: OpInfo<Double>, _ float: OpInfo<Float>) {
///     expectConformance(op, float: float)
/// }
/// ```
public func expectConformance(
    _ op: OpInfo<Double>, float: OpInfo<Float>? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    record(conformanceReport(op, float: float), by: .conformance, style: .swiftTesting, at: CallerLocation(sourceLocation))
}

/// Expects a model's gradients — every parameter and the input — under `loss` on one batch
/// to match central differences (see
/// ``checkModelGradients(_:input:target:loss:tolerance:mode:seed:)``), naming failing
/// elements by path (`1.weight[3, 2]`). For a `Float` model it also records a warning that
/// the check ran in `Float`.
///
/// ```swift
/// @Test func twoLayer() {
///     let (model, batch, targets) = twoLayerModel()
///     expectModelGradientsMatch(model, input: batch, target: targets, loss: .meanSquaredError)
/// }
/// ```
public func expectModelGradientsMatch<Model: Layer>(
    _ model: Model, input: Tensor<Model.Scalar>, target: Tensor<Model.Scalar>,
    loss: Loss<Model.Scalar>, tolerance: GradientCheckTolerance? = nil,
    mode: GradientCheckMode = .automatic, seed: UInt64 = 0,
    _ message: @autoclosure () -> String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    record(
        modelReport(
            model, input: input, target: target, loss: loss, tolerance: tolerance, mode: mode, seed: seed,
            note: message()),
        by: .model, style: .swiftTesting, at: CallerLocation(sourceLocation))
}

/// Expects two tensors to have the same shape and to agree element-wise within
/// |a − b| ≤ `absoluteTolerance` + `relativeTolerance` · |b|, recording an issue that names
/// the first element out of tolerance (see
/// ``assertClose(_:_:absoluteTolerance:relativeTolerance:_:file:line:)``).
public func expectClose<Scalar: TensorScalar>(
    _ actual: Tensor<Scalar>, _ expected: Tensor<Scalar>,
    absoluteTolerance: Scalar = 0, relativeTolerance: Scalar = 1e-12,
    _ message: @autoclosure () -> String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    record(
        closeReport(
            actual, expected, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
            note: message()),
        by: .close, style: .swiftTesting, at: CallerLocation(sourceLocation))
}

extension OpInfo: CustomTestStringConvertible {
    /// The op's name, which names its test case in a parameterised test.
    public var testDescription: String { name }
}
