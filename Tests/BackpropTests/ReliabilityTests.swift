import Backprop
import Foundation
import XCTest

/// The core's reliability: memory stays flat over long training, and threads do not
/// disturb each other.
final class ReliabilityTests: XCTestCase {
    // MARK: Memory

    /// 10⁵ SGD steps of a small MLP made of core ops: resident memory grows by less than
    /// 5 MB once warm (a graph kept alive per step would grow it by hundreds of MB).
    func testHundredThousandTrainingStepsKeepMemoryFlat() throws {
        guard residentBytes() != nil else { throw XCTSkip("/proc/self/statm is not available") }
        let model = TinyMLP(seed: 1)
        let warmUp = 2_000
        let steps = 100_000
        var firstLoss = 0.0
        var lastLoss = 0.0
        var baseline = 0
        for step in 0..<steps {
            if step == warmUp { baseline = residentBytes()! }
            let loss = model.step(sample: step % 16, learningRate: 0.5)
            if step < 16 { firstLoss += loss }
            if step >= steps - 16 { lastLoss += loss }
        }
        let growth = residentBytes()! - baseline
        XCTAssertLessThan(
            growth, 5 << 20,
            "resident memory grew by \(growth >> 10) KiB over \(steps - warmUp) steps")
        XCTAssertLessThan(lastLoss, firstLoss / 2, "the model did train")
    }

    // MARK: Concurrency

    /// Two independent models trained at the same time on two threads end bit for bit where
    /// they end when trained one after the other.
    func testTwoModelsOnTwoThreadsMatchSequentialTraining() {
        checkConcurrentTraining(.small)
    }

    /// The same with products large enough for the multithreaded GEMM (≥ 96³): when both
    /// threads want the worker pool, one of them runs its products alone, and the results
    /// must not depend on which.
    func testTwoLargeModelsOnTwoThreadsMatchSequentialTraining() {
        checkConcurrentTraining(.large)
    }

    private func checkConcurrentTraining(
        _ size: ModelSize, file: StaticString = #filePath, line: UInt = #line
    ) {
        let seeds: [UInt64] = [10, 20]
        let sequential = seeds.map { trainModel(seed: $0, size: size) }
        let results = LockedResults()
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for (index, seed) in seeds.enumerated() {
            group.enter()
            let thread = Thread {
                start.wait()
                results.set(index, trainModel(seed: seed, size: size))
                group.leave()
            }
            thread.start()
        }
        start.signal()
        start.signal()
        group.wait()
        for index in seeds.indices {
            let concurrent = results.get(index)
            XCTAssertEqual(concurrent.count, sequential[index].count, file: file, line: line)
            for (a, b) in zip(concurrent, sequential[index]) {
                XCTAssertEqual(a.shape, b.shape, file: file, line: line)
                XCTAssertEqual(
                    a.scalars.map(\.bitPattern), b.scalars.map(\.bitPattern),
                    "model \(index): parameters differ from sequential training", file: file,
                    line: line)
            }
        }
        XCTAssertNotEqual(
            sequential[0], sequential[1], "the two seeds give different models", file: file,
            line: line)
    }

    /// Values that cross threads are `Sendable` (a compile-time check: this file does not
    /// build otherwise).
    func testValueTypesAreSendable() {
        func sendable<T: Sendable>(_ value: T) -> T { value }
        var rng = sendable(SeededGenerator(seed: 1))
        XCTAssertEqual(sendable(Tensor<Float>([1, 2])).shape, [2])
        XCTAssertEqual(sendable(Tensor<Double>.uniform([3], using: &rng)).count, 3)
        XCTAssertTrue(sendable(GradientMode()).isRecording)
        XCTAssertEqual(sendable(Shapes.Mismatch("m")).description, "m")
    }

    /// `withoutGradients` on one thread does not switch recording off on another
    /// (the mode is a C thread-local, not a global flag).
    func testWithoutGradientsIsPerThread() {
        let inside = DispatchSemaphore(value: 0)
        let checked = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let otherThread = LockedFlags()
        let thread = Thread {
            withoutGradients {
                inside.signal()  // now inside the block …
                checked.wait()  // … until the main thread has looked
                let x = Variable(Tensor<Double>([1]), requiresGradient: true)
                otherThread.set(
                    recording: GradientMode.current.isRecording,
                    recorded: (x * x).requiresGradient)
            }
            finished.signal()
        }
        thread.start()
        inside.wait()
        XCTAssertTrue(GradientMode.current.isRecording)
        let x = Variable(Tensor<Double>([1]), requiresGradient: true)
        XCTAssertTrue((x * x).requiresGradient, "this thread still records")
        checked.signal()
        finished.wait()
        XCTAssertEqual(otherThread.get().recording, false, "the other thread did not record")
        XCTAssertEqual(otherThread.get().recorded, false)
        XCTAssertTrue(GradientMode.current.isRecording)
    }

    /// The same for anomaly detection, and for tasks (each block runs on one thread).
    func testModesDoNotCrossTasks() async {
        await withTaskGroup(of: (Bool, Bool).self) { group in
            group.addTask {
                withAnomalyDetection {
                    withoutGradients {
                        (
                            GradientMode.current.isRecording,
                            GradientMode.current.isDetectingAnomalies
                        )
                    }
                }
            }
            group.addTask {
                (GradientMode.current.isRecording, GradientMode.current.isDetectingAnomalies)
            }
            var seen: [(Bool, Bool)] = []
            for await result in group { seen.append(result) }
            XCTAssertEqual(seen.filter { !$0.0 && $0.1 }.count, 1, "the task in the block")
            XCTAssertEqual(seen.filter { $0.0 && !$0.1 }.count, 1, "the task outside it")
        }
    }
}

// MARK: - Helpers

/// The resident set size from /proc/self/statm (Linux), nil where there is no /proc.
func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
        return nil
    }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// 1 → 4 sigmoid → 1 sigmoid, fitted per sample to y = (1 + sin 3x) / 2 · 0.8 + 0.1.
private final class TinyMLP {
    let w1, b1, w2, b2: Variable<Double>
    let inputs: [Tensor<Double>]
    let targets: [Tensor<Double>]

    init(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        w1 = Variable(.uniform([1, 4], in: -1..<1, using: &rng), requiresGradient: true)
        b1 = Variable(.zeros([4]), requiresGradient: true)
        w2 = Variable(.uniform([4, 1], in: -1..<1, using: &rng), requiresGradient: true)
        b2 = Variable(.zeros([1]), requiresGradient: true)
        let xs = (0..<16).map { Double($0) / 15 * 2 - 1 }
        inputs = xs.map { Tensor(shape: [1, 1], scalars: [$0]) }
        targets = xs.map { Tensor(shape: [1, 1], scalars: [0.1 + 0.4 * (1 + sin(3 * $0))]) }
    }

    /// One SGD step on one sample; returns the loss before the step.
    func step(sample: Int, learningRate: Double) -> Double {
        let x = Variable(inputs[sample])
        let hidden = (x.matmul(w1) + b1).sigmoid()
        let output = (hidden.matmul(w2) + b2).sigmoid()
        let loss = halfSquaredError(output, Variable(targets[sample]))
        loss.backward()
        for p in [w1, b1, w2, b2] {
            p.value.addScaled(p.gradient!, by: -learningRate)
            p.zeroGradient()
        }
        return loss.value.scalar
    }
}

/// Model and data sizes for the concurrency tests.
private struct ModelSize {
    var rows, inputs, hidden, outputs, steps: Int
    static let small = ModelSize(rows: 64, inputs: 16, hidden: 48, outputs: 3, steps: 150)
    /// 128 × 128 × 128 products: above the GEMM's multithreading threshold.
    static let large = ModelSize(rows: 128, inputs: 128, hidden: 128, outputs: 4, steps: 20)
}

/// Mini-batch training of an inputs → hidden sigmoid → outputs sigmoid net on data made
/// from the seed; returns the final parameters. Everything is made inside, so it can run
/// on any thread.
private func trainModel(seed: UInt64, size: ModelSize) -> [Tensor<Double>] {
    var rng = SeededGenerator(seed: seed)
    func parameter(_ tensor: Tensor<Double>) -> Variable<Double> {
        Variable(tensor, requiresGradient: true)
    }
    let w1 = parameter(.normal([size.inputs, size.hidden], standardDeviation: 0.3, using: &rng))
    let b1 = parameter(.zeros([size.hidden]))
    let w2 = parameter(.normal([size.hidden, size.outputs], standardDeviation: 0.3, using: &rng))
    let b2 = parameter(.zeros([size.outputs]))
    let x = Variable(Tensor<Double>.uniform([size.rows, size.inputs], in: -1..<1, using: &rng))
    let y = Variable(Tensor<Double>.uniform([size.rows, size.outputs], using: &rng))
    for _ in 0..<size.steps {
        let output = ((x.matmul(w1) + b1).sigmoid().matmul(w2) + b2).sigmoid()
        let loss = meanSquaredError(output, y)
        loss.backward()
        for p in [w1, b1, w2, b2] {
            p.value.addScaled(p.gradient!, by: -0.5)
            p.zeroGradient()
        }
    }
    return [w1.value, b1.value, w2.value, b2.value]
}

private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: [Tensor<Double>]] = [:]
    func set(_ index: Int, _ value: [Tensor<Double>]) { lock.withLock { results[index] = value } }
    func get(_ index: Int) -> [Tensor<Double>] { lock.withLock { results[index] ?? [] } }
}

private final class LockedFlags: @unchecked Sendable {
    private let lock = NSLock()
    private var flags: (recording: Bool?, recorded: Bool?) = (nil, nil)
    func set(recording: Bool, recorded: Bool) { lock.withLock { flags = (recording, recorded) } }
    func get() -> (recording: Bool?, recorded: Bool?) { lock.withLock { flags } }
}
