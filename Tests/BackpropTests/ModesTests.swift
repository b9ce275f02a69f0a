import Backprop
import BackpropTesting
import XCTest

final class ModesTests: XCTestCase {
    func testWithoutGradientsRecordsNothing() {
        let w = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let y = withoutGradients { (w * w).exp().sum() }
        XCTAssertFalse(y.requiresGradient)
        XCTAssertTrue(y.inputs.isEmpty)
        XCTAssertTrue((w * w).requiresGradient, "recording resumes after the scope")
    }

    func testDetachedStopsGradients() {
        let x = Variable(Tensor<Double>([3]), requiresGradient: true)
        let y = x * x.detached()  // d/dx = x (the detached factor is a constant)
        XCTAssertEqual(gradients(of: y.sum(), withRespectTo: [x])[0], Tensor([3]))
    }

    func testAnomalyModeRecordsOriginsOnlyWhenOn() {
        let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        XCTAssertNil(x.log().origin)
        let line = #line + 1
        let y = withAnomalyDetection { x.log() }
        XCTAssertEqual(y.origin, SourceLocation(file: "BackpropTests/ModesTests.swift", line: UInt(line)))
        let z = withAnomalyDetection { x + x }
        XCTAssertEqual(z.origin?.line, SourceLocation.operatorLine)
        XCTAssertEqual(z.origin?.file, "operator +")
        XCTAssertTrue(z.origin!.description.contains("method form"))
    }

    func testAnomalyModePassesFiniteComputations() {
        // Finite values everywhere: the checks run and find nothing, forward and backward.
        let x = Variable(Tensor<Double>([[1000, -1000], [0, 1]]), requiresGradient: true)
        let g = withAnomalyDetection {
            gradients(of: crossEntropy(logits: x, labels: [0, 1]) + x.softplus().sum(), withRespectTo: [x])[0]
        }
        XCTAssertTrue(g.scalars.allSatisfy(\.isFinite))
    }
}
