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
}
