import Backprop
import BackpropNN
import Foundation

/// `backprop digits`: the bundled 8×8 digits, 64 → hidden → 10, softmax cross-entropy.
let digitsCommand = Command(
    spec: CommandSpec(
        name: "digits",
        summary: """
        Trains 64 -> hidden (ReLU) -> 10 on the bundled 8x8 handwritten digits (1,797 rows,
        seeded 70/10/20 % train/validation/test split, pixels scaled to [0, 1]) with softmax
        cross-entropy and Adam in mini-batches; prints the test accuracy and confusion matrix.
        """,
        options: [CommonOptions.seed, .value("hidden", "SIZES", "Hidden layer sizes, comma-separated (default 128)."),
                  .value("epochs", "N", "Number of epochs (default 30)."),
                  .value("batch-size", "N", "Rows per mini-batch (default 32)."),
                  .value("lr", "RATE", "Adam's learning rate (default 0.003)."),
                  .value("model", "KIND", "mlp (default), or lstm / gru: each image read row by row as 8 steps of 8 pixels, hidden 64, lr 0.01 by default."),
                  CommonOptions.plot, CommonOptions.quiet])
) { arguments in
    var example = DigitsExample(seed: try arguments.seed())
    if let kind = arguments.string("model"), kind != "mlp" {
        return try runRecurrentDigits(kind, example: example, arguments: arguments)
    }
    example.hidden = try arguments.intList("hidden", default: [128])
    try checkModelSize([64] + example.hidden + [10])
    example.epochs = try arguments.int("epochs", default: 30, range: 1...1_000_000)
    example.batchSize = try arguments.int("batch-size", default: 32, range: 1...1_000_000)
    example.learningRate = Float(try arguments.double("lr", default: 0.003, range: 1e-12...1e6))
    let quiet = arguments.flag("quiet")
    try checkOutputPath(arguments.string("plot"), what: "chart")
    if !quiet {
        print("digits: 64 -> \(example.hidden.map { "\($0) relu -> " }.joined())10, softmax cross-entropy, "
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
    try writePlot(run.history, arguments: arguments, title: "Digits, 64-\(example.hidden.map(String.init).joined(separator: "-"))-10 (seed \(example.seed))")
}

/// `backprop digits --model lstm|gru`: the recurrent classifiers of ``DigitsExample``.
func runRecurrentDigits(_ name: String, example: DigitsExample, arguments: ParsedArguments) throws {
    guard let kind = RecurrentKind(rawValue: name) else {
        throw UsageError(message: "--model: '\(name)' is not one of mlp, lstm, gru")
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
