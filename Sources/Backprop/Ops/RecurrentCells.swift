// The fused recurrent cells: the element-wise gate math of an LSTM and a GRU step as one
// node each (the LSTM as two: its state c′ and its output h′), forward and closed-form
// backward each one pass over the gates. The matrix products stay outside (the caller's
// `dense`), so the cells work for any projection.
//
// Each formula is written once, generic over `GateAlgebra`: run on scalars it is the body of
// the kernels' per-element loops (forward and first-order backward); run on variables, per
// gate block, it is the recorded backward, which can be differentiated again.

/// The arithmetic the cell formulas are written in: scalars (``GateScalar``) or variables.
@usableFromInline
internal protocol GateAlgebra {
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    /// σ(x) = 1/(1 + e⁻ˣ).
    var logistic: Self { get }
    /// tanh x.
    var hyperbolicTangent: Self { get }
    /// 1 − x.
    var complement: Self { get }
}

/// One scalar in ``GateAlgebra``. Its σ and tanh are the activation loops' (for Float the
/// inline exponential and tanh of CBackpropMath.h, within 1.5 ulp), so that a cell's element
/// loop compiles to vector code rather than a call into the C library per gate.
@usableFromInline @frozen
internal struct GateScalar<Scalar: TensorScalar>: GateAlgebra {
    @usableFromInline var value: Scalar
    @inlinable @inline(__always) init(_ value: Scalar) { self.value = value }
    @inlinable @inline(__always) static func + (lhs: Self, rhs: Self) -> Self { Self(lhs.value + rhs.value) }
    @inlinable @inline(__always) static func - (lhs: Self, rhs: Self) -> Self { Self(lhs.value - rhs.value) }
    @inlinable @inline(__always) static func * (lhs: Self, rhs: Self) -> Self { Self(lhs.value * rhs.value) }
    @inlinable var logistic: Self { Self(loopSigmoid(value)) }
    @inlinable var hyperbolicTangent: Self { Self(loopTanh(value)) }
    @inlinable var complement: Self { Self(1 - value) }
}

extension Variable: GateAlgebra {
    @inlinable var logistic: Variable { sigmoid() }
    @inlinable var hyperbolicTangent: Variable { tanh() }
    @inlinable var complement: Variable { negated().shifted(by: 1) }
}

// MARK: - The formulas, once

/// The LSTM's activated gates from their pre-activations: σ(i), σ(f), tanh(g), σ(o).
@inlinable @inline(__always)
internal func lstmGates<T: GateAlgebra>(_ i: T, _ f: T, _ g: T, _ o: T) -> (i: T, f: T, g: T, o: T) {
    (i.logistic, f.logistic, g.hyperbolicTangent, o.logistic)
}

/// The gradients of c′ = f c + i g with respect to the pre-activations of i, f, g (given the
/// activated gates) and to c, times ∇c′.
@inlinable @inline(__always)
internal func lstmStatePullback<T: GateAlgebra>(
    _ i: T, _ f: T, _ g: T, cell c: T, _ dc: T
) -> (i: T, f: T, g: T, c: T) {
    (dc * g * i * i.complement, dc * c * f * f.complement, dc * i * (g * g).complement, dc * f)
}

/// The gradients of h′ = o tanh(c′) with respect to the pre-activation of o (given the
/// activated o and t = tanh(c′)) and to c′, times ∇h′.
@inlinable @inline(__always)
internal func lstmOutputPullback<T: GateAlgebra>(_ o: T, tanhOfCell t: T, _ dh: T) -> (o: T, c: T) {
    (dh * t * o * o.complement, dh * o * (t * t).complement)
}

/// The GRU's gates from the input projections a and the hidden projections b:
/// r = σ(aᵣ + bᵣ), z = σ(a_z + b_z), n = tanh(aₙ + r bₙ); then h′ = n + z (h − n).
@inlinable @inline(__always)
internal func gruGates<T: GateAlgebra>(_ a: (T, T, T), _ b: (T, T, T)) -> (r: T, z: T, n: T) {
    let (r, z) = ((a.0 + b.0).logistic, (a.1 + b.1).logistic)
    return (r, z, (a.2 + r * b.2).hyperbolicTangent)
}

/// The gradients of the GRU's h′ = n + z (h − n) with respect to the input projections a,
/// the hidden projections b and the state h, times ∇h′, given the gates and bₙ.
@inlinable @inline(__always)
internal func gruPullback<T: GateAlgebra>(
    _ gates: (r: T, z: T, n: T), hiddenProjection bn: T, hidden h: T, _ dh: T
) -> (a: (T, T, T), b: (T, T, T), h: T) {
    let (r, z, n) = gates
    let dn = dh * z.complement * (n * n).complement
    let dz = dh * (h - n) * z * z.complement
    let dr = dn * bn * r * r.complement
    return ((dr, dz, dn), (dr, dz, dn * r), dh * z)
}

// MARK: - The ops

/// The pre-activations of an LSTM step: its input and hidden projections, each `[batch, 4H]`
/// (gates i, f, g, o), checked against the state `[batch, H]`.
@inlinable
internal func checkGates<Scalar>(
    _ op: String, gates: Int, _ a: Variable<Scalar>, _ b: Variable<Scalar>, state: Variable<Scalar>,
    file: StaticString, line: UInt
) -> (batch: Int, hidden: Int) {
    let s = state.shape
    let ok = s.count == 2 && s[1] > 0 && a.shape == [s[0], gates * s[1]] && b.shape == a.shape
    require(
        ok,
        "\(op): projected input \(Shapes.format(a.shape)), projected hidden \(Shapes.format(b.shape)), state "
            + "\(Shapes.format(s)): expected [B, \(gates)H], [B, \(gates)H], [B, H]",
        file: file, line: line)
    return (s[0], s[1])
}

/// Gate block `k` of a `[batch, gates · H]` variable.
@inlinable
internal func gateBlock<Scalar>(_ x: Variable<Scalar>, _ k: Int, _ hidden: Int) -> Variable<Scalar> {
    x.sliced(alongAxis: 1, k * hidden..<(k + 1) * hidden)
}

/// The gradient of a `[batch, gates · H]` input from its gate blocks (`nil`: zero).
@inlinable
internal func joinedGates<Scalar>(_ blocks: [Variable<Scalar>?], like block: Variable<Scalar>) -> Variable<Scalar> {
    concatenate(blocks.map { $0 ?? Variable(Tensor.zeros(block.shape)) }, alongAxis: 1)
}

/// One LSTM step's element-wise part (PyTorch's `nn.LSTMCell` after its two matrix
/// products), as two fused nodes: the state c′ and the output h′.
///
/// With `[i f g o] = projectedInput + projectedHidden` (gate blocks of H columns):
///
/// ```
/// c′ = σ(f) ⊙ c + σ(i) ⊙ tanh(g),   h′ = σ(o) ⊙ tanh(c′)
/// ∇i = ∇c′ ⊙ tanh(g) ⊙ σ(i)(1 − σ(i)),   ∇f = ∇c′ ⊙ c ⊙ σ(f)(1 − σ(f))
/// ∇g = ∇c′ ⊙ σ(i) ⊙ (1 − tanh²(g)),      ∇c = ∇c′ ⊙ σ(f)
/// ∇o = ∇h′ ⊙ tanh(c′) ⊙ σ(o)(1 − σ(o)),  ∇c′ += ∇h′ ⊙ σ(o) ⊙ (1 − tanh²(c′))
/// ```
///
/// Both projections get the same gradient (the gates'). A step with hand-written gates costs
/// some fifteen nodes; this one two.
///
/// ```swift
/// let gates = (x.dense(weight: wi, bias: bi), h.dense(weight: wh, bias: bh))
/// let (h1, c1) = lstmCell(projectedInput: gates.0, projectedHidden: gates.1, cell: c)
/// ```
/// - Precondition: `cell` is `[B, H]` and both projections are `[B, 4H]`.
@inlinable
public func lstmCell<Scalar>(
    projectedInput: Variable<Scalar>, projectedHidden: Variable<Scalar>, cell: Variable<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> (hidden: Variable<Scalar>, cell: Variable<Scalar>) {
    let (batch, hidden) = checkGates(
        "lstmCell", gates: 4, projectedInput, projectedHidden, state: cell, file: file, line: line)
    let (a, b, c) = (projectedInput.storedValue.borrowed, projectedHidden.storedValue.borrowed, cell.storedValue.borrowed)
    let width = 4 * hidden
    var state = Tensor<Scalar>.zeros([batch, hidden])
    var output = Tensor<Scalar>.zeros([batch, hidden])
    // The activated gates and tanh(c′), [batch, 5H], kept for the first-order backward, which
    // then needs no exponential; a constant input of both nodes.
    let saved = Tensor<Scalar>(shape: [batch, 5 * hidden], count: batch * 5 * hidden) { kept in
        state.withUnsafeMutableBufferPointer { stateBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                let (cs, hs) = (stateBuffer.baseAddress!, outputBuffer.baseAddress!)   // not the inout pointers
                for n in 0..<batch {
                    lstmForwardRow(
                        a.scalars + n * width, b.scalars + n * width, cell: c.scalars + n * hidden, hidden: hidden,
                        saved: kept + n * 5 * hidden, state: cs + n * hidden, output: hs + n * hidden)
                }
            }
        }
    }
    let kept = Variable(saved)
    let stateNode = Variable(
        op: "lstmCell.state", value: state, inputs: [projectedInput, projectedHidden, cell, kept], file: file,
        line: line, tensorPullback: { y, g in lstmStateTensorPullback(y, g) }
    ) { y, g in
        let (a, b, c) = (y.input(at: 0), y.input(at: 1), y.input(at: 2))
        let h = c.shape[1]
        let pre = a + b
        let gates = lstmGates(gateBlock(pre, 0, h), gateBlock(pre, 1, h), gateBlock(pre, 2, h), gateBlock(pre, 3, h))
        let d = lstmStatePullback(gates.i, gates.f, gates.g, cell: c, g)
        let joined = joinedGates([d.i, d.f, d.g, nil], like: c)
        return [a.requiresGradient ? joined : nil, b.requiresGradient ? joined : nil, c.requiresGradient ? d.c : nil, nil]
    }
    let outputNode = Variable(
        op: "lstmCell.output", value: output, inputs: [projectedInput, projectedHidden, stateNode, kept], file: file,
        line: line, tensorPullback: { y, g in lstmOutputTensorPullback(y, g) }
    ) { y, g in
        let (a, b, c) = (y.input(at: 0), y.input(at: 1), y.input(at: 2))
        let h = c.shape[1]
        let d = lstmOutputPullback(gateBlock(a + b, 3, h).logistic, tanhOfCell: c.hyperbolicTangent, g)
        let joined = joinedGates([nil, nil, nil, d.o], like: c)
        return [a.requiresGradient ? joined : nil, b.requiresGradient ? joined : nil, c.requiresGradient ? d.c : nil, nil]
    }
    return (outputNode, stateNode)
}

/// One row of `lstmCell`'s forward: the gates (``lstmGates(_:_:_:_:)``) and tanh(c′) into
/// `saved` (i, f, g, o, tanh(c′), H columns each), c′ into `state`, h′ into `output`. One pass
/// per formula over contiguous columns, each a loop that vectorises or a call to the
/// vector σ and tanh (a single loop over the columns would read and write eight arrays, and
/// stays scalar).
@inlinable @inline(__always)
internal func lstmForwardRow<Scalar: TensorScalar>(
    _ a: UnsafeMutablePointer<Scalar>, _ b: UnsafeMutablePointer<Scalar>, cell c: UnsafeMutablePointer<Scalar>,
    hidden: Int, saved: UnsafeMutablePointer<Scalar>, state: UnsafeMutablePointer<Scalar>,
    output: UnsafeMutablePointer<Scalar>
) {
    let (i, f, g, o, t) = (saved, saved + hidden, saved + 2 * hidden, saved + 3 * hidden, saved + 4 * hidden)
    for j in 0..<4 * hidden { saved[j] = a[j] + b[j] }
    sigmoidInPlace(saved, count: 2 * hidden)   // i and f
    tanhInPlace(g, count: hidden)
    sigmoidInPlace(o, count: hidden)
    for j in 0..<hidden { state[j] = f[j] * c[j] + i[j] * g[j] }
    t.update(from: state, count: hidden)
    tanhInPlace(t, count: hidden)
    for j in 0..<hidden { output[j] = o[j] * t[j] }
}

/// The gradients of an `lstmCell` node `y` (inputs: two `[batch, 4H]` projections, a
/// `[batch, H]` state and the saved `[batch, 5H]` activations): `element(k, e, s, …)` runs for
/// every element of the state (`e`; `k` and `s` the indices of its column in block 0 of the
/// projections and of the saved activations), reads the saved activations and the state, and
/// writes the projections' gradient (shared by both, zero where not written) and the state's.
@inlinable @inline(__always)
internal func cellTensorPullback<Scalar>(
    _ y: Variable<Scalar>,
    _ element: (_ k: Int, _ e: Int, _ s: Int, _ saved: UnsafePointer<Scalar>, _ state: UnsafePointer<Scalar>,
                _ projection: UnsafeMutablePointer<Scalar>, _ stateGradient: UnsafeMutablePointer<Scalar>) -> Void
) -> InputGradients<Tensor<Scalar>> {
    let (a, b, c) = (y.borrowedInput(at: 0), y.borrowedInput(at: 1), y.borrowedInput(at: 2))
    let saved = y.borrowedInput(at: 3).value.scalars
    let (batch, hidden) = (c.value.size(0), c.value.size(1))
    var stateGradient = Tensor<Scalar>.zeros(c.value.shape)
    var projection = Tensor<Scalar>.zeros(a.value.shape)
    projection.withUnsafeMutableBufferPointer { out in
        stateGradient.withUnsafeMutableBufferPointer { gc in
            let (out, gc) = (out.baseAddress!, gc.baseAddress!)   // not the inout pointers
            for n in 0..<batch {
                for j in 0..<hidden {
                    element(n * 4 * hidden + j, n * hidden + j, n * 5 * hidden + j, saved, c.value.scalars, out, gc)
                }
            }
        }
    }
    return InputGradients([
        a.requiresGradient ? projection : nil, b.requiresGradient ? projection : nil,
        c.requiresGradient ? stateGradient : nil, nil,
    ])
}

/// The first-order backward of `lstmCell.state` (``lstmStatePullback(_:_:_:cell:_:)`` per
/// element, on the saved gates).
@inlinable
internal func lstmStateTensorPullback<Scalar>(_ y: Variable<Scalar>, _ g: consuming Tensor<Scalar>) -> InputGradients<Tensor<Scalar>> {
    let dc = g.borrowed
    let hidden = dc.size(1)
    return cellTensorPullback(y) { k, e, s, saved, c, out, gc in
        let d = lstmStatePullback(
            GateScalar(saved[s]), GateScalar(saved[s + hidden]), GateScalar(saved[s + 2 * hidden]),
            cell: GateScalar(c[e]), GateScalar(dc.scalars[e]))
        (out[k], out[k + hidden], out[k + 2 * hidden]) = (d.i.value, d.f.value, d.g.value)
        gc[e] = d.c.value
    }
}

/// The first-order backward of `lstmCell.output` (``lstmOutputPullback(_:tanhOfCell:_:)`` per
/// element, on the saved σ(o) and tanh(c′)).
@inlinable
internal func lstmOutputTensorPullback<Scalar>(_ y: Variable<Scalar>, _ g: consuming Tensor<Scalar>) -> InputGradients<Tensor<Scalar>> {
    let dh = g.borrowed
    let hidden = dh.size(1)
    return cellTensorPullback(y) { k, e, s, saved, _, out, gc in
        let d = lstmOutputPullback(GateScalar(saved[s + 3 * hidden]), tanhOfCell: GateScalar(saved[s + 4 * hidden]), GateScalar(dh.scalars[e]))
        out[k + 3 * hidden] = d.o.value
        gc[e] = d.c.value
    }
}

/// One GRU step's element-wise part (PyTorch's `nn.GRUCell` after its two matrix
/// products) as one fused node. With `[aᵣ a_z aₙ] = projectedInput` (x Wᵢ + bᵢ) and
/// `[bᵣ b_z bₙ] = projectedHidden` (h Wₕ + bₕ):
///
/// ```
/// r = σ(aᵣ + bᵣ),  z = σ(a_z + b_z),  n = tanh(aₙ + r ⊙ bₙ),  h′ = (1 − z) ⊙ n + z ⊙ h
/// ∇n̂ = ∇h′ ⊙ (1 − z) ⊙ (1 − n²)            (n̂ = aₙ + r ⊙ bₙ)
/// ∇ẑ = ∇h′ ⊙ (h − n) ⊙ z(1 − z),  ∇r̂ = ∇n̂ ⊙ bₙ ⊙ r(1 − r)
/// ∇a = [∇r̂ ∇ẑ ∇n̂],  ∇b = [∇r̂ ∇ẑ ∇n̂ ⊙ r],  ∇h = ∇h′ ⊙ z
/// ```
///
/// ```swift
/// let h1 = gruCell(projectedInput: x.dense(weight: wi, bias: bi),
///                  projectedHidden: h.dense(weight: wh, bias: bh), hidden: h)
/// ```
/// - Precondition: `hidden` is `[B, H]` and both projections are `[B, 3H]`.
@inlinable
public func gruCell<Scalar>(
    projectedInput: Variable<Scalar>, projectedHidden: Variable<Scalar>, hidden: Variable<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    let (batch, size) = checkGates(
        "gruCell", gates: 3, projectedInput, projectedHidden, state: hidden, file: file, line: line)
    let (a, b, h) = (projectedInput.storedValue.borrowed, projectedHidden.storedValue.borrowed, hidden.storedValue.borrowed)
    var output = Tensor<Scalar>.zeros([batch, size])
    // The gates r, z, n, [batch, 3H], kept for the first-order backward, which then needs no
    // exponential; a constant input of the node.
    let saved = Tensor<Scalar>(shape: [batch, 3 * size], count: batch * 3 * size) { kept in
        output.withUnsafeMutableBufferPointer { buffer in
            let out = buffer.baseAddress!   // not the inout pointer
            for n in 0..<batch {
                let k = n * 3 * size
                gruForwardRow(
                    a.scalars + k, b.scalars + k, hidden: h.scalars + n * size, size: size, saved: kept + k,
                    output: out + n * size)
            }
        }
    }
    return Variable(
        op: "gruCell", value: output, inputs: [projectedInput, projectedHidden, hidden, Variable(saved)], file: file,
        line: line, tensorPullback: { y, g in gruTensorPullback(y, g) }
    ) { y, g in
        let (a, b, h) = (y.input(at: 0), y.input(at: 1), y.input(at: 2))
        let size = h.shape[1]
        func gates(_ x: Variable<Scalar>) -> (Variable<Scalar>, Variable<Scalar>, Variable<Scalar>) {
            (gateBlock(x, 0, size), gateBlock(x, 1, size), gateBlock(x, 2, size))
        }
        let (ga, gb) = (gates(a), gates(b))
        let d = gruPullback(gruGates(ga, gb), hiddenProjection: gb.2, hidden: h, g)
        return [
            a.requiresGradient ? joinedGates([d.a.0, d.a.1, d.a.2], like: h) : nil,
            b.requiresGradient ? joinedGates([d.b.0, d.b.1, d.b.2], like: h) : nil,
            h.requiresGradient ? d.h : nil, nil,
        ]
    }
}

/// One row of `gruCell`'s forward: the gates (``gruGates(_:_:)``) into `saved` (r, z, n, H
/// columns each) and h′ into `output`, one pass per formula over contiguous columns so that
/// each loop vectorises (σ and tanh by the vector kernels).
@inlinable @inline(__always)
internal func gruForwardRow<Scalar: TensorScalar>(
    _ a: UnsafeMutablePointer<Scalar>, _ b: UnsafeMutablePointer<Scalar>, hidden h: UnsafeMutablePointer<Scalar>,
    size: Int, saved: UnsafeMutablePointer<Scalar>, output: UnsafeMutablePointer<Scalar>
) {
    // Indices are j alone (offsets go into the pointers): checked index arithmetic would keep
    // the loops scalar.
    let (r, z, n, an, bn) = (saved, saved + size, saved + 2 * size, a + 2 * size, b + 2 * size)
    for j in 0..<2 * size { saved[j] = a[j] + b[j] }
    sigmoidInPlace(saved, count: 2 * size)   // r and z
    for j in 0..<size { n[j] = an[j] + r[j] * bn[j] }
    tanhInPlace(n, count: size)
    for j in 0..<size { output[j] = n[j] + z[j] * (h[j] - n[j]) }
}

/// The first-order backward of `gruCell` (``gruPullback(_:hiddenProjection:hidden:_:)`` per
/// element, on the saved gates). Its two projections get different gradients, so the second
/// is written beside the first.
@inlinable
internal func gruTensorPullback<Scalar>(_ y: Variable<Scalar>, _ g: consuming Tensor<Scalar>) -> InputGradients<Tensor<Scalar>> {
    let dh = g.borrowed
    let (a, b, h) = (y.borrowedInput(at: 0), y.borrowedInput(at: 1), y.borrowedInput(at: 2))
    let (bs, hs, saved) = (b.value.scalars, h.value.scalars, y.borrowedInput(at: 3).value.scalars)
    let (batch, size) = (dh.size(0), dh.size(1))
    var gb = Tensor<Scalar>.zeros(a.value.shape)
    var gh = Tensor<Scalar>.zeros(h.value.shape)
    let ga = Tensor<Scalar>(shape: a.value.shape, count: a.value.count) { outA in
        gb.withUnsafeMutableBufferPointer { outB in
            gh.withUnsafeMutableBufferPointer { outH in
                let (pb, ph) = (outB, outH)   // not the inout pointers, which the loop would reload
                for n in 0..<batch {
                    for j in 0..<size {
                        let (k, e) = (n * 3 * size + j, n * size + j)
                        let d = gruPullback(
                            (GateScalar(saved[k]), GateScalar(saved[k + size]), GateScalar(saved[k + 2 * size])),
                            hiddenProjection: GateScalar(bs[k + 2 * size]), hidden: GateScalar(hs[e]),
                            GateScalar(dh.scalars[e]))
                        (outA[k], outA[k + size], outA[k + 2 * size]) = (d.a.0.value, d.a.1.value, d.a.2.value)
                        (pb[k], pb[k + size], pb[k + 2 * size]) = (d.b.0.value, d.b.1.value, d.b.2.value)
                        ph[e] = d.h.value
                    }
                }
            }
        }
    }
    return InputGradients([
        a.requiresGradient ? ga : nil, b.requiresGradient ? gb : nil, h.requiresGradient ? gh : nil, nil,
    ])
}
