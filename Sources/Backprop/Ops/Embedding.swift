// Embedding look-up: rows of a table gathered by integer ids. The backward scatters the
// gradient rows back into the rows they came from, adding where an id repeats; it is the
// `scatterRows` op, whose own backward is the gather again (second order works).

/// The rows of `table` (`[vocabulary, width]`) at `ids`, arranged as `shape + [width]`:
/// token ids to vectors.
///
/// y[p] = table[ids[p]];  ∇table[v] = Σ over the positions p with ids[p] = v of ∇y[p]
/// (repeated ids add up; rows never looked up get 0).
///
/// ```swift
/// let table = Variable(Tensor<Double>([[0, 1], [2, 3], [4, 5]]), requiresGradient: true)
/// embedding([2, 0, 2, 1], shape: [2, 2], table: table).shape   // [2, 2, 2]
/// ```
/// - Precondition: `table` is 2-D, `shape` holds `ids.count` elements, every id lies in
///   `0..<vocabulary`; the message names the first bad id and the table's shape.
@inlinable
public func embedding<Scalar>(
    _ ids: [Int], shape: TensorShape? = nil, table: Variable<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    let shape = shape ?? [ids.count]
    require(
        table.shape.count == 2,
        "embedding: the table \(Shapes.format(table.shape)) is not 2-D [vocabulary, width]", file: file, line: line)
    let (vocabulary, width) = (table.shape[0], table.shape[1])
    require(
        Shapes.count(shape) == ids.count,
        "embedding: \(ids.count) ids do not fill the shape \(Shapes.format(shape))", file: file, line: line)
    if let bad = ids.firstIndex(where: { $0 < 0 || $0 >= vocabulary }) {
        misuseFailure(
            "embedding: id \(ids[bad]) at position \(bad) is outside 0..<\(vocabulary) "
                + "(table \(Shapes.format(table.shape)))", file: file, line: line)
    }
    let rows = table.value.gatheringRows(ids, file: file, line: line)
    return Variable(
        op: "embedding", value: rows.reshaped(to: shape + [width]), inputs: [table], file: file, line: line
    ) { _, g in
        [g.reshaped(to: [ids.count, width]).scatterAddingRows(ids, rowCount: vocabulary)]
    }
}
