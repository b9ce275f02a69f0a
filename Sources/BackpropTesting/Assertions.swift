import Backprop
import BackpropNN

// The XCTest helpers. Each runs a framework-neutral check and records its report with the
// framework that is running (see `record` in Reporting.swift): called inside a Swift Testing
// test, it fails that test; called where no test case runs, it stops the program. The Swift
// Testing helpers, named `expect…`, are in Expectations.swift.

/// Asserts that backward's gradients of `function` at `inputs` match central differences
/// (see ``checkGradients(at:tolerance:mode:seed:of:)``), reporting the first failing
/// elements (input, index, numerical and analytical value) at the caller's file and line.
///
/// ```swift
/// func testSigmoid() {
///     assertGradientsMatch(at: [Tensor([[-2, 0.5, 3]])]) { x in x[0].sigmoid() }
/// }
/// ```
public func assertGradientsMatch(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance = .init(),
    mode: GradientCheckMode = .automatic, seed: UInt64 = 0,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line,
    of function: ([Variable<Double>]) -> Variable<Double>
) {
    record(
        gradientsReport(at: inputs, tolerance: tolerance, mode: mode, seed: seed, note: message(), of: function),
        by: .gradients, style: .xctest, at: CallerLocation(file: file, line: line))
}

/// Asserts that the first derivatives of `function` at `inputs` match central differences
/// and that its second derivatives match finite differences of its gradient (see
/// ``checkSecondOrderGradients(at:tolerance:seed:of:)``), reporting the failing elements of
/// each at the caller's line.
///
/// ```swift
/// func testTanhSecondOrder() {
///     assertSecondOrderGradientsMatch(at: [Tensor([[0.5, -1]])]) { $0[0].tanh() }
/// }
/// ```
public func assertSecondOrderGradientsMatch(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance = .init(), seed: UInt64 = 0,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line,
    of function: ([Variable<Double>]) -> Variable<Double>
) {
    record(
        secondOrderReport(at: inputs, tolerance: tolerance, seed: seed, note: message(), of: function),
        by: .secondOrder, style: .xctest, at: CallerLocation(file: file, line: line))
}

/// Asserts that every op of a table passes ``checkConformance(_:float:)``, recording one
/// failure per failing op (its first few problems) at the caller's line. Pass the same
/// table built for `Float` (entries in the same order) to compare the two precisions.
///
/// ```swift
/// func testConformance() {
///     assertConformance(myOps(Double.self), float: myOps(Float.self))
/// }
/// ```
///
/// where `myOps` builds the table for either precision:
///
/// ```swift
/// func myOps<Scalar: TensorScalar>(_: Scalar.Type) -> [OpInfo<Scalar>] {
///     [OpInfo(name: "softsign", samples: [[[3]], [[2, 4]]], domains: [.awayFromZero], outputShape: OpInfo<Scalar>.same) {
///         softsign($0[0])
///     }]
/// }
/// ```
public func assertConformance(
    _ ops: [OpInfo<Double>], float: [OpInfo<Float>]? = nil,
    file: StaticString = #filePath, line: UInt = #line
) {
    for report in conformanceReports(ops, float: float) {
        record(report, by: .conformance, style: .xctest, at: CallerLocation(file: file, line: line))
    }
}

/// Asserts that a model's gradients — every parameter and the input — under `loss` on one
/// batch match central differences (see
/// ``checkModelGradients(_:input:target:loss:tolerance:mode:seed:)``), naming failing
/// elements by path (`1.weight[3, 2]`) at the caller's line. For a `Float` model it also
/// prints a warning that the check ran in `Float`.
///
/// ```swift
/// func testTwoLayerModel() {
///     let (model, batch, targets) = twoLayerModel()
///     assertModelGradientsMatch(model, input: batch, target: targets, loss: .meanSquaredError)
/// }
/// ```
public func assertModelGradientsMatch<Model: Layer>(
    _ model: Model, input: Tensor<Model.Scalar>, target: Tensor<Model.Scalar>,
    loss: Loss<Model.Scalar>, tolerance: GradientCheckTolerance? = nil,
    mode: GradientCheckMode = .automatic, seed: UInt64 = 0,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    record(
        modelReport(
            model, input: input, target: target, loss: loss, tolerance: tolerance, mode: mode, seed: seed,
            note: message()),
        by: .model, style: .xctest, at: CallerLocation(file: file, line: line))
}

/// Asserts that two tensors have the same shape and agree element-wise within
/// |a − b| ≤ `absoluteTolerance` + `relativeTolerance` · |b|.
///
/// A failure is reported at the caller's line and names the first element, in row-major
/// order, that is out of tolerance (or NaN): its flat and multi-dimensional index, both
/// values, the difference and the allowed difference. Later elements are not checked, so
/// one call reports at most one element; a shape mismatch is reported instead of any.
public func assertClose<Scalar: TensorScalar>(
    _ actual: Tensor<Scalar>, _ expected: Tensor<Scalar>,
    absoluteTolerance: Scalar = 0, relativeTolerance: Scalar = 1e-12,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    record(
        closeReport(
            actual, expected, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
            note: message()),
        by: .close, style: .xctest, at: CallerLocation(file: file, line: line))
}
