import Backprop
import BackpropNN
import Foundation

/// A runtime failure: exit code 1, the message on stderr.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// A subcommand: its spec and what it does with the parsed arguments.
struct Command {
    var spec: CommandSpec
    var run: @Sendable (ParsedArguments) throws -> Void
}

/// Ends the program with exit code 1 and `error: message` on stderr, after what was
/// printed so far: for failures found where nothing can throw (a training callback).
func exitWithRuntimeError(_ message: String) -> Never {
    fflush(nil)
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

/// Ends the run (exit 1, the message on stderr) when an epoch's training or validation loss
/// is infinite or NaN: the model has diverged, so nothing is saved or plotted from it.
/// Called from the training callback, so training stops in the epoch it diverged.
func stopIfDiverged(_ record: EpochRecord, progress: inout Progress) {
    let losses: [(String, Double?)] = [("training", record.trainingLoss), ("validation", record.validationLoss)]
    guard let (which, value) = losses.first(where: { $0.1.map { !$0.isFinite } ?? false }) else { return }
    progress.finish()
    exitWithRuntimeError(
        "training diverged in epoch \(record.epoch): the \(which) loss is \(value!) "
            + "(try a lower --lr or normalised features); nothing was saved")
}

/// Checks that a data set's features, rescaled by `normalizer` (if any), are finite
/// `Float`s, the model's scalar type: a runtime error naming the file, line and column of
/// the first value that is not, and what became of it.
///
/// - Parameters:
///   - data: The features read from `table` (its `lineNumbers` name the rows).
///   - table: The table the data was read from.
///   - normalizerSource: Where the normaliser comes from, for the message.
func checkFeaturesFitFloat(_ data: Dataset, table: CSVTable, normalizer: Normalizer?, normalizerSource: String) throws {
    guard let bad = data.firstNonFiniteFeature(as: Float.self, normalizedBy: normalizer) else { return }
    let original = data[row: bad.row, feature: bad.feature]
    let reason: String
    if let normalizer {
        let kind = normalizer.kind == .minMax ? "min-max" : "z-score"
        reason = "\(original) becomes \(bad.value) after the \(kind) normalisation (\(normalizerSource)), "
            + "which is not a finite Float (at most ±3.4e38)"
    } else {
        reason = "\(original) is beyond the range of Float (±3.4e38), the model's scalar type; "
            + "rescale the column or normalise it (--normalize minmax or zscore)"
    }
    let column = fileColumns(of: data, in: table)[bad.feature]
    throw DataError(file: table.source, line: data.lineNumbers[bad.row], column: column + 1,
                    columnName: table.header[column], reason: reason)
}

/// Writes text to a file, as a runtime error naming the file if that fails.
func write(_ text: String, to path: String, what: String) throws {
    do {
        try text.write(to: URL(fileURLWithPath: path), atomically: true, encoding: .utf8)
    } catch {
        throw RuntimeError("\(path): cannot write the \(what) (\(error.localizedDescription))")
    }
}

/// Writes the learning curves if `--plot` was given.
func writePlot(_ history: History, arguments: ParsedArguments, title: String) throws {
    guard let path = arguments.string("plot") else { return }
    try write(SVGChart.learningCurves(history, title: title), to: path, what: "chart")
    if !arguments.flag("quiet") { print("wrote learning curves to \(path)") }
}

/// The options most training commands share.
enum CommonOptions {
    static let seed = OptionSpec.value("seed", "N", "Seed of the shuffle, the initial weights and the batch order (default 0).")
    static let epochs = OptionSpec.value("epochs", "N", "Number of epochs.")
    static let lr = OptionSpec.value("lr", "RATE", "Learning rate.")
    static let plot = OptionSpec.value("plot", "FILE.svg", "Write the learning curves (loss and accuracy per epoch) as SVG.")
    static let quiet = OptionSpec.flag("quiet", "Print only the final figures.")
}

func percent(_ x: Double) -> String { String(format: "%.1f %%", 100 * x) }

/// The most parameters a model made from the command line may have (200 MB of Float).
let maximumParameterCount = 50_000_000

/// Checks, before anything is allocated, that a fully connected network with these layer
/// widths stays under ``maximumParameterCount``; a usage error naming `--hidden` otherwise.
func checkModelSize(_ widths: [Int]) throws {
    var total = 0
    for (a, b) in zip(widths, widths.dropFirst()) {
        let (weights, o1) = a.multipliedReportingOverflow(by: b)
        let (sum, o2) = total.addingReportingOverflow(weights)
        let (next, o3) = sum.addingReportingOverflow(b)
        guard !o1, !o2, !o3, next <= maximumParameterCount else {
            throw UsageError(
                message: "option '--hidden': a \(widths.map(String.init).joined(separator: " -> ")) network has more than "
                    + "\(maximumParameterCount) parameters")
        }
        total = next
    }
}

/// Checks that a file can be created at `path` before any work is done: its directory
/// exists and it is not itself a directory. A runtime error naming the file otherwise.
func checkOutputPath(_ path: String?, what: String) throws {
    guard let path else { return }
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw RuntimeError("\(path): cannot write the \(what): it is a directory")
    }
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    guard fm.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw RuntimeError("\(path): cannot write the \(what): the directory \(parent) does not exist")
    }
}
