import Backprop
import Foundation
import Testing
import XCTest

// One report formatter and one recorder for both test styles. A helper computes a
// `CheckReport` with the framework-neutral checks, then `record` hands it to the test
// framework that is running: Swift Testing when `Test.current` is set, XCTest otherwise.
// Neither framework sees the other's failures (an `XCTFail` inside a `@Test` function and an
// `Issue.record` inside an `XCTestCase` are dropped without a word), so the recorder never
// leaves a failure to a framework that is not running: it records it with the one that is,
// or stops the program with a message naming the helper to use.

/// How many elements, or failures, a report lists before "… and N more".
let reportLimit = 5

/// What a check found: a failure message (nil when it passed) and warnings about how far
/// the check can be trusted.
struct CheckReport {
    var failure: String?
    var warnings: [String] = []

    /// The failures of several checks as one report (nil when all passed).
    init(failures: [String?], warnings: [String] = []) {
        let found = failures.compactMap { $0 }
        self.failure = found.isEmpty ? nil : found.joined(separator: "\n")
        self.warnings = warnings
    }
}

/// "`check` failed for N element(s)`what`:" and the first mismatches; nil when `outcome`
/// has none.
func failureMessage(
    _ check: String, note: String, _ outcome: GradientCheckOutcome, of what: String = ""
) -> String? {
    guard !outcome.mismatches.isEmpty else { return nil }
    let count =
        outcome.complete
        ? "\(outcome.mismatches.count) element(s)"
        : "at least \(outcome.mismatches.count) element(s) (fast mode names the first \(reportLimit))"
    return "\(check) failed\(note.isEmpty ? "" : " (\(note))") for \(count)\(what):\n"
        + listing(outcome.mismatches.map(\.description))
}

/// The first ``reportLimit`` lines, indented, then "… and N more".
func listing(_ lines: [String]) -> String {
    let shown = lines.prefix(reportLimit).map { "  \($0)" }
    let more = lines.count > reportLimit ? ["  … and \(lines.count - reportLimit) more"] : []
    return (shown + more).joined(separator: "\n")
}

/// The caller's place in the source, from either style's default arguments.
struct CallerLocation {
    var fileID: String
    var filePath: String
    var line: Int
    var column: Int
    /// The `#filePath` an XCTest helper received (XCTest takes no other kind of path).
    var staticFilePath: StaticString?

    /// The location an XCTest-style helper receives. Its file ID, which Swift Testing
    /// shows, is the file's folder and name: the module and file for a SwiftPM target.
    init(file: StaticString, line: UInt) {
        let components = "\(file)".split(separator: "/").suffix(2)
        fileID = components.count == 2 ? components.joined(separator: "/") : "Tests/\(file)"
        filePath = "\(file)"
        self.line = Int(line)
        column = 1
        staticFilePath = file
    }

    /// The location a Swift Testing helper receives.
    init(_ location: Testing.SourceLocation) {
        (fileID, filePath, line, column) =
            (location.fileID, location.filePath, location.line, location.column)
    }

    var sourceLocation: Testing.SourceLocation {
        Testing.SourceLocation(fileID: fileID, filePath: filePath, line: line, column: column)
    }
}

/// A helper's name in each test style, for the messages that say which one to use.
struct HelperNames {
    var xctest: String
    var swiftTesting: String

    static let gradients = HelperNames(xctest: "assertGradientsMatch", swiftTesting: "expectGradientsMatch")
    static let secondOrder = HelperNames(
        xctest: "assertSecondOrderGradientsMatch", swiftTesting: "expectSecondOrderGradientsMatch")
    static let conformance = HelperNames(xctest: "assertConformance", swiftTesting: "expectConformance")
    static let model = HelperNames(xctest: "assertModelGradientsMatch", swiftTesting: "expectModelGradientsMatch")
    static let close = HelperNames(xctest: "assertClose", swiftTesting: "expectClose")
}

/// The test style of a helper: which framework it was written for.
enum TestStyle {
    case xctest, swiftTesting
}

/// Records `report` at `location` with the test framework that is running.
///
/// - Inside a Swift Testing test (`Test.current` set), failures become issues and warnings
///   warning issues, whichever style the helper has.
/// - A Swift Testing helper anywhere else stops the program with a message naming the
///   XCTest helper, pass or fail: it would have nowhere to record a failure.
/// - An XCTest helper anywhere else fails the running XCTest case; when no case received
///   the failure (no XCTest test is running, or a test case overrides `recordFailure`
///   without calling `super`), it stops the program with the report and the helper to use.
///   Warnings are printed as `file:line: warning: …` (XCTest has no warnings).
func record(
    _ report: CheckReport, by helper: HelperNames, style: TestStyle, at location: CallerLocation
) {
    if Test.current != nil {
        if let failure = report.failure {
            Issue.record(Comment(rawValue: failure), sourceLocation: location.sourceLocation)
        }
        for warning in report.warnings {
            Issue.record(Comment(rawValue: warning), severity: .warning, sourceLocation: location.sourceLocation)
        }
        return
    }
    let place = "\(location.filePath):\(location.line)"
    guard style == .xctest, let file = location.staticFilePath else {
        misuseFailure(
            "\(helper.swiftTesting) at \(place) records Swift Testing issues, and no Swift Testing "
                + "test is running here; in an XCTestCase use \(helper.xctest)")
    }
    for warning in report.warnings { print("\(place): warning: \(warning)") }
    guard let failure = report.failure else { return }
    let witness = FailureWitness.shared
    let before = witness.failures
    XCTFail(failure, file: file, line: UInt(location.line))
    if witness.failures == before {
        misuseFailure(
            "\(helper.xctest) at \(place) found no running XCTest test case to record this "
                + "failure (in a Swift Testing @Test use \(helper.swiftTesting)):\n\(failure)",
            file: file, line: UInt(location.line))
    }
}

/// Counts the failures that XCTest test cases record, so that the recorder can tell an
/// `XCTFail` that reached a test case from one that XCTest dropped.
final class FailureWitness: NSObject, XCTestObservation, @unchecked Sendable {
    /// The witness, registered with XCTest on first use.
    static let shared: FailureWitness = {
        let witness = FailureWitness()
        XCTestObservationCenter.shared.addTestObserver(witness)
        return witness
    }()

    private let lock = NSLock()
    private var count = 0

    /// The failures recorded so far.
    var failures: Int { lock.withLock { count } }

    func testCase(
        _ testCase: XCTestCase, didFailWithDescription description: String, inFile filePath: String?,
        atLine lineNumber: Int
    ) {
        lock.withLock { count += 1 }
    }
}
