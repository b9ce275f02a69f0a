import Backprop
import XCTest

/// Asserts that backward's gradients of `function` at `inputs` match central differences,
/// reporting each failing element (input, element index, numerical and analytical value)
/// at the caller's file and line.
///
/// ```swift
/// func testSigmoid() {
///     assertGradientsMatch(at: [Tensor([[-2, 0.5, 3]])]) { x in x[0].sigmoid() }
/// }
/// ```
/// See ``checkGradients(at:tolerance:seed:of:)`` for the method and the tolerances.
public func assertGradientsMatch(
    at inputs: [Tensor<Double>], tolerance: GradientCheckTolerance = .init(), seed: UInt64 = 0,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line,
    of function: ([Variable<Double>]) -> Variable<Double>
) {
    let mismatches = checkGradients(at: inputs, tolerance: tolerance, seed: seed, of: function)
    report(mismatches, check: "gradient check", note: message(), file: file, line: line)
}

/// Fails with the first mismatches (five at most) at the caller's line; nothing when empty.
func report(
    _ mismatches: [GradientMismatch], check: String, of what: String = "", note: String,
    file: StaticString, line: UInt
) {
    guard !mismatches.isEmpty else { return }
    let shown = mismatches.prefix(5).map { "  \($0)" }.joined(separator: "\n")
    let more = mismatches.count > 5 ? "\n  … and \(mismatches.count - 5) more" : ""
    XCTFail(
        "\(check) failed\(note.isEmpty ? "" : " (\(note))") for "
            + "\(mismatches.count) element(s)\(what):\n\(shown)\(more)",
        file: file, line: line)
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
    guard actual.shape == expected.shape else {
        XCTFail(
            "shapes differ: \(actual.shape) vs \(expected.shape) \(message())", file: file,
            line: line)
        return
    }
    for (i, (a, b)) in zip(actual.scalars, expected.scalars).enumerated() {
        let allowed = absoluteTolerance + relativeTolerance * abs(b)
        if !(abs(a - b) <= allowed) {
            XCTFail(
                "element \(i) \(multiIndex(i, shape: actual.shape)): \(a) vs expected \(b) "
                    + "(|difference| \(abs(a - b)) > \(allowed)) \(message())",
                file: file, line: line)
            return
        }
    }
}
