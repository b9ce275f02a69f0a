import Foundation
import XCTest

/// Running the `backprop` executable and capturing its exit status and output, shared by
/// every CLI test.
extension CLITests {
    /// Runs the executable with `arguments` in `directory`, with `input` (if given) on a
    /// pipe as its standard input and `environment` added to this process's; returns its
    /// exit status and its standard output and error (callable from any thread).
    static func run(
        _ executable: URL, _ arguments: [String], in directory: URL, input: Data? = nil,
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
        let inPipe = input.map { _ in Pipe() }
        if let inPipe { process.standardInput = inPipe }
        try process.run()
        if let input, let inPipe {
            // Written from another thread, so a child that fills its output pipe first
            // cannot deadlock with the writer; a child that exits before reading it all
            // makes the write fail (EPIPE), not kill the tests.
            signal(SIGPIPE, SIG_IGN)
            let handle = inPipe.fileHandleForWriting
            Thread.detachNewThread {
                try? handle.write(contentsOf: input)
                try? handle.close()
            }
        }
        // Standard error is drained on another thread while standard output is read here,
        // so a child that writes more than a pipe holds to either cannot block forever.
        let errorReader = ErrorReader(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = errorReader.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the executable built with these tests in this test's temporary directory.
    func backprop(_ arguments: [String], input: Data? = nil) throws -> Result {
        let executable = try XCTUnwrap(Self.executable, "the backprop executable was not found next to the tests")
        return try Self.run(executable, arguments, in: directory, input: input)
    }
}

/// Reads a file handle to its end on its own thread.
private final class ErrorReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything read, once the handle has reached its end.
    func wait() -> Data {
        done.wait()
        return data
    }
}
