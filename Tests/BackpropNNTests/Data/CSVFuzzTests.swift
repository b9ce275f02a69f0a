import Backprop
import BackpropNN
import Foundation
import XCTest

/// The CSV reader on 10,000+ generated inputs (fixed seed). Valid tables are
/// generated with every dialect choice (BOM, CRLF / CR / LF, quoting, blank lines, spaces,
/// embedded commas, quotes and line breaks, very long fields) and must load exactly; each is
/// then broken in a known way (ragged row, stray quote, junk after a closing quote,
/// unclosed quote, NaN / inf / overflow / empty / text in a number column, repeated header,
/// header only, empty file) and must fail with the expected message naming the line and
/// column; byte-level mutations and random bytes must end in a `DataError` or a load
/// whose invariants hold. A crash fails the whole test run.
final class CSVFuzzTests: XCTestCase {
    static let source = "fuzz.csv"

    func testTenThousandGeneratedCSVFiles() throws {
        var rng = SeededGenerator(seed: 2026)
        var tally: [String: Int] = [:]
        let cases = 10_000
        for index in 0..<cases {
            let table = GeneratedTable(using: &rng)
            let style = Style(using: &rng)
            let kind: String
            switch index % 10 {
            case 0, 1, 2:
                kind = "valid"
                try checkValid(table, style, index: index)
            case 3, 4, 5:
                kind = "broken"
                checkBroken(table, style, using: &rng, index: index)
            case 6, 7, 8:
                kind = "mutated bytes"
                var bytes = table.serialized(style).bytes
                mutate(&bytes, using: &rng)
                checkSurvives(Data(bytes), index: index)
            default:
                kind = "random bytes"
                let alphabet = Array("0123456789,.-e\"\r\n abcnaif\u{FEFF}".utf8) + [0xFF, 0x00, 0xC3]
                let count = Int.random(in: 0...64, using: &rng)
                let bytes = (0..<count).map { _ in
                    Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                }
                checkSurvives(Data(bytes), index: index)
            }
            tally[kind, default: 0] += 1
        }
        XCTAssertEqual(tally.values.reduce(0, +), cases)
        XCTAssertGreaterThanOrEqual(tally["valid"] ?? 0, 3_000)
    }

    // MARK: Oracles

    /// A valid serialisation loads to exactly the generated table and numbers.
    private func checkValid(_ table: GeneratedTable, _ style: Style, index: Int) throws {
        let file = table.serialized(style)
        let parsed: CSVTable
        do { parsed = try CSVTable(data: Data(file.bytes), source: Self.source) } catch {
            return XCTFail("case \(index): a valid file failed: \(error)\n\(file.text.debugDescription)")
        }
        XCTAssertEqual(parsed.header, table.header, "case \(index)")
        XCTAssertEqual(parsed.rows, table.rows.map { $0.map(\.text) }, "case \(index): \(file.text.debugDescription)")
        XCTAssertEqual(parsed.lineNumbers, file.rowLines, "case \(index): \(file.text.debugDescription)")
        guard !table.rows.isEmpty, table.header.count > 1 else { return }
        if let r = table.rows.firstIndex(where: { $0.last!.text.trimmingCharacters(in: .whitespaces).isEmpty }) {
            // An empty label is refused, not made a class.
            XCTAssertThrowsError(try Dataset(table: parsed, label: .index(-1)), "case \(index)") { error in
                XCTAssertEqual("\(error)", "\(Self.source):\(file.rowLines[r]): column \(table.header.count) "
                    + "(\(DataError.quoted(table.header.last!))): the label is empty", "case \(index)")
            }
            return
        }
        let data = try Dataset(table: parsed, label: .index(-1))
        XCTAssertEqual(data.features, table.rows.flatMap { $0.dropLast().map { $0.number! } }, "case \(index)")
        XCTAssertEqual(data.count, table.rows.count, "case \(index)")
    }

    /// One known defect gives its message with the line (and column where it applies).
    private func checkBroken(_ table: GeneratedTable, _ style: Style, using rng: inout SeededGenerator, index: Int) {
        var table = table
        var style = style
        let row = table.rows.isEmpty ? nil : Int.random(in: 0..<table.rows.count, using: &rng)
        let column = Int.random(in: 0..<table.header.count, using: &rng)
        let numeric = table.header.count > 1 ? Int.random(in: 0..<(table.header.count - 1), using: &rng) : nil
        var defects = ["empty", "header only", "repeated header"]
        if row != nil {
            defects += ["ragged", "stray quote", "after quote", "unclosed"]
            if numeric != nil { defects += ["nan", "inf", "overflow", "empty field", "text", "long number"] }
        }
        let defect = defects.randomElement(using: &rng)!
        let expectedReason: String
        var expectedLine: Int?
        var expectedColumn: Int?
        var viaDataset = false
        switch defect {
        case "empty":
            let text = [
                "", "\n", "\r\n\r\n", " \n  \n", "\u{FEFF}", "\u{FEFF}\n",
            ].randomElement(using: &rng)!
            expect(Data(text.utf8), "\(Self.source): the file is empty (expected a header row)", index: index)
            return
        case "header only":
            table.rows = []
            let file = table.serialized(style)
            guard let parsed = try? CSVTable(data: Data(file.bytes), source: Self.source) else {
                return XCTFail("case \(index): header only did not parse: \(file.text.debugDescription)")
            }
            XCTAssertEqual(parsed.rows.count, 0)
            XCTAssertThrowsError(try Dataset(table: parsed, label: nil)) { error in
                XCTAssertEqual("\(error)", "\(Self.source): there are no data rows after the header", "case \(index)")
            }
            return
        case "repeated header":
            let duplicate = Int.random(in: 0..<table.header.count, using: &rng)
            table.header.insert(table.header[duplicate], at: duplicate + 1)
            for r in table.rows.indices { table.rows[r].insert(table.rows[r][duplicate], at: duplicate + 1) }
            expectedLine = table.serialized(style).headerLine
            expectedColumn = duplicate + 2
            expectedReason = "column name '\(table.header[duplicate])' is repeated (also column \(duplicate + 1))"
        case "ragged":
            let r = row!
            if table.rows[r].count > 1 && Bool.random(using: &rng) {
                table.rows[r].removeLast()
            } else {
                table.rows[r].append(Field(text: "7", number: 7))
            }
            expectedLine = table.serialized(style).rowLines[r]
            expectedReason = "\(table.rows[r].count) fields, but the header has \(table.header.count) columns"
        case "stray quote":
            style.quoting = .minimal
            table.rows[row!][column] = Field(text: "5\"", number: nil, forcePlain: true)
            expectedLine = table.serialized(style).rowLines[row!]
            expectedColumn = column + 1
            expectedReason = "a quote inside an unquoted field"
        case "after quote":
            table.rows[row!][column] = Field(text: "x", number: nil, junkAfterQuote: "y")
            expectedLine = table.serialized(style).rowLines[row!]
            expectedColumn = column + 1
            expectedReason = "unexpected 'y' after the closing quote"
        case "unclosed":
            table.rows[row!][column] = Field(text: "open", number: nil, unclosed: true)
            // Everything after the opening quote is inside the field.
            table.rows.removeSubrange((row! + 1)...)
            table.rows[row!].removeSubrange((column + 1)...)
            style.finalLineEnd = false
            expectedLine = table.serialized(style).rowLines[row!]
            expectedColumn = column + 1
            expectedReason = "a quoted field is not closed"
        default:  // defects in a number, found by Dataset
            viaDataset = true
            let (text, reason): (String, String) =
                switch defect {
                case "nan": ("nan", "'nan' is not a finite number")
                case "inf": (["inf", "-inf", "infinity"].randomElement(using: &rng)!, "is not a finite number")
                case "overflow": ("1e999", "'1e999' is not a finite number")
                case "long number": (String(repeating: "9", count: 400), "is not a finite number")
                case "empty field": ("", "the field is empty, expected a number")
                default: ("abc", "'abc' is not a number")
                }
            table.rows[row!][numeric!] = Field(text: text, number: nil)
            expectedLine = table.serialized(style).rowLines[row!]
            expectedColumn = numeric! + 1
            expectedReason = reason
        }
        let file = table.serialized(style)
        var prefix = Self.source + (expectedLine.map { ":\($0)" } ?? "") + ": "
        if let expectedColumn { prefix += "column \(expectedColumn)" }
        do {
            let parsed = try CSVTable(data: Data(file.bytes), source: Self.source)
            guard viaDataset else {
                return XCTFail("case \(index) (\(defect)): no error for \(file.text.debugDescription)")
            }
            _ = try Dataset(table: parsed, label: .index(-1))
            XCTFail("case \(index) (\(defect)): no error for \(file.text.debugDescription)")
        } catch let error as DataError {
            let message = "\(error)"
            XCTAssertTrue(
                message.hasPrefix(prefix) && message.contains(expectedReason),
                "case \(index) (\(defect)): expected \(prefix)…\(expectedReason), got \(message)\n\(file.text.debugDescription)")
        } catch {
            XCTFail("case \(index): not a DataError: \(error)")
        }
    }

    private func expect(_ data: Data, _ message: String, index: Int) {
        XCTAssertThrowsError(try CSVTable(data: data, source: Self.source)) { error in
            XCTAssertEqual("\(error)", message, "case \(index)")
        }
    }

    /// Any bytes: a `DataError` naming the file, or a table (and data set) that keeps the
    /// reader's promises.
    private func checkSurvives(_ data: Data, index: Int) {
        do {
            let table = try CSVTable(data: data, source: Self.source)
            XCTAssertTrue(table.rows.allSatisfy { $0.count == table.header.count }, "case \(index)")
            XCTAssertEqual(table.rows.count, table.lineNumbers.count, "case \(index)")
            XCTAssertEqual(table.lineNumbers, table.lineNumbers.sorted(), "case \(index)")
            let names = table.header.filter { !$0.isEmpty }
            XCTAssertEqual(Set(names).count, names.count, "case \(index): repeated column names")
            for label in [nil, ColumnSelector.index(-1)] {
                do {
                    let set = try Dataset(table: table, label: label)
                    XCTAssertTrue(set.features.allSatisfy(\.isFinite), "case \(index)")
                    XCTAssertEqual(set.features.count, set.count * set.featureCount, "case \(index)")
                    XCTAssertEqual(set.count, table.rows.count, "case \(index)")
                } catch let error as DataError {
                    XCTAssertTrue("\(error)".hasPrefix(Self.source + ":"), "case \(index): \(error)")
                }
            }
        } catch let error as DataError {
            XCTAssertTrue("\(error)".hasPrefix(Self.source + ":"), "case \(index): \(error)")
        } catch {
            XCTFail("case \(index): not a DataError: \(error)")
        }
    }

    /// One to four byte edits: flip, insert a CSV-significant or invalid byte, delete,
    /// truncate, duplicate a chunk.
    private func mutate(_ bytes: inout [UInt8], using rng: inout SeededGenerator) {
        let special = Array("\",\r\n \u{FEFF}".utf8) + [0xFF, 0x80, 0x00]
        for _ in 0...Int.random(in: 0...3, using: &rng) {
            let position = Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where position < bytes.count: bytes[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            case 1: bytes.insert(special.randomElement(using: &rng)!, at: position)
            case 2 where position < bytes.count: bytes.remove(at: position)
            case 3: bytes.removeSubrange(position...)
            default:
                let end = Swift.min(bytes.count, position + Int.random(in: 1...16, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            }
        }
    }
}

// MARK: - Generated tables

/// One field: its text and, for a number column, the value it must read as.
private struct Field {
    var text: String
    var number: Double?
    /// Written without quotes whatever the style (a stray quote).
    var forcePlain = false
    /// Text written after the closing quote (an error).
    var junkAfterQuote: String? = nil
    /// The opening quote is never closed.
    var unclosed = false
}

/// A table: header names, then rows of number columns and a last label column.
private struct GeneratedTable {
    var header: [String]
    var rows: [[Field]]

    init(using rng: inout SeededGenerator) {
        let columns = Int.random(in: 1...5, using: &rng)
        let nameParts = ["a", "b c", "x,y", "q\"q", "sepal_width", "ünï", "l\nm"]
        header = (0..<columns).map { j in "\(nameParts.randomElement(using: &rng)!)\(j)" }
        let rowCount = Int.random(in: 0...6, using: &rng)
        rows = (0..<rowCount).map { _ in
            (0..<columns).map { j in
                j < columns - 1 ? Self.number(using: &rng) : Self.label(using: &rng)
            }
        }
    }

    /// A number in one of the spellings Swift reads, with its value.
    static func number(using rng: inout SeededGenerator) -> Field {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0:
            let v = Int.random(in: -1000...1000, using: &rng)
            return Field(text: "\(v)", number: Double(v))
        case 1:
            let v = Double.random(in: -1e6...1e6, using: &rng)
            return Field(text: "\(v)", number: v)
        case 2:
            let m = Int.random(in: 1...9, using: &rng), e = Int.random(in: -300...300, using: &rng)
            return Field(text: "\(m)e\(e)", number: Double("\(m)e\(e)")!)
        case 3:
            return Field(text: " \(Int.random(in: 0...9, using: &rng)).5 ", number: nil).withValueOfTrimmed()
        case 4:
            return Field(text: ".25", number: 0.25)
        default:
            return Field(text: "-0", number: -0.0)
        }
    }

    /// A label, sometimes needing quotes (commas, quotes, line breaks), sometimes very long.
    static func label(using rng: inout SeededGenerator) -> Field {
        let words = ["setosa", "a,b", "say \"hi\"", "two\nlines", "x", "", "  padded  ", "ünïcödé", "7"]
        if Int.random(in: 0..<200, using: &rng) == 0 {
            return Field(text: String(repeating: "long", count: 5_000), number: nil)
        }
        return Field(text: words.randomElement(using: &rng)!, number: nil)
    }

    /// The file's bytes for a style, with the line each row starts on.
    func serialized(_ style: Style) -> SerializedFile {
        var text = style.bom ? "\u{FEFF}" : ""
        var line = 1
        var rowLines: [Int] = []
        var headerLine = 1
        func blankLines() {
            for _ in 0..<style.blankLinesBefore {
                text += style.lineEnd
                line += 1
            }
        }
        func write(_ fields: [Field]) {
            for (j, field) in fields.enumerated() {
                if j > 0 { text += "," }
                text += style.render(field)
                line += field.text.filter { $0 == "\n" }.count
            }
        }
        blankLines()
        headerLine = line
        write(header.map { Field(text: $0, number: nil) })
        for (r, row) in rows.enumerated() {
            text += style.lineEnd
            line += 1
            if r % 2 == 1 { blankLines() }
            rowLines.append(line)
            write(row)
        }
        if style.finalLineEnd { text += style.lineEnd }
        return SerializedFile(text: text, headerLine: headerLine, rowLines: rowLines)
    }
}

extension Field {
    func withValueOfTrimmed() -> Field {
        Field(text: text, number: Double(text.trimmingCharacters(in: .whitespaces)))
    }
}

private struct SerializedFile {
    var text: String
    var headerLine: Int
    var rowLines: [Int]
    var bytes: [UInt8] { Array(text.utf8) }
}

/// How a table is written.
private struct Style {
    enum Quoting { case minimal, all, random }
    var bom: Bool
    var lineEnd: String
    var quoting: Quoting
    var finalLineEnd: Bool
    var blankLinesBefore: Int
    var spacesAroundQuotes: Bool
    var coin: UInt64

    init(using rng: inout SeededGenerator) {
        bom = Int.random(in: 0..<4, using: &rng) == 0
        lineEnd = ["\n", "\r\n", "\r"].randomElement(using: &rng)!
        quoting = [.minimal, .all, .random].randomElement(using: &rng)!
        finalLineEnd = Bool.random(using: &rng)
        blankLinesBefore = Int.random(in: 0...2, using: &rng) == 0 ? 1 : 0
        spacesAroundQuotes = Int.random(in: 0..<5, using: &rng) == 0
        coin = rng.next()
    }

    /// A field as written: quoted when it must be (or the style says so), `"` doubled.
    func render(_ field: Field) -> String {
        if field.forcePlain { return field.text }
        let must = field.text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.text.isEmpty || field.text.first == " " || field.unclosed || field.junkAfterQuote != nil
        let wants: Bool
        switch quoting {
        case .minimal: wants = must
        case .all: wants = true
        case .random: wants = must || field.text.utf8.reduce(coin) { $0 &* 31 &+ UInt64($1) } & 1 == 1
        }
        // Whitespace-only and empty fields stay quoted only when needed: an empty field
        // unquoted would make a one-column row blank (skipped).
        guard wants else { return field.text }
        let quoted = "\"" + field.text.replacingOccurrences(of: "\"", with: "\"\"")
        if field.unclosed { return quoted }
        let padding = spacesAroundQuotes ? " " : ""
        return padding + quoted + "\"" + (field.junkAfterQuote ?? "") + padding
    }
}
