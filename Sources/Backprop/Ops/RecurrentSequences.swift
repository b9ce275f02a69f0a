// The fused recurrences: all T steps of an LSTM or a GRU layer as one node. The forward runs
// the steps in one loop (each step: the hidden projection h Wₕ + bₕ as one matrix product,
// then the cell's row kernel of RecurrentCells.swift), keeping per step only what the
// backward reads. The first-order backward is backpropagation through time as one reverse
// loop: per step the cell's per-element pullback (the formulas written once, in
// RecurrentCells.swift), then ∇Wₕ += hₜ₋₁ᵀ ∇gates, ∇bₕ += Σ ∇gates and ∇hₜ₋₁ = ∇gates Wₕᵀ.
// The recorded backward (gradients of gradients) is the same reverse loop on variables: the
// forward recomputed from the node's inputs, then the same generic formulas per gate block.
//
// Layout: time-major rows. Step t of a [T·B, features] tensor is rows tB..<(t+1)B.

/// The sizes of a fused recurrence, checked: `projectedInputs` `[T·B, G·H]`, `weightHidden`
/// `[H, G·H]`, `biasHidden` `[G·H]`, each state `[B, H]`.
@inlinable
internal func checkSequence<Scalar>(
    _ op: String, gates: Int, _ x: Variable<Scalar>, _ w: Variable<Scalar>, _ b: Variable<Scalar>,
    states: [Variable<Scalar>], file: StaticString, line: UInt
) -> (steps: Int, batch: Int, hidden: Int) {
    let (sx, sw, s) = (x.shape, w.shape, states[0].shape)
    let hidden = sw.count == 2 ? sw[0] : 0
    let batch = s.count == 2 ? s[0] : 0
    let ok = hidden > 0 && batch > 0 && sw[1] == gates * hidden && b.shape == [gates * hidden]
        && states.allSatisfy { $0.shape == [batch, hidden] } && sx.count == 2 && sx[1] == gates * hidden
        && sx[0] > 0 && sx[0] % batch == 0
    require(
        ok,
        "\(op): projected inputs \(Shapes.format(sx)), weightHidden \(Shapes.format(sw)), biasHidden "
            + "\(Shapes.format(b.shape)), states \(states.map { Shapes.format($0.shape) }.joined(separator: ", ")): "
            + "expected [T·B, \(gates)H] with T ≥ 1, [H, \(gates)H], [\(gates)H] and [B, H]",
        file: file, line: line)
    return (sx[0] / batch, batch, hidden)
}

/// The steps of a sequence in the order they run.
@inlinable
internal func stepOrder(_ steps: Int, reversed: Bool) -> [Int] {
    reversed ? Array((0..<steps).reversed()) : Array(0..<steps)
}

/// `out` (`[B, G·H]`) = `bias` in every row + `h` (`[B, H]`) · `w` (`[H, G·H]`): a step's
/// hidden projection.
@inlinable @inline(__always)
internal func projectHidden<Scalar: TensorScalar>(
    _ h: UnsafePointer<Scalar>, _ w: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>,
    into out: UnsafeMutablePointer<Scalar>, batch: Int, hidden: Int, width: Int
) {
    for n in 0..<batch { (out + n * width).update(from: bias, count: width) }
    Scalar.gemm(
        transposeA: false, transposeB: false, m: batch, n: width, k: hidden, alpha: 1, a: h, lda: hidden,
        b: w, ldb: width, beta: 1, c: out, ldc: width, threads: 0)
}

/// A step's share of the hidden weights' gradients from its gate gradients `d` (`[B, G·H]`):
/// ∇Wₕ += hᵀ d, ∇bₕ += Σ rows of d; then `dh` (`[B, H]`) = `beta` · dh + d Wₕᵀ.
@inlinable @inline(__always)
internal func pullHidden<Scalar: TensorScalar>(
    _ d: UnsafePointer<Scalar>, previous h: UnsafePointer<Scalar>, _ w: UnsafePointer<Scalar>,
    weightGradient: UnsafeMutablePointer<Scalar>, biasGradient: UnsafeMutablePointer<Scalar>,
    hiddenGradient dh: UnsafeMutablePointer<Scalar>, beta: Scalar, batch: Int, hidden: Int, width: Int
) {
    Scalar.gemm(
        transposeA: true, transposeB: false, m: hidden, n: width, k: batch, alpha: 1, a: h, lda: hidden,
        b: d, ldb: width, beta: 1, c: weightGradient, ldc: width, threads: 0)
    for n in 0..<batch {
        let row = d + n * width
        for j in 0..<width { biasGradient[j] += row[j] }
    }
    Scalar.gemm(
        transposeA: false, transposeB: true, m: batch, n: hidden, k: width, alpha: 1, a: d, lda: width,
        b: w, ldb: width, beta: beta, c: dh, ldc: hidden, threads: 0)
}

// MARK: - LSTM

/// An LSTM layer's whole sequence as one node (PyTorch's `nn.LSTM` for one layer and
/// direction, after its input projection): ``lstmCell(projectedInput:projectedHidden:cell:file:line:)``
/// at every step, with `projectedHidden` = hₜ₋₁ Wₕ + bₕ.
///
/// Step t reads rows tB..<(t+1)B of `projectedInputs` (x Wᵢ + bᵢ for every step at once,
/// time-major) and writes the same rows of `outputs`; `reversed` runs the steps from the
/// last to the first (the reverse direction of a bidirectional layer), so the final state is
/// then step 0's. Its backward is backpropagation through time in one loop; it keeps the
/// activated gates, tanh(c) and c of every step (6 T·B·H scalars) besides the outputs.
///
/// ```swift
/// let (outputs, h, c) = lstmSequence(
///     projectedInputs: x.dense(weight: wi, bias: bi), weightHidden: wh, biasHidden: bh,
///     hidden: h0, cell: c0)
/// ```
/// - Parameters:
///   - projectedInputs: `[T·B, 4H]`, the input projections of all steps (gates i, f, g, o).
///   - weightHidden: `[H, 4H]`, the hidden weights (PyTorch's `weight_hh` transposed).
///   - biasHidden: `[4H]`, the hidden bias.
///   - hidden: `[B, H]`, the initial h.
///   - cell: `[B, H]`, the initial c.
///   - reversed: Whether the steps run from the last to the first.
///   - file: The file a misuse is reported at (the caller's, by default).
///   - line: The line a misuse is reported at (the caller's, by default).
/// - Returns: h at every step (`[T·B, H]`, time-major) and the final h and c (`[B, H]`).
@inlinable
public func lstmSequence<Scalar>(
    projectedInputs: Variable<Scalar>, weightHidden: Variable<Scalar>, biasHidden: Variable<Scalar>,
    hidden: Variable<Scalar>, cell: Variable<Scalar>, reversed: Bool = false,
    file: StaticString = #fileID, line: UInt = #line
) -> (outputs: Variable<Scalar>, hidden: Variable<Scalar>, cell: Variable<Scalar>) {
    let (steps, batch, size) = checkSequence(
        "lstmSequence", gates: 4, projectedInputs, weightHidden, biasHidden, states: [hidden, cell],
        file: file, line: line)
    let (rows, width) = (steps * batch, 4 * size)
    let (x, w, b) = (projectedInputs.storedValue.borrowed, weightHidden.storedValue.borrowed, biasHidden.storedValue.borrowed)
    let (h0, c0) = (hidden.storedValue.borrowed, cell.storedValue.borrowed)
    // The outputs, then the final c: [(T + 1)·B, H]. Kept: the gates and tanh(c) [T·B, 5H],
    // then c [T·B, H], a constant input of the node.
    let packed = Tensor<Scalar>.zeros([rows + batch, size])
    let kept = Tensor<Scalar>.zeros([rows * 6, size])
    let projection = Tensor<Scalar>.zeros([batch, width])
    let (out, saved, hp) = (packed.borrowed.scalars, kept.borrowed.scalars, projection.borrowed.scalars)
    let cells = saved + rows * 5 * size
    withExtendedLifetime(projection) {   // hp points into it
        var (h, c) = (UnsafePointer(h0.scalars), UnsafePointer(c0.scalars))
        for t in stepOrder(steps, reversed: reversed) {
            projectHidden(h, w.scalars, bias: b.scalars, into: hp, batch: batch, hidden: size, width: width)
            for n in 0..<batch {
                let r = t * batch + n
                lstmForwardRow(
                    x.scalars + r * width, hp + n * width, cell: UnsafeMutablePointer(mutating: c + n * size),
                    hidden: size, saved: saved + r * 5 * size, state: cells + r * size, output: out + r * size)
            }
            (h, c) = (UnsafePointer(out + t * batch * size), UnsafePointer(cells + t * batch * size))
        }
        (out + rows * size).update(from: c, count: batch * size)
    }
    let node = Variable(
        op: "lstmSequence", value: packed,
        inputs: [projectedInputs, weightHidden, biasHidden, hidden, cell, Variable(kept)], file: file, line: line,
        tensorPullback: { y, g in lstmSequenceTensorPullback(y, g, steps: steps, reversed: reversed) }
    ) { y, g in
        lstmSequenceVariablePullback(y, g, steps: steps, reversed: reversed)
    }
    let last = reversed ? 0 : steps - 1
    return (
        node.rows(0..<rows, file: file, line: line), node.rows(last * batch..<(last + 1) * batch, file: file, line: line),
        node.rows(rows..<rows + batch, file: file, line: line)
    )
}

/// The first-order backward of `lstmSequence`: backpropagation through time, the steps in
/// the reverse of the order they ran.
@inlinable
internal func lstmSequenceTensorPullback<Scalar>(
    _ y: Variable<Scalar>, _ g: consuming Tensor<Scalar>, steps: Int, reversed: Bool
) -> InputGradients<Tensor<Scalar>> {
    let gradient = g.borrowed
    let (x, w, h0, c0) = (y.borrowedInput(at: 0), y.borrowedInput(at: 1), y.borrowedInput(at: 3), y.borrowedInput(at: 4))
    let (saved, out) = (y.borrowedInput(at: 5).value.scalars, y.value.borrowed.scalars)
    let (batch, size) = (h0.value.size(0), h0.value.size(1))
    let (rows, width) = (steps * batch, 4 * size)
    let cells = saved + rows * 5 * size
    let (dx, dw, db) = (Tensor<Scalar>.zeros(x.value.shape), Tensor<Scalar>.zeros(w.value.shape), Tensor<Scalar>.zeros([width]))
    let (dh, dc) = (Tensor<Scalar>.zeros([batch, size]), Tensor<Scalar>.zeros([batch, size]))
    let (pdx, pdh, pdc) = (dx.borrowed.scalars, dh.borrowed.scalars, dc.borrowed.scalars)
    pdc.update(from: gradient.scalars + rows * size, count: batch * size)   // the final c's
    let order = stepOrder(steps, reversed: reversed)
    for (k, t) in order.enumerated().reversed() {
        let previous = k == 0 ? nil : order[k - 1]
        let hPrevious = previous.map { UnsafePointer(out + $0 * batch * size) } ?? UnsafePointer(h0.value.scalars)
        let cPrevious = previous.map { UnsafePointer(cells + $0 * batch * size) } ?? UnsafePointer(c0.value.scalars)
        for n in 0..<batch {
            let r = t * batch + n
            let s = saved + r * 5 * size
            let (i, f, gg, o, tc) = (s, s + size, s + 2 * size, s + 3 * size, s + 4 * size)
            let (d, dhRow, dcRow, gRow, cRow) = (pdx + r * width, pdh + n * size, pdc + n * size, gradient.scalars + r * size, cPrevious + n * size)
            let (di, df, dg, dO) = (d, d + size, d + 2 * size, d + 3 * size)
            // ∇h = the output's gradient + the next step's; then c′'s gradient from h′, added
            // to the one carried back; then the gates' and c's. One pass per gradient, so
            // each loop vectorises (and indices are j alone: checked index arithmetic would
            // keep them scalar).
            for j in 0..<size { dhRow[j] += gRow[j] }
            for j in 0..<size {
                dO[j] = lstmOutputPullback(GateScalar(o[j]), tanhOfCell: GateScalar(tc[j]), GateScalar(dhRow[j])).o.value
            }
            for j in 0..<size {
                dcRow[j] += lstmOutputPullback(GateScalar(o[j]), tanhOfCell: GateScalar(tc[j]), GateScalar(dhRow[j])).c.value
            }
            @inline(__always) func state(_ j: Int) -> (i: GateScalar<Scalar>, f: GateScalar<Scalar>, g: GateScalar<Scalar>, c: GateScalar<Scalar>) {
                lstmStatePullback(GateScalar(i[j]), GateScalar(f[j]), GateScalar(gg[j]), cell: GateScalar(cRow[j]), GateScalar(dcRow[j]))
            }
            for j in 0..<size { di[j] = state(j).i.value }
            for j in 0..<size { df[j] = state(j).f.value }
            for j in 0..<size { dg[j] = state(j).g.value }
            for j in 0..<size { dcRow[j] = state(j).c.value }
        }
        pullHidden(
            pdx + t * batch * width, previous: hPrevious, w.value.scalars, weightGradient: dw.borrowed.scalars,
            biasGradient: db.borrowed.scalars, hiddenGradient: pdh, beta: 0, batch: batch, hidden: size, width: width)
    }
    return InputGradients([
        x.requiresGradient ? dx : nil, w.requiresGradient ? dw : nil, y.borrowedInput(at: 2).requiresGradient ? db : nil,
        h0.requiresGradient ? dh : nil, c0.requiresGradient ? dc : nil, nil,
    ])
}

// MARK: - GRU

/// A GRU layer's whole sequence as one node (PyTorch's `nn.GRU` for one layer and direction,
/// after its input projection): ``gruCell(projectedInput:projectedHidden:hidden:file:line:)``
/// at every step, with `projectedHidden` = hₜ₋₁ Wₕ + bₕ.
///
/// Step t reads rows tB..<(t+1)B of `projectedInputs` and writes the same rows of the
/// outputs; `reversed` runs the steps from the last to the first, so the final h is then
/// step 0's. Its backward is backpropagation through time in one loop; it keeps the gates
/// r, z, n and the hidden projection's n block of every step (4 T·B·H scalars) besides the
/// outputs.
///
/// ```swift
/// let (outputs, h) = gruSequence(
///     projectedInputs: x.dense(weight: wi, bias: bi), weightHidden: wh, biasHidden: bh, hidden: h0)
/// ```
/// - Parameters:
///   - projectedInputs: `[T·B, 3H]`, the input projections of all steps (gates r, z, n).
///   - weightHidden: `[H, 3H]`, the hidden weights (PyTorch's `weight_hh` transposed).
///   - biasHidden: `[3H]`, the hidden bias.
///   - hidden: `[B, H]`, the initial h.
///   - reversed: Whether the steps run from the last to the first.
///   - file: The file a misuse is reported at (the caller's, by default).
///   - line: The line a misuse is reported at (the caller's, by default).
/// - Returns: h at every step (`[T·B, H]`, time-major) and the final h (`[B, H]`).
@inlinable
public func gruSequence<Scalar>(
    projectedInputs: Variable<Scalar>, weightHidden: Variable<Scalar>, biasHidden: Variable<Scalar>,
    hidden: Variable<Scalar>, reversed: Bool = false, file: StaticString = #fileID, line: UInt = #line
) -> (outputs: Variable<Scalar>, hidden: Variable<Scalar>) {
    let (steps, batch, size) = checkSequence(
        "gruSequence", gates: 3, projectedInputs, weightHidden, biasHidden, states: [hidden], file: file, line: line)
    let (rows, width) = (steps * batch, 3 * size)
    let (x, w, b, h0) = (
        projectedInputs.storedValue.borrowed, weightHidden.storedValue.borrowed, biasHidden.storedValue.borrowed,
        hidden.storedValue.borrowed
    )
    // Kept: the gates r, z, n [T·B, 3H], then the hidden projection's n block [T·B, H].
    let output = Tensor<Scalar>.zeros([rows, size])
    let kept = Tensor<Scalar>.zeros([rows * 4, size])
    let projection = Tensor<Scalar>.zeros([batch, width])
    let (out, saved, hp) = (output.borrowed.scalars, kept.borrowed.scalars, projection.borrowed.scalars)
    let nBlocks = saved + rows * 3 * size
    withExtendedLifetime(projection) {   // hp points into it
        var h = UnsafePointer(h0.scalars)
        for t in stepOrder(steps, reversed: reversed) {
            projectHidden(h, w.scalars, bias: b.scalars, into: hp, batch: batch, hidden: size, width: width)
            for n in 0..<batch {
                let r = t * batch + n
                gruForwardRow(
                    x.scalars + r * width, hp + n * width, hidden: UnsafeMutablePointer(mutating: h + n * size),
                    size: size, saved: saved + r * 3 * size, output: out + r * size)
                (nBlocks + r * size).update(from: hp + n * width + 2 * size, count: size)
            }
            h = UnsafePointer(out + t * batch * size)
        }
    }
    let node = Variable(
        op: "gruSequence", value: output,
        inputs: [projectedInputs, weightHidden, biasHidden, hidden, Variable(kept)], file: file, line: line,
        tensorPullback: { y, g in gruSequenceTensorPullback(y, g, steps: steps, reversed: reversed) }
    ) { y, g in
        gruSequenceVariablePullback(y, g, steps: steps, reversed: reversed)
    }
    let last = reversed ? 0 : steps - 1
    return (node, node.rows(last * batch..<(last + 1) * batch, file: file, line: line))
}

/// The first-order backward of `gruSequence`: backpropagation through time, the steps in
/// the reverse of the order they ran.
@inlinable
internal func gruSequenceTensorPullback<Scalar>(
    _ y: Variable<Scalar>, _ g: consuming Tensor<Scalar>, steps: Int, reversed: Bool
) -> InputGradients<Tensor<Scalar>> {
    let gradient = g.borrowed
    let (x, w, h0) = (y.borrowedInput(at: 0), y.borrowedInput(at: 1), y.borrowedInput(at: 3))
    let (saved, out) = (y.borrowedInput(at: 4).value.scalars, y.value.borrowed.scalars)
    let (batch, size) = (h0.value.size(0), h0.value.size(1))
    let (rows, width) = (steps * batch, 3 * size)
    let nBlocks = saved + rows * 3 * size
    let (dx, dw, db) = (Tensor<Scalar>.zeros(x.value.shape), Tensor<Scalar>.zeros(w.value.shape), Tensor<Scalar>.zeros([width]))
    let (dh, hiddenSide) = (Tensor<Scalar>.zeros([batch, size]), Tensor<Scalar>.zeros([batch, width]))
    let (pdx, pdh, pdb) = (dx.borrowed.scalars, dh.borrowed.scalars, hiddenSide.borrowed.scalars)
    let order = stepOrder(steps, reversed: reversed)
    for (k, t) in order.enumerated().reversed() {
        let hPrevious = k == 0 ? UnsafePointer(h0.value.scalars) : UnsafePointer(out + order[k - 1] * batch * size)
        for n in 0..<batch {
            let r = t * batch + n
            let s = saved + r * 3 * size
            let (da, dbRow, dhRow, gRow, hRow, bn) = (
                pdx + r * width, pdb + n * width, pdh + n * size, gradient.scalars + r * size, hPrevious + n * size,
                nBlocks + r * size
            )
            // Indices are j alone, offsets in the pointers, and one pass per gradient, so that
            // each loop vectorises; ∇h last, as it overwrites dh.
            let (gr, gz, gn, dar, daz, dan, dbn) = (s, s + size, s + 2 * size, da, da + size, da + 2 * size, dbRow + 2 * size)
            for j in 0..<size { dhRow[j] += gRow[j] }
            @inline(__always) func pull(_ j: Int) -> (a: (GateScalar<Scalar>, GateScalar<Scalar>, GateScalar<Scalar>), b: (GateScalar<Scalar>, GateScalar<Scalar>, GateScalar<Scalar>), h: GateScalar<Scalar>) {
                gruPullback(
                    (GateScalar(gr[j]), GateScalar(gz[j]), GateScalar(gn[j])), hiddenProjection: GateScalar(bn[j]),
                    hidden: GateScalar(hRow[j]), GateScalar(dhRow[j]))
            }
            for j in 0..<size { dar[j] = pull(j).a.0.value }
            for j in 0..<size { daz[j] = pull(j).a.1.value }
            for j in 0..<size { dan[j] = pull(j).a.2.value }
            dbRow.update(from: da, count: 2 * size)   // ∇bᵣ = ∇aᵣ, ∇b_z = ∇a_z
            for j in 0..<size { dbn[j] = pull(j).b.2.value }
            for j in 0..<size { dhRow[j] = pull(j).h.value }
        }
        pullHidden(
            pdb, previous: hPrevious, w.value.scalars, weightGradient: dw.borrowed.scalars,
            biasGradient: db.borrowed.scalars, hiddenGradient: pdh, beta: 1, batch: batch, hidden: size, width: width)
    }
    withExtendedLifetime(hiddenSide) {}   // pdb pointed into it
    return InputGradients([
        x.requiresGradient ? dx : nil, w.requiresGradient ? dw : nil, y.borrowedInput(at: 2).requiresGradient ? db : nil,
        h0.requiresGradient ? dh : nil, nil,
    ])
}

// MARK: - The recorded backward

/// Rows tB..<(t+1)B of `x`: step t of a time-major sequence.
@inlinable
internal func stepRows<Scalar>(_ x: Variable<Scalar>, _ t: Int, _ batch: Int) -> Variable<Scalar> {
    x.rows(t * batch..<(t + 1) * batch)
}

/// One step's share of the hidden weights' gradients, on variables (``pullHidden``'s
/// formulas): (hᵀ d, Σ rows of d, d Wₕᵀ).
@inlinable
internal func pullHidden<Scalar>(
    _ d: Variable<Scalar>, previous h: Variable<Scalar>, _ w: Variable<Scalar>
) -> (weight: Variable<Scalar>, bias: Variable<Scalar>, hidden: Variable<Scalar>) {
    (h.matmul(d, transposingSelf: true), d.sum(alongAxis: 0), d.matmul(w, transposingOther: true))
}

/// The recorded backward of `lstmSequence` (gradients of gradients): its forward recomputed
/// from the inputs, then backpropagation through time with ``lstmOutputPullback(_:tanhOfCell:_:)``
/// and ``lstmStatePullback(_:_:_:cell:_:)`` per gate block.
@inlinable
internal func lstmSequenceVariablePullback<Scalar>(
    _ y: Variable<Scalar>, _ g: Variable<Scalar>, steps: Int, reversed: Bool
) -> [Variable<Scalar>?] {
    let (x, w, b, h0, c0) = (y.input(at: 0), y.input(at: 1), y.input(at: 2), y.input(at: 3), y.input(at: 4))
    let (batch, size) = (h0.shape[0], h0.shape[1])
    let order = stepOrder(steps, reversed: reversed)
    // The forward: each step's activated gates, the c before it and tanh(c′).
    var (h, c) = (h0, c0)
    var kept: [(gates: (i: Variable<Scalar>, f: Variable<Scalar>, g: Variable<Scalar>, o: Variable<Scalar>), h: Variable<Scalar>, c: Variable<Scalar>, t: Variable<Scalar>)] = []
    for t in order {
        let pre = stepRows(x, t, batch) + h.matmul(w) + b
        let gates = lstmGates(gateBlock(pre, 0, size), gateBlock(pre, 1, size), gateBlock(pre, 2, size), gateBlock(pre, 3, size))
        let next = gates.f * c + gates.i * gates.g
        let tc = next.hyperbolicTangent
        kept.append((gates, h, c, tc))
        (h, c) = (gates.o * tc, next)
    }
    // The reverse sweep.
    var (dh, dc) = (Variable<Scalar>(Tensor.zeros([batch, size])), g.rows(steps * batch..<(steps + 1) * batch))
    var (dw, db) = (Variable<Scalar>(Tensor.zeros(w.shape)), Variable<Scalar>(Tensor.zeros(b.shape)))
    var dx = [Variable<Scalar>?](repeating: nil, count: steps)
    for (k, t) in order.enumerated().reversed() {
        let step = kept[k]
        let out = lstmOutputPullback(step.gates.o, tanhOfCell: step.t, stepRows(g, t, batch) + dh)
        let state = lstmStatePullback(step.gates.i, step.gates.f, step.gates.g, cell: step.c, dc + out.c)
        let d = concatenate([state.i, state.f, state.g, out.o], alongAxis: 1)
        let shares = pullHidden(d, previous: step.h, w)
        (dx[t], dw, db, dh, dc) = (d, dw + shares.weight, db + shares.bias, shares.hidden, state.c)
    }
    return [
        x.requiresGradient ? concatenate(dx.map { $0! }, alongAxis: 0) : nil, w.requiresGradient ? dw : nil,
        b.requiresGradient ? db : nil, h0.requiresGradient ? dh : nil, c0.requiresGradient ? dc : nil, nil,
    ]
}

/// The recorded backward of `gruSequence` (gradients of gradients): its forward recomputed
/// from the inputs, then backpropagation through time with
/// ``gruPullback(_:hiddenProjection:hidden:_:)`` per gate block.
@inlinable
internal func gruSequenceVariablePullback<Scalar>(
    _ y: Variable<Scalar>, _ g: Variable<Scalar>, steps: Int, reversed: Bool
) -> [Variable<Scalar>?] {
    let (x, w, b, h0) = (y.input(at: 0), y.input(at: 1), y.input(at: 2), y.input(at: 3))
    let (batch, size) = (h0.shape[0], h0.shape[1])
    let order = stepOrder(steps, reversed: reversed)
    func blocks(_ v: Variable<Scalar>) -> (Variable<Scalar>, Variable<Scalar>, Variable<Scalar>) {
        (gateBlock(v, 0, size), gateBlock(v, 1, size), gateBlock(v, 2, size))
    }
    // The forward: each step's gates, hidden projection's n block and the h before it.
    var h = h0
    var kept: [(gates: (r: Variable<Scalar>, z: Variable<Scalar>, n: Variable<Scalar>), bn: Variable<Scalar>, h: Variable<Scalar>)] = []
    for t in order {
        let (a, hp) = (blocks(stepRows(x, t, batch)), blocks(h.matmul(w) + b))
        let gates = gruGates(a, hp)
        kept.append((gates, hp.2, h))
        h = gates.n + gates.z * (h - gates.n)
    }
    // The reverse sweep.
    var dh = Variable<Scalar>(Tensor.zeros([batch, size]))
    var (dw, db) = (Variable<Scalar>(Tensor.zeros(w.shape)), Variable<Scalar>(Tensor.zeros(b.shape)))
    var dx = [Variable<Scalar>?](repeating: nil, count: steps)
    for (k, t) in order.enumerated().reversed() {
        let step = kept[k]
        let d = gruPullback(step.gates, hiddenProjection: step.bn, hidden: step.h, stepRows(g, t, batch) + dh)
        let dHidden = concatenate([d.b.0, d.b.1, d.b.2], alongAxis: 1)
        let shares = pullHidden(dHidden, previous: step.h, w)
        (dx[t], dw, db, dh) = (concatenate([d.a.0, d.a.1, d.a.2], alongAxis: 1), dw + shares.weight, db + shares.bias, d.h + shares.hidden)
    }
    return [
        x.requiresGradient ? concatenate(dx.map { $0! }, alongAxis: 0) : nil, w.requiresGradient ? dw : nil,
        b.requiresGradient ? db : nil, h0.requiresGradient ? dh : nil, nil,
    ]
}
