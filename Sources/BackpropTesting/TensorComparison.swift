import Backprop

/// The report of comparing `actual` with `expected` element-wise within
/// |a − b| ≤ `absoluteTolerance` + `relativeTolerance` · |b|: a shape mismatch, or the
/// first element (row-major) out of tolerance or NaN.
func closeReport<Scalar: TensorScalar>(
    _ actual: Tensor<Scalar>, _ expected: Tensor<Scalar>, absoluteTolerance: Scalar,
    relativeTolerance: Scalar, note: String
) -> CheckReport {
    let suffix = note.isEmpty ? "" : " (\(note))"
    guard actual.shape == expected.shape else {
        return CheckReport(failures: ["shapes differ: \(actual.shape) vs \(expected.shape)\(suffix)"])
    }
    let first = zip(actual.scalars, expected.scalars).enumerated().first { _, pair in
        !(abs(pair.0 - pair.1) <= absoluteTolerance + relativeTolerance * abs(pair.1))
    }
    return CheckReport(failures: [
        first.map { i, pair in
            let (a, b) = pair
            return "element \(i) \(multiIndex(i, shape: actual.shape)): \(a) vs expected \(b) "
                + "(|difference| \(abs(a - b)) > \(absoluteTolerance + relativeTolerance * abs(b)))\(suffix)"
        }
    ])
}
