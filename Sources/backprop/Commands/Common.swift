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
