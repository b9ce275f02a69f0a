import Backprop

// The recurrent cells: one step of a vanilla RNN, an LSTM and a GRU, with PyTorch's gate
// order and equations, so weights move across by a transpose (see each cell). A cell splits
// its step in two: the input projection x Wᵢ + bᵢ, which does not depend on the state (the
// the fused `dense` node), and the recurrence from the projected input and the state.

/// One step of a recurrent network: the state after an input, given the state before.
///
/// Weights are stored input × output (row-vector form, like ``Dense``): `weightInput` is
/// `[inputSize, gates · hiddenSize]`, `weightHidden` `[hiddenSize, gates · hiddenSize]`, with
/// the gates as column blocks in PyTorch's order. PyTorch's `weight_ih_l0` is
/// `weightInput` transposed, `weight_hh_l0` is `weightHidden` transposed, and `bias_ih_l0`,
/// `bias_hh_l0` are `biasInput`, `biasHidden` as they are.
public protocol RecurrentCell<Scalar> {
    /// The element type.
    associatedtype Scalar: TensorScalar
    /// The number of state tensors: 1 (h) for RNN and GRU, 2 (h, c) for LSTM.
    static var stateCount: Int { get }
    /// The number of gate blocks: 1 (RNN), 4 (LSTM), 3 (GRU).
    static var gates: Int { get }
    /// Wᵢ, `[inputSize, gates · hiddenSize]`.
    var weightInput: Variable<Scalar> { get }
    /// Wₕ, `[hiddenSize, gates · hiddenSize]`.
    var weightHidden: Variable<Scalar> { get }
    /// bᵢ, `[gates · hiddenSize]`.
    var biasInput: Variable<Scalar> { get }
    /// bₕ, `[gates · hiddenSize]`.
    var biasHidden: Variable<Scalar> { get }
    /// The state after one step, from the projected input x Wᵢ + bᵢ (`[batch, gates · H]`)
    /// and the state before (each `[batch, H]`); the output of the step is the first state.
    func step(projected: Variable<Scalar>, state: [Variable<Scalar>]) -> [Variable<Scalar>]
    /// The outputs of a whole sequence, from the projected inputs of all its steps
    /// (`[T · batch, gates · H]`, time-major: step t is rows tB..<(t+1)B) and the initial
    /// state: h at every step (`[T · batch, H]`, time-major) and the final state. `reversed`
    /// runs the steps from the last to the first. The default runs ``step(projected:state:)``
    /// at every step; ``LSTMCell`` and ``GRUCell`` run Backprop's fused `lstmSequence` and
    /// `gruSequence`, one node for all steps.
    func sequence(
        projected: Variable<Scalar>, state: [Variable<Scalar>], reversed: Bool
    ) -> (outputs: Variable<Scalar>, finalState: [Variable<Scalar>])
    /// Creates a cell with the given parameters.
    init(weightInput: Tensor<Scalar>, weightHidden: Tensor<Scalar>, biasInput: Tensor<Scalar>, biasHidden: Tensor<Scalar>)
}

extension RecurrentCell {
    /// The number of input features.
    @inlinable public var inputSize: Int { weightInput.shape[0] }
    /// The size of the hidden state.
    @inlinable public var hiddenSize: Int { weightHidden.shape[0] }

    /// A cell with PyTorch's initialisation: every weight and bias uniform in [−1/√H, 1/√H],
    /// drawn in the order Wᵢ, Wₕ, bᵢ, bₕ.
    @inlinable
    public init(inputSize: Int, hiddenSize: Int, using generator: inout SeededGenerator) {
        require(
            inputSize > 0 && hiddenSize > 0,
            "\(Self.self): sizes must be positive, got input \(inputSize), hidden \(hiddenSize)")
        let bound = 1 / Double(hiddenSize).squareRoot()
        let width = Self.gates * hiddenSize
        func draw(_ shape: TensorShape) -> Tensor<Scalar> {
            Initializer.uniform(low: -bound, high: bound).make(shape: shape, fanIn: hiddenSize, fanOut: width, using: &generator)
        }
        let (wi, wh) = (draw([inputSize, width]), draw([hiddenSize, width]))
        self.init(weightInput: wi, weightHidden: wh, biasInput: draw([width]), biasHidden: draw([width]))
    }

    /// x Wᵢ + bᵢ for inputs `[batch, inputSize]`.
    @inlinable
    public func projectInput(_ x: Variable<Scalar>) -> Variable<Scalar> {
        x.dense(weight: weightInput, bias: biasInput)
    }

    /// The state after the input `x` (`[batch, inputSize]`), given `state`.
    @inlinable
    public func callAsFunction(_ x: Variable<Scalar>, state: [Variable<Scalar>]) -> [Variable<Scalar>] {
        step(projected: projectInput(x), state: state)
    }

    /// h Wₕ + bₕ.
    @inlinable
    func projectHidden(_ h: Variable<Scalar>) -> Variable<Scalar> {
        h.dense(weight: weightHidden, bias: biasHidden)
    }

    /// ``RecurrentCell/sequence(projected:state:reversed:)`` by ``step(projected:state:)`` at
    /// every step, one node or more per step.
    @inlinable
    public func sequence(
        projected: Variable<Scalar>, state: [Variable<Scalar>], reversed: Bool
    ) -> (outputs: Variable<Scalar>, finalState: [Variable<Scalar>]) {
        let batch = state[0].shape[0]
        var state = state
        var outputs = [Variable<Scalar>?](repeating: nil, count: projected.shape[0] / batch)
        for t in reversed ? Array(outputs.indices.reversed()) : Array(outputs.indices) {
            state = step(projected: projected.rows(t * batch..<(t + 1) * batch), state: state)
            outputs[t] = state[0]
        }
        return (concatenate(outputs.map { $0! }, alongAxis: 0), state)
    }

    /// `weightInput`, `weightHidden`, `biasInput`, `biasHidden`.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        [
            NamedParameter("weightInput", weightInput), NamedParameter("weightHidden", weightHidden),
            NamedParameter("biasInput", biasInput), NamedParameter("biasHidden", biasHidden),
        ]
    }
}

/// The parameters every cell stores, checked once.
@usableFromInline
func makeCellParameters<Scalar>(
    _ name: String, gates: Int, _ wi: Tensor<Scalar>, _ wh: Tensor<Scalar>, _ bi: Tensor<Scalar>, _ bh: Tensor<Scalar>
) -> (Variable<Scalar>, Variable<Scalar>, Variable<Scalar>, Variable<Scalar>) {
    let h = wh.shape.first ?? 0
    require(
        wi.rank == 2 && wh.shape == [h, gates * h] && wi.shape.last == gates * h && bi.shape == [gates * h]
            && bh.shape == [gates * h] && h > 0,
        "\(name): weightInput \(Shapes.format(wi.shape)), weightHidden \(Shapes.format(wh.shape)), biases "
            + "\(Shapes.format(bi.shape)), \(Shapes.format(bh.shape)): expected [I, \(gates)H], [H, \(gates)H], "
            + "[\(gates)H], [\(gates)H]")
    return (
        Variable(wi, requiresGradient: true), Variable(wh, requiresGradient: true),
        Variable(bi, requiresGradient: true), Variable(bh, requiresGradient: true)
    )
}

/// The Elman RNN step with tanh (PyTorch's `nn.RNNCell`):
/// h′ = tanh(x Wᵢ + bᵢ + h Wₕ + bₕ).
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let cell = RNNCell<Float>(inputSize: 8, hiddenSize: 16, using: &rng)
/// let h = cell(x, state: [h0])[0]   // [batch, 16]
/// ```
public struct RNNCell<Scalar: TensorScalar>: RecurrentCell {
    public let weightInput, weightHidden, biasInput, biasHidden: Variable<Scalar>
    public static var stateCount: Int { 1 }
    public static var gates: Int { 1 }

    /// Creates a cell from parameter values (shapes as in ``RecurrentCell``, one gate).
    @inlinable
    public init(weightInput: Tensor<Scalar>, weightHidden: Tensor<Scalar>, biasInput: Tensor<Scalar>, biasHidden: Tensor<Scalar>) {
        (self.weightInput, self.weightHidden, self.biasInput, self.biasHidden) =
            makeCellParameters("RNNCell", gates: Self.gates, weightInput, weightHidden, biasInput, biasHidden)
    }

    @inlinable
    public func step(projected: Variable<Scalar>, state: [Variable<Scalar>]) -> [Variable<Scalar>] {
        [(projected + projectHidden(state[0])).tanh()]
    }
}

/// The LSTM step (PyTorch's `nn.LSTMCell`), gates in the order i, f, g, o, its element-wise
/// part Backprop's fused `lstmCell(projectedInput:projectedHidden:cell:)`:
///
/// ```
/// [i f g o] = x Wᵢ + bᵢ + h Wₕ + bₕ
/// c′ = σ(f) ⊙ c + σ(i) ⊙ tanh(g),   h′ = σ(o) ⊙ tanh(c′)
/// ```
///
/// The state is `[h, c]`.
public struct LSTMCell<Scalar: TensorScalar>: RecurrentCell {
    public let weightInput, weightHidden, biasInput, biasHidden: Variable<Scalar>
    public static var stateCount: Int { 2 }
    public static var gates: Int { 4 }

    /// Creates a cell from parameter values (shapes as in ``RecurrentCell``, four gates).
    @inlinable
    public init(weightInput: Tensor<Scalar>, weightHidden: Tensor<Scalar>, biasInput: Tensor<Scalar>, biasHidden: Tensor<Scalar>) {
        (self.weightInput, self.weightHidden, self.biasInput, self.biasHidden) =
            makeCellParameters("LSTMCell", gates: Self.gates, weightInput, weightHidden, biasInput, biasHidden)
    }

    @inlinable
    public func step(projected: Variable<Scalar>, state: [Variable<Scalar>]) -> [Variable<Scalar>] {
        let next = lstmCell(projectedInput: projected, projectedHidden: projectHidden(state[0]), cell: state[1])
        return [next.hidden, next.cell]
    }

    /// All steps as one node: Backprop's `lstmSequence`.
    @inlinable
    public func sequence(
        projected: Variable<Scalar>, state: [Variable<Scalar>], reversed: Bool
    ) -> (outputs: Variable<Scalar>, finalState: [Variable<Scalar>]) {
        let run = lstmSequence(
            projectedInputs: projected, weightHidden: weightHidden, biasHidden: biasHidden, hidden: state[0],
            cell: state[1], reversed: reversed)
        return (run.outputs, [run.hidden, run.cell])
    }
}

/// The GRU step (PyTorch's `nn.GRUCell`), gates in the order r, z, n, the reset gate applied
/// to the hidden projection of n (with its bias), its element-wise part Backprop's fused
/// `gruCell(projectedInput:projectedHidden:hidden:)`:
///
/// ```
/// [aᵣ a_z aₙ] = x Wᵢ + bᵢ,   [hᵣ h_z hₙ] = h Wₕ + bₕ
/// r = σ(aᵣ + hᵣ),  z = σ(a_z + h_z),  n = tanh(aₙ + r ⊙ hₙ),  h′ = (1 − z) ⊙ n + z ⊙ h
/// ```
public struct GRUCell<Scalar: TensorScalar>: RecurrentCell {
    public let weightInput, weightHidden, biasInput, biasHidden: Variable<Scalar>
    public static var stateCount: Int { 1 }
    public static var gates: Int { 3 }

    /// Creates a cell from parameter values (shapes as in ``RecurrentCell``, three gates).
    @inlinable
    public init(weightInput: Tensor<Scalar>, weightHidden: Tensor<Scalar>, biasInput: Tensor<Scalar>, biasHidden: Tensor<Scalar>) {
        (self.weightInput, self.weightHidden, self.biasInput, self.biasHidden) =
            makeCellParameters("GRUCell", gates: Self.gates, weightInput, weightHidden, biasInput, biasHidden)
    }

    @inlinable
    public func step(projected: Variable<Scalar>, state: [Variable<Scalar>]) -> [Variable<Scalar>] {
        [gruCell(projectedInput: projected, projectedHidden: projectHidden(state[0]), hidden: state[0])]
    }

    /// All steps as one node: Backprop's `gruSequence`.
    @inlinable
    public func sequence(
        projected: Variable<Scalar>, state: [Variable<Scalar>], reversed: Bool
    ) -> (outputs: Variable<Scalar>, finalState: [Variable<Scalar>]) {
        let run = gruSequence(
            projectedInputs: projected, weightHidden: weightHidden, biasHidden: biasHidden, hidden: state[0],
            reversed: reversed)
        return (run.outputs, [run.hidden])
    }
}
