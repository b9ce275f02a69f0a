import Backprop
import BackpropNN
import Foundation

/// `backprop evaluate`: a saved model scored on a labelled CSV file.
let evaluateCommand = Command(
    spec: CommandSpec(
        name: "evaluate",
        summary: """
        Scores a model saved by `backprop train --save` on a CSV file that has its feature
        columns and its label (or target) columns, read as `backprop predict` reads them. A
        classifier gets its accuracy, the confusion matrix and each class's precision and
        recall; a regression model its mean squared error, RMSE and R² in the target's
        units.
        """,
        options: [
            .value("model", "MODEL.json", "The checkpoint, or - for standard input (at most 256 MiB).", required: true),
            .value("data", "FILE.csv", "The labelled CSV file, or - for standard input (at most 256 MiB).", required: true),
            .value("label", "COLUMN", "The label (or target) column(s), if not the ones the model was trained with."),
            DataOptions.delimiter,
            CommonOptions.quiet,
        ])
) { arguments in
    let run = try ModelRun(modelPath: arguments.string("model")!, dataPath: arguments.string("data")!,
                           label: arguments.string("label"), delimiter: try delimiter(arguments),
                           quiet: arguments.flag("quiet"))
    guard run.hasActual else {
        let wanted = run.isRegression ? "target column(s) \(run.targetNames.joined(separator: ", "))"
            : "label column \(DataError.quoted(run.checkpoint.labelColumn ?? "?"))"
        throw RuntimeError("\(run.table.source): the file has no \(wanted) to score against (name it with --label)")
    }
    print("\(run.table.source): \(run.data.count) rows")
    if run.isRegression {
        print(run.scores.summary)
        return
    }
    let names = run.checkpoint.classNames
    let matrix = ConfusionMatrix(predicted: run.predictedClasses, labels: run.data.labels,
                                 classCount: names.count, classNames: names)
    print("accuracy: \(fixed(matrix.accuracy, 4)) (\(matrix.counts.indices.map { matrix.counts[$0][$0] }.reduce(0, +)) of \(matrix.total))")
    print("confusion matrix (rows: actual class, columns: predicted class):\n\(matrix)")
    print(perClassTable(matrix))
}

/// Precision, recall and support per class, as a text table.
func perClassTable(_ matrix: ConfusionMatrix) -> String {
    let width = max(matrix.classNames.map(\.count).max() ?? 0, 5)
    func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
    var lines = [pad("class", width) + pad("precision", 11) + pad("recall", 8) + pad("rows", 7)]
    for (k, name) in matrix.classNames.enumerated() {
        lines.append(pad(name, width) + pad(fixed(matrix.precision[k], 3), 11) + pad(fixed(matrix.recall[k], 3), 8)
            + pad(String(matrix.counts[k].reduce(0, +)), 7))
    }
    return lines.joined(separator: "\n")
}
