// Scaled dot-product attention, composed from batched matmuls, a masked fill and the
// softmax, so its backward (and second order) is theirs.
//
// Memory: for queries [..., Tq, d] and keys [..., Tk, d] with n = the product of the leading
// axes (batch × heads), the graph keeps three score-sized tensors of n·Tq·Tk scalars each —
// the scaled scores, the masked scores (only with a mask) and the softmax weights — e.g.
// batch 16, 4 heads, T = 64 in Float: 16·4·64·64·4 B = 1 MiB each. The backward allocates
// about two more of that size transiently.

/// softmax(q kᵀ / √d + mask) v over the last two axes, batched over any leading axes
/// (`[batch, heads, T, d]` or `[batch, T, d]`); d is the size of the last axis of `query`.
///
/// With s = q kᵀ/√d, w = softmax(s) (along the keys), y = w v:
/// ∇v = wᵀ ∇y,  ∇w = ∇y vᵀ,  ∇s = w ⊙ (∇w − Σₖ wₖ ∇wₖ),  ∇q = ∇s k/√d,  ∇k = ∇sᵀ q/√d.
///
/// `mask` (1: may attend, 0: may not; broadcast to `[..., Tq, Tk]`, e.g.
/// `Tensor.causalMask(length: t)`) sets the masked scores to −∞, so they get weight 0 and no
/// gradient. A query with every key masked gets NaN (0/0), as in PyTorch.
///
/// ```swift
/// let y = scaledDotProductAttention(query: q, key: k, value: v, mask: .causalMask(length: 8))
/// // q, k, v: [2, 4, 8, 16] → y: [2, 4, 8, 16]
/// ```
/// - Precondition: equal ranks ≥ 2 and equal leading axes; q and k share d; k and v share
///   Tk; the mask broadcasts to `[..., Tq, Tk]`.
@inlinable
public func scaledDotProductAttention<Scalar>(
    query: Variable<Scalar>, key: Variable<Scalar>, value: Variable<Scalar>, mask: Tensor<Scalar>? = nil,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    let (q, k, v) = (query.shape, key.shape, value.shape)
    let rank = q.count
    let message = "scaledDotProductAttention: query \(Shapes.format(q)), key \(Shapes.format(k)), "
        + "value \(Shapes.format(v))"
    require(rank >= 2 && k.count == rank && v.count == rank, "\(message): ranks must be equal and ≥ 2", file: file, line: line)
    let lead = TensorShape(q.dropLast(2))
    require(
        TensorShape(k.dropLast(2)) == lead && TensorShape(v.dropLast(2)) == lead && q[rank - 1] == k[rank - 1]
            && k[rank - 2] == v[rank - 2],
        "\(message): expected [..., Tq, d], [..., Tk, d], [..., Tk, dv] with equal leading axes",
        file: file, line: line)
    let (tq, tk, d, dv) = (q[rank - 2], k[rank - 2], q[rank - 1], v[rank - 1])
    let n = Shapes.count(lead)
    func batched(_ x: Variable<Scalar>, _ rows: Int, _ columns: Int) -> Variable<Scalar> {
        x.reshaped(to: [n, rows, columns], file: file, line: line)
    }
    var scores = batched(query, tq, d).matmul(batched(key, tk, d), transposingOther: true, file: file, line: line)
        .scaled(by: 1 / Scalar(d).squareRoot(), file: file, line: line)
    if let mask {
        let full = lead + [tq, tk]
        let fits = (try? Shapes.broadcast(mask.shape, full, op: "attention").get()) == full
        require(
            fits, "scaledDotProductAttention: mask \(Shapes.format(mask.shape)) does not broadcast to the scores "
                + Shapes.format(full), file: file, line: line)
        let blocked = mask.broadcastMap(Tensor.zeros(full), op: "attention") { m, _ in m != 0 ? 0 : 1 }
        scores = scores.maskedFill(where: blocked.reshaped(to: [n, tq, tk]), with: -.infinity, file: file, line: line)
    }
    return scores.softmax(alongAxis: -1, file: file, line: line)
        .matmul(batched(value, tk, dv), file: file, line: line)
        .reshaped(to: lead + [tq, dv], file: file, line: line)
}
