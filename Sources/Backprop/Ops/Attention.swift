// Scaled dot-product attention as one node: the scores, mask and softmax in one pass over a
// single score-sized tensor, the weights kept for the backward; the recorded backward
// (gradients of gradients) recomputes the weights from the inputs in variable ops. The
// derivative is written once, over ``PullbackAlgebra``.
//
// Memory: for queries [..., Tq, d] and keys [..., Tk, d] with n = the product of the leading
// axes (batch × heads), the graph keeps one tensor of n·Tq·Tk scalars, the softmax weights
// — e.g. batch 16, 4 heads, T = 64 in Float: 16·4·64·64·4 B = 1 MiB per attention — and
// the backward allocates one more of that size transiently (∇ of the weights, turned into ∇
// of the scores in place).

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
    let allowed = mask.map { attentionMask($0, lead: lead, tq: tq, tk: tk, file: file, line: line) }
    let scale = 1 / Scalar(d).squareRoot()
    let (q3, k3, v3) = (batched(query, tq, d), batched(key, tk, d), batched(value, tk, dv))
    let weights = attentionWeights(q3.storedValue.borrowed, k3.storedValue.borrowed, scale: scale, allowed: allowed)
    let output = Tensor.batchedProduct(weights.borrowed, v3.storedValue.borrowed, transposingA: false, transposingB: false)
    return Variable(
        op: "scaledDotProductAttention", value: output, inputs: [q3, k3, v3, Variable(weights)], file: file, line: line,
        tensorPullback: { y, g in
            let input = { TensorPullbacks<Scalar>.input(of: y, at: $0) }
            let (q, k, v) = (input(0), input(1), input(2))
            let d = attentionPullback(
                TensorPullbacks<Scalar>.self, query: q.value, key: k.value, value: v.value, weights: input(3).value, g,
                scale: scale, needs: (q.needsGradient, k.needsGradient, v.needsGradient))
            return InputGradients([d.query, d.key, d.value, nil])
        }
    ) { y, g in
        let (q, k, v) = (y.input(at: 0), y.input(at: 1), y.input(at: 2))
        let d = attentionPullback(
            VariablePullbacks<Scalar>.self, query: q, key: k, value: v,
            weights: attentionWeights(q, k, scale: scale, allowed: allowed), g, scale: scale,
            needs: (q.requiresGradient, k.requiresGradient, v.requiresGradient))
        return [d.query, d.key, d.value, nil]
    }.reshaped(to: lead + [tq, dv], file: file, line: line)
}

/// The mask of ``scaledDotProductAttention(query:key:value:mask:file:line:)`` as
/// `[m, Tq, Tk]` of 1 (may attend) and 0, with m = 1 when it is the same for every entry of
/// the leading axes (a `[Tq, Tk]` mask), else the product of the leading axes.
@inlinable
internal func attentionMask<Scalar>(
    _ mask: Tensor<Scalar>, lead: TensorShape, tq: Int, tk: Int, file: StaticString, line: UInt
) -> Tensor<Scalar> {
    let full = lead + [tq, tk]
    let fits = (try? Shapes.broadcast(mask.shape, full, op: "attention").get()) == full
    require(
        fits, "scaledDotProductAttention: mask \(Shapes.format(mask.shape)) does not broadcast to the scores "
            + Shapes.format(full), file: file, line: line)
    let trailing = min(2, mask.shape.count)
    let shared = mask.shape.dropLast(trailing).allSatisfy { $0 == 1 }
    let (target, source): (TensorShape, Tensor<Scalar>) =
        shared ? ([tq, tk], mask.reshaped(to: TensorShape(mask.shape.suffix(trailing)))) : (full, mask)
    return source.broadcastMap(Tensor.zeros(target), op: "attention") { m, _ in m != 0 ? 1 : 0 }
        .reshaped(to: [shared ? 1 : Shapes.count(lead), tq, tk])
}

/// softmax(q kᵀ · scale, masked) over the rows of `[n, Tq, Tk]`: per entry, the product,
/// the masked scores set to −∞ and the softmax in place, while the entry is in cache (the
/// entries split over the CPUs).
@inlinable
internal func attentionWeights<Scalar>(
    _ q: BorrowedTensor<Scalar>, _ k: BorrowedTensor<Scalar>, scale: Scalar, allowed: Tensor<Scalar>?
) -> Tensor<Scalar> {
    let columns = k.size(1)
    let block = q.size(1) * columns
    let (mask, entries) = (allowed?.borrowed, (allowed?.count ?? 0) / Swift.max(block, 1))
    return withExtendedLifetime(allowed) {
        Tensor.batchedProduct(q, k, transposingA: false, transposingB: true, alpha: scale) { i, s in
            if let mask {
                let a = mask.scalars + (i % entries) * block
                for j in 0..<block { s[j] = a[j] != 0 ? s[j] : -.infinity }
            }
            softmaxRowRange(s, into: s, rows: block / Swift.max(columns, 1), columns: columns, logarithm: false)
        }
    }
}

/// The same weights in variable ops (for the recorded backward, which differentiates them).
@inlinable
internal func attentionWeights<Scalar>(
    _ q: Variable<Scalar>, _ k: Variable<Scalar>, scale: Scalar, allowed: Tensor<Scalar>?
) -> Variable<Scalar> {
    var scores = q.matmul(k, transposingOther: true).scaled(by: scale)
    if let allowed { scores = scores.maskedFill(where: allowed.map { $0 == 0 ? 1 : 0 }, with: -.infinity) }
    return scores.softmax(alongAxis: -1)
}

/// The vector–Jacobian product of attention with weights w = softmax(s), s = q kᵀ·scale
/// (masked), y = w v: ∇v = wᵀ ∇y, ∇s = scale · w ⊙ (∇w − Σₖ wₖ ∇wₖ) with ∇w = ∇y vᵀ,
/// ∇q = ∇s k, ∇k = ∇sᵀ q. Masked scores have weight 0, so they get no gradient.
@inlinable
internal func attentionPullback<P: PullbackAlgebra>(
    _: P.Type, query q: P.Value, key k: P.Value, value v: P.Value, weights w: P.Value, _ g: consuming P.Gradient,
    scale: P.Scalar, needs: (query: Bool, key: Bool, value: Bool)
) -> (query: P.Gradient?, key: P.Gradient?, value: P.Gradient?) {
    withExtendedLifetime(g) {
        let dy = P.value(of: g)
        let gv = needs.value ? w.product(dy, transposingSelf: true, transposingOther: false) : nil
        guard needs.query || needs.key else { return (nil, nil, gv) }
        let gs = P.softmaxGradient(dy.product(v, transposingSelf: false, transposingOther: true), output: w, times: scale)
        return withExtendedLifetime(gs) {
            let ds = P.value(of: gs)
            return (
                needs.query ? ds.product(k, transposingSelf: false, transposingOther: false) : nil,
                needs.key ? ds.product(q, transposingSelf: true, transposingOther: false) : nil, gv
            )
        }
    }
}
