import Foundation
import XCTest

/// Misuse messages survive optimised builds: `misuse-example`, built for debug (with these
/// tests) and for release (by `swift build -c release`, as CI does first), dies naming the
/// op, the shapes and the line of the call in `Sources/misuse-example/main.swift`.
final class MisuseExampleTests: XCTestCase {
    /// The cases, the message each must print, and the line of the misuse in main.swift.
    static let cases: [(argument: String, message: String, call: String)] = [
        ("matmul", "matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ", "_ = a.matmul(b)"),
        ("broadcast", "add: [2, 3] + [4]: sizes 3 and 4 do not broadcast",
         "_ = a.adding(Variable(Tensor.zeros([4])))"),
        ("custom-op", "custom op 'scaled' (forward) › multiply: [2] * [3]",
         "_ = scaled(Variable(Tensor.zeros([2])), Variable(Tensor.zeros([3])))"),
        ("changed-value",
         "backward: the value of its input 0 (op 'leaf', now [2, 2]) or its requiresGradient was changed after op 'matmul' read it",
         "loss.backward()"),
    ]

    func testDebugBuildNamesOpShapesAndLine() throws {
        try check(configuration: "debug")
    }

    func testReleaseBuildNamesOpShapesAndLine() throws {
        try check(configuration: "release")
    }

    private func check(configuration: String) throws {
        let executable = Self.packageRoot
            .appendingPathComponent(".build/\(configuration)/misuse-example")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            // CI builds for release before testing, so there the binary must exist.
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("\(executable.path) is missing: CI builds with `swift build -c release` first")
                return
            }
            throw XCTSkip("\(executable.path) is not built (run `swift build -c release`)")
        }
        let source = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("Sources/misuse-example/main.swift"),
            encoding: .utf8
        ).components(separatedBy: "\n")
        for (argument, message, call) in Self.cases {
            let line = try XCTUnwrap(source.firstIndex { $0.contains(call) }, call) + 1
            let result = try CLITests.run(
                executable, [argument], in: FileManager.default.temporaryDirectory,
                environment: ["SWIFT_BACKTRACE": "enable=no"])
            let output = result.stdout + result.stderr
            XCTAssertNotEqual(result.status, 0, "\(configuration) \(argument): did not stop\n\(output)")
            XCTAssertTrue(
                output.contains(message), "\(configuration) \(argument): no '\(message)' in\n\(output)")
            XCTAssertTrue(
                output.contains("misuse_example/main.swift:\(line):"),
                "\(configuration) \(argument): the report does not name main.swift:\(line)\n\(output)")
        }
    }

    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
