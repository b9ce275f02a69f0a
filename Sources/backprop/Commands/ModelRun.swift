import Backprop
import BackpropNN
import Foundation

// Scoring and applying a saved model: regression figures, and a CSV file read the way a
// checkpoint's model reads its input.

extension RegressionMetrics {
    /// The metrics of predictions against actual values, both row-major with `columns`
    /// targets.
    init(predicted: [Double], actual: [Double], columns: Int) {
        let shape: TensorShape = [actual.count / Swift.max(columns, 1), columns]
        self.init(predicted: Tensor(shape: shape, scalars: predicted), targets: Tensor(shape: shape, scalars: actual))
    }

    /// `MSE 12.3456  RMSE 3.5136  R² 0.8123`.
    var summary: String {
        "MSE \(fixed(meanSquaredError, 4))  RMSE \(fixed(rootMeanSquaredError, 4))  R² \(fixed(rSquared, 4))"
    }
}

/// A saved model and a CSV file read the way the model reads its input: its columns by
/// name (others ignored), its categories, its missing-value fills and normalisation; with
/// the model's outputs (predicted classes, or values in the targets' units).
struct ModelRun {
    var checkpoint: Checkpoint
    var table: CSVTable
    /// The data as read (before normalisation), with labels or targets if the file has them.
    var data: Dataset
    /// The predicted class of each row (classification).
    var predictedClasses: [Int] = []
    /// The predicted values, row-major, in the targets' units (regression).
    var predictedValues: [Double] = []

    var isRegression: Bool { !(checkpoint.targetNames ?? []).isEmpty }
    var targetNames: [String] { checkpoint.targetNames ?? [] }
    /// Whether the file has the label or targets, so the predictions can be scored.
    var hasActual: Bool { isRegression ? data.hasTargets : data.isLabeled }

    init(modelPath: String, dataPath: String, label: String?, delimiter: Character?, quiet: Bool) throws {
        if modelPath == InputFile.standardInputPath && dataPath == InputFile.standardInputPath {
            throw UsageError(message: "options '--model' and '--data' cannot both be - (standard input)")
        }
        let modelName = InputFile.displayName(forPath: modelPath)
        checkpoint = try Checkpoint.decode(InputFile.read(atPath: modelPath), file: modelName)
        let model: Sequential<Float> = try checkpoint.makeModel()
        let table = try readTable(dataPath, delimiter: delimiter, quiet: quiet)
        self.table = table
        let columns = checkpoint.featureColumns
            ?? (checkpoint.featureNames.isEmpty ? nil : checkpoint.featureNames.map { FeatureColumn(name: $0) })
        let options = DatasetReadingOptions(
            missingValues: checkpoint.missingValueFills == nil ? .error : .mean, columns: columns,
            allowsContinuousLabels: true)
        let targetNames = checkpoint.targetNames ?? []
        if !targetNames.isEmpty {
            let names = label.map { splitColumns($0, in: table) } ?? targetNames.map { ColumnSelector.name($0) }
            if label != nil || targetNames.allSatisfy(table.header.contains) {
                data = try Dataset(table: table, targets: names, options: options)
                guard data.targetCount == targetNames.count else {
                    throw RuntimeError("\(table.source): \(data.targetCount) target columns, but the model predicts \(targetNames.count)")
                }
            } else {
                data = try Dataset(table: table, label: nil, options: options)
            }
        } else {
            let selector: ColumnSelector? = label.map { ColumnSelector($0) }
                ?? checkpoint.labelColumn.flatMap { table.header.contains($0) ? .name($0) : nil }
            data = try Dataset(table: table, label: selector,
                               classNames: checkpoint.classNames.isEmpty ? nil : checkpoint.classNames, options: options)
        }
        let inputSize = model.namedParameters.first?.variable.shape.first ?? data.featureCount
        guard data.featureCount == inputSize else {
            throw RuntimeError("\(table.source): \(data.featureCount) feature columns, but the model takes \(inputSize)")
        }
        var input = data
        if let fills = checkpoint.missingValueFills { input = input.fillingMissingValues(with: fills) }
        if let normalizer = checkpoint.normalizer {
            guard normalizer.offsets.count == input.featureCount else {
                throw RuntimeError("\(modelName): the saved normalisation has \(normalizer.offsets.count) columns, the data \(input.featureCount)")
            }
        }
        try checkFeaturesFitFloat(input, table: table, normalizer: checkpoint.normalizer, normalizerSource: "saved in \(modelName)")
        if let normalizer = checkpoint.normalizer { input = normalizer.apply(to: input) }
        let output = model.predict(input.featureTensor())
        if let bad = output.scalars.firstIndex(where: { !$0.isFinite }) {
            let row = bad / Swift.max(output.shape.last ?? 1, 1)
            throw RuntimeError(
                "\(modelName): the model's output for \(table.source):\(input.lineNumbers[row]) (row \(row + 1)) is \(output.scalars[bad]), "
                    + "not a finite number: its parameters overflow Float on this row's features")
        }
        if isRegression {
            let width = targetNames.count
            let scaling = checkpoint.targetNormalizer
            predictedValues = output.scalars.enumerated().map { k, v in
                scaling?.original(Double(v), column: k % width) ?? Double(v)
            }
        } else {
            let threshold: Float = checkpoint.loss.flatMap { Loss<Float>.named($0)?.binaryThreshold } ?? 0.5
            predictedClasses = BackpropNN.predictedClasses(output, threshold: threshold)
        }
    }

    /// The predictions as CSV: `row,predicted[,actual]` (one `predicted_NAME` and
    /// `actual_NAME` per target when there are several).
    var csv: String {
        var lines: [String] = []
        if isRegression {
            let several = targetNames.count > 1
            let predicted = several ? targetNames.map { "predicted_\($0)" } : ["predicted"]
            let actual = several ? targetNames.map { "actual_\($0)" } : ["actual"]
            lines.append((["row"] + predicted + (hasActual ? actual : [])).map(csvField).joined(separator: ","))
            let t = targetNames.count
            for i in 0..<data.count {
                // The model computes in Float: its predictions are written to Float's precision.
                var fields = ["\(i + 1)"] + predictedValues[(i * t)..<(i * t + t)].map { "\(Float($0))" }
                if hasActual { fields += data.targets[(i * t)..<(i * t + t)].map { "\($0)" } }
                lines.append(fields.joined(separator: ","))
            }
        } else {
            let names = checkpoint.classNames
            func name(_ k: Int) -> String { csvField(k < names.count ? names[k] : String(k)) }
            lines.append(hasActual ? "row,predicted,actual" : "row,predicted")
            for (i, k) in predictedClasses.enumerated() {
                lines.append("\(i + 1),\(name(k))" + (hasActual ? ",\(name(data.labels[i]))" : ""))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The regression scores against the targets in the file.
    var scores: RegressionMetrics {
        RegressionMetrics(predicted: predictedValues, actual: data.targets, columns: targetNames.count)
    }
}
