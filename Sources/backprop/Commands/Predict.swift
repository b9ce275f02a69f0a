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
        column, the accuracy.
        """,
        options: [
            .value("model", "MODEL.json", "The checkpoint.", required: true),
            .value("data", "FILE.csv", "The CSV file.", required: true),
            .value("label", "COLUMN", "The label column, if not the one the model was trained with."),
            CommonOptions.quiet,
        ])
) { arguments in
    let modelPath = arguments.string("model")!
    let path = arguments.string("data")!
    let checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: modelPath))
    let model: Sequential<Float> = try checkpoint.makeModel()
    let table = try CSVTable(contentsOf: URL(fileURLWithPath: path), name: path)
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
    if !checkpoint.featureNames.isEmpty && data.featureNames != checkpoint.featureNames {
        var order: [Int] = []
        for name in checkpoint.featureNames {
            guard let j = data.featureNames.firstIndex(of: name) else {
                throw RuntimeError("\(path): the model reads column '\(name)', which the file lacks "
                    + "(columns: \(table.header.joined(separator: ", ")))")
            }
            order.append(j)
        }
        var features: [Double] = []
        for i in 0..<data.count { for j in order { features.append(data[row: i, feature: j]) } }
        data.features = features
        data.featureNames = checkpoint.featureNames
    }
    let inputSize = model.namedParameters.first?.variable.shape.first ?? data.featureCount
    guard data.featureCount == inputSize else {
        throw RuntimeError("\(path): \(data.featureCount) feature columns, but the model takes \(inputSize)")
    }
    if let normalizer = checkpoint.normalizer {
        guard normalizer.offsets.count == data.featureCount else {
            throw RuntimeError("\(modelPath): the saved normalisation has \(normalizer.offsets.count) columns, the data \(data.featureCount)")
        }
        data = normalizer.apply(to: data)
    }
    let threshold: Float = checkpoint.loss.flatMap { Loss<Float>.named($0)?.binaryThreshold } ?? 0.5
    let predicted = predictedClasses(model.predict(data.featureTensor()), threshold: threshold)
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
