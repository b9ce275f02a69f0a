import Foundation

/// An error in user data, naming the file and, where it applies, the line and column.
///
/// ```
/// data.csv:7: column 2 ('sepal_width'): 'abc' is not a number
/// ```
public struct DataError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file (as given), or `"<text>"` for in-memory text.
    public var file: String
    /// The 1-based line, if the error is on one line.
    public var line: Int?
    /// The 1-based column and its name, if the error is in one field.
    public var column: Int?
    /// The column's name from the header, if known.
    public var columnName: String?
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil,
                reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.reason = reason
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let column {
            text += "column \(column)"
            if let columnName { text += " (\(Self.quoted(columnName)))" }
            text += ": "
        }
        return text + reason
    }

    /// The number of characters of a value from the input that a message quotes in full;
    /// a longer value is cut there (see ``quoted(_:limit:)``).
    public static let quotedLengthLimit = 40

    /// `text` in single quotes for an error message, cut after `limit` characters with the
    /// number of characters left out, so a huge field does not flood the terminal:
    ///
    /// ```swift
    /// DataError.quoted("abc")                                   // 'abc'
    /// DataError.quoted(String(repeating: "x", count: 1_000))   // 'xx…x…(960 more characters)', 40 x
    /// ```
    public static func quoted(_ text: some StringProtocol, limit: Int = quotedLengthLimit) -> String {
        "'" + excerpt(text, limit: limit) + "'"
    }

    /// `text` cut after `limit` characters with the number of characters left out
    /// (`first 40 characters…(N more characters)`), or whole if it is short.
    public static func excerpt(_ text: some StringProtocol, limit: Int = quotedLengthLimit) -> String {
        let head = text.prefix(Swift.max(limit, 0))
        guard head.endIndex < text.endIndex else { return String(text) }
        let rest = text[head.endIndex...].count
        return String(head) + "…(\(rest) more character\(rest == 1 ? "" : "s"))"
    }
}

/// The reason a file operation failed, as the system states it ("No such file or
/// directory"), for messages that name the file.
func fileErrorReason(_ error: Error) -> String {
    let e = error as NSError
    if let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError,
        underlying.domain == NSPOSIXErrorDomain
    {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if e.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(e.code))) }
    if let cocoa = error as? CocoaError {
        switch cocoa.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
        case .fileReadNoPermission, .fileWriteNoPermission: return String(cString: strerror(EACCES))
        case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
        case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
        default: break
        }
    }
    return e.localizedDescription
}
