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
}
