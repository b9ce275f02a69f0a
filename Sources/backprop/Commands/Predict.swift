import Backprop
import BackpropNN
import Foundation

/// `backprop predict`: a saved model applied to a CSV file.
let predictCommand = Command(
    spec: CommandSpec(
        name: "predict",
        summary: """
        Applies a model saved by `backprop train --save` to a CSV file that has the model's
        feature columns (in any order; other columns are ignored; the saved categories,
        missing-value fills and normalisation are applied). Prints one prediction per row
        as CSV (row, predicted[, actual]): a class, or for a regression model a value in
        the target's units. When the file has the label (or target) columns it then prints
        the accuracy (or MSE, RMSE and R²). A feature that is not a finite Float once
        normalised, a category the model never saw, or an output that is infinite or NaN is
        an error naming the row.
        """,
        options: [
            .value("model", "MODEL.json", "The checkpoint, or - for standard input (at most 256 MiB).", required: true),
            .value("data", "FILE.csv", "The CSV file, or - for standard input (at most 256 MiB).", required: true),
            .value("label", "COLUMN", "The label (or target) column(s), if not the ones the model was trained with."),
            DataOptions.delimiter,
            .value("output", "FILE.csv", "Write the predictions to this file (atomically) instead of standard output."),
            CommonOptions.quiet,
        ])
) { arguments in
    let quiet = arguments.flag("quiet")
    let outputPath = arguments.string("output")
    let delimiter = try delimiter(arguments)
    try checkOutputPath(outputPath, what: "predictions")
    let run = try ModelRun(modelPath: arguments.string("model")!, dataPath: arguments.string("data")!,
                           label: arguments.string("label"), delimiter: delimiter, quiet: quiet)
    if let outputPath {
        try write(run.csv, to: outputPath, what: "predictions")
        if !quiet { print("wrote \(run.data.count) predictions to \(outputPath)") }
    } else if !quiet {
        print(run.csv, terminator: "")
    }
    guard run.hasActual else { return }
    if run.isRegression {
        print(run.scores.summary)
    } else {
        let correct = zip(run.predictedClasses, run.data.labels).filter { $0 == $1 }.count
        print("accuracy: \(fixed(accuracy(predicted: run.predictedClasses, labels: run.data.labels), 4)) (\(correct) of \(run.data.count))")
    }
}
