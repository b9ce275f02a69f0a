import Backprop
import BackpropNN
import Foundation

/// `backprop digits`: the bundled 8×8 digits, 64 → hidden → 10 or a small CNN, softmax
/// cross-entropy.
let digitsCommand = Command(
    spec: CommandSpec(
        name: "digits",
        summary: """
        Trains 64 -> hidden (ReLU) -> 10, or with --model cnn a small convolutional network,
        on the bundled 8x8 handwritten digits (1,797 rows, seeded 70/10/20 % train/validation/
        test split, pixels scaled to [0, 1]) with softmax cross-entropy and Adam in
        mini-batches; prints the test accuracy and confusion matrix.
        """,
        options: [CommonOptions.seed,
                  .value("model", "NAME", "mlp (64 -> hidden -> 10, the default); cnn (8x8 image, conv 3x3 16, "
                      + "relu, max pool 2, conv 3x3 32, relu, max pool 2, dense 128 -> 10); lstm or gru (each "
                      + "image read row by row as 8 steps of 8 pixels, hidden 64)."),
                  .value("hidden", "SIZES", "Hidden layer sizes of the mlp, comma-separated (default 128)."),
                  .value("epochs", "N", "Number of epochs (default 30 for the mlp, 20 for the cnn)."),
                  .value("batch-size", "N", "Rows per mini-batch (default 32)."),
                  .value("lr", "RATE", "Adam's learning rate (default 0.003 for the mlp, 0.001 for the cnn, 0.01 for lstm / gru)."),
                  CommonOptions.plot, CommonOptions.quiet])
) { arguments in
    var example = DigitsExample(seed: try arguments.seed())
    let modelName = arguments.string("model") ?? "mlp"
    if RecurrentKind(rawValue: modelName) != nil {
        return try runRecurrentDigits(modelName, example: example, arguments: arguments)
    }
    guard let architecture = DigitsArchitecture(rawValue: modelName) else {
        throw UsageError(message: "option '--model': \(DataError.quoted(modelName)) is not mlp, cnn, lstm or gru")
    }
    example.architecture = architecture
    let isCNN = architecture == .convolutional
    if isCNN, arguments.string("hidden") != nil {
        throw UsageError(message: "option '--hidden' applies to --model mlp only")
    }
    example.hidden = try arguments.intList("hidden", default: [128])
    try checkModelSize([64] + example.hidden + [10])
    example.epochs = try arguments.int("epochs", default: isCNN ? 20 : 30, range: 1...1_000_000)
    example.batchSize = try arguments.int("batch-size", default: 32, range: 1...1_000_000)
    example.learningRate = Float(try arguments.double("lr", default: isCNN ? 0.001 : 0.003, range: 1e-12...1e6))
    let quiet = arguments.flag("quiet")
    try checkOutputPath(arguments.string("plot"), what: "chart")
    let network = isCNN
        ? "[1, 8, 8] -> conv 3x3 16 relu -> max pool 2 -> conv 3x3 32 relu -> max pool 2 -> flatten 128 -> 10"
        : "64 -> \(example.hidden.map { "\($0) relu -> " }.joined())10"
    if !quiet {
        print("digits: \(network), softmax cross-entropy, "
            + "Adam lr \(example.learningRate), batch \(example.batchSize), \(example.epochs) epochs, seed \(example.seed)")
    }
    var progress = Progress(epochs: example.epochs, quiet: quiet)
    let start = Date()
    let run = try example.run {
        progress.report($0)
        stopIfDiverged($0, progress: &progress)
    }
    progress.finish()
    let seconds = Date().timeIntervalSince(start)
    if !quiet { print("test confusion matrix (rows: actual class, columns: predicted class):\n\(run.confusion)") }
    print("test accuracy: \(fixed(run.testAccuracy, 4)) (\(run.confusion.counts.indices.map { run.confusion.counts[$0][$0] }.reduce(0, +)) of \(run.confusion.total)), "
        + "trained in \(fixed(seconds, 2)) s")
    try writePlot(run.history, arguments: arguments, title: isCNN ? "Digits, CNN (seed \(example.seed))"
        : "Digits, 64-\(example.hidden.map(String.init).joined(separator: "-"))-10 (seed \(example.seed))")
}

/// `backprop digits --model lstm|gru`: the recurrent classifiers of ``DigitsExample``.
func runRecurrentDigits(_ name: String, example: DigitsExample, arguments: ParsedArguments) throws {
    guard let kind = RecurrentKind(rawValue: name) else {
        throw UsageError(message: "option '--model': \(DataError.quoted(name)) is not mlp, cnn, lstm or gru")
    }
    var example = example
    example.epochs = try arguments.int("epochs", default: 30, range: 1...1_000_000)
    example.batchSize = try arguments.int("batch-size", default: 32, range: 1...1_000_000)
    example.learningRate = Float(try arguments.double("lr", default: 0.01, range: 1e-12...1e6))
    let quiet = arguments.flag("quiet")
    try checkOutputPath(arguments.string("plot"), what: "chart")
    if !quiet {
        print("digits: 8 steps of 8 pixels -> \(name.uppercased()) 64 -> 10, softmax cross-entropy, Adam lr "
            + "\(example.learningRate), batch \(example.batchSize), \(example.epochs) epochs, seed \(example.seed)")
    }
    var progress = Progress(epochs: example.epochs, quiet: quiet)
    let start = Date()
    let run = try example.runRecurrent(kind) {
        progress.report($0)
        stopIfDiverged($0, progress: &progress)
    }
    progress.finish()
    let seconds = Date().timeIntervalSince(start)
    print("test accuracy: \(fixed(run.testAccuracy, 4)), trained in \(fixed(seconds, 2)) s "
        + "(\(fixed(seconds * 1000 / Double(example.epochs), 1)) ms/epoch)")
    try writePlot(run.history, arguments: arguments, title: "Digits, \(name.uppercased()) 64 (seed \(example.seed))")
}
