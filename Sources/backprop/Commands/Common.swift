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
