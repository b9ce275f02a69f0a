import Foundation

/// Which column holds the labels: by header name or by 0-based index (negative counts from
/// the end, so `-1` is the last column).
public enum ColumnSelector: Sendable, Hashable, CustomStringConvertible {
    /// The column with this header name.
    case name(String)
    /// The column at this 0-based index (negative from the end).
    case index(Int)

    /// Parses a command-line value: an integer is an index, anything else a name.
    public init(_ text: String) {
        if let i = Int(text) { self = .index(i) } else { self = .name(text) }
    }

    public var description: String {
        switch self {
        case .name(let n): return "'\(n)'"
        case .index(let i): return "index \(i)"
        }
    }
}

/// A comma-separated table with a header row, read strictly.
///
/// Fields may be quoted with `"` (a doubled `""` inside is one quote); blank lines are
/// skipped; `\r\n` line ends are accepted. Every row must have as many fields as the
/// header, or reading throws a ``DataError`` naming the file and line.
public struct CSVTable: Sendable, Equatable {
    /// The column names.
    public var header: [String]
    /// The rows, each with `header.count` fields.
    public var rows: [[String]]
    /// The 1-based line in the file of each row (for error messages).
    public var lineNumbers: [Int]
    /// The file name used in error messages.
    public var source: String

    /// Parses CSV text.
    ///
    /// - Throws: ``DataError`` for an empty text, a row of the wrong length, or an
    ///   unterminated quote.
    public init(text: String, source: String = "<text>") throws {
        self.source = source
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var fieldWasQuoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(field)
            let blank = fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty
                && !fieldWasQuoted
            if !blank { records.append((recordLine, fields)) }
            fields = []
            field = ""
            fieldWasQuoted = false
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else {
                            inQuotes = false
                            pending = next
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty:
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                fields.append(field)
                field = ""
            case "\r":
                continue
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes {
            throw DataError(file: source, line: recordLine, reason: "a quoted field is not closed")
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        guard let first = records.first else {
            throw DataError(file: source, reason: "the file is empty (expected a header row)")
        }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        rows = []
        lineNumbers = []
        for record in records.dropFirst() {
            guard record.fields.count == header.count else {
                throw DataError(
                    file: source, line: record.line,
                    reason: "\(record.fields.count) fields, but the header has \(header.count) columns")
            }
            rows.append(record.fields)
            lineNumbers.append(record.line)
        }
    }

    /// Reads and parses a CSV file.
    ///
    /// - Parameters:
    ///   - url: The file.
    ///   - name: The name to use in error messages (default: the file's path), for example
    ///     the path as the user typed it.
    /// - Throws: ``DataError`` if the file cannot be read or is malformed.
    public init(contentsOf url: URL, name: String? = nil) throws {
        let name = name ?? (url.isFileURL ? url.path : url.absoluteString)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(file: name, reason: "cannot read the file (\(Self.reason(of: error)))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(file: name, reason: "the file is not UTF-8 text")
        }
        try self.init(text: text, source: name)
    }

    private static func reason(of error: Error) -> String {
        let e = error as NSError
        if let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return e.localizedDescription
    }

    /// The 0-based index of a column.
    ///
    /// - Throws: ``DataError`` naming the columns there are.
    public func columnIndex(_ selector: ColumnSelector) throws -> Int {
        switch selector {
        case .name(let name):
            if let i = header.firstIndex(of: name) { return i }
            throw DataError(
                file: source,
                reason: "no column named '\(name)' (columns: \(header.joined(separator: ", ")))")
        case .index(let i):
            let resolved = i < 0 ? header.count + i : i
            guard resolved >= 0 && resolved < header.count else {
                throw DataError(
                    file: source,
                    reason: "column index \(i) is out of range (\(header.count) columns)")
            }
            return resolved
        }
    }
}
