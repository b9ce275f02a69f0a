import Backprop

// The conformance entries of the sequence-model ops: the smooth element-wise functions,
// the masking ops, the embedding look-up, layer normalisation, attention, the fused
// recurrent cells and the fused recurrences.

extension OpInfo {
    /// A mask of alternating 1 and 0 along the last axis of `shape` (broadcasts to it).
    static func alternatingMask(_ shape: TensorShape) -> Tensor<Scalar> {
        let width = shape.last ?? 1
        return Tensor(shape: [width], scalars: (0..<width).map { Scalar(($0 + 1) % 2) })
    }

    static var sequenceEntries: [OpInfo] {
        let rows: [[TensorShape]] = [[[5]], [[3, 4]], [[2, 3, 2]]]
        let attention: [[TensorShape]] = [[[2, 3, 4], [2, 5, 4], [2, 5, 3]], [[1, 2, 3, 2], [1, 2, 4, 2], [1, 2, 4, 1]]]
        let lstm: [[TensorShape]] = [[[2, 8], [2, 8], [2, 2]], [[1, 12], [1, 12], [1, 3]]]
        let gru: [[TensorShape]] = [[[2, 6], [2, 6], [2, 2]], [[1, 9], [1, 9], [1, 3]]]
        // Projected inputs [T·B, G·H], Wₕ [H, G·H], bₕ [G·H], states [B, H]: T = 3, B = 2, H = 2 and
        // T = 4, B = 1, H = 3.
        let lstmRuns: [[TensorShape]] = [[[6, 8], [2, 8], [8], [2, 2], [2, 2]], [[4, 12], [3, 12], [12], [1, 3], [1, 3]]]
        let gruRuns: [[TensorShape]] = [[[6, 6], [2, 6], [6], [2, 2]], [[4, 9], [3, 9], [9], [1, 3]]]
        let selfAttention: [[TensorShape]] = [[[2, 3, 2], [2, 3, 2], [2, 3, 3]], [[1, 2, 4, 3], [1, 2, 4, 3], [1, 2, 4, 3]]]
        return [
            unary("sin") { $0.sin() },
            unary("cos") { $0.cos() },
            unary("erf") { $0.erf() },
            unary("gelu") { $0.gelu() },
            unary("gelu tanh") { $0.gelu(approximation: .tanh) },
            unary("silu") { $0.silu() },
            OpInfo(name: "select", samples: binaryShapes.filter { !$0.contains([]) }, outputShape: broadcast) {
                let shape = broadcast([$0[0].shape, $0[1].shape])
                return select(where: alternatingMask(shape), $0[0], $0[1])
            },
            OpInfo(name: "maskedFill", samples: rows, outputShape: same) {
                $0[0].maskedFill(where: alternatingMask($0[0].shape), with: -3)
            },
            OpInfo(name: "embedding", samples: [[[5, 3]], [[4, 2]]], outputShape: { [2, 3, $0[0][1]] }) {
                embedding([3, 0, 3, 1, 1, 3], shape: [2, 3], table: $0[0])
            },
            OpInfo(name: "layerNorm", samples: [[[3, 4], [4], [4]], [[2, 3, 5], [5], [5]], [[2], [2], [2]]],
                   outputShape: same) {
                $0[0].layerNorm(scale: $0[1], offset: $0[2])
            },
            OpInfo(name: "scaledDotProductAttention", samples: attention,
                   outputShape: { $0[0].dropLast() + [$0[2].last!] }) {
                scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2])
            },
            OpInfo(name: "scaledDotProductAttention causal", samples: selfAttention,
                   outputShape: { $0[0].dropLast() + [$0[2].last!] }) {
                let t = $0[0].shape.dropLast().last!
                return scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: .causalMask(length: t))
            },
            OpInfo(name: "scaledDotProductAttention padding", samples: attention + selfAttention,
                   outputShape: { $0[0].dropLast() + [$0[2].last!] }) {
                // A mask per entry of the leading axes: entry b may attend to keys 0...b + 1.
                let lead = TensorShape($0[0].shape.dropLast(2))
                let keys = $0[1].shape.dropLast().last!
                let allowed = (0..<Shapes.count(lead)).flatMap { b in (0..<keys).map { Scalar($0 <= b + 1 ? 1 : 0) } }
                let mask = Tensor(shape: lead + [1, keys], scalars: allowed)
                return scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: mask)
            },
            OpInfo(name: "lstmCell hidden", samples: lstm, outputShape: { $0[2] }) {
                lstmCell(projectedInput: $0[0], projectedHidden: $0[1], cell: $0[2]).hidden
            },
            OpInfo(name: "lstmCell cell", samples: lstm, outputShape: { $0[2] }) {
                lstmCell(projectedInput: $0[0], projectedHidden: $0[1], cell: $0[2]).cell
            },
            OpInfo(name: "gruCell", samples: gru, outputShape: { $0[2] }) {
                gruCell(projectedInput: $0[0], projectedHidden: $0[1], hidden: $0[2])
            },
            OpInfo(name: "lstmSequence outputs", samples: lstmRuns, outputShape: { [$0[0][0], $0[1][0]] }) {
                lstmSequence(projectedInputs: $0[0], weightHidden: $0[1], biasHidden: $0[2], hidden: $0[3], cell: $0[4])
                    .outputs
            },
            OpInfo(name: "lstmSequence reversed cell", samples: lstmRuns, outputShape: { $0[3] }) {
                lstmSequence(
                    projectedInputs: $0[0], weightHidden: $0[1], biasHidden: $0[2], hidden: $0[3], cell: $0[4],
                    reversed: true
                ).cell
            },
            OpInfo(name: "gruSequence outputs", samples: gruRuns, outputShape: { [$0[0][0], $0[1][0]] }) {
                gruSequence(projectedInputs: $0[0], weightHidden: $0[1], biasHidden: $0[2], hidden: $0[3]).outputs
            },
            OpInfo(name: "gruSequence reversed hidden", samples: gruRuns, outputShape: { $0[3] }) {
                gruSequence(projectedInputs: $0[0], weightHidden: $0[1], biasHidden: $0[2], hidden: $0[3], reversed: true)
                    .hidden
            },
        ]
    }
}
