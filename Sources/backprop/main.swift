import BackpropNN
import Foundation

// The `backprop` command line: dispatch to a subcommand, map errors to exit codes
// (0 success, 1 runtime error, 2 usage error).

let commands: [Command] = [irisCommand, xorCommand, digitsCommand, textCommand, trainCommand, predictCommand, evaluateCommand]

let overview = """
usage: backprop <command> [options]

Train fully connected networks with Backprop.

commands:
\(commands.map { "  " + $0.spec.name.padding(toLength: 9, withPad: " ", startingAt: 0) + firstSentence($0.spec.summary) }.joined(separator: "\n"))

Run `backprop <command> --help` for a command's options.
"""

func firstSentence(_ text: String) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: " ")
    if let end = flat.range(of: ". ") { return String(flat[..<end.lowerBound]) + "." }
    return flat
}

func fail(_ message: String, usage: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n\n\(usage)\n".utf8))
    exit(code)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first else { fail("no command given", usage: overview, code: 2) }
if name == "--help" || name == "-h" || name == "help" {
    print(overview)
    exit(0)
}
guard let command = commands.first(where: { $0.spec.name == name }) else {
    fail("unknown command \(DataError.quoted(name))", usage: overview, code: 2)
}
do {
    let parsed = try ParsedArguments(Array(arguments.dropFirst()), spec: command.spec)
    if parsed.wantsHelp {
        print(command.spec.usage)
        exit(0)
    }
    try command.run(parsed)
} catch let error as UsageError {
    fail(error.message, usage: command.spec.usage, code: 2)
} catch {
    exitWithRuntimeError("\(error)")
}
