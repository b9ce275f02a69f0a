import Backprop
import XCTest

/// The largest element-wise relative error max_i |aᵢ − eᵢ| / max(|eᵢ|, floor).
///
/// `floor` keeps elements that are exactly zero in both from dividing by zero; it defaults
/// to the smallest normal number, so every element is judged relative to itself.
func maximumRelativeError(
    _ actual: [Double], _ expected: [Double], floor: Double = Double.leastNormalMagnitude
) -> Double {
    precondition(actual.count == expected.count)
    var worst = 0.0
    for (a, e) in zip(actual, expected) {
        let error = a == e ? 0 : abs(a - e) / max(abs(e), floor)
        if error.isNaN { return .infinity }
        worst = max(worst, error)
    }
    return worst
}

/// Fails at the caller's line unless `actual` matches `expected` element by element to the
/// relative `tolerance` (and has as many elements).
func assertRelativelyClose<S: TensorScalar>(
    _ actual: Tensor<S>?, _ expected: [Double], tolerance: Double,
    floor: Double = Double.leastNormalMagnitude, _ what: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    guard let actual else {
        XCTFail("\(what()): no tensor (gradient is nil)", file: file, line: line)
        return
    }
    guard actual.count == expected.count else {
        XCTFail(
            "\(what()): \(actual.count) elements, expected \(expected.count)", file: file,
            line: line)
        return
    }
    let values = actual.scalars.map { Double($0) }
    let error = maximumRelativeError(values, expected, floor: floor)
    if !(error <= tolerance) {
        XCTFail(
            "\(what()): relative error \(error) > \(tolerance)\n  actual:   \(values)\n"
                + "  expected: \(expected)", file: file, line: line)
    }
}

/// Fails at the caller's line unless the two scalars agree to the relative `tolerance`.
func assertRelativelyClose(
    _ actual: Double, _ expected: Double, tolerance: Double,
    _ what: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    let error = maximumRelativeError([actual], [expected])
    if !(error <= tolerance) {
        XCTFail(
            "\(what()): \(actual) vs \(expected), relative error \(error) > \(tolerance)",
            file: file, line: line)
    }
}
