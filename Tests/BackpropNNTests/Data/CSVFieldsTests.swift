import Backprop
import BackpropNN
import Foundation
import XCTest

/// Numbers read from the bytes of a CSV file give exactly what `Double(_:)` gives for the
/// same text (the reader's fast path and its fallback), spaces around them ignored.
final class CSVFieldsTests: XCTestCase {
    /// Reads `texts` as one numeric column and returns the values.
    private func column(_ texts: [String]) throws -> [Double] {
        let csv = "x,label\n" + texts.map { "\($0),a\n" }.joined()
        return try Dataset(table: CSVTable(text: csv), label: .name("label")).features
    }

    func testNumbersReadAsDoubleReadsThem() throws {
        let texts = [
            "0", "-0", "+5", "1.", ".5", "-.5", "00012", "5.e2", "1E+05", "1.5e-3", "0.000123", "-123.456",
            "9007199254740992", "9007199254740993", "1234567890123456789", "12345678901234567890",
            "0.1", "0.3", "2.2250738585072014e-308", "4.9e-324", "1e22", "1e23", "1.7976931348623157e308",
            "123456.789e-20", "0x1p3", "0.1000000000000000055511151231257827", " 7 ", "\t-2.5\t",
        ]
        let values = try column(texts)
        for (text, value) in zip(texts, values) {
            let expected = Double(text.trimmingCharacters(in: .whitespaces))!
            XCTAssertEqual(value.bitPattern, expected.bitPattern, "\(text.debugDescription): \(value) vs \(expected)")
        }
    }

    func testRandomDecimalsReadExactly() throws {
        var rng = SeededGenerator(seed: 17)
        var texts: [String] = []
        for _ in 0..<5_000 {
            let digits = Int.random(in: 1...20, using: &rng)
            var text = Bool.random(using: &rng) ? "-" : ""
            text += String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
            let dot = Int.random(in: 0...digits, using: &rng)
            if dot < digits { text.insert(".", at: text.index(text.endIndex, offsetBy: -dot)) }
            if Int.random(in: 0..<3, using: &rng) == 0 { text += "e\(Int.random(in: -40...40, using: &rng))" }
            texts.append(text)
        }
        for (text, value) in zip(texts, try column(texts)) {
            XCTAssertEqual(value.bitPattern, Double(text)!.bitPattern, text)
        }
    }

    func testTextThatIsNotANumberIsNamed() {
        for text in ["1e", "e5", "+", "-", ".", "1_000", "1.2.3", "--1", "1e+"] {
            XCTAssertThrowsError(try column([text]), text) { error in
                XCTAssertTrue("\(error)".hasSuffix("'\(text)' is not a number"), "\(error)")
            }
        }
    }
}
