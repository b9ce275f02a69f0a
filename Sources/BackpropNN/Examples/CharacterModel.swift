import Backprop
import Foundation

// The character-level language model of `backprop text`: a small GPT-style transformer or
// an LSTM, trained to predict each next character of a text, then sampled from.

/// The characters of a text, each with an id (by code point order).
public struct CharacterVocabulary: Sendable, Equatable {
    /// The characters, id order.
    public let characters: [Character]
    private let ids: [Character: Int]

    /// The vocabulary of `text`'s distinct characters.
    public init(_ text: String) {
        characters = Array(Set(text)).sorted()
        ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
    }

    /// The number of characters.
    public var count: Int { characters.count }

    /// The ids of `text`'s characters, or `nil` when one is not in the vocabulary.
    public func encode(_ text: String) -> [Int]? {
        var result: [Int] = []
        result.reserveCapacity(text.count)
        for c in text {
            guard let id = ids[c] else { return nil }
            result.append(id)
        }
        return result
    }

    /// The first character of `text` that is not in the vocabulary.
    public func firstUnknown(in text: String) -> Character? { text.first { ids[$0] == nil } }

    /// The text of `ids`.
    public func decode(_ ids: [Int]) -> String { String(ids.map { characters[$0] }) }
}

/// The two models `backprop text` trains.
public enum CharacterModelKind: String, Sendable, CaseIterable {
    /// Token and learned position embeddings, pre-layer-norm transformer blocks (causal),
    /// a final layer norm and a linear head (GPT-2's shape).
    case transformer
    /// A token embedding, an LSTM and a linear head.
    case lstm
}

/// A next-character model: ids `[batch, time]` (as whole numbers) in, logits
/// `[batch · time, vocabulary]` out, each row predicting the character after its position.
public struct CharacterModel: Layer {
    public typealias Scalar = Float
    /// Which model this is.
    public let kind: CharacterModelKind
    /// The longest input the model reads (the transformer's positions).
    public let context: Int
    let embedding: Embedding<Float>
    let positions: PositionalEmbedding<Float>?
    let blocks: [TransformerBlock<Float>]
    let norm: LayerNorm<Float>?
    let lstm: LSTM<Float>?
    let head: Dense<Float>

    /// Creates a model of `width` features (the LSTM's hidden size for `.lstm`), `layers`
    /// blocks or stacked LSTM layers, and `heads` attention heads.
    public init(
        kind: CharacterModelKind, vocabularySize: Int, context: Int, width: Int, layers: Int, heads: Int,
        using generator: inout SeededGenerator
    ) {
        self.kind = kind
        self.context = context
        embedding = Embedding(vocabularySize: vocabularySize, width: width, using: &generator)
        switch kind {
        case .transformer:
            positions = PositionalEmbedding(maximumLength: context, width: width, using: &generator)
            blocks = (0..<layers).map { _ in TransformerBlock(width: width, heads: heads, using: &generator) }
            norm = LayerNorm(width: width)
            lstm = nil
        case .lstm:
            (positions, blocks, norm) = (nil, [], nil)
            lstm = LSTM(inputSize: width, hiddenSize: width, layers: layers, using: &generator)
        }
        head = Dense(inputSize: width, outputSize: vocabularySize, using: &generator)
    }

    /// The logits `[batch · time, vocabulary]` for ids `[batch, time]`, time ≤ ``context``.
    public func callAsFunction(_ input: Variable<Float>) -> Variable<Float> {
        let (batch, time) = (input.shape[0], input.shape[1])
        var x = embedding(input)
        if let positions { x = positions(x) }
        for block in blocks { x = block(x) }
        if let norm { x = norm(x) }
        if let lstm { x = lstm(x) }
        return head(x.reshaped(to: [batch * time, x.shape[2]]))
    }

    /// The parameters: `embedding.*`, then the kind's own, then `head.*`.
    public var namedParameters: [NamedParameter<Float>] {
        func named(_ prefix: String, _ ps: [NamedParameter<Float>]) -> [NamedParameter<Float>] {
            ps.map { NamedParameter("\(prefix).\($0.name)", $0.variable) }
        }
        var result = named("embedding", embedding.namedParameters)
        if let positions { result += named("positions", positions.namedParameters) }
        for (k, block) in blocks.enumerated() { result += named("block\(k)", block.namedParameters) }
        if let norm { result += named("norm", norm.namedParameters) }
        if let lstm { result += named("lstm", lstm.namedParameters) }
        return result + named("head", head.namedParameters)
    }

    /// `length` characters generated after `prompt` (ids), each drawn from
    /// softmax(logits / temperature) of the last position given the previous ``context``
    /// characters.
    public func generate(
        after prompt: [Int], length: Int, temperature: Double, using generator: inout SeededGenerator
    ) -> [Int] {
        var ids = prompt
        var result: [Int] = []
        for _ in 0..<length {
            let window = Array(ids.suffix(context))
            let logits = withoutGradients {
                self(Variable(Tensor(shape: [1, window.count], scalars: window.map(Float.init)))).value
            }
            let last = logits.scalars.suffix(logits.shape[1]).map { Double($0) / temperature }
            let top = last.max() ?? 0
            let weights = last.map { Foundation.exp($0 - top) }
            var u = Double.random(in: 0..<1, using: &generator) * weights.reduce(0, +)
            var next = weights.count - 1
            for (k, w) in weights.enumerated() {
                u -= w
                if u < 0 { next = k; break }
            }
            ids.append(next)
            result.append(next)
        }
        return result
    }
}

/// `backprop text`: trains a ``CharacterModel`` on a text, 90 % for training (random windows),
/// the last 10 % for validation.
///
/// ```swift
/// var example = TextExample(text: try TextExample.bundledText())
/// example.steps = 200
/// let run = example.run()
/// print(run.history.last?.validationLoss ?? .nan)
/// ```
public struct TextExample {
    /// The text the model learns.
    public var text: String
    /// The model: a transformer (default) or an LSTM.
    public var kind: CharacterModelKind = .transformer
    /// Characters per training window (the transformer's context).
    public var context = 64
    /// Features per position (the LSTM's hidden size).
    public var width = 64
    /// Transformer blocks or LSTM layers.
    public var layers = 2
    /// Attention heads.
    public var heads = 4
    /// Windows per step.
    public var batchSize = 16
    /// Optimizer steps.
    public var steps = 1500
    /// AdamW's peak learning rate (linear warm-up over 5 % of the steps, cosine decay to a
    /// tenth of it).
    public var learningRate = 3e-3
    /// Steps between evaluations (each an ``EpochRecord``: mean training loss since the last,
    /// validation loss on fixed windows).
    public var evaluationInterval = 100
    /// Seeds the weights and the windows.
    public var seed: UInt64 = 0

    /// An example on `text`.
    public init(text: String) { self.text = text }

    /// The bundled text (Genesis and Exodus, King James Version; see ``BundledData``).
    public static func bundledText() throws -> String {
        try String(contentsOf: BundledData.genesisAndExodus, encoding: .utf8)
    }

    /// What a run returns.
    public struct Run {
        /// One record per evaluation; `epoch` counts evaluations, `trainingLoss` is the mean
        /// over the steps since the previous one.
        public var history: History
        /// The trained model.
        public var model: CharacterModel
        /// The text's characters.
        public var vocabulary: CharacterVocabulary
    }

    /// Trains the model, calling `onEvaluation` after each evaluation.
    ///
    /// - Precondition: the text is long enough for a training and a validation window.
    public func run(onEvaluation: ((EpochRecord) -> Void)? = nil) -> Run {
        let vocabulary = CharacterVocabulary(text)
        let ids = vocabulary.encode(text)!
        let split = ids.count * 9 / 10
        require(
            split > context + 1 && ids.count - split > context + 1,
            "TextExample: a text of \(ids.count) characters is too short for windows of \(context)")
        var rng = SeededGenerator(seed: seed)
        let model = CharacterModel(
            kind: kind, vocabularySize: vocabulary.count, context: context, width: width, layers: layers, heads: heads,
            using: &rng)
        let optimizer = Adam<Float>(learningRate: Float(learningRate), weightDecay: 0.01, decoupled: true)
        let schedule = StepLearningRateSchedule.warmupCosine(
            warmupSteps: max(1, steps / 20), totalSteps: steps, minimum: learningRate / 10)
        /// Inputs and next-character labels of windows starting at `starts`.
        func batch(_ starts: [Int]) -> (Variable<Float>, [Int]) {
            let input = starts.flatMap { ids[$0..<$0 + context].map(Float.init) }
            let labels = starts.flatMap { ids[$0 + 1...$0 + context] }
            return (Variable(Tensor(shape: [starts.count, context], scalars: input)), labels)
        }
        let validationStarts = Array(stride(from: split, to: ids.count - context - 1, by: context).prefix(64))
        var history = History(parameterNames: model.namedParameters.map(\.name))
        var (lossSum, lossCount, start) = (0.0, 0, Date())
        for step in 0..<steps {
            let (x, y) = batch((0..<batchSize).map { _ in Int.random(in: 0..<split - context - 1, using: &rng) })
            let loss = crossEntropy(logits: model(x), labels: y)
            loss.backward()
            clipGradients(of: model.parameters, toGlobalNorm: 1)
            optimizer.learningRate = Float(schedule.rate(base: learningRate, step: step))
            optimizer.update(model.parameters)
            lossSum += Double(loss.value.scalar)
            lossCount += 1
            if (step + 1) % evaluationInterval == 0 || step + 1 == steps {
                let validation = withoutGradients {
                    stride(from: 0, to: validationStarts.count, by: batchSize).map { first in
                        let (vx, vy) = batch(Array(validationStarts[first..<min(first + batchSize, validationStarts.count)]))
                        return Double(crossEntropy(logits: model(vx), labels: vy).value.scalar) * Double(vy.count)
                    }.reduce(0, +) / Double(validationStarts.count * context)
                }
                let record = EpochRecord(
                    epoch: history.epochs.count + 1, trainingLoss: lossSum / Double(lossCount), trainingAccuracy: nil,
                    validationLoss: validation, validationAccuracy: nil, learningRate: Double(optimizer.learningRate),
                    seconds: Date().timeIntervalSince(start), gradientNorms: [])
                history.epochs.append(record)
                onEvaluation?(record)
                (lossSum, lossCount, start) = (0, 0, Date())
            }
        }
        return Run(history: history, model: model, vocabulary: vocabulary)
    }
}
