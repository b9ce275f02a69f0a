import Backprop
import BackpropNN
import Foundation

// Reading CSV files as the data commands (train, predict, evaluate) do: the delimiter,
// progress for large files, the columns chosen, and a saved model's inputs.

/// The options every data command shares.
enum DataOptions {
    static let delimiter = OptionSpec.value(
        "delimiter", "CHAR", "Field delimiter: one character, or 'tab' (default: the one of , ; and tab the header line holds most of).")
}

/// The `--delimiter` value: one ASCII character (`tab` or `\t` for a tab), not a quote or
/// a line end; `nil` when not given.
func delimiter(_ arguments: ParsedArguments) throws -> Character? {
    guard let text = arguments.string("delimiter") else { return nil }
    let value: Character? = text == "tab" || text == "\\t" ? "\t" : text.count == 1 ? text.first : nil
    guard let value, value.isASCII, !["\"", "\n", "\r"].contains(value) else {
        throw UsageError(message: "option '--delimiter': \(DataError.quoted(text)) is not one character (other than a quote or a line end) or 'tab'")
    }
    return value
}

/// Files at least this large get a line on standard error while they are read.
let progressFileSize = 4 << 20

/// Reads a CSV file, or standard input for `-`, capped at ``InputFile/defaultByteLimit``.
/// A file of ``progressFileSize`` bytes or more gets a line on standard error before and
/// after (unless `quiet`).
func readTable(_ path: String, delimiter: Character? = nil, quiet: Bool = false) throws -> CSVTable {
    let name = InputFile.displayName(forPath: path)
    let start = Date()
    let bytes = try InputFile.read(atPath: path)
    let announce = !quiet && bytes.count >= progressFileSize
    if announce {
        FileHandle.standardError.write(Data("reading \(name) (\(String(format: "%.1f", Double(bytes.count) / 1e6)) MB)…\n".utf8))
    }
    let table = try CSVTable(data: bytes, source: name, delimiter: delimiter)
    if announce {
        let seconds = Date().timeIntervalSince(start)
        FileHandle.standardError.write(Data(
            "read \(name): \(table.rowCount) rows, \(table.header.count) columns in \(String(format: "%.2f", seconds)) s\n".utf8))
    }
    return table
}

/// A comma-separated list of columns (`a,b` or 0-based indices), or `nil` when not given.
func columnList(_ arguments: ParsedArguments, _ name: String) -> [ColumnSelector]? {
    arguments.string(name).map { $0.split(separator: ",").map { ColumnSelector(String($0).trimmingCharacters(in: .whitespaces)) } }
}

/// The 0-based column in the file of each feature of `data` (a categorical column gives
/// one per category).
func fileColumns(of data: Dataset, in table: CSVTable) -> [Int] {
    data.columns.flatMap { column in
        Array(repeating: table.header.firstIndex(of: column.name) ?? 0, count: column.categories?.count ?? 1)
    }
}

/// Target columns given as `a,b`: the whole text if the header has a column of that name,
/// else its comma-separated parts.
func splitColumns(_ text: String, in table: CSVTable) -> [ColumnSelector] {
    table.header.contains(text) ? [.name(text)] : text.split(separator: ",").map { ColumnSelector(String($0)) }
}

/// A field for CSV output: quoted (quotes doubled) when it holds a delimiter, a quote, a
/// line end or spaces at either end.
func csvField(_ text: String) -> String {
    let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == ";" || $0 == "\t" }
        || text.first == " " || text.last == " "
    return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
