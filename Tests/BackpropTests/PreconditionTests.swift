import Backprop
import Foundation
import XCTest

/// Misuse stops the program with a message that names the op and the shapes. Each case runs
/// in a child process (this test binary again, running only `testCrashCase` with the case's
/// name in the environment), and the test checks that the child died and what it printed.
final class PreconditionTests: XCTestCase {
    /// The misuses, by name, with a part of the message each must print.
    static let cases: [String: (expected: String, body: @Sendable () -> Void)] = [
        "backwardNonScalarWithoutSeed": (
            "backward: output of op 'multiply' has shape [2], not one element; pass `seed:`",
            {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                x.multiplying(x).backward()
            }
        ),
        "backwardWithoutGradient": (
            "backward: the output of op 'multiply' [1] does not require a gradient",
            {
                let x = Variable(Tensor<Double>([1]))
                x.multiplying(x).backward()
            }
        ),
        "backwardSeedShape": (
            "backward: [3] seed for output [2]: shapes differ",
            {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                (x * x).backward(seed: Tensor([1, 1, 1]))
            }
        ),
        "gradientsOfConstantVariable": (
            "gradients: variable 0 (op 'leaf', [2]) does not require a gradient",
            {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                _ = gradients(of: x.sum(), withRespectTo: [Variable(Tensor([1, 2]))])
            }
        ),
        "matmulInnerSizes": (
            "matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ",
            {
                let a = Variable(Tensor<Double>.zeros([3, 4]), requiresGradient: true)
                _ = a.matmul(Variable(Tensor.zeros([5, 2])))
            }
        ),
        "addBroadcast": (
            "add: [2, 3] + [4]: sizes 3 and 4 do not broadcast",
            {
                let a = Variable(Tensor<Double>.zeros([2, 3]), requiresGradient: true)
                _ = a + Variable(Tensor.zeros([4]))
            }
        ),
        "lossShapes": (
            "halfSquaredError: [2, 3] vs [3, 2]: shapes differ",
            {
                let a = Variable(Tensor<Double>.zeros([2, 3]), requiresGradient: true)
                _ = halfSquaredError(a, Variable(Tensor.zeros([3, 2])))
            }
        ),
        "reshapeNegative": (
            "reshape: negative size in shape [-2, -3]",
            { _ = Tensor<Double>.zeros([6]).reshaped(to: [-2, -3]) }
        ),
        "zerosNegative": (
            "Tensor: negative size in shape [2, -1]",
            { _ = Tensor<Float>.zeros([2, -1]) }
        ),
        "sumAxis": (
            "sum: axis 2 is out of range for rank 2",
            {
                let a = Variable(Tensor<Double>.zeros([2, 3]), requiresGradient: true)
                _ = a.sum(alongAxis: 2)
            }
        ),
    ]

    func testEveryMisuseStopsWithItsMessage() throws {
        #if os(Linux)
            let executable = URL(fileURLWithPath: CommandLine.arguments[0])
            guard FileManager.default.isExecutableFile(atPath: executable.path),
                executable.lastPathComponent.hasSuffix(".xctest")
            else { throw XCTSkip("not running from the xctest executable") }
            for (name, entry) in Self.cases.sorted(by: { $0.key < $1.key }) {
                let (status, output) = try runChild(executable, crashCase: name)
                XCTAssertNotEqual(status, 0, "\(name): the child did not stop")
                XCTAssertTrue(
                    output.contains(entry.expected),
                    "\(name): expected the message\n  \(entry.expected)\nin the output\n\(output)")
            }
        #else
            throw XCTSkip("runs the test binary as a child process on Linux only")
        #endif
    }

    /// Runs one misuse when the environment names it (in the child process); skipped
    /// otherwise.
    func testCrashCase() throws {
        guard let name = ProcessInfo.processInfo.environment["BACKPROP_CRASH_CASE"] else {
            throw XCTSkip("runs only as the child of testEveryMisuseStopsWithItsMessage")
        }
        guard let entry = Self.cases[name] else {
            XCTFail("no crash case '\(name)'")
            return
        }
        entry.body()
        XCTFail("\(name): the misuse did not stop the program")
    }

    private func runChild(_ executable: URL, crashCase: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["BackpropTests.PreconditionTests/testCrashCase"]
        var environment = ProcessInfo.processInfo.environment
        environment["BACKPROP_CRASH_CASE"] = crashCase
        environment["SWIFT_BACKTRACE"] = "enable=no"  // the message is enough, and faster
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
