import Backprop
import BackpropNN
import Foundation

/// `backprop text`: a character-level language model on the bundled text, then a sample.
let textCommand = Command(
    spec: CommandSpec(
        name: "text",
        summary: """
        Trains a character-level language model on the bundled text (Genesis and Exodus, King
        James Version, public domain; 90 % training, the last 10 % validation) and prints a
        sample generated after a prompt. By default a transformer (2 blocks, 4 heads, width 64,
        context 64); --model lstm trains a 2-layer LSTM of 64 instead. AdamW with warm-up and
        cosine decay, batches of 16 windows, gradients clipped to norm 1.
        """,
        options: [
            .value("model", "KIND", "transformer (default) or lstm."),
            .value("steps", "N", "Optimizer steps (default 1500)."),
            .value("lr", "RATE", "Peak learning rate (default 0.003)."),
            .value("context", "N", "Characters per training window (default 64)."),
            .value("batch-size", "N", "Windows per step (default 16)."),
            .value("prompt", "TEXT", "Text the sample continues (default \"And God said\")."),
            .value("temperature", "T", "Sampling temperature, > 0 (default 0.8): lower is more predictable."),
            .value("length", "N", "Characters to generate (default 300)."),
            CommonOptions.seed,
            .value("plot", "FILE.svg", "Write the training and validation loss per evaluation (every 100 steps) as SVG."),
            CommonOptions.quiet,
        ])
) { arguments in
    let kindName = arguments.string("model") ?? "transformer"
    guard let kind = CharacterModelKind(rawValue: kindName) else {
        throw UsageError(message: "option '--model': '\(kindName)' is not one of transformer, lstm")
    }
    let text = try TextExample.bundledText()
    var example = TextExample(text: text)
    example.kind = kind
    example.seed = try arguments.seed()
    example.steps = try arguments.int("steps", default: 1500, range: 1...10_000_000)
    example.learningRate = try arguments.double("lr", default: 3e-3, range: 1e-12...10)
    example.context = try arguments.int("context", default: 64, range: 2...4096)
    example.batchSize = try arguments.int("batch-size", default: 16, range: 1...100_000)
    example.evaluationInterval = min(100, example.steps)
    let temperature = try arguments.double("temperature", default: 0.8, range: 1e-3...100)
    let length = try arguments.int("length", default: 300, range: 0...100_000)
    let prompt = arguments.string("prompt") ?? "And God said"
    let vocabulary = CharacterVocabulary(text)
    if let unknown = vocabulary.firstUnknown(in: prompt) {
        throw UsageError(message: "option '--prompt': the character \(DataError.quoted(String(unknown))) does not occur in the text")
    }
    let quiet = arguments.flag("quiet")
    try checkOutputPath(arguments.string("plot"), what: "chart")
    if !quiet {
        let shape = kind == .transformer
            ? "transformer, \(example.layers) blocks, \(example.heads) heads, width \(example.width)"
            : "LSTM, \(example.layers) layers of \(example.width)"
        print("text: \(text.count) characters, \(vocabulary.count) distinct; \(shape), context \(example.context), "
            + "batch \(example.batchSize), AdamW lr \(example.learningRate), \(example.steps) steps, seed \(example.seed)")
    }
    let start = Date()
    let run = example.run { record in
        guard record.trainingLoss.isFinite, record.validationLoss?.isFinite ?? true else {
            exitWithRuntimeError("training diverged by step \(min(record.epoch * example.evaluationInterval, example.steps)): "
                + "the loss is \(record.trainingLoss) (try a lower --lr)")
        }
        if !quiet {
            let step = min(record.epoch * example.evaluationInterval, example.steps)
            print("step \(step)/\(example.steps)  loss \(fixed(record.trainingLoss, 4))  "
                + "val_loss \(fixed(record.validationLoss ?? .nan, 4))  \(duration(Date().timeIntervalSince(start)))")
            fflush(nil)
        }
    }
    let seconds = Date().timeIntervalSince(start)
    print("validation loss \(fixed(run.history.last?.validationLoss ?? .nan, 4)) nats/character after \(example.steps) "
        + "steps, trained in \(fixed(seconds, 1)) s")
    var rng = SeededGenerator(seed: example.seed &+ 1)
    let generated = run.model.generate(
        after: vocabulary.encode(prompt)!, length: length, temperature: temperature, using: &rng)
    print("sample (temperature \(temperature)):\n\(prompt)\(vocabulary.decode(generated))")
    try writePlot(run.history, arguments: arguments, title: "Characters, \(kind.rawValue) (seed \(example.seed))")
}
