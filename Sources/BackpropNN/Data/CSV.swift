import Backprop
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

/// A table of delimited text with a header row, read strictly.
///
/// The dialect (RFC 4180, with the usual relaxations):
/// - UTF-8 text; a leading byte-order mark is skipped.
/// - Fields are separated by a comma, or by the delimiter given (`;`, a tab, …). When none
///   is given, the header line chooses: the one of `,`, `;` and tab it holds most of
///   (comma on a tie or when it has none).
/// - Records end with `\n`, `\r\n` or a lone `\r`; blank lines are skipped.
/// - A field is quoted when `"` is its first character (spaces before the opening quote
///   and after the closing one are ignored). Inside quotes, `""` is one quote, and
///   delimiters and line breaks are part of the field. Anything but a delimiter or a line
///   end after the closing quote, a `"` inside an unquoted field, and a quote still open at
///   the end of the file are errors naming the line and column.
/// - Every row must have as many fields as the header; header names must be distinct
///   (empty names excepted).
/// - Fields are kept as written (numbers are parsed by ``Dataset``, which rejects NaN,
///   infinities and values beyond `Double`'s range with an error naming the field).
///
/// The table keeps the file's bytes and where each row starts, and reads fields from the
/// bytes when asked (``Dataset`` parses numbers straight from them), so a large file costs
/// little more than its own size in memory.
///
/// Every error is a ``DataError`` naming the file and, where it applies, the line and
/// column: `data.csv:7: column 2 ('b'): a quote inside an unquoted field …`.
public struct CSVTable: Sendable, Equatable {
    /// The column names.
    public var header: [String]
    /// The 1-based line in the file of each row (for error messages).
    public var lineNumbers: [Int]
    /// The file name used in error messages.
    public var source: String
    /// The field delimiter (given, or the one the header line showed).
    public let delimiter: Character
    /// The file's bytes.
    private let bytes: Data
    /// The byte offset at which each row starts.
    private let rowStarts: [Int]

    /// The number of rows after the header.
    public var rowCount: Int { rowStarts.count }

    /// The rows, each with `header.count` fields, as text (made on each call: prefer
    /// ``fields(ofRow:)`` or ``Dataset`` for large tables).
    public var rows: [[String]] { (0..<rowCount).map { fields(ofRow: $0) } }

    /// The fields of row `r` (0-based, after the header) as written.
    public func fields(ofRow r: Int) -> [String] {
        withFieldReaders { reader in
            var fields = reader(r)
            return (0..<header.count).map { _ in fields.next().text }
        }
    }

    /// Runs `body` with a function that gives a reader positioned at the start of a row.
    func withFieldReaders<R>(_ body: ((Int) -> CSVFieldReader) throws -> R) rethrows -> R {
        try withRowBytes { rows in try body { rows.reader(ofRow: $0) } }
    }

    /// Runs `body` with the bytes and where each row starts.
    func withRowBytes<R>(_ body: (CSVRowBytes) throws -> R) rethrows -> R {
        let delimiter = self.delimiter.asciiValue!
        return try bytes.withUnsafeBytes { buffer in
            try rowStarts.withUnsafeBufferPointer { starts in
                try body(CSVRowBytes(bytes: buffer, rowStarts: starts, delimiter: delimiter))
            }
        }
    }

    public static func == (a: CSVTable, b: CSVTable) -> Bool {
        a.header == b.header && a.lineNumbers == b.lineNumbers && a.source == b.source && a.rows == b.rows
    }

    /// Parses CSV text.
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - source: The name in error messages.
    ///   - delimiter: The field delimiter, or `nil` to take the one the header line shows.
    /// - Throws: ``DataError`` for an empty text, a row of the wrong length, a misplaced or
    ///   unclosed quote, or a repeated column name.
    public init(text: String, source: String = "<text>", delimiter: Character? = nil) throws {
        try self.init(bytes: Data(text.utf8), source: source, delimiter: delimiter)
    }

    /// Where the scan is within a field.
    private enum State { case fieldStart, unquoted, quoted, afterQuote }

    /// Checks the structure of the bytes in one pass and notes where each row starts.
    private init(bytes: Data, source: String, delimiter given: Character?) throws {
        if let given {
            require(
                given.isASCII && !["\"", "\n", "\r", "\r\n"].contains(given),
                "CSVTable: the delimiter \(given.debugDescription) must be an ASCII character other than a quote or a line end")
        }
        let delimiter = given ?? bytes.withUnsafeBytes { Self.sniffDelimiter($0) }
        let scan = try bytes.withUnsafeBytes { buffer in
            try Self.scan(buffer, delimiter: delimiter.asciiValue!, source: source)
        }
        self.bytes = bytes
        self.delimiter = delimiter
        self.source = source
        self.rowStarts = scan.rowStarts
        self.lineNumbers = scan.lineNumbers
        self.header = scan.header.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen: [String: Int] = [:]
        for (j, name) in header.enumerated() where !name.isEmpty {
            if let earlier = seen[name] {
                throw DataError(
                    file: source, line: scan.headerLine, column: j + 1,
                    reason: "column name \(DataError.quoted(name)) is repeated (also column \(earlier + 1))")
            }
            seen[name] = j
        }
        if let ragged = scan.firstRaggedRow {
            throw DataError(
                file: source, line: ragged.line,
                reason: "\(ragged.fields) fields, but the header has \(header.count) columns")
        }
    }

    /// The length of a leading byte-order mark (3), or 0.
    private static func byteOrderMarkLength(_ b: UnsafeRawBufferPointer) -> Int {
        b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
    }

    /// The delimiter the first non-blank line (outside quotes) holds most of, among comma,
    /// semicolon and tab; comma on a tie.
    private static func sniffDelimiter(_ b: UnsafeRawBufferPointer) -> Character {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, CSVByte.tab: 0]
        var inQuotes = false
        var sawText = false
        for c in b[byteOrderMarkLength(b)...] {
            if c == CSVByte.quote { inQuotes.toggle() }
            if inQuotes { continue }
            if c == CSVByte.lineFeed || c == CSVByte.carriageReturn {
                if sawText { break } else { continue }
            }
            if !CSVByte.isBlank(c) { sawText = true }
            if counts[c] != nil { counts[c]! += 1 }
        }
        let best = [UInt8(ascii: ","), UInt8(ascii: ";"), CSVByte.tab].max { counts[$0]! < counts[$1]! }!
        return counts[best]! > counts[UInt8(ascii: ",")]! ? Character(Unicode.Scalar(best)) : ","
    }

    /// What the structural scan finds.
    private struct Scan {
        var header: [String] = []
        var headerLine = 1
        var rowStarts: [Int] = []
        var lineNumbers: [Int] = []
        var firstRaggedRow: (line: Int, fields: Int)?
    }

    /// The structural scan: records, their lines and field counts, and the first quoting
    /// error. Ragged rows are reported after the header has been checked.
    private static func scan(_ b: UnsafeRawBufferPointer, delimiter: UInt8, source: String) throws -> Scan {
        if let plain = scanLines(b, delimiter: delimiter) {
            guard !plain.header.isEmpty else {
                throw DataError(file: source, reason: "the file is empty (expected a header row)")
            }
            return plain
        }
        var result = Scan()
        var haveHeader = false
        var state = State.fieldStart
        var fieldCount = 0  // fields ended in this record
        var fieldIsBlank = true  // only spaces and tabs so far in this field
        var recordWasQuoted = false
        var line = 1
        var recordLine = 1
        var quoteLine = 1
        let n = b.count
        var i = byteOrderMarkLength(b)
        var recordStart = i
        let attention = ByteSet([delimiter, CSVByte.lineFeed, CSVByte.carriageReturn, CSVByte.quote])

        func error(_ reason: String) -> DataError {
            let column = fieldCount + 1
            let name = haveHeader && column <= result.header.count ? result.header[column - 1] : nil
            return DataError(file: source, line: line, column: column, columnName: name, reason: reason)
        }
        func endRecord(next: Int) {
            let blank = fieldCount == 0 && !recordWasQuoted && fieldIsBlank
            if !blank {
                if !haveHeader {
                    var reader = CSVFieldReader(bytes: b, delimiter: delimiter, position: recordStart)
                    result.header = (0...fieldCount).map { _ in reader.next().text }
                    result.headerLine = recordLine
                    haveHeader = true
                } else {
                    if fieldCount + 1 != result.header.count && result.firstRaggedRow == nil {
                        result.firstRaggedRow = (recordLine, fieldCount + 1)
                    }
                    result.rowStarts.append(recordStart)
                    result.lineNumbers.append(recordLine)
                }
            }
            fieldCount = 0
            fieldIsBlank = true
            recordWasQuoted = false
            state = .fieldStart
            line += 1
            recordLine = line
            recordStart = next
        }
        /// The character starting at byte `k`, for a message.
        func character(at k: Int) -> String {
            var end = k + 1
            while end < n && b[end] & 0xC0 == 0x80 { end += 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[k..<end]), as: UTF8.self)
        }

        while i < n {
            let c = b[i]
            if state != .quoted {
                // Outside quotes, a delimiter ends the field and a line end the record.
                if c == delimiter {
                    fieldCount += 1
                    fieldIsBlank = true
                    state = .fieldStart
                    i += 1
                    continue
                }
                if c == CSVByte.lineFeed || c == CSVByte.carriageReturn {
                    if c == CSVByte.carriageReturn && i + 1 < n && b[i + 1] == CSVByte.lineFeed { i += 1 }
                    endRecord(next: i + 1)
                    i += 1
                    continue
                }
            }
            switch state {
            case .quoted:
                if c == CSVByte.quote {
                    if i + 1 < n && b[i + 1] == CSVByte.quote {
                        i += 1
                    } else {
                        state = .afterQuote
                    }
                } else if c == CSVByte.lineFeed {
                    line += 1
                }
            case .afterQuote:
                if !CSVByte.isBlank(c) {
                    throw error(
                        "unexpected '\(character(at: i))' after the closing quote (a quote inside a quoted field is written \"\")")
                }
            case .fieldStart, .unquoted:
                if c == CSVByte.quote {
                    guard fieldIsBlank else {
                        throw error(
                            "a quote inside an unquoted field (quote the whole field and double the quote: \"5\"\" screen\")")
                    }
                    state = .quoted
                    quoteLine = line
                    recordWasQuoted = true
                } else {
                    // The rest of an unquoted field, up to the next byte that matters.
                    state = .unquoted
                    let start = i
                    while i < n && !attention.contains(b[i]) { i &+= 1 }
                    if fieldIsBlank {
                        fieldIsBlank = UnsafeRawBufferPointer(rebasing: b[start..<i]).allSatisfy(CSVByte.isBlank)
                    }
                    continue
                }
            }
            i += 1
        }
        if state == .quoted {
            line = quoteLine
            throw error("a quoted field is not closed")
        }
        if state != .fieldStart || fieldCount > 0 { endRecord(next: n) }
        guard haveHeader else {
            throw DataError(file: source, reason: "the file is empty (expected a header row)")
        }
        return result
    }

    /// The structural scan of a file without quotes or carriage returns (most files), or
    /// `nil` for any other: then every line feed ends a record and every delimiter a field,
    /// so the lines are found with `memchr` and their delimiters counted eight bytes at a
    /// time. Finds what ``scan(_:delimiter:source:)`` finds for such a file
    /// (no header when the file is blank).
    private static func scanLines(_ b: UnsafeRawBufferPointer, delimiter: UInt8) -> Scan? {
        let start = byteOrderMarkLength(b)
        guard let base = b.baseAddress, b.count > start,
            memchr(base + start, Int32(CSVByte.quote), b.count - start) == nil,
            memchr(base + start, Int32(CSVByte.carriageReturn), b.count - start) == nil
        else { return b.count <= start ? Scan() : nil }
        var result = Scan()
        var line = 1
        var lineStart = start
        while lineStart < b.count {
            let end = memchr(base + lineStart, Int32(CSVByte.lineFeed), b.count - lineStart)
                .map { $0 - UnsafeMutableRawPointer(mutating: base) } ?? b.count
            let delimiters = CSVByte.count(delimiter, in: UnsafeRawBufferPointer(rebasing: b[lineStart..<end]))
            let blank = delimiters == 0 && UnsafeRawBufferPointer(rebasing: b[lineStart..<end]).allSatisfy(CSVByte.isBlank)
            if !blank {
                if result.header.isEmpty {
                    var reader = CSVFieldReader(bytes: b, delimiter: delimiter, position: lineStart)
                    result.header = (0...delimiters).map { _ in reader.next().text }
                    result.headerLine = line
                } else {
                    if delimiters + 1 != result.header.count && result.firstRaggedRow == nil {
                        result.firstRaggedRow = (line, delimiters + 1)
                    }
                    result.rowStarts.append(lineStart)
                    result.lineNumbers.append(line)
                }
            }
            line += 1
            lineStart = end + 1
        }
        return result
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
    ///   - delimiter: The field delimiter, or `nil` to take the one the header line shows.
    /// - Throws: ``DataError`` if the file cannot be read (naming a directory, a symlink
    ///   loop or an input over the size limit as such) or is malformed.
    public init(contentsOf url: URL, name: String? = nil, delimiter: Character? = nil) throws {
        let name = name ?? (url.isFileURL ? url.path : url.absoluteString)
        let data: Data
        if url.isFileURL {
            data = try InputFile.read(fileAtPath: url.path, name: name)
        } else {
            do { data = try Data(contentsOf: url) } catch {
                throw DataError(file: name, reason: "cannot read the file (\(fileErrorReason(error)))")
            }
        }
        try self.init(data: data, source: name, delimiter: delimiter)
    }

    /// Parses the bytes of a CSV file (UTF-8; a leading byte-order mark is skipped).
    ///
    /// - Parameters:
    ///   - data: The bytes.
    ///   - source: The name in error messages.
    ///   - delimiter: The field delimiter, or `nil` to take the one the header line shows.
    /// - Throws: ``DataError`` if the bytes are not UTF-8 or the text is malformed.
    public init(data: Data, source: String, delimiter: Character? = nil) throws {
        let isASCII = data.withUnsafeBytes { CSVByte.isASCII($0) }
        if !isASCII && String(data: data, encoding: .utf8) == nil {
            throw DataError(file: source, reason: "the file is not UTF-8 text")
        }
        try self.init(bytes: data, source: source, delimiter: delimiter)
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
