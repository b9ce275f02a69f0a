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
/// The dialect (RFC 4180, with the usual relaxations):
/// - UTF-8 text; a leading byte-order mark is skipped.
/// - Records end with `\n`, `\r\n` or a lone `\r`; blank lines are skipped.
/// - A field is quoted when `"` is its first character (spaces before the opening quote
///   and after the closing one are ignored). Inside quotes, `""` is one quote, and commas
///   and line breaks are part of the field. Anything but a comma or a line end after the
///   closing quote, a `"` inside an unquoted field, and a quote still open at the end of
///   the file are errors naming the line and column.
/// - Every row must have as many fields as the header; header names must be distinct
///   (empty names excepted).
/// - Fields are kept as written (numbers are parsed by ``Dataset``, which rejects NaN,
///   infinities and values beyond `Double`'s range with an error naming the field).
///
/// Every error is a ``DataError`` naming the file and, where it applies, the line and
/// column: `data.csv:7: column 2 ('b'): a quote inside an unquoted field …`.
public struct CSVTable: Sendable, Equatable {
    /// The column names.
    public var header: [String]
    /// The rows, each with `header.count` fields.
    public var rows: [[String]]
    /// The 1-based line in the file of each row (for error messages).
    public var lineNumbers: [Int]
    /// The file name used in error messages.
    public var source: String

    /// Where the parser is within a field.
    private enum State { case fieldStart, unquoted, quoted, afterQuote }

    /// Parses CSV text.
    ///
    /// - Throws: ``DataError`` for an empty text, a row of the wrong length, a misplaced or
    ///   unclosed quote, or a repeated column name.
    public init(text: String, source: String = "<text>") throws {
        self.source = source
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var state = State.fieldStart
        var line = 1
        var recordLine = 1
        var quoteLine = 1
        var recordWasQuoted = false
        var scalars = Substring(text).unicodeScalars
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func error(_ reason: String) -> DataError {
            let column = fields.count + 1
            let name = records.first.flatMap { column <= $0.fields.count ? $0.fields[column - 1] : nil }
            return DataError(file: source, line: line, column: column, columnName: name, reason: reason)
        }
        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            state = .fieldStart
        }
        func endRecord() {
            endField()
            let blank = fields.count == 1 && !recordWasQuoted
                && fields[0].allSatisfy { $0 == " " || $0 == "\t" }
            if !blank { records.append((recordLine, fields)) }
            fields = []
            recordWasQuoted = false
            line += 1
            recordLine = line
        }
        /// After a `\r`: a following `\n` belongs to the same line end.
        func skipLineFeed() {
            if let next = iterator.next(), next != "\n" { pending = next }
        }

        while let c = pending ?? iterator.next() {
            pending = nil
            switch state {
            case .quoted:
                if c == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.append("\"")
                    } else {
                        state = .afterQuote
                        pending = next
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            case .afterQuote:
                switch c {
                case ",": endField()
                case "\n": endRecord()
                case "\r":
                    skipLineFeed()
                    endRecord()
                case " ", "\t": continue
                default:
                    throw error(
                        "unexpected '\(c)' after the closing quote (a quote inside a quoted field is written \"\")")
                }
            case .fieldStart, .unquoted:
                switch c {
                case "\"":
                    guard field.allSatisfy({ $0 == " " || $0 == "\t" }) else {
                        throw error(
                            "a quote inside an unquoted field (quote the whole field and double the quote: \"5\"\" screen\")")
                    }
                    field = String.UnicodeScalarView()
                    state = .quoted
                    quoteLine = line
                    recordWasQuoted = true
                case ",": endField()
                case "\n": endRecord()
                case "\r":
                    skipLineFeed()
                    endRecord()
                default:
                    field.append(c)
                    state = .unquoted
                }
            }
        }
        if state == .quoted {
            line = quoteLine
            throw error("a quoted field is not closed")
        }
        if state != .fieldStart || !field.isEmpty || !fields.isEmpty { endRecord() }
        guard let first = records.first else {
            throw DataError(file: source, reason: "the file is empty (expected a header row)")
        }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen: [String: Int] = [:]
        for (j, name) in header.enumerated() where !name.isEmpty {
            if let earlier = seen[name] {
                throw DataError(
                    file: source, line: first.line, column: j + 1,
                    reason: "column name \(DataError.quoted(name)) is repeated (also column \(earlier + 1))")
            }
            seen[name] = j
        }
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
    /// A file URL is read as ``InputFile`` reads it: a regular file, or a pipe, FIFO or
    /// character device read to its end, at most ``InputFile/defaultByteLimit`` bytes.
    ///
    /// - Parameters:
    ///   - url: The file.
    ///   - name: The name to use in error messages (default: the file's path), for example
    ///     the path as the user typed it.
    /// - Throws: ``DataError`` if the file cannot be read (naming a directory, a symlink
    ///   loop or an input over the size limit as such) or is malformed.
    public init(contentsOf url: URL, name: String? = nil) throws {
        let name = name ?? (url.isFileURL ? url.path : url.absoluteString)
        let data: Data
        if url.isFileURL {
            data = try InputFile.read(fileAtPath: url.path, name: name)
        } else {
            do { data = try Data(contentsOf: url) } catch {
                throw DataError(file: name, reason: "cannot read the file (\(fileErrorReason(error)))")
            }
        }
        try self.init(data: data, source: name)
    }

    /// Parses the bytes of a CSV file (UTF-8; a leading byte-order mark is skipped).
    ///
    /// - Throws: ``DataError`` if the bytes are not UTF-8 or the text is malformed.
    public init(data: Data, source: String) throws {
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(file: source, reason: "the file is not UTF-8 text")
        }
        try self.init(text: text, source: source)
    }

    /// The column names for a message, each cut at ``DataError/quotedLengthLimit``
    /// characters, at most 20 of them.
    private var listOfColumns: String {
        let shown = header.prefix(20).map { DataError.excerpt($0) }
        return shown.joined(separator: ", ") + (header.count > 20 ? ", … (\(header.count) in all)" : "")
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
                reason: "no column named \(DataError.quoted(name)) (columns: \(listOfColumns))")
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
