import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

// The code of BackpropNN's article "A sequence model of your own", compiled and run. Each
// example sits between `// snippet: <name>` and `// end snippet: <name>`; DocumentationTests
// checks that every Swift example of the article is one of these snippets, word for word.

// snippet: sequence-model
/// Next-character prediction: ids `[batch, time]` in, logits `[batch · time, vocabulary]` out.
struct NextCharacter<Scalar: TensorScalar>: Layer {
    let embed: Embedding<Scalar>
    let lstm: LSTM<Scalar>
    let head: Dense<Scalar>

    init(vocabulary: Int, width: Int, using rng: inout SeededGenerator) {
        embed = Embedding(vocabularySize: vocabulary, width: width, using: &rng)
        lstm = LSTM(inputSize: width, hiddenSize: width, using: &rng)
        head = Dense(inputSize: width, outputSize: vocabulary, using: &rng)
    }

    func callAsFunction(_ ids: Variable<Scalar>) -> Variable<Scalar> {
        let (batch, time) = (ids.shape[0], ids.shape[1])
        let h = lstm(embed(ids))  // [batch, time, width]
        return head(h.reshaped(to: [batch * time, h.shape[2]]))
    }

    var namedParameters: [NamedParameter<Scalar>] {
        let parts = [("embed", embed.namedParameters), ("lstm", lstm.namedParameters), ("head", head.namedParameters)]
        return parts.flatMap { name, ps in ps.map { NamedParameter("\(name).\($0.name)", $0.variable) } }
    }
}
// end snippet: sequence-model

final class SequenceArticleSnippetTests: XCTestCase {
    func testDataModelAndTraining() throws {
        // snippet: sequence-data
        let text = try String(contentsOf: BundledData.genesisAndExodus, encoding: .utf8)
        let vocabulary = CharacterVocabulary(text)
        let ids = vocabulary.encode(text)!
        // Four windows of 32 characters; each label is the character after its input.
        let starts = [0, 1000, 2000, 3000]
        let input = Tensor<Float>(shape: [4, 32], scalars: starts.flatMap { ids[$0..<$0 + 32].map(Float.init) })
        let labels = starts.flatMap { ids[$0 + 1...$0 + 32] }
        // end snippet: sequence-data
        XCTAssertEqual(vocabulary.decode(Array(ids.prefix(9))), "Genesis 1")

        // snippet: sequence-training
        var rng = SeededGenerator(seed: 0)
        let model = NextCharacter<Float>(vocabulary: vocabulary.count, width: 32, using: &rng)
        let adamW = Adam<Float>(learningRate: 3e-3, weightDecay: 0.01, decoupled: true)
        let schedule = StepLearningRateSchedule.warmupCosine(warmupSteps: 5, totalSteps: 60, minimum: 3e-4)
        for step in 0..<60 {
            let loss = crossEntropy(logits: model(Variable(input)), labels: labels)
            loss.backward()
            clipGradients(of: model.parameters, toGlobalNorm: 1)
            adamW.learningRate = Float(schedule.rate(base: 3e-3, step: step))
            adamW.update(model.parameters)
        }
        // end snippet: sequence-training
        let after = crossEntropy(logits: model(Variable(input)), labels: labels).value.scalar
        XCTAssertLessThan(after, Float(Foundation.log(Double(vocabulary.count))) - 1, "60 steps on four windows learn them")
    }

    func testGradientCheckOfTheRecurrentPart() {
        // snippet: sequence-gradient-check
        var rng = SeededGenerator(seed: 1)
        let lstm = LSTM<Double>(inputSize: 3, hiddenSize: 4, layers: 2, using: &rng)
        let x = Tensor<Double>.uniform([2, 5, 3], in: -1..<1, using: &rng)
        let target = Tensor<Double>.uniform([2, 5, 4], in: -1..<1, using: &rng)
        assertModelGradientsMatch(lstm, input: x, target: target, loss: .meanSquaredError)
        // end snippet: sequence-gradient-check
    }

    func testTruncatedBackpropagation() {
        // snippet: sequence-truncated
        var rng = SeededGenerator(seed: 2)
        let long = Tensor<Float>.uniform([2, 96, 8], in: -1..<1, using: &rng)
        let lstm = LSTM<Float>(inputSize: 8, hiddenSize: 16, using: &rng)
        let optimizer = Adam<Float>(learningRate: 1e-3)
        let state = lstm.truncatedBackpropagation(through: long, chunkLength: 32) { output, steps in
            output.squared().mean().backward()  // this chunk's loss: steps is 0..<32, 32..<64, 64..<96
            optimizer.update(lstm.parameters)
        }
        // state: h and c after all 96 steps, each [1, 2, 16]
        // end snippet: sequence-truncated
        XCTAssertEqual(state.map(\.shape), [[1, 2, 16], [1, 2, 16]])
        XCTAssertEqual(optimizer.step, 3)
    }

    func testFusedCellAndTransformer() {
        var rng = SeededGenerator(seed: 3)
        // snippet: sequence-cell
        let cell = LSTMCell<Float>(inputSize: 8, hiddenSize: 16, using: &rng)
        let x = Variable(Tensor<Float>.uniform([4, 8], in: -1..<1, using: &rng))
        let (h, c) = (Variable(Tensor<Float>.zeros([4, 16])), Variable(Tensor<Float>.zeros([4, 16])))
        let next = lstmCell(
            projectedInput: x.dense(weight: cell.weightInput, bias: cell.biasInput),
            projectedHidden: h.dense(weight: cell.weightHidden, bias: cell.biasHidden), cell: c)
        // next.hidden and next.cell: [4, 16], as cell(x, state: [h, c]) computes them
        // end snippet: sequence-cell
        let reference = cell(x, state: [h, c])
        XCTAssertEqual(next.hidden.value, reference[0].value)
        XCTAssertEqual(next.cell.value, reference[1].value)

        let ids = Variable(Tensor<Float>([[0, 3, 1, 2], [2, 2, 4, 0]]))
        // snippet: sequence-transformer
        let embed = Embedding<Float>(vocabularySize: 5, width: 32, using: &rng)
        let positions = PositionalEmbedding<Float>(maximumLength: 16, width: 32, using: &rng)
        let blocks = (0..<2).map { _ in TransformerBlock<Float>(width: 32, heads: 4, using: &rng) }
        var y = positions(embed(ids))  // [batch, time, 32]
        for block in blocks { y = block(y) }  // causal: position t sees 0...t
        // end snippet: sequence-transformer
        XCTAssertEqual(y.shape, [2, 4, 32])
    }
}
