import Foundation
import XCTest

/// The environment variable that tells a rerun test binary which `assertStops` call it is
/// the child of.
let deathTestVariable = "BACKPROP_DEATH_TEST"

extension XCTestCase {
    /// Asserts that `body` stops the program (a failed precondition, `fatalError`, …) and
    /// that what the program printed contains `message`: a death test for preconditions,
    /// such as the shape checks of your own custom ops.
    ///
    /// The check reruns the test binary as a child process that runs only the calling test
    /// method, with the environment naming this call (its `id`). In the child this call runs
    /// `body` (which must stop the child), and every other `assertStops` call of the test
    /// returns at once; the parent waits for the child (at most `timeLimit` seconds, then
    /// stops it), then asserts that it exited with a nonzero status and that its standard
    /// output and error contain `message`. Code outside the `assertStops` calls runs in both
    /// processes, so keep it free of side effects outside the process. Linux only: elsewhere,
    /// and when the tests do not run from an `.xctest` executable, it throws `XCTSkip`.
    ///
    /// ```swift
    /// func testMatmulNamesTheShapes() throws {
    ///     try assertStops(withMessageContaining: "matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ") {
    ///         _ = Variable(Tensor<Double>.zeros([3, 4])).matmul(Variable(Tensor.zeros([5, 2])))
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - message: Text the child must print (usually the precondition's message).
    ///   - id: Names this call among the test method's calls; the default, the call's file
    ///     and line, suffices unless one line runs several calls (a loop over cases).
    ///   - timeLimit: Seconds the child may run before it is stopped and the check fails.
    ///   - file: The file a failure is reported at (the caller's, by default).
    ///   - line: The line a failure is reported at (the caller's, by default).
    ///   - body: The misuse; runs only in the child process.
    public func assertStops(
        withMessageContaining message: String, id: String? = nil, timeLimit: Double = 120,
        file: StaticString = #filePath, line: UInt = #line, _ body: () -> Void
    ) throws {
        let id = id ?? "\(file):\(line)"
        if let running = ProcessInfo.processInfo.environment[deathTestVariable] {
            // This process is a child: run only the body it was started for.
            guard running == id else { return }
            body()
            print("assertStops: the body of '\(id)' returned without stopping the program")
            exit(0)
        }
        #if os(Linux)
            let executable = URL(fileURLWithPath: CommandLine.arguments[0])
            guard FileManager.default.isExecutableFile(atPath: executable.path),
                executable.lastPathComponent.hasSuffix(".xctest")
            else { throw XCTSkip("assertStops: not running from the xctest executable") }
            let (status, output) = try runDeathTestChild(executable, id: id, timeLimit: timeLimit)
            guard let status else {
                XCTFail(
                    "\(id): the child did not finish within \(timeLimit) s; its output:\n\(output)",
                    file: file, line: line)
                return
            }
            XCTAssertNotEqual(status, 0, "\(id): the child did not stop\n\(output)", file: file, line: line)
            XCTAssertTrue(
                output.contains(message), "\(id): expected the message\n  \(message)\nin the output\n\(output)",
                file: file, line: line)
        #else
            throw XCTSkip("assertStops runs the test binary as a child process on Linux only")
        #endif
    }

    /// The XCTest filter that runs only this test method: `Module.Class/method`.
    private var testMethodFilter: String {
        // Linux names a test "Class.method", Apple platforms "-[Class method]".
        let method = name.hasPrefix("-[")
            ? String(name.dropLast().split(separator: " ").last ?? "")
            : String(name.split(separator: ".").last ?? "")
        return "\(String(reflecting: type(of: self)))/\(method)"
    }

    /// Runs this test method in a child process with `id` in the environment; returns the
    /// exit status (nil when the child ran out of time and was stopped) and its output.
    private func runDeathTestChild(
        _ executable: URL, id: String, timeLimit: Double
    ) throws -> (status: Int32?, output: String) {
        try runChildProcess(
            executable, arguments: [testMethodFilter], environment: [deathTestVariable: id],
            timeLimit: timeLimit)
    }
}

/// Runs `executable` with `arguments` and the environment of this process plus
/// `environment`; returns the exit status (nil when the child ran out of time and was
/// stopped) and what it printed on standard output and error.
func runChildProcess(
    _ executable: URL, arguments: [String], environment: [String: String], timeLimit: Double
) throws -> (status: Int32?, output: String) {
    // A file, not a pipe: the child never blocks on a full pipe, and the output can be
    // read after a child that had to be stopped.
    let outputURL = FileManager.default.temporaryDirectory
        .appendingPathComponent("bp-child-\(UUID().uuidString).txt")
    _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outputURL) }
    let outputHandle = try FileHandle(forWritingTo: outputURL)
    defer { try? outputHandle.close() }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var childEnvironment = ProcessInfo.processInfo.environment
    childEnvironment.merge(environment) { $1 }
    childEnvironment["SWIFT_BACKTRACE"] = "enable=no"  // the message is enough, and faster
    process.environment = childEnvironment
    process.standardOutput = outputHandle
    process.standardError = outputHandle
    try process.run()

    let deadline = Date().addingTimeInterval(timeLimit)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    var finished = true
    if process.isRunning {
        finished = false
        process.terminate()
        let grace = Date().addingTimeInterval(5)
        while process.isRunning && Date() < grace { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    process.waitUntilExit()
    let output = String(decoding: (try? Data(contentsOf: outputURL)) ?? Data(), as: UTF8.self)
    return (finished ? process.terminationStatus : nil, output)
}
