import BackpropNN
import Foundation

// A small, strict command-line parser: `--name value`, `--name=value` and boolean flags.
// Unknown options, missing or bad values and stray arguments are usage errors that name
// the option.

/// A usage error: exit code 2, the message and the command's usage on stderr.
struct UsageError: Error, Equatable {
    var message: String
}

/// One option of a command.
struct OptionSpec {
    /// The name without dashes (`"lr"`).
    var name: String
    /// The value's placeholder (`"RATE"`), or `nil` for a boolean flag.
    var valueName: String?
    /// One line of help.
    var help: String
    /// Whether the option must be given.
    var isRequired = false

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }
    static func value(_ name: String, _ valueName: String, _ help: String, required: Bool = false)
        -> OptionSpec
    {
        OptionSpec(name: name, valueName: valueName, help: help, isRequired: required)
    }
}

/// A subcommand: its name, a summary and its options.
struct CommandSpec {
    var name: String
    var summary: String
    var options: [OptionSpec]

    /// The usage text printed by `--help` and after usage errors.
    var usage: String {
        let synopsis = options.map { o -> String in
            let text = "--\(o.name)" + (o.valueName.map { " \($0)" } ?? "")
            return o.isRequired ? text : "[\(text)]"
        }
        // The synopsis, wrapped at 100 columns under the command.
        let head = "usage: backprop \(name) "
        var synopsisLines = [head]
        for item in synopsis {
            if synopsisLines[synopsisLines.count - 1].count + item.count > 100 {
                synopsisLines.append(String(repeating: " ", count: head.count))
            }
            synopsisLines[synopsisLines.count - 1] += item + " "
        }
        var lines = synopsisLines.map { String($0.dropLast()) } + ["", summary, ""]
        if !options.isEmpty { lines.append("options:") }
        let width = (options.map { 2 + $0.name.count + ($0.valueName.map { $0.count + 1 } ?? 0) }.max() ?? 0) + 2
        for o in options + [.flag("help", "Show this help.")] {
            let left = "--\(o.name)" + (o.valueName.map { " \($0)" } ?? "")
            lines.append("  " + left + String(repeating: " ", count: max(1, width - left.count)) + o.help)
        }
        return lines.joined(separator: "\n")
    }
}

/// The parsed options of one command.
struct ParsedArguments {
    var values: [String: String] = [:]
    var flags: Set<String> = []
    var wantsHelp = false

    /// Parses `arguments` (without the command name) against `spec`.
    init(_ arguments: [String], spec: CommandSpec) throws {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                wantsHelp = true
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw UsageError(message: "unexpected argument \(DataError.quoted(argument))")
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String? = nil
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = spec.options.first(where: { $0.name == name }) else {
                throw UsageError(message: "unknown option \(DataError.quoted("--" + name))")
            }
            if values[name] != nil || flags.contains(name) {
                throw UsageError(message: "option '--\(name)' is given more than once")
            }
            if option.valueName == nil {
                if inlineValue != nil {
                    throw UsageError(message: "option '--\(name)' takes no value")
                }
                flags.insert(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw UsageError(message: "option '--\(name)' needs a value (\(option.valueName!))")
                }
                value = arguments[index]
                index += 1
            }
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw UsageError(message: "option '--\(name)' needs a value (\(option.valueName!)), not an empty string")
            }
            values[name] = value
        }
        if !wantsHelp, let missing = spec.options.first(where: { $0.isRequired && values[$0.name] == nil }) {
            throw UsageError(message: "missing required option '--\(missing.name)'")
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func string(_ name: String) -> String? { values[name] }

    func int(_ name: String, default value: Int, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let text = values[name] else { return value }
        guard let v = Int(text) else {
            throw UsageError(message: "option '--\(name)': \(DataError.quoted(text)) is not an integer")
        }
        guard range.contains(v) else {
            throw UsageError(message: "option '--\(name)': \(v) is out of range \(Self.format(range))")
        }
        return v
    }

    func seed(_ name: String = "seed") throws -> UInt64 {
        guard let text = values[name] else { return 0 }
        guard let v = UInt64(text) else {
            throw UsageError(message: "option '--\(name)': \(DataError.quoted(text)) is not a non-negative integer")
        }
        return v
    }

    func double(_ name: String, default value: Double, range: ClosedRange<Double>) throws -> Double {
        guard let text = values[name] else { return value }
        guard let v = Double(text), v.isFinite else {
            throw UsageError(message: "option '--\(name)': \(DataError.quoted(text)) is not a number")
        }
        guard range.contains(v) else {
            throw UsageError(message: "option '--\(name)': \(DataError.excerpt(text)) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// A comma-separated list of positive integers (`16,8`), each at most `maximum`;
    /// `none` is the empty list.
    func intList(_ name: String, default value: [Int], maximum: Int = 100_000) throws -> [Int] {
        guard let text = values[name] else { return value }
        if text == "none" { return [] }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == parts.count, numbers.allSatisfy({ $0 > 0 }) else {
            throw UsageError(message: "option '--\(name)': \(DataError.quoted(text)) is not a list of positive integers like 16,8")
        }
        if let big = numbers.first(where: { $0 > maximum }) {
            throw UsageError(message: "option '--\(name)': \(big) is out of range 1...\(maximum)")
        }
        return numbers
    }

    /// One of a fixed set of words, or an alias of one (given as that word; errors list
    /// the words only).
    func choice(_ name: String, _ choices: [String], aliases: [String: String] = [:],
                default value: String) throws -> String {
        guard let given = values[name] else { return value }
        let text = aliases[given] ?? given
        guard choices.contains(text) else {
            throw UsageError(message: "option '--\(name)': \(DataError.quoted(given)) is not one of \(choices.joined(separator: ", "))")
        }
        return text
    }

    private static func format(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "\(range.lowerBound)..." : "\(range.lowerBound)...\(range.upperBound)"
    }
}
