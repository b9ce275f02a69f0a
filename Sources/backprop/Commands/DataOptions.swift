import Backprop
import BackpropNN
import Foundation

// Reading CSV files as the data commands (train, predict, evaluate) do: the delimiter,
// progress for large files, the columns chosen, and a saved model's inputs.

/// The options every data command shares.
enum DataOptions {
    static let delimiter = OptionSpec.value(
        "delimiter", "CHAR", "Field delimiter: one character, or 'tab' (default: the one of , ; and tab the header line holds most of).")
}

/// The `--delimiter` value: one ASCII character (`tab` or `\t` for a tab), not a quote or
/// a line end; `nil` when not given.
func delimiter(_ arguments: ParsedArguments) throws -> Character? {
    guard let text = arguments.string("delimiter") else { return nil }
    let value: Character? = text == "tab" || text == "\\t" ? "\t" : text.count == 1 ? text.first : nil
    guard let value, value.isASCII, !["\"", "\n", "\r"].contains(value) else {
        throw UsageError(message: "option '--delimiter': \(DataError.quoted(text)) is not one character (other than a quote or a line end) or 'tab'")
    }
    return value
}

/// Files at least this large get a line on standard error while they are read.
let progressFileSize = 4 << 20

/// Reads a CSV file, or standard input for `-`, capped at ``InputFile/defaultByteLimit``.
/// A file of ``progressFileSize`` bytes or more gets a line on standard error before and
/// after (unless `quiet`).
func readTable(_ path: String, delimiter: Character? = nil, quiet: Bool = false) throws -> CSVTable {
    let name = InputFile.displayName(forPath: path)
    let start = Date()
    let bytes = try InputFile.read(atPath: path)
    let announce = !quiet && bytes.count >= progressFileSize
    if announce {
        FileHandle.standardError.write(Data("reading \(name) (\(String(format: "%.1f", Double(bytes.count) / 1e6)) MB)…\n".utf8))
    }
    let table = try CSVTable(data: bytes, source: name, delimiter: delimiter)
    if announce {
        let seconds = Date().timeIntervalSince(start)
        FileHandle.standardError.write(Data(
            "read \(name): \(table.rowCount) rows, \(table.header.count) columns in \(String(format: "%.2f", seconds)) s\n".utf8))
    }
    return table
}

/// A comma-separated list of columns (`a,b` or 0-based indices), or `nil` when not given.
func columnList(_ arguments: ParsedArguments, _ name: String) -> [ColumnSelector]? {
    arguments.string(name).map { $0.split(separator: ",").map { ColumnSelector(String($0).trimmingCharacters(in: .whitespaces)) } }
}

/// The 0-based column in the file of each feature of `data` (a categorical column gives
/// one per category).
func fileColumns(of data: Dataset, in table: CSVTable) -> [Int] {
    data.columns.flatMap { column in
        Array(repeating: table.header.firstIndex(of: column.name) ?? 0, count: column.categories?.count ?? 1)
    }
}

/// Regression figures of predictions against actual values (both row-major with
/// `columns` targets): the mean squared error over every value, its root, and R² (one
/// minus the residual over the total sum of squares) averaged over the targets; a target
/// that is constant scores 1 if predicted exactly, else 0.
struct RegressionScores: Equatable {
    var meanSquaredError: Double
    var rootMeanSquaredError: Double { meanSquaredError.squareRoot() }
    var rSquared: Double

    init(predicted: [Double], actual: [Double], columns: Int) {
        require(predicted.count == actual.count && columns > 0 && !actual.isEmpty && actual.count % columns == 0,
                     "RegressionScores: \(predicted.count) predictions for \(actual.count) values in \(columns) columns")
        let rows = actual.count / columns
        var squared = 0.0
        var r2 = 0.0
        for j in 0..<columns {
            var mean = 0.0
            for i in 0..<rows { mean += actual[i * columns + j] }
            mean /= Double(rows)
            var residual = 0.0, total = 0.0
            for i in 0..<rows {
                let a = actual[i * columns + j]
                residual += (predicted[i * columns + j] - a) * (predicted[i * columns + j] - a)
                total += (a - mean) * (a - mean)
            }
            squared += residual
            r2 += total > 0 ? 1 - residual / total : residual == 0 ? 1 : 0
        }
        meanSquaredError = squared / Double(actual.count)
        rSquared = r2 / Double(columns)
    }

    /// `MSE 12.3456  RMSE 3.5136  R² 0.8123`.
    var description: String {
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
    var scores: RegressionScores {
        RegressionScores(predicted: predictedValues, actual: data.targets, columns: targetNames.count)
    }
}

/// Target columns given as `a,b`: the whole text if the header has a column of that name,
/// else its comma-separated parts.
func splitColumns(_ text: String, in table: CSVTable) -> [ColumnSelector] {
    table.header.contains(text) ? [.name(text)] : text.split(separator: ",").map { ColumnSelector(String($0)) }
}

/// A field for CSV output: quoted (quotes doubled) when it holds a delimiter, a quote, a
/// line end or spaces at either end.
func csvField(_ text: String) -> String {
    let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == ";" || $0 == "\t" }
        || text.first == " " || text.last == " "
    return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
