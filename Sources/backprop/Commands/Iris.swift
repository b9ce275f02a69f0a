import Backprop
import BackpropNN
import Foundation

/// `backprop iris`: the classic Iris experiment with its defaults.
let irisCommand = Command(
    spec: CommandSpec(
        name: "iris",
        summary: """
        Trains the classic Iris network on the bundled data: min-max to [0, 1] (fitted on the
        training rows), seeded shuffle, 130 training / 20 validation rows, 4 -> 5 sigmoid ->
        3 sigmoid, one-hot targets, 1/2 squared error, per-sample SGD at learning rate 0.2 for
        300 epochs, weights and biases uniform in [0, 1). Prints progress and the final
        validation accuracy.
        """,
        options: [CommonOptions.seed, .value("epochs", "N", "Number of epochs (default 300)."),
                  .value("lr", "RATE", "Learning rate (default 0.2)."), CommonOptions.plot, CommonOptions.quiet])
) { arguments in
    var tutorial = IrisTutorial(seed: try arguments.seed())
    tutorial.epochs = try arguments.int("epochs", default: 300, range: 1...1_000_000)
    tutorial.learningRate = try arguments.double("lr", default: 0.2, range: 1e-12...1e6)
    let quiet = arguments.flag("quiet")
    try checkOutputPath(arguments.string("plot"), what: "chart")
    if !quiet {
        print("Iris: 4 -> \(tutorial.hiddenUnits) sigmoid -> 3 sigmoid, per-sample SGD lr \(tutorial.learningRate), "
            + "\(tutorial.epochs) epochs, seed \(tutorial.seed)")
    }
    var progress = Progress(epochs: tutorial.epochs, quiet: quiet)
    let run = try tutorial.run {
        progress.report($0)
        stopIfDiverged($0, progress: &progress)
    }
    progress.finish()
    let last = run.history.last!
    let steps = tutorial.trainingRows * tutorial.epochs
    let seconds = run.history.epochs.reduce(0) { $0 + $1.seconds }
    if !quiet {
        print(String(format: "trained %d per-sample steps in %.2f s (%.1f µs per step incl. evaluation)",
                     steps, seconds, seconds / Double(steps) * 1e6))
    }
    print("final validation accuracy: \(fixed(last.validationAccuracy ?? 0, 4)) "
        + "(\(Int(((last.validationAccuracy ?? 0) * Double(150 - tutorial.trainingRows)).rounded())) of \(150 - tutorial.trainingRows))")
    try writePlot(run.history, arguments: arguments, title: "Iris tutorial (seed \(tutorial.seed))")
}
