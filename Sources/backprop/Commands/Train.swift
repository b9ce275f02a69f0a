import Backprop
import BackpropNN
import Foundation

/// `backprop train`: a fully connected classifier on any CSV file.
let trainCommand = Command(
    spec: CommandSpec(
        name: "train",
        summary: """
        Trains a fully connected classifier on a CSV file with a header row: every column
        but the label column must be numeric; labels may be names or integers. Rows are
        shuffled (seeded), split into training and validation, and normalised with
        statistics of the training rows only. Every feature must be a finite Float once
        normalised, and training stops with an error in the epoch the loss becomes infinite
        or NaN (nothing is saved then).
        """,
        options: [
            .value("data", "FILE.csv", "The CSV file, or - for standard input (at most 256 MiB).", required: true),
            .value("label", "COLUMN", "The label column: a header name or a 0-based index (-1: last).", required: true),
            .value("hidden", "SIZES", "Hidden layer sizes, comma-separated, or 'none' (default 16)."),
            .value("activation", "NAME", "Hidden activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")) (default relu)."),
            .value("dropout", "RATE", "Dropout rate after every hidden layer, in [0, 1) (default 0)."),
            .value("loss", "NAME", "ce (softmax cross-entropy), bce (binary, 2 classes), mse, mean-half-se (alias half-se) (default ce)."),
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
            .value("save", "MODEL.json", "Save the trained model as a checkpoint."),
            CommonOptions.plot,
            .value("graph", "FILE.dot", "Write the computation graph of one training step (Graphviz DOT)."),
            .flag("gradient-norms", "Print each layer's mean weight-gradient norm in the last epoch (vanishing gradients)."),
            CommonOptions.quiet,
        ])
) { arguments in
    let path = InputFile.displayName(forPath: arguments.string("data")!)
    let label = ColumnSelector(arguments.string("label")!)
    let hidden = try arguments.intList("hidden", default: [16])
    let activation = Activation(rawValue: try arguments.choice(
        "activation", Activation.allCases.map(\.rawValue), default: "relu"))!
    let dropout = try arguments.double("dropout", default: 0, range: 0...0.95)
    let lossName = try arguments.choice("loss", ["ce", "bce", "mse", "mean-half-se"],
                                        aliases: ["half-se": "mean-half-se"], default: "ce")
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
    let quiet = arguments.flag("quiet")
    if dropout > 0 && hidden.isEmpty {
        throw UsageError(message: "option '--dropout' needs a hidden layer (it applies after each one), but --hidden is none")
    }
    try checkOutputPath(arguments.string("save"), what: "model")
    try checkOutputPath(arguments.string("plot"), what: "chart")
    try checkOutputPath(arguments.string("graph"), what: "graph")

    let table = try readTable(arguments.string("data")!)
    let data = try Dataset(table: table, label: label)
    let labelIndex = try table.columnIndex(label)
    let fileColumns = table.header.indices.filter { $0 != labelIndex }
    guard data.classCount >= 2 else {
        throw RuntimeError("\(path): the label column has \(data.classCount) class; at least 2 are needed")
    }
    if lossName == "bce" && data.classCount != 2 {
        throw RuntimeError("\(path): --loss bce needs 2 classes, the label column has \(data.classCount)")
    }
    var rng = SeededGenerator(seed: seed)
    let parts = data.shuffled(using: &rng).split(validationFraction: validationFraction)
    guard parts.training.count > 0 else { throw RuntimeError("\(path): no rows left for training") }
    let normalizer: Normalizer? = switch normalization {
    case "minmax": Normalizer.minMax(fittedOn: parts.training)
    case "zscore": Normalizer.zScore(fittedOn: parts.training)
    default: nil
    }
    if let normalizer, let (column, reason) = normalizer.problem() {
        throw DataError(file: path, column: column.map { fileColumns[$0] + 1 },
                        columnName: column.map { data.featureNames[$0] },
                        reason: "cannot normalise (--normalize \(normalization), fitted on the training rows): \(reason)")
    }
    try checkFeaturesFitFloat(data, table: table, fileColumns: fileColumns, normalizer: normalizer,
                              normalizerSource: "--normalize \(normalization), fitted on the training rows")
    let training = normalizer?.apply(to: parts.training) ?? parts.training
    let validation = normalizer?.apply(to: parts.validation) ?? parts.validation

    let binary = lossName == "bce"
    try checkModelSize([data.featureCount] + hidden + [binary ? 1 : data.classCount])
    let loss: Loss<Float> = switch lossName {
    case "ce": .crossEntropy
    case "bce": .binaryCrossEntropy
    case "mse": .meanSquaredError
    default: .meanHalfSquaredError
    }
    let outputActivation: Activation = lossName == "ce" || binary ? .identity : .sigmoid
    let model = Sequential<Float>.multilayerPerceptron(
        inputSize: data.featureCount, hidden: hidden, outputSize: binary ? 1 : data.classCount,
        activation: activation, outputActivation: outputActivation, dropout: dropout, using: &rng)
    let mode: TrainingMode = batchSize == 1 ? .perSample
        : batchSize == 0 || batchSize >= training.count ? .fullBatch : .miniBatch(size: batchSize)
    let trainingTensors = LabeledTensors<Float>(training, encoding: binary ? .binary : .oneHot)
    let validationTensors = validation.count > 0 ? LabeledTensors<Float>(validation, encoding: binary ? .binary : .oneHot) : nil
    let stopping = patience.map { EarlyStopping(patience: $0) }

    if let graphPath = arguments.string("graph") {
        try writeStepGraph(model: model, loss: loss, data: trainingTensors, mode: mode, to: graphPath)
        if !quiet { print("wrote the graph of one training step to \(graphPath)") }
    }
    if !quiet {
        let sizes = ([data.featureCount] + hidden).map(String.init).joined(separator: " -> ")
        print("\(path): \(data.count) rows, \(data.featureCount) features, \(data.classCount) classes; "
            + "\(training.count) training / \(validation.count) validation rows")
        print("model: \(sizes) -> \(binary ? 1 : data.classCount) (\(activation.rawValue) hidden, \(model.parameterCount) parameters), "
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
    let train = evaluate(model, on: trainingTensors, loss: loss)
    print("training accuracy: \(fixed(train.accuracy ?? 0, 4)), loss \(fixed(train.loss, 4))")
    if let validationTensors {
        let result = evaluate(model, on: validationTensors, loss: loss)
        print("validation accuracy: \(fixed(result.accuracy ?? 0, 4)), loss \(fixed(result.loss, 4))")
        if !quiet {
            let predicted = predictedClasses(model.predict(validationTensors.features), threshold: loss.binaryThreshold)
            let matrix = ConfusionMatrix(predicted: predicted, labels: validation.labels,
                                         classCount: data.classCount, classNames: data.classNames)
            print("validation confusion matrix (rows: actual class, columns: predicted class):\n\(matrix)")
        }
    }
    if let savePath = arguments.string("save") {
        do {
            try Checkpoint(model: model, classNames: data.classNames, featureNames: data.featureNames,
                           labelColumn: data.labelName, normalizer: normalizer, loss: loss.name)
                .write(to: URL(fileURLWithPath: savePath))
        } catch {
            throw RuntimeError("\(savePath): cannot save the model (\((error as? DataError)?.reason ?? "\(error)"))")
        }
        if !quiet { print("saved the model to \(savePath)") }
    }
    try writePlot(history, arguments: arguments, title: "\(URL(fileURLWithPath: path).lastPathComponent): learning curves")
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
