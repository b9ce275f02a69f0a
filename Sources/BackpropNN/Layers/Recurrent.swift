import Backprop

// The sequence layer of any recurrent cell: stacked, optionally bidirectional, unrolled
// step by step. Backpropagation through time is the reverse sweep of the unrolled graph:
// the cell's parameters are shared by every step, so their gradients add up over time.

/// A recurrent network over whole sequences: `layers` stacked cells, each optionally run in
/// both directions (PyTorch's `nn.RNN` / `nn.LSTM` / `nn.GRU` with `batch_first=True`).
///
/// Layout: **batch-first**. The input is `[batch, time, inputSize]`; the output holds the
/// top layer's state h at every step, `[batch, time, D · hiddenSize]` (D = 2 when
/// bidirectional: the forward then the reverse direction's h, concatenated); each initial or
/// final state tensor is `[layers · D, batch, hiddenSize]`, ordered layer by layer, forward
/// direction first (PyTorch's order). LSTM has two (h, c), RNN and GRU one (h).
///
/// Parameters are named `l<k>.<name>` and `l<k>.reverse.<name>` (PyTorch: `<name>_l<k>` and
/// `<name>_l<k>_reverse`; transpose the weights, see ``RecurrentCell``).
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let lstm = LSTM<Float>(inputSize: 8, hiddenSize: 32, layers: 2, using: &rng)
/// let (outputs, state) = lstm(x, initialState: nil)   // [b, t, 32]; h, c: [2, b, 32]
/// ```
public struct Recurrent<Cell: RecurrentCell>: Layer {
    public typealias Scalar = Cell.Scalar
    /// The cells, `cells[layer][direction]` (direction 0 forward, 1 reverse).
    public let cells: [[Cell]]

    /// Whether each layer also runs the sequence backwards.
    @inlinable public var isBidirectional: Bool { cells[0].count == 2 }
    /// The size of each direction's state.
    @inlinable public var hiddenSize: Int { cells[0][0].hiddenSize }
    /// When positive, a recorded forward pass runs every `checkpointInterval` consecutive
    /// steps as one checkpointed segment (Backprop's `checkpointed`): only each segment's
    /// outputs and final state are kept, and the segment (its input projection included)
    /// runs again during backward, so a long sequence keeps its outputs rather than every
    /// gate of every step. Outputs and gradients agree with the plain run to rounding (the
    /// input projection runs segment by segment, and a parameter's per-step terms are
    /// summed segment by segment). 0 (the default): no checkpoints.
    public var checkpointInterval = 0

    /// Creates the layers from given cells: every layer has one cell per direction, the
    /// first layer's input size is the input's, each later layer's is D · hiddenSize.
    @inlinable
    public init(cells: [[Cell]]) {
        let directions = cells.first?.count ?? 0
        require(
            !cells.isEmpty && (directions == 1 || directions == 2) && cells.allSatisfy { $0.count == directions },
            "\(Self.self): expected one or two cells in each of at least one layer, got \(cells.map(\.count))")
        let h = cells[0][0].hiddenSize
        for (k, layer) in cells.enumerated().dropFirst() {
            for cell in layer {
                require(
                    cell.inputSize == directions * h && cell.hiddenSize == h,
                    "\(Self.self): layer \(k) has input \(cell.inputSize) and hidden \(cell.hiddenSize); "
                        + "expected \(directions * h) and \(h)")
            }
        }
        self.cells = cells
    }

    /// Creates `layers` stacked layers with PyTorch's initialisation (see
    /// ``RecurrentCell/init(inputSize:hiddenSize:using:)``), drawn layer by layer, forward
    /// direction first.
    @inlinable
    public init(
        inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
        using generator: inout SeededGenerator
    ) {
        require(layers > 0, "\(Self.self): \(layers) layers")
        let directions = bidirectional ? 2 : 1
        var cells: [[Cell]] = []
        for k in 0..<layers {
            let input = k == 0 ? inputSize : directions * hiddenSize
            cells.append((0..<directions).map { _ in Cell(inputSize: input, hiddenSize: hiddenSize, using: &generator) })
        }
        self.init(cells: cells)
    }

    /// The outputs for `input` from zero initial states (see
    /// ``callAsFunction(_:initialState:file:line:)``).
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        self(input, initialState: nil).output
    }

    /// The top layer's h at every step, `[batch, time, D · H]`, and the final states (each
    /// `[layers · D, batch, H]`), from `initialState` (each `[layers · D, batch, H]`; `nil`:
    /// zeros).
    ///
    /// - Precondition: `input` is `[batch, time, inputSize]` with time ≥ 1, and the initial
    ///   states have the shapes above; messages name the layer and the shapes.
    @inlinable
    public func callAsFunction(
        _ input: Variable<Scalar>, initialState: [Variable<Scalar>]?,
        file: StaticString = #fileID, line: UInt = #line
    ) -> (output: Variable<Scalar>, finalState: [Variable<Scalar>]) {
        let s = input.shape
        let inputSize = cells[0][0].inputSize
        require(
            s.count == 3 && s[1] > 0 && s[2] == inputSize,
            "\(Self.self): input \(Shapes.format(s)) is not [batch, time ≥ 1, \(inputSize)]", file: file, line: line)
        let (batch, time, directions) = (s[0], s[1], cells[0].count)
        let stateShape: TensorShape = [cells.count * directions, batch, hiddenSize]
        let initial = initialState ?? Array(repeating: Variable(Tensor.zeros(stateShape)), count: Cell.stateCount)
        require(
            initial.count == Cell.stateCount && initial.allSatisfy { $0.shape == stateShape },
            "\(Self.self): initial state \(initial.map { Shapes.format($0.shape) }.joined(separator: ", ")) for input \(Shapes.format(s)); "
                + "expected \(Cell.stateCount) of \(Shapes.format(stateShape))", file: file, line: line)
        // Time-major rows, so that each step is one contiguous block of rows.
        var sequence = input.permuted([1, 0, 2]).reshaped(to: [time * batch, inputSize])
        var finals: [[Variable<Scalar>]] = []
        for (k, layer) in cells.enumerated() {
            var perDirection: [Variable<Scalar>] = []
            for (d, cell) in layer.enumerated() {
                let index = k * directions + d
                let state = initial.map { $0.sliced(alongAxis: 0, index..<index + 1).reshaped(to: [batch, hiddenSize]) }
                let (outputs, final) = Self.run(
                    cell, sequence, from: state, reversed: d == 1, checkpointInterval: checkpointInterval)
                perDirection.append(outputs)
                finals.append(final)
            }
            sequence = directions == 1 ? perDirection[0] : concatenate(perDirection, alongAxis: 1)
        }
        let finalState = (0..<Cell.stateCount).map { j in stack(finals.map { $0[j] }, alongAxis: 0) }
        let output = sequence.reshaped(to: [time, batch, directions * hiddenSize]).permuted([1, 0, 2])
        return (output, finalState)
    }

    /// Runs `cell` over a sequence (time-major rows) with its input projection, one matrix
    /// product for all steps, and ``RecurrentCell/sequence(projected:state:reversed:)``; with
    /// a positive `interval`, in checkpointed segments of that many steps, each projecting its
    /// own steps, keeping only its outputs and its final state, and running again during
    /// backward.
    @inlinable
    static func run(
        _ cell: Cell, _ input: Variable<Scalar>, from state: [Variable<Scalar>], reversed: Bool,
        checkpointInterval interval: Int
    ) -> (outputs: Variable<Scalar>, finalState: [Variable<Scalar>]) {
        guard interval > 0 else {
            return cell.sequence(projected: cell.projectInput(input), state: state, reversed: reversed)
        }
        let batch = state[0].shape[0]
        let steps = input.shape[0] / batch
        var segments = stride(from: 0, to: steps, by: interval).map { $0..<Swift.min($0 + interval, steps) }
        if reversed { segments.reverse() }
        var (outputs, state) = ([Variable<Scalar>?](repeating: nil, count: segments.count), state)
        for segment in segments {
            let rows = segment.count * batch
            // One checkpointed node per segment: its outputs, then its final state, as rows.
            let packed = checkpointed([input.rows(segment.lowerBound * batch..<segment.upperBound * batch)] + state) { v in
                let run = cell.sequence(projected: cell.projectInput(v[0]), state: Array(v[1...]), reversed: reversed)
                return concatenate([run.outputs] + run.finalState, alongAxis: 0)
            }
            outputs[segment.lowerBound / interval] = packed.rows(0..<rows)
            state = state.indices.map { packed.rows(rows + $0 * batch..<rows + ($0 + 1) * batch) }
        }
        return (concatenate(outputs.map { $0! }, alongAxis: 0), state)
    }

    /// Runs `cell` over `inputs` (one `[batch, features]` per step) from `state`, last step
    /// first when `reversed`; returns h of every step in time order and the final state.
    /// The same computation as a one-layer call: the steps stacked as time-major rows, their
    /// input projection in one product, then ``RecurrentCell/sequence(projected:state:reversed:)``.
    @inlinable
    public static func unroll(
        _ cell: Cell, _ inputs: [Variable<Scalar>], from state: [Variable<Scalar>], reversed: Bool = false
    ) -> (outputs: [Variable<Scalar>], finalState: [Variable<Scalar>]) {
        let batch = state[0].shape[0]
        let run = Self.run(
            cell, concatenate(inputs, alongAxis: 0), from: state, reversed: reversed, checkpointInterval: 0)
        return (inputs.indices.map { run.outputs.rows($0 * batch..<($0 + 1) * batch) }, run.finalState)
    }

    /// Every cell's parameters: `l<k>.<name>` and, bidirectional, `l<k>.reverse.<name>`.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        cells.enumerated().flatMap { k, layer in
            layer.enumerated().flatMap { d, cell in
                cell.namedParameters.map {
                    NamedParameter("l\(k).\(d == 1 ? "reverse." : "")\($0.name)", $0.variable)
                }
            }
        }
    }

    /// Truncated backpropagation through time: runs `input` (`[batch, time, features]`) in
    /// chunks of `chunkLength` steps, calling `body` with each chunk's output and its range
    /// of steps (compute a loss, `backward()`, step an optimizer there). The final state of
    /// a chunk starts the next one *detached*: its value carries over, no gradient flows
    /// back across the boundary, so memory and time per chunk stay bounded. Returns the last
    /// chunk's final state.
    ///
    /// ```swift
    /// _ = lstm.truncatedBackpropagation(through: batch, chunkLength: 32) { output, steps in
    ///     let loss = crossEntropy(logits: head(output), labels: labels(steps))
    ///     loss.backward()
    ///     optimizer.update(lstm.parameters + head.parameters)
    /// }
    /// ```
    @inlinable
    public func truncatedBackpropagation(
        through input: Tensor<Scalar>, chunkLength: Int, initialState: [Tensor<Scalar>]? = nil,
        _ body: (_ output: Variable<Scalar>, _ steps: Range<Int>) throws -> Void
    ) rethrows -> [Tensor<Scalar>] {
        require(
            chunkLength > 0 && input.rank == 3,
            "truncatedBackpropagation: chunk length \(chunkLength) for input \(Shapes.format(input.shape))")
        var state = initialState
        for start in stride(from: 0, to: input.shape[1], by: chunkLength) {
            let steps = start..<Swift.min(start + chunkLength, input.shape[1])
            let (output, final) = self(
                Variable(input.sliced(alongAxis: 1, steps)), initialState: state.map { $0.map { Variable($0) } })
            try body(output, steps)
            state = final.map(\.value)
        }
        return state ?? []
    }
}

/// A stacked, optionally bidirectional Elman RNN with tanh (PyTorch's `nn.RNN`).
public typealias RNN<Scalar: TensorScalar> = Recurrent<RNNCell<Scalar>>
/// A stacked, optionally bidirectional LSTM (PyTorch's `nn.LSTM`); the state is (h, c).
public typealias LSTM<Scalar: TensorScalar> = Recurrent<LSTMCell<Scalar>>
/// A stacked, optionally bidirectional GRU (PyTorch's `nn.GRU`).
public typealias GRU<Scalar: TensorScalar> = Recurrent<GRUCell<Scalar>>
