import Foundation
import XCTest

/// `backprop text`: usage errors and a tiny run.
extension CLITests {
    func testTextUsageErrorsNameTheOption() throws {
        assertUsageError(try backprop("text", "--model", "rnn"), "option '--model': 'rnn' is not one of transformer, lstm", command: "text")
        assertUsageError(try backprop("text", "--prompt", "Zebra ☃"), "option '--prompt': the character '☃' does not occur in the text", command: "text")
        assertUsageError(try backprop("text", "--prompt", ""), "option '--prompt' needs a value (TEXT), not an empty string", command: "text")
        assertUsageError(try backprop("text", "--temperature", "0"), "option '--temperature': 0 is out of range 0.001...100.0", command: "text")
        assertUsageError(try backprop("text", "--steps", "0"), "option '--steps': 0 is out of range", command: "text")
    }

    /// Two steps of each model on tiny windows: progress, the final validation loss, a
    /// sample that starts with the prompt and has the requested length, and the chart.
    func testTextTinyRunPrintsProgressASampleAndThePlot() throws {
        for model in ["transformer", "lstm"] {
            let chart = directory.appendingPathComponent("\(model).svg").path
            let result = try backprop(
                "text", "--model", model, "--steps", "2", "--context", "8", "--batch-size", "2", "--length", "12",
                "--prompt", "In the", "--seed", "3", "--plot", chart)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("step 2/2  loss "), result.stdout)
            XCTAssertTrue(result.stdout.contains("validation loss "), result.stdout)
            let afterHeader = try XCTUnwrap(result.stdout.components(separatedBy: "sample (temperature 0.8):\n").last)
            let sample = try XCTUnwrap(afterHeader.components(separatedBy: "\nwrote learning curves to").first)
            XCTAssertTrue(sample.hasPrefix("In the"), sample)
            XCTAssertEqual(sample.count, "In the".count + 12, sample)
            XCTAssertTrue(try String(contentsOfFile: chart, encoding: .utf8).contains("<svg"))
        }
    }
}
