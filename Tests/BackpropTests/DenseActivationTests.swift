import XCTest

@testable import Backprop

/// The activation kernels of the fused dense op (Sources/Backprop/Kernels/DenseActivation.swift).
final class DenseActivationTests: XCTestCase {
    func testApplyGradientMatchesTheDerivativeFromTheOutput() {
        let y = Tensor<Double>([0.5, 0.9, 0, -0.3])
        for activation in DenseActivation.allCases {
            var g = Tensor<Double>([1, 2, 3, 4])
            activation.applyGradient(to: &g, fromOutput: y)
            let expected = zip([1.0, 2, 3, 4], y.scalars).map { activation.gradient($0, fromOutput: $1) }
            XCTAssertEqual(g.scalars, expected, "\(activation)")
        }
    }

    /// In place when the gradient is not shared; a shared one is copied first.
    func testApplyGradientWritesInPlaceOnlyWhenUnique() {
        var g = Tensor<Double>([1, 1])
        let before = ObjectIdentifier(g.storage.buffer)
        DenseActivation.sigmoid.applyGradient(to: &g, fromOutput: Tensor([0.5, 0.5]))
        XCTAssertEqual(ObjectIdentifier(g.storage.buffer), before)
        let shared = g
        DenseActivation.tanh.applyGradient(to: &g, fromOutput: Tensor([0.5, 0.5]))
        XCTAssertEqual(shared.scalars, [0.25, 0.25], "the other copy is untouched")
        XCTAssertEqual(g.scalars, [0.1875, 0.1875])
    }

    /// relu's branch not taken gets exactly 0, even for an infinite incoming gradient.
    func testReluMasksInfiniteGradientsToZero() {
        var g = Tensor<Double>([.infinity, -.infinity, .nan, 5])
        DenseActivation.relu.applyGradient(to: &g, fromOutput: Tensor([0, -1, 0, 2]))
        XCTAssertEqual(g.scalars, [0, 0, 0, 5])
    }

    /// The fused forward (bias added, then f, row by row) equals the unfused ops for every
    /// activation, at ±∞ and NaN too: relu keeps NaN as NaN, as `relu()` does (regression:
    /// the fused relu's select was rewritten as `max`, which vectorises).
    func testFusedForwardMatchesTheUnfusedOps() {
        // One input column and a 1 × 1 weight of 1, so every value reaches f as it is.
        let x = Variable(Tensor<Double>(shape: [6, 1], scalars: [1, -2, 0.5, .infinity, -.infinity, .nan]))
        let w = Variable(Tensor<Double>([[1]]))
        let b = Variable(Tensor<Double>([0.25]))
        let u = x.matmul(w) + b
        let unfused: [DenseActivation: Variable<Double>] = [
            .identity: u, .sigmoid: u.sigmoid(), .tanh: u.tanh(), .relu: u.relu(),
        ]
        for activation in DenseActivation.allCases {
            let fused = x.dense(weight: w, bias: b, activation: activation).value.scalars
            let expected = unfused[activation]!.value.scalars
            XCTAssertEqual(expected.filter(\.isNaN).count, 1, "only the NaN input gives NaN")
            for (f, e) in zip(fused, expected) {
                XCTAssertTrue(f == e || (f.isNaN && e.isNaN), "\(activation): \(fused) vs \(expected)")
            }
        }
    }

    /// relu's derivative at a NaN output is NaN, not the 0 of the inactive side (regression:
    /// the NaN input's gradient was a silent 0); the other outputs keep their rule.
    func testReluGradientAtANaNOutputIsNaN() {
        let relu = DenseActivation.relu
        XCTAssertTrue(relu.derivative(fromOutput: Double.nan).isNaN)
        XCTAssertTrue(relu.gradient(1.0, fromOutput: .nan).isNaN)
        XCTAssertTrue(relu.gradient(0.0, fromOutput: .nan).isNaN)
        XCTAssertTrue(relu(Double.nan).isNaN)
        var g = Tensor<Double>([1, 1, 1, .infinity, 3])
        relu.applyGradient(to: &g, fromOutput: Tensor([.nan, 0, 2, 0, .nan]))
        XCTAssertTrue(g.scalars[0].isNaN && g.scalars[4].isNaN, "\(g)")
        XCTAssertEqual(Array(g.scalars[1...3]), [0, 1, 0])
    }
}
