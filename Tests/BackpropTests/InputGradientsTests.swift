import XCTest

@testable import Backprop

/// The gradients a tensor pullback returns (Sources/Backprop/Autodiff/InputGradients.swift).
final class InputGradientsTests: XCTestCase {
    func testLiteralsAndInitializersKeepTheOrder() {
        let literal: InputGradients<Int> = [1, nil, 3, 4, nil]
        XCTAssertEqual(literal.count, 5)
        XCTAssertEqual(Array(literal), [1, nil, 3, 4, nil])
        XCTAssertEqual(Array(InputGradients<Int>(7)), [7])
        XCTAssertEqual(Array(InputGradients<Int>(nil, 2)), [nil, 2])
        XCTAssertEqual(Array(InputGradients<Int>(1, 2, nil)), [1, 2, nil])
        XCTAssertEqual(Array(InputGradients<Int>([])), [])
    }

    func testTakeLeavesNil() {
        var gradients: InputGradients<Int> = [1, 2, 3, 4]
        XCTAssertEqual(gradients.take(3), 4)
        XCTAssertEqual(gradients.take(0), 1)
        XCTAssertEqual(Array(gradients), [nil, 2, 3, nil])
    }

    /// An op with five inputs and a tensor pullback: every input gets its own gradient.
    func testTensorPullbackWithMoreThanThreeInputs() {
        let xs = (1...5).map { Variable(Tensor<Double>([Double($0)]), requiresGradient: true) }
        let total = xs.dropFirst().reduce(xs[0].value) { $0 + $1.value }
        let y = Variable(
            op: "sum5", value: total, inputs: xs,
            tensorPullback: { _, g in InputGradients((1...5).map { g * Double($0) }) }
        ) { _, g in (1...5).map { g.scaled(by: Double($0)) } }
        y.sum().backward()
        XCTAssertEqual(xs.map { $0.gradient!.scalar }, [1, 2, 3, 4, 5])
    }
}
