// Workloads of bench_conv_rnn.py for sequence models (same shapes; our own seeded data,
// so the figures are times, not accuracies to compare):
// - "seq.lstm.epoch" / "seq.gru.epoch": a digits epoch of the sequential classifier
//   (8 steps of 8 pixels, hidden 64, dense 64→10), 1437 rows in batches of 32 (44 full and
//   one of 29), mean cross-entropy, Adam 1e-3, Float; median of epochs 2…N.
// - "seq.lstm_step": forward + backward of an LSTM over 32 steps, batch 1, input 16,
//   hidden 32, loss ½ Σ h², gradients of the four parameters; median per call.
//   "seq.lstm_step.composed": the same with the cell written from public ops (matmul, +,
//   sliced, sigmoid, tanh, *), one step at a time, as a user's own cell would be.
// - "seq.transformer.step": one AdamW step of the character transformer (2 blocks, 4
//   heads, width 64, block 64, batch 16, vocabulary 100, exact GELU, untied head); median
//   of steps 10…60, as the peers' script measures it (10 under --quick: 3…10).

import Backprop
import BackpropNN

enum SequenceWorkload {
    static func run(_ bench: Bench) throws {
        let minTime = bench.quick ? 0.05 : 0.3
        if bench.wants("seq.lstm_step") {
            var rng = SeededGenerator(seed: 4)
            let lstm = LSTM<Float>(inputSize: 16, hiddenSize: 32, using: &rng)
            let x = Variable(Tensor<Float>.uniform([1, 32, 16], in: -1..<1, using: &rng))
            let (samples, others) = bench.monitored {
                timePerCall(minTime: minTime, repeats: bench.repeats(full: 7, quick: 3)) {
                    let h = lstm(x)
                    h.squared().sum().scaled(by: 0.5).backward()
                    lstm.zeroGradients()
                }
            }
            bench.report(Figure(name: "seq.lstm_step", unit: "µs", samples: samples.map { $0 * 1e6 }, others: others))
        }
        if bench.wants("seq.lstm_step.composed") {
            // The same LSTM written by a user from public ops, one step at a time.
            var rng = SeededGenerator(seed: 4)
            let cell = LSTMCell<Float>(inputSize: 16, hiddenSize: 32, using: &rng)
            let x = Variable(Tensor<Float>.uniform([32, 16], in: -1..<1, using: &rng))   // step t is row t
            let (samples, others) = bench.monitored {
                timePerCall(minTime: minTime, repeats: bench.repeats(full: 7, quick: 3)) {
                    var (h, c) = (Variable(Tensor<Float>.zeros([1, 32])), Variable(Tensor<Float>.zeros([1, 32])))
                    var loss = Variable(Tensor<Float>(0))
                    for t in 0..<32 {
                        let z = x.rows(t..<t + 1).matmul(cell.weightInput) + cell.biasInput
                            + h.matmul(cell.weightHidden) + cell.biasHidden
                        let gate = { (k: Int) in z.sliced(alongAxis: 1, k * 32..<(k + 1) * 32) }
                        c = gate(1).sigmoid() * c + gate(0).sigmoid() * gate(2).tanh()
                        h = gate(3).sigmoid() * c.tanh()
                        loss = loss + h.squared().sum()
                    }
                    loss.scaled(by: 0.5).backward()
                    for p in [cell.weightInput, cell.weightHidden, cell.biasInput, cell.biasHidden] { p.zeroGradient() }
                }
            }
            bench.report(Figure(name: "seq.lstm_step.composed", unit: "µs", samples: samples.map { $0 * 1e6 }, others: others))
        }
        for kind in RecurrentKind.allCases where bench.wants("seq.\(kind.rawValue).epoch") {
            var rng = SeededGenerator(seed: 1)
            let x = Tensor<Float>.uniform([1437, 64], in: 0..<1, using: &rng)
            let labels = (0..<1437).map { $0 % 10 }
            let epochs = bench.quick ? 3 : 8
            let times = kind == .lstm
                ? trainEpochs(SequenceClassifier<LSTMCell<Float>>(steps: 8, stepWidth: 8, hiddenSize: 64, classCount: 10, using: &rng), x, labels, epochs)
                : trainEpochs(SequenceClassifier<GRUCell<Float>>(steps: 8, stepWidth: 8, hiddenSize: 64, classCount: 10, using: &rng), x, labels, epochs)
            bench.report(Figure(name: "seq.\(kind.rawValue).epoch", unit: "ms", samples: times.dropFirst().map { $0 * 1e3 }))
        }
        if bench.wants("seq.transformer.step") {
            var rng = SeededGenerator(seed: 2)
            let (vocabulary, width, block, batch) = (100, 64, 64, 16)
            let embed = Embedding<Float>(vocabularySize: vocabulary, width: width, using: &rng)
            let positions = PositionalEmbedding<Float>(maximumLength: block, width: width, using: &rng)
            let blocks = (0..<2).map { _ in
                TransformerBlock<Float>(width: width, heads: 4, geluApproximation: .none, using: &rng)
            }
            let norm = LayerNorm<Float>(width: width)
            let head = Dense<Float>(inputSize: width, outputSize: vocabulary, using: &rng)
            var parameters: [Variable<Float>] = embed.parameters + positions.parameters
            parameters += blocks.flatMap(\.parameters)
            parameters += norm.parameters + head.parameters
            let adamW = Adam<Float>(learningRate: 3e-4, weightDecay: 0.01, decoupled: true)
            let tokens = (0..<(batch * (block + 1))).map { _ in Int.random(in: 0..<vocabulary, using: &rng) }
            let window = block + 1
            let inputs: [Int] = (0..<batch).flatMap { (b: Int) -> ArraySlice<Int> in tokens[(b * window)..<(b * window + block)] }
            let targets: [Int] = (0..<batch).flatMap { (b: Int) -> ArraySlice<Int> in tokens[(b * window + 1)..<(b * window + window)] }
            let (steps, warmup) = bench.quick ? (10, 3) : (60, 10)
            var times: [Double] = []
            for _ in 0..<steps {
                let start = now()
                var x = positions(embed(inputs, shape: [batch, block]))
                for b in blocks { x = b(x) }
                let logits = head(norm(x).reshaped(to: [batch * block, width]))
                crossEntropy(logits: logits, labels: targets).backward()
                adamW.update(parameters)
                times.append(now() - start)
            }
            bench.report(Figure(name: "seq.transformer.step", unit: "ms", samples: times.dropFirst(warmup).map { $0 * 1e3 }))
        }
    }

    /// Seconds per epoch of Adam 1e-3 in batches of 32 (specialised for the model type).
    static func trainEpochs<M: Layer>(_ model: M, _ x: Tensor<Float>, _ labels: [Int], _ epochs: Int) -> [Double] where M.Scalar == Float {
        let adam = Adam<Float>(learningRate: 1e-3)
        var times: [Double] = []
        for _ in 0..<epochs {
            let start = now()
            for first in stride(from: 0, to: x.shape[0], by: 32) {
                let rows = Array(first..<min(first + 32, x.shape[0]))
                let loss = crossEntropy(logits: model(Variable(x.gatheringRows(rows))), labels: rows.map { labels[$0] })
                loss.backward()
                adam.update(model.parameters)
            }
            times.append(now() - start)
        }
        return times
    }
}
