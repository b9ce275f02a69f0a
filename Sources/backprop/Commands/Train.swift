import Backprop
import BackpropNN
import Foundation

/// `backprop train`: a fully connected classifier or regression on any CSV file.
let trainCommand = Command(
    spec: CommandSpec(
        name: "train",
        summary: """
        Trains a fully connected classifier (or, with --task regression, a regression with
        mean squared error and standardised targets) on a CSV file with a header row.
        Feature columns are numbers, or text (categorical: one-hot encoded, the categories
        saved with the model); labels may be names or integers. A label column that looks
        continuous is refused in classification unless --task is given. An unnamed first
        column (a pandas index) is not used. Rows are shuffled (seeded), split into
        training, validation and test, and normalised with statistics of the training rows
        only. Every feature must be a finite Float once normalised, and training stops with
        an error in the epoch the loss becomes infinite or NaN (nothing is saved then).
        """,
        options: [
            .value("data", "FILE.csv", "The CSV file, or - for standard input (at most 256 MiB).", required: true),
            .value("label", "COLUMN", "The label column: a header name or a 0-based index (-1: last); for regression, one or more (a,b).", required: true),
            .value("task", "KIND", "classification or regression (default classification)."),
            .value("features", "COLUMNS", "Only these feature columns, comma-separated (names or 0-based indices)."),
            .value("drop", "COLUMNS", "Columns not to use, comma-separated (names or 0-based indices)."),
            .value("missing", "POLICY", "Missing values (empty, NA, NaN, null, ?): error, drop (the row) or mean (of the training rows) (default error)."),
            DataOptions.delimiter,
            .value("hidden", "SIZES", "Hidden layer sizes, comma-separated, or 'none' (default 16)."),
            .value("activation", "NAME", "Hidden activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")) (default relu)."),
            .value("dropout", "RATE", "Dropout rate after every hidden layer, in [0, 1) (default 0)."),
            .value("loss", "NAME", "ce (softmax cross-entropy), bce (binary, 2 classes), mse, mean-half-se (alias half-se) (default ce; regression: mse)."),
            .value("optimizer", "NAME", "sgd or adam (default adam)."),
            .value("lr", "RATE", "Learning rate (default 0.01 for adam, 0.1 for sgd)."),
            .value("momentum", "MU", "SGD momentum in [0, 1) (default 0)."),
            .value("weight-decay", "LAMBDA", "L2 weight decay (default 0)."),
            .value("epochs", "N", "Number of epochs (default 100)."),
            .value("batch-size", "N", "Rows per update: 1 is per-sample (standard BP), 0 the full batch (accumulated BP) (default 32)."),
            .value("patience", "N", "Early stopping: stop after N epochs without a better validation loss and keep the best parameters."),
            .value("normalize", "KIND", "minmax, zscore or none (default minmax)."),
            CommonOptions.seed,
            .value("validation", "FRACTION", "Fraction of rows held out for validation, in [0, 1) (default 0.2)."),
            .value("test-fraction", "FRACTION", "Fraction of rows held out for a final test, in [0, 1) (default 0)."),
            .value("save-split", "DIR", "Write the training, validation and test rows as train.csv, validation.csv and test.csv in DIR (made if missing)."),
            .value("save", "MODEL.json", "Save the trained model as a checkpoint."),
            CommonOptions.plot,
            .value("graph", "FILE.dot", "Write the computation graph of one training step (Graphviz DOT)."),
            .flag("gradient-norms", "Print each layer's mean weight-gradient norm in the last epoch (vanishing gradients)."),
            CommonOptions.quiet,
        ])
) { arguments in
    let path = InputFile.displayName(forPath: arguments.string("data")!)
    let taskGiven = arguments.string("task") != nil
    let regression = try arguments.choice("task", ["classification", "regression"], default: "classification") == "regression"
    let hidden = try arguments.intList("hidden", default: [16])
    let activation = Activation(rawValue: try arguments.choice(
        "activation", Activation.allCases.map(\.rawValue), default: "relu"))!
    let dropout = try arguments.double("dropout", default: 0, range: 0...0.95)
    let lossName = try arguments.choice("loss", ["ce", "bce", "mse", "mean-half-se"],
                                        aliases: ["half-se": "mean-half-se"], default: regression ? "mse" : "ce")
    if regression && lossName != "mse" {
        throw UsageError(message: "option '--loss': a regression trains with mse (mean squared error), not \(lossName)")
    }
    let optimizerName = try arguments.choice("optimizer", ["sgd", "adam"], default: "adam")
    let lr = try arguments.double("lr", default: optimizerName == "adam" ? 0.01 : 0.1, range: 1e-12...1e6)
    let momentum = try arguments.double("momentum", default: 0, range: 0...0.999999)
    if momentum > 0 && optimizerName != "sgd" {
        throw UsageError(message: "option '--momentum' applies to --optimizer sgd only")
    }
    let weightDecay = try arguments.double("weight-decay", default: 0, range: 0...1e6)
    let epochs = try arguments.int("epochs", default: 100, range: 1...10_000_000)
    let batchSize = try arguments.int("batch-size", default: 32, range: 0...Int.max)
    let patience = arguments.string("patience") == nil ? nil : try arguments.int("patience", default: 0, range: 1...Int.max)
    let normalization = try arguments.choice("normalize", ["minmax", "zscore", "none"], default: "minmax")
    let seed = try arguments.seed()
    let validationFraction = try arguments.double("validation", default: 0.2, range: 0...0.99)
    let testFraction = try arguments.double("test-fraction", default: 0, range: 0...0.99)
    if validationFraction + testFraction >= 1 {
        throw UsageError(message: "options '--validation' and '--test-fraction' leave no rows for training (\(validationFraction) + \(testFraction) ≥ 1)")
    }
    let missing = MissingValuePolicy(rawValue: try arguments.choice("missing", MissingValuePolicy.allCases.map(\.rawValue), default: "error"))!
    let delimiter = try delimiter(arguments)
    let quiet = arguments.flag("quiet")
    if dropout > 0 && hidden.isEmpty {
        throw UsageError(message: "option '--dropout' needs a hidden layer (it applies after each one), but --hidden is none")
    }
    try checkOutputPath(arguments.string("save"), what: "model")
    try checkOutputPath(arguments.string("plot"), what: "chart")
    try checkOutputPath(arguments.string("graph"), what: "graph")
    let splitDirectory = arguments.string("save-split")
    if let splitDirectory {
        do { try FileManager.default.createDirectory(atPath: splitDirectory, withIntermediateDirectories: true) } catch {
            throw RuntimeError("\(splitDirectory): cannot create the directory for the split (\(error.localizedDescription))")
        }
        try checkOutputPath(URL(fileURLWithPath: splitDirectory).appendingPathComponent("train.csv").path, what: "split")
    }

    let table = try readTable(arguments.string("data")!, delimiter: delimiter, quiet: quiet)
    let labels = regression ? splitColumns(arguments.string("label")!, in: table) : [ColumnSelector(arguments.string("label")!)]
    let labelIndices = try labels.map { try table.columnIndex($0) }
    var dropped = columnList(arguments, "drop") ?? []
    let chosen = columnList(arguments, "features")
    if table.header.first == "" && !labelIndices.contains(0) && chosen == nil {
        dropped.append(.index(0))
        FileHandle.standardError.write(Data(
            "notice: \(path): column 1 has no name (a pandas index?); it is not used (--features 0,… uses it)\n".utf8))
    }
    let options = DatasetReadingOptions(features: chosen, dropped: dropped, missingValues: missing,
                                        readsCategoricalColumns: true, allowsContinuousLabels: true)
    let data = regression
        ? try Dataset(table: table, targets: labels, options: options)
        : try Dataset(table: table, label: labels[0], options: options)
    if !regression && !taskGiven, let evidence = data.continuousLabelEvidence {
        throw UsageError(
            message: "the label column \(DataError.quoted(data.labelName ?? "")) looks continuous (\(evidence)): "
                + "to predict it as a number use --task regression (or --task classification to train \(data.classCount) classes anyway)")
    }
    if !regression {
        guard data.classCount >= 2 else {
            throw RuntimeError("\(path): the label column has \(data.classCount) class; at least 2 are needed")
        }
        if lossName == "bce" && data.classCount != 2 {
            throw RuntimeError("\(path): --loss bce needs 2 classes, the label column has \(data.classCount)")
        }
    }
    var rng = SeededGenerator(seed: seed)
    var parts = data.shuffled(using: &rng).split(validationFraction: validationFraction, testFraction: testFraction)
    guard parts.training.count > 0 else { throw RuntimeError("\(path): no rows left for training") }
    if let splitDirectory {
        try writeSplit([("train", parts.training), ("validation", parts.validation), ("test", parts.test)],
                       of: table, to: splitDirectory, quiet: quiet)
    }
    let fills = missing == .mean ? parts.training.missingValueMeans() : nil
    if let fills {
        parts = (parts.training.fillingMissingValues(with: fills), parts.validation.fillingMissingValues(with: fills),
                 parts.test.fillingMissingValues(with: fills))
    }
    let normalizer: Normalizer? = switch normalization {
    case "minmax": Normalizer.minMax(fittedOn: parts.training)
    case "zscore": Normalizer.zScore(fittedOn: parts.training)
    default: nil
    }
    let fileColumns = fileColumns(of: data, in: table)
    if let normalizer, let (column, reason) = normalizer.problem() {
        throw DataError(file: path, column: column.map { fileColumns[$0] + 1 },
                        columnName: column.map { data.featureNames[$0] },
                        reason: "cannot normalise (--normalize \(normalization), fitted on the training rows): \(reason)")
    }
    for part in [parts.training, parts.validation, parts.test] {
        try checkFeaturesFitFloat(part, table: table, normalizer: normalizer,
                                  normalizerSource: "--normalize \(normalization), fitted on the training rows")
    }
    let targetScaling = regression ? Normalizer.zScore(fittedOnTargetsOf: parts.training) : nil
    func prepared(_ part: Dataset) -> Dataset {
        let normalised = normalizer?.apply(to: part) ?? part
        return targetScaling?.applyingToTargets(of: normalised) ?? normalised
    }
    let (training, validation, test) = (prepared(parts.training), prepared(parts.validation), prepared(parts.test))

    let binary = lossName == "bce"
    let outputs = regression ? data.targetCount : binary ? 1 : data.classCount
    try checkModelSize([data.featureCount] + hidden + [outputs])
    let loss: Loss<Float> = switch lossName {
    case "ce": .crossEntropy
    case "bce": .binaryCrossEntropy
    case "mse": .meanSquaredError
    default: .meanHalfSquaredError
    }
    let outputActivation: Activation = regression || lossName == "ce" || binary ? .identity : .sigmoid
    let model = Sequential<Float>.multilayerPerceptron(
        inputSize: data.featureCount, hidden: hidden, outputSize: outputs,
        activation: activation, outputActivation: outputActivation, dropout: dropout, using: &rng)
    let mode: TrainingMode = batchSize == 1 ? .perSample
        : batchSize == 0 || batchSize >= training.count ? .fullBatch : .miniBatch(size: batchSize)
    func tensors(_ part: Dataset) -> LabeledTensors<Float>? {
        part.count == 0 ? nil : regression ? LabeledTensors(targetsOf: part) : LabeledTensors(part, encoding: binary ? .binary : .oneHot)
    }
    let trainingTensors = tensors(training)!
    let validationTensors = tensors(validation)
    let stopping = patience.map { EarlyStopping(patience: $0) }

    if let graphPath = arguments.string("graph") {
        try writeStepGraph(model: model, loss: loss, data: trainingTensors, mode: mode, to: graphPath)
        if !quiet { print("wrote the graph of one training step to \(graphPath)") }
    }
    if !quiet {
        let sizes = ([data.featureCount] + hidden).map(String.init).joined(separator: " -> ")
        let what = regression ? "\(data.targetCount) target\(data.targetCount == 1 ? "" : "s") (regression)" : "\(data.classCount) classes"
        print("\(path): \(data.count) rows, \(data.featureCount) features, \(what); "
            + "\(training.count) training / \(validation.count) validation" + (test.count > 0 ? " / \(test.count) test" : "") + " rows")
        print("model: \(sizes) -> \(outputs) (\(activation.rawValue) hidden, \(model.parameterCount) parameters), "
            + "loss \(loss.name), \(optimizerName) lr \(lr), \(modeDescription(mode)), seed \(seed)")
    }
    var progress = Progress(epochs: epochs, quiet: quiet)
    let history: History
    if optimizerName == "adam" {
        history = Trainer(model: model, loss: loss, optimizer: Adam(learningRate: Float(lr), weightDecay: Float(weightDecay)),
                          epochs: epochs, mode: mode, seed: seed, earlyStopping: stopping)
            .fit(trainingTensors, validation: validationTensors) {
                progress.report($0)
                stopIfDiverged($0, progress: &progress)
            }
    } else {
        history = Trainer(model: model, loss: loss,
                          optimizer: SGD(learningRate: Float(lr), momentum: Float(momentum), weightDecay: Float(weightDecay)),
                          epochs: epochs, mode: mode, seed: seed, earlyStopping: stopping)
            .fit(trainingTensors, validation: validationTensors) {
                progress.report($0)
                stopIfDiverged($0, progress: &progress)
            }
    }
    if let divergence = history.divergence {
        progress.finish()
        exitWithRuntimeError(
            "training diverged in epoch \(divergence.epoch): the training loss is \(divergence.loss) at step "
                + "\(divergence.step) (try a lower --lr or normalised features); nothing was saved")
    }
    progress.finish()
    if history.stoppedEarly, let best = history.bestEpoch, !quiet {
        print("early stopping after epoch \(history.epochs.count); kept the parameters of epoch \(best)")
    }
    if arguments.flag("gradient-norms") {
        print("mean weight-gradient norm per layer in the last epoch (input side first):")
        for (layer, norm) in history.weightGradientNorms {
            print("  layer \(layer): \(String(format: "%.3e", norm))")
        }
    }
    for (name, part, original) in [("training", training, parts.training), ("validation", validation, parts.validation), ("test", test, parts.test)] {
        guard let tensors = tensors(part) else { continue }
        if let targetScaling {
            let output = model.predict(tensors.features).scalars
            let values = output.enumerated().map { targetScaling.original(Double($1), column: $0 % data.targetCount) }
            print("\(name): " + RegressionMetrics(predicted: values, actual: original.targets, columns: data.targetCount).summary)
            continue
        }
        let result = evaluate(model, on: tensors, loss: loss)
        print("\(name) accuracy: \(fixed(result.accuracy ?? 0, 4)), loss \(fixed(result.loss, 4))")
        if !quiet && name != "training" {
            let predicted = predictedClasses(model.predict(tensors.features), threshold: loss.binaryThreshold)
            let matrix = ConfusionMatrix(predicted: predicted, labels: part.labels,
                                         classCount: data.classCount, classNames: data.classNames)
            print("\(name) confusion matrix (rows: actual class, columns: predicted class):\n\(matrix)")
        }
    }
    if let savePath = arguments.string("save") {
        do {
            var checkpoint = try Checkpoint(
                model: model, classNames: data.classNames, featureNames: data.featureNames,
                labelColumn: data.labelName, normalizer: normalizer, loss: loss.name)
            if regression {
                checkpoint.targetNames = data.targetNames
                checkpoint.targetNormalizer = targetScaling
            }
            if data.columns.contains(where: { $0.categories != nil }) { checkpoint.featureColumns = data.columns }
            checkpoint.missingValueFills = fills
            try checkpoint.write(to: URL(fileURLWithPath: savePath))
        } catch {
            throw RuntimeError("\(savePath): cannot save the model (\((error as? DataError)?.reason ?? "\(error)"))")
        }
        if !quiet { print("saved the model to \(savePath)") }
    }
    try writePlot(history, arguments: arguments, title: "\(URL(fileURLWithPath: path).lastPathComponent): learning curves")
}

/// Writes each split's rows, as they are in the file, to `DIR/NAME.csv` (atomically), with
/// the file's header.
func writeSplit(_ parts: [(String, Dataset)], of table: CSVTable, to directory: String, quiet: Bool) throws {
    var rowOfLine: [Int: Int] = [:]
    for (r, line) in table.lineNumbers.enumerated() { rowOfLine[line] = r }
    let header = table.header.map(csvField).joined(separator: ",")
    for (name, part) in parts {
        let rows = part.lineNumbers.map { table.fields(ofRow: rowOfLine[$0]!).map(csvField).joined(separator: ",") }
        let path = URL(fileURLWithPath: directory).appendingPathComponent("\(name).csv").path
        try write(([header] + rows).joined(separator: "\n") + "\n", to: path, what: "\(name) split")
    }
    if !quiet { print("wrote the split (\(parts.map { "\($0.0) \($0.1.count)" }.joined(separator: ", ")) rows) to \(directory)") }
}

func modeDescription(_ mode: TrainingMode) -> String {
    switch mode {
    case .perSample: return "per-sample updates"
    case .miniBatch(let size): return "mini-batches of \(size)"
    case .fullBatch: return "full batch"
    }
}

/// The graph of one training step (forward pass and loss, batch of the first rows) as DOT,
/// from Backprop's graph export.
func writeStepGraph(model: Sequential<Float>, loss: Loss<Float>, data: LabeledTensors<Float>,
                    mode: TrainingMode, to path: String) throws {
    let size: Int
    switch mode {
    case .perSample: size = 1
    case .miniBatch(let s): size = min(s, data.count)
    case .fullBatch: size = data.count
    }
    let (x, t) = data.rows(0..<size)
    let value = loss(model(Variable(x)), Variable(t))
    try write(value.graphviz(name: "training step"), to: path, what: "graph")
}
