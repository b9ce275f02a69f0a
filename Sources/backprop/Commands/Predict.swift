import Backprop
import BackpropNN
import Foundation

/// `backprop predict`: a saved model applied to a CSV file.
let predictCommand = Command(
    spec: CommandSpec(
        name: "predict",
        summary: """
        Applies a model saved by `backprop train --save` to a CSV file with the same feature
        columns (in any order; the saved normalisation is applied). Prints one predicted
        class per row as CSV (row, predicted[, actual]) and, when the file has the label
        column, the accuracy. A feature that is not a finite Float once normalised, or an
        output that is infinite or NaN, is an error naming the row.
        """,
        options: [
            .value("model", "MODEL.json", "The checkpoint, or - for standard input (at most 256 MiB).", required: true),
            .value("data", "FILE.csv", "The CSV file, or - for standard input (at most 256 MiB).", required: true),
            .value("label", "COLUMN", "The label column, if not the one the model was trained with."),
            CommonOptions.quiet,
        ])
) { arguments in
    if arguments.string("model") == InputFile.standardInputPath && arguments.string("data") == InputFile.standardInputPath {
        throw UsageError(message: "options '--model' and '--data' cannot both be - (standard input)")
    }
    let modelPath = InputFile.displayName(forPath: arguments.string("model")!)
    let path = InputFile.displayName(forPath: arguments.string("data")!)
    let checkpoint = try Checkpoint.decode(InputFile.read(atPath: arguments.string("model")!), file: modelPath)
    let model: Sequential<Float> = try checkpoint.makeModel()
    let table = try readTable(arguments.string("data")!)
    let labelSelector: ColumnSelector?
    if let text = arguments.string("label") {
        labelSelector = ColumnSelector(text)
    } else if let name = checkpoint.labelColumn, table.header.contains(name) {
        labelSelector = .name(name)
    } else {
        labelSelector = nil
    }
    var data = try Dataset(table: table, label: labelSelector,
                           classNames: checkpoint.classNames.isEmpty ? nil : checkpoint.classNames)
    let labelIndex = try labelSelector.map { try table.columnIndex($0) }
    var fileColumns = table.header.indices.filter { $0 != labelIndex }
    if !checkpoint.featureNames.isEmpty && data.featureNames != checkpoint.featureNames {
        var order: [Int] = []
        for name in checkpoint.featureNames {
            guard let j = data.featureNames.firstIndex(of: name) else {
                let columns = table.header.prefix(20).map { DataError.excerpt($0) }.joined(separator: ", ")
                    + (table.header.count > 20 ? ", … (\(table.header.count) in all)" : "")
                throw RuntimeError("\(path): the model reads column \(DataError.quoted(name)), which the file lacks "
                    + "(columns: \(columns))")
            }
            order.append(j)
        }
        var features: [Double] = []
        for i in 0..<data.count { for j in order { features.append(data[row: i, feature: j]) } }
        data.features = features
        data.featureNames = checkpoint.featureNames
        fileColumns = order.map { fileColumns[$0] }
    }
    let inputSize = model.namedParameters.first?.variable.shape.first ?? data.featureCount
    guard data.featureCount == inputSize else {
        throw RuntimeError("\(path): \(data.featureCount) feature columns, but the model takes \(inputSize)")
    }
    if let normalizer = checkpoint.normalizer {
        guard normalizer.offsets.count == data.featureCount else {
            throw RuntimeError("\(modelPath): the saved normalisation has \(normalizer.offsets.count) columns, the data \(data.featureCount)")
        }
    }
    try checkFeaturesFitFloat(data, table: table, fileColumns: fileColumns, normalizer: checkpoint.normalizer,
                              normalizerSource: "saved in \(modelPath)")
    if let normalizer = checkpoint.normalizer { data = normalizer.apply(to: data) }
    let threshold: Float = checkpoint.loss.flatMap { Loss<Float>.named($0)?.binaryThreshold } ?? 0.5
    let output = model.predict(data.featureTensor())
    if let bad = output.scalars.firstIndex(where: { !$0.isFinite }) {
        let row = bad / Swift.max(output.shape.last ?? 1, 1)
        throw RuntimeError(
            "\(modelPath): the model's output for \(path):\(table.lineNumbers[row]) (row \(row + 1)) is \(output.scalars[bad]), "
                + "not a finite number: its parameters overflow Float on this row's features")
    }
    let predicted = predictedClasses(output, threshold: threshold)
    let names = checkpoint.classNames
    func name(_ k: Int) -> String { k < names.count ? names[k] : String(k) }
    if !arguments.flag("quiet") {
        print(data.isLabeled ? "row,predicted,actual" : "row,predicted")
        for (i, k) in predicted.enumerated() {
            print("\(i + 1),\(name(k))" + (data.isLabeled ? ",\(name(data.labels[i]))" : ""))
        }
    }
    if data.isLabeled {
        let correct = zip(predicted, data.labels).filter { $0 == $1 }.count
        print("accuracy: \(fixed(accuracy(predicted: predicted, labels: data.labels), 4)) (\(correct) of \(data.count))")
    }
}
