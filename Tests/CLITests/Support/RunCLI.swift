import Foundation
import XCTest

/// Running the `backprop` executable and capturing its exit status and output, shared by
/// every CLI test.
extension CLITests {
    /// Runs the executable with `arguments` in `directory`; returns its exit status and its
    /// standard output and error (callable from any thread).
    static func run(
        _ executable: URL, _ arguments: [String], in directory: URL,
        environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the executable built with these tests in this test's temporary directory.
    func backprop(_ arguments: [String]) throws -> Result {
        let executable = try XCTUnwrap(Self.executable, "the backprop executable was not found next to the tests")
        return try Self.run(executable, arguments, in: directory)
    }
}
