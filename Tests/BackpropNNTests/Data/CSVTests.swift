import Backprop
import BackpropNN
import Foundation
import XCTest

final class CSVTests: XCTestCase {
    func testParsesHeaderQuotesBlankLinesAndCRLF() throws {
        let table = try CSVTable(text: "a,\"b, c\",label\r\n1,2,\"x \"\"y\"\"\"\r\n\r\n3,4,z\n", source: "t.csv")
        XCTAssertEqual(table.header, ["a", "b, c", "label"])
        XCTAssertEqual(table.rows, [["1", "2", "x \"y\""], ["3", "4", "z"]])
        XCTAssertEqual(table.lineNumbers, [2, 4])
    }

    func testRaggedRowNamesFileAndLine() {
        XCTAssertThrowsError(try CSVTable(text: "a,b,c\n1,2,3\n4,5\n", source: "r.csv")) { error in
            XCTAssertEqual("\(error)", "r.csv:3: 2 fields, but the header has 3 columns")
        }
    }

    func testEmptyFileAndUnclosedQuote() {
        XCTAssertThrowsError(try CSVTable(text: "\n\n", source: "e.csv")) { error in
            XCTAssertEqual("\(error)", "e.csv: the file is empty (expected a header row)")
        }
        XCTAssertThrowsError(try CSVTable(text: "a\n\"open\n", source: "q.csv")) { error in
            XCTAssertEqual((error as? DataError)?.line, 2)
        }
    }

    func testMissingFileIsADataError() {
        XCTAssertThrowsError(try CSVTable(contentsOf: URL(fileURLWithPath: "/nonexistent/x.csv"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/x.csv: cannot read the file"), "\(error)")
        }
    }

    func testColumnSelectors() throws {
        let table = try CSVTable(text: "a,b,c\n1,2,3\n")
        XCTAssertEqual(try table.columnIndex(.name("b")), 1)
        XCTAssertEqual(try table.columnIndex(.index(-1)), 2)
        XCTAssertEqual(try table.columnIndex(ColumnSelector("0")), 0)
        XCTAssertThrowsError(try table.columnIndex(.name("zz"))) { error in
            XCTAssertEqual("\(error)", "<text>: no column named 'zz' (columns: a, b, c)")
        }
        XCTAssertThrowsError(try table.columnIndex(.index(3)))
    }

    // MARK: The dialect, as documented on CSVTable

    func testByteOrderMarkAndLineEndsAreAccepted() throws {
        let bom = Data([0xEF, 0xBB, 0xBF] + Array("a,b\r\n1,2\r3,4\n5,6".utf8))
        let table = try CSVTable(data: bom, source: "b.csv")
        XCTAssertEqual(table.header, ["a", "b"], "the BOM is not part of the first name")
        XCTAssertEqual(table.rows, [["1", "2"], ["3", "4"], ["5", "6"]])
        XCTAssertEqual(table.lineNumbers, [2, 3, 4], "CRLF, a lone CR and LF each end one line")
        XCTAssertEqual(try CSVTable(text: "\u{FEFF}a\n1\n").header, ["a"])
    }

    func testQuotedFieldsFollowRFC4180() throws {
        let table = try CSVTable(text: "a,b\n \"1,5\" , \"line\nbreak \"\"q\"\"\"\n\"\",x\n")
        XCTAssertEqual(table.rows, [["1,5", "line\nbreak \"q\""], ["", "x"]])
        XCTAssertEqual(table.lineNumbers, [2, 4])
        XCTAssertThrowsError(try CSVTable(text: "a,b\n1,5\" screen\n", source: "q.csv")) { error in
            XCTAssertEqual(
                "\(error)",
                "q.csv:2: column 2 ('b'): a quote inside an unquoted field (quote the whole field and double the quote: \"5\"\" screen\")")
        }
        XCTAssertThrowsError(try CSVTable(text: "a,b\n1,\"x\"y\n", source: "q.csv")) { error in
            XCTAssertEqual(
                "\(error)",
                "q.csv:2: column 2 ('b'): unexpected 'y' after the closing quote (a quote inside a quoted field is written \"\")")
        }
    }

    func testRepeatedColumnNameAndNonUTF8AreErrors() {
        XCTAssertThrowsError(try CSVTable(text: "a,b,a\n1,2,3\n", source: "d.csv")) { error in
            XCTAssertEqual("\(error)", "d.csv:1: column 3: column name 'a' is repeated (also column 1)")
        }
        XCTAssertThrowsError(try CSVTable(data: Data([0x61, 0x0A, 0xFF, 0x0A]), source: "u.csv")) { error in
            XCTAssertEqual("\(error)", "u.csv: the file is not UTF-8 text")
        }
    }

    func testNonFiniteNumbersAreRejectedWithTheirField() throws {
        for (text, reason) in [
            ("nan", "'nan' is not a finite number"), ("-inf", "'-inf' is not a finite number"),
            ("1e999", "'1e999' is not a finite number"), ("", "the field is empty, expected a number"),
        ] {
            let table = try CSVTable(text: "x,y,label\n1,2,a\n3,\"\(text)\",b\n", source: "n.csv")
            XCTAssertThrowsError(try Dataset(table: table, label: .name("label"))) { error in
                XCTAssertTrue("\(error)".hasPrefix("n.csv:3: column 2 ('y'): \(reason)"), "\(error)")
            }
        }
        let fine = try Dataset(table: CSVTable(text: "x,label\n 1e308 ,a\n-.5,b\n"), label: .name("label"))
        XCTAssertEqual(fine.features, [1e308, -0.5])
    }

    // MARK: Paths that are not regular files, endless inputs, huge fields

    func testDirectorySymlinkLoopAndEndlessDeviceAreNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bp-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        XCTAssertThrowsError(try CSVTable(contentsOf: directory, name: "dir")) { error in
            XCTAssertEqual("\(error)", "dir: cannot read the file: it is a directory")
        }
        let loop = directory.appendingPathComponent("loop.csv")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: loop.path)
        XCTAssertThrowsError(try CSVTable(contentsOf: loop, name: "loop.csv")) { error in
            XCTAssertEqual("\(error)", "loop.csv: cannot read the file: it is a symlink loop (Too many levels of symbolic links)")
        }
        // /dev/zero never ends: reading stops at the limit (256 MiB) with an error saying so.
        XCTAssertThrowsError(try CSVTable(contentsOf: URL(fileURLWithPath: "/dev/zero"))) { error in
            XCTAssertEqual(
                "\(error)",
                "/dev/zero: cannot read the file: it goes on past 256 MiB (268435456 bytes), the most read from one input; "
                    + "is it an endless device or stream, like /dev/zero?")
        }
    }

    func testInputFileLimitAndStandardInputName() throws {
        XCTAssertThrowsError(try InputFile.read(atPath: "/dev/zero", byteLimit: 1000)) { error in
            XCTAssertTrue("\(error)".hasPrefix("/dev/zero: cannot read the file: it goes on past 1000 bytes"), "\(error)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bp-csv-\(UUID().uuidString).csv")
        try Data(repeating: 0x61, count: 2000).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertThrowsError(try InputFile.read(atPath: file.path, byteLimit: 1000)) { error in
            XCTAssertEqual("\(error)", "\(file.path): cannot read the file: it has 2000 bytes, more than 1000 bytes, the most read from one input")
        }
        XCTAssertEqual(try InputFile.read(atPath: file.path, byteLimit: 2000).count, 2000)
        XCTAssertEqual(InputFile.displayName(forPath: "-"), "<stdin>")
        XCTAssertEqual(InputFile.displayName(forPath: "a.csv"), "a.csv")
    }

    /// A huge field is quoted by its first 40 characters and the count of the rest, in the
    /// message and in the column name.
    func testHugeFieldsAreCutInMessages() throws {
        let field = String(repeating: "x", count: 10_000)
        let table = try CSVTable(text: "a,\(field),label\n1,\(field),y\n", source: "h.csv")
        XCTAssertThrowsError(try Dataset(table: table, label: .name("label"))) { error in
            let forty = String(repeating: "x", count: 40)
            XCTAssertEqual("\(error)", "h.csv:2: column 2 ('\(forty)…(9960 more characters)'): '\(forty)…(9960 more characters)' is not a number")
        }
        XCTAssertThrowsError(try table.columnIndex(.name(field + "y"))) { error in
            XCTAssertLessThan("\(error)".count, 250, "\(error)")
        }
        XCTAssertEqual(DataError.quoted("abc"), "'abc'")
        XCTAssertEqual(DataError.quoted("abcdef", limit: 5), "'abcde…(1 more character)'")
    }

    // MARK: Delimiters

    func testDelimiterGivenOrTakenFromTheHeaderLine() throws {
        let semicolons = try CSVTable(text: "a;b;label\n1,5;2;x\n", source: "s.csv")
        XCTAssertEqual(semicolons.delimiter, ";")
        XCTAssertEqual(semicolons.header, ["a", "b", "label"])
        XCTAssertEqual(semicolons.rows, [["1,5", "2", "x"]])
        let tabs = try CSVTable(text: "\n\"a\tb\"\tc\n1\t2\n", source: "t.tsv")
        XCTAssertEqual(tabs.delimiter, "\t")
        XCTAssertEqual(tabs.header, ["a\tb", "c"], "a quoted tab is part of the name")
        XCTAssertEqual(try CSVTable(text: "a,b;c\n1,2;3\n").delimiter, ",", "a tie goes to the comma")
        XCTAssertEqual(try CSVTable(text: "a\n1\n").delimiter, ",")
        let given = try CSVTable(text: "a|b\n1|\"2|3\"\n", delimiter: "|")
        XCTAssertEqual(given.rows, [["1", "2|3"]])
        XCTAssertEqual(try Dataset(table: CSVTable(text: "x;y;label\n1.5;2;a\n"), label: .name("label")).features, [1.5, 2])
        XCTAssertThrowsError(try CSVTable(text: "a;b\n1;2;3\n", source: "s.csv")) { error in
            XCTAssertEqual("\(error)", "s.csv:2: 3 fields, but the header has 2 columns")
        }
        XCTAssertEqual(try CSVTable(text: "a;b\n1;2\n").fields(ofRow: 0), ["1", "2"])
        XCTAssertEqual(try CSVTable(text: "a;b\n1;2\n").rowCount, 1)
    }

    /// Files without quotes or carriage returns take a faster scan; with them or not, the
    /// same table comes out (long rows, blank lines, a ragged row).
    func testFilesWithAndWithoutQuotesScanAlike() throws {
        let row = (0..<37).map { "\($0 * 3)" }.joined(separator: ";")
        let plain = "a" + (1..<37).map { ";c\($0)" }.joined() + "\n" + row + "\n  \n\t\n" + row + "\n"
        let quoted = plain.replacingOccurrences(of: ";c5;", with: ";\"c5\";")
        let fast = try CSVTable(text: plain), slow = try CSVTable(text: quoted)
        XCTAssertEqual(fast.header, slow.header)
        XCTAssertEqual(fast.rows, slow.rows)
        XCTAssertEqual(fast.lineNumbers, [2, 5])
        XCTAssertEqual(slow.lineNumbers, [2, 5])
        for text in [plain, quoted] {
            XCTAssertThrowsError(try CSVTable(text: text + "1;2\n", source: "r.csv")) { error in
                XCTAssertEqual("\(error)", "r.csv:6: 2 fields, but the header has 37 columns")
            }
        }
    }
}
