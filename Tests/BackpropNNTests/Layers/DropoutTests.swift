import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class DropoutTests: XCTestCase {
    func testDropsAndRescalesInTrainingOnly() {
        let dropout = Dropout<Double>(rate: 0.25, seed: 3)
        let x = Variable(Tensor<Double>.ones([100, 40]), requiresGradient: true)
        let y = dropout(x)   // recording → training
        let kept = y.value.scalars.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-12 })
        XCTAssertEqual(Double(kept.count) / 4000, 0.75, accuracy: 0.03)
        y.sum().backward()
        XCTAssertEqual(x.gradient!.scalars, y.value.scalars)   // ∂y/∂x = mask / (1 − p)
        XCTAssertEqual(withoutGradients { dropout(x) }.value, x.value)
        XCTAssertEqual(withLearningPhase(.inference) { dropout(x) }.value, x.value)
        XCTAssertNotEqual(withoutGradients { withLearningPhase(.training) { dropout(x) } }.value, x.value)
        XCTAssertEqual(Sequential<Double>(dropout).predict(x.value), x.value)
    }
}
