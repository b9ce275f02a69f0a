import Backprop
import Foundation
import XCTest

/// Sweeps keep their state to themselves: a sweep inside a pullback of another, and sweeps
/// on several threads over shared parameters, each see exactly their own gradients.
final class SweepIsolationTests: XCTestCase {
    /// y = Σ(5h³ + h) differentiated inside the pullback of an op applied to h, while the
    /// outer sweep holds h and everything before it: dy/dh = 15h² + 1 = [16, 61, 136].
    func testSweepInsideAPullbackSeesItsOwnGraph() {
        let x = Variable(Tensor<Double>([1, 2, 3]), requiresGradient: true)
        let h = x * Variable(Tensor<Double>([1, 1, 1]))
        // An op whose pullback differentiates a function of its own input.
        let inner = Variable(op: "innerGradient", value: h.value, inputs: [h]) { output, g in
            let h = output.input(at: 0)
            let dh = withGradients {
                gradients(of: (h * h * h * Variable(Tensor(5)) + h).sum(), withRespectTo: [h])[0]
            }
            return [g * Variable(dh)]
        }
        // Outer sweep recorded (the pullback runs with recording on) and first order.
        let recorded = differentiableGradients(of: inner.sum(), withRespectTo: [x])[0]
        XCTAssertEqual(recorded.value, Tensor([16, 61, 136]))
        XCTAssertEqual(gradients(of: inner.sum(), withRespectTo: [x])[0], Tensor([16, 61, 136]))
        inner.sum().backward()
        XCTAssertEqual(x.gradient, Tensor([16, 61, 136]))
    }

    /// The outer sweep's own gradients are not disturbed by the inner one: both depend on x.
    func testOuterGradientsSurviveAnInnerSweepOverTheSameNodes() {
        let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let a = x * x  // shared by both sweeps
        let b = Variable(op: "peek", value: a.value, inputs: [a]) { output, g in
            let a = output.input(at: 0)
            _ = withGradients { gradients(of: (a * a).sum(), withRespectTo: [a]) }
            return [g]
        }
        // d/dx Σ(b + a) = 2 · 2x
        XCTAssertEqual(gradients(of: (b + a).sum(), withRespectTo: [x])[0], Tensor([4, 8]))
    }

    /// `gradients(of:withRespectTo:)` on two threads at once over a shared parameter: every
    /// result exact (each thread's graph has its own input).
    func testConcurrentGradientsOverASharedParameter() {
        let w = Shared(Variable(Tensor<Double>([[1, 2], [3, 4]]), requiresGradient: true))
        let wrong = Counter()
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for i in 0..<1_000 {
                let s = Double(i % 7 + thread)
                let x = Variable(Tensor<Double>([s, 1]))
                let y = w.value.matmul(x).sum()  // Σ_i (W x)_i: ∇W = rows of xᵀ
                let g = gradients(of: y * y, withRespectTo: [w.value])[0]
                let yv = (1 + 3) * s + (2 + 4)
                if g != Tensor([[2 * yv * s, 2 * yv], [2 * yv * s, 2 * yv]]) { wrong.add() }
            }
        }
        XCTAssertEqual(wrong.value, 0, "results differing from the closed form")
    }

    /// `backward()` on two threads at once into a shared leaf: all contributions add up.
    func testConcurrentBackwardPassesIntoASharedLeafAddUp() {
        let w = Shared(Variable(Tensor<Double>([1, 2, 3]), requiresGradient: true))
        let perThread = 2_000
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for _ in 0..<perThread {
                let x = Variable(Tensor<Double>([1, 2, 4]) * Tensor(Double(thread + 1)))
                (w.value * x).sum().backward()
            }
        }
        // Σ over threads t ∈ {1, 2} of perThread · t · [1, 2, 4]: integers, exact in any order.
        XCTAssertEqual(w.value.gradient, Tensor([1, 2, 4]) * Tensor(Double(3 * perThread)))
    }
}

/// A variable handed to other threads on purpose (the tests above share parameters the way
/// data-parallel training does).
private final class Shared<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
