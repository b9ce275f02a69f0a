import Backprop
@testable import BackpropTesting
import Foundation
import Testing
import XCTest

/// Every op of the library, each its own test case, in `Double` and compared with `Float`.
// snippet: expectConformance
@Test(arguments: zip(OpInfo<Double>.library, OpInfo<Float>.library))
func conforms(_ op: OpInfo<Double>, _ float: OpInfo<Float>) {
    expectConformance(op, float: float)
}
// end snippet: expectConformance

final class OpLibraryConformanceTests: XCTestCase {
    /// Every `public func` declared in Sources/Backprop/Ops has an entry whose name starts
    /// with it (scalar helpers live in Sources/Backprop/Kernels).
    func testEveryPublicOpHasAnEntry() throws {
        let ops = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/Backprop/Ops").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: ops.path).filter { $0.hasSuffix(".swift") }
        XCTAssertFalse(files.isEmpty, "no sources found at \(ops.path)")
        let pattern = try NSRegularExpression(pattern: #"public (?:static )?func ([a-z][A-Za-z0-9]*)"#)
        var names = Set<String>()
        for file in files {
            let text = try String(contentsOf: ops.appendingPathComponent(file), encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                names.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        let covered = Set(OpInfo<Double>.library.map { entry in
            String(entry.name.prefix { $0 != " " && $0 != "(" })
        })
        let missing = names.subtracting(covered)
        XCTAssertTrue(missing.isEmpty, "public ops without a conformance entry: \(missing.sorted())")
        XCTAssertGreaterThan(names.count, 30)
    }

    func testTheKitFlagsABrokenOp() {
        let wrong = OpInfo<Double>(name: "wrongCube", samples: [[[3]]], outputShape: { $0[0] }) { x in
            Variable(op: "wrongCube", value: x[0].value.map { $0 * $0 * $0 }, inputs: [x[0]]) { _, g in
                [g * x[0].scaled(by: 2)]
            }
        }
        let failures = checkConformance(wrong)
        XCTAssertTrue(failures.contains { $0.hasPrefix("wrongCube at [3]: first order: inputs[0][0]: ") }, "\(failures)")
        let badShape = OpInfo<Double>(name: "exp", samples: [[[3]]], outputShape: { _ in [1, 3] }) { $0[0].exp() }
        XCTAssertEqual(checkConformance(badShape), ["exp at [3]: output shape [3], expected [1, 3]"])
    }

    func testTheReportOfAnOpListsItsFirstFewProblems() throws {
        // Three samples of wrongCube: 3 + 4 + 6 wrong first-order elements, and as many
        // second-order ones.
        let wrong = OpInfo<Double>(name: "wrongCube", samples: [[[3]], [[4]], [[2, 3]]], outputShape: OpInfo<Double>.same) {
            wrongCube($0[0])
        }
        let failures = checkConformance(wrong)
        let report = try XCTUnwrap(conformanceReport(wrong, float: nil).failure)
        XCTAssertTrue(report.hasPrefix("wrongCube fails conformance (\(failures.count) problem(s)):\n"), report)
        XCTAssertTrue(report.hasSuffix("\n  … and \(failures.count - 5) more"), report)
        XCTAssertEqual(report.components(separatedBy: "\n").count, 1 + 5 + 1)
    }

    func testLargeSamplesAreCheckedInFastMode() {
        // One evaluation per element and sign would be over 3,200; fast mode needs a handful.
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var count = 0
            func increment() { lock.withLock { count += 1 } }
        }
        let calls = Counter()
        let wrong = OpInfo<Double>(name: "wrongCube", samples: [[[40, 40]]], outputShape: OpInfo<Double>.same) {
            calls.increment()
            return wrongCube($0[0])
        }
        let failures = checkConformance(wrong)
        XCTAssertTrue(failures.contains { $0.hasPrefix("wrongCube at [40, 40]: first order: inputs[0][0, 0]: ") }, "\(failures)")
        XCTAssertLessThan(calls.count, 100)
    }
}
