import Backprop
import BackpropNN
import BackpropTesting
import Testing
import XCTest

// The examples of BackpropTesting's doc comments, compiled and run. Each sits between
// `// snippet: <name>` and `// end snippet: <name>`; DocumentationTests (BackpropTests)
// checks that the documentation shows exactly that text.

// snippet: softsign
/// softsign(x) = x / (1 + |x|), with the derivative 1 / (1 + |x|)², written in variable ops.
func softsign<Scalar: TensorScalar>(_ x: Variable<Scalar>) -> Variable<Scalar> {
    Variable(op: "softsign", value: x.value.map { $0 / (1 + abs($0)) }, inputs: [x]) { _, g in
        [g / (1 + x.abs()).squared()]
    }
}
// end snippet: softsign

// snippet: myOps
func myOps<Scalar: TensorScalar>(_: Scalar.Type) -> [OpInfo<Scalar>] {
    [OpInfo(name: "softsign", samples: [[[3]], [[2, 4]]], domains: [.awayFromZero], outputShape: OpInfo<Scalar>.same) {
        softsign($0[0])
    }]
}
// end snippet: myOps

// snippet: SoftsignTests
final class SoftsignTests: XCTestCase {
    func testGradients() {
        assertGradientsMatch(at: [Tensor([[-3, -0.5, 0.25], [0.7, 2, 40]])]) { softsign($0[0]) }
    }

    func testSecondOrder() {
        assertSecondOrderGradientsMatch(at: [Tensor([0.5, -1.5])]) { softsign($0[0]) }
    }

    // snippet: assertConformance
    func testConformance() {
        assertConformance(myOps(Double.self), float: myOps(Float.self))
    }
    // end snippet: assertConformance
}
// end snippet: SoftsignTests

// snippet: SoftsignChecks
@Suite struct SoftsignChecks {
    @Test func gradients() {
        expectGradientsMatch(at: [Tensor([[-3, -0.5, 0.25], [0.7, 2, 40]])]) { softsign($0[0]) }
    }

    @Test func secondOrder() {
        expectSecondOrderGradientsMatch(at: [Tensor([0.5, -1.5])]) { softsign($0[0]) }
    }

    @Test(arguments: zip(myOps(Double.self), myOps(Float.self)))
    func conforms(_ op: OpInfo<Double>, _ float: OpInfo<Float>) {
        expectConformance(op, float: float)
    }
}
// end snippet: SoftsignChecks

// snippet: twoLayerModel
/// A small model and a batch of inputs and targets for it.
func twoLayerModel() -> (Sequential<Double>, batch: Tensor<Double>, targets: Tensor<Double>) {
    var rng = SeededGenerator(seed: 0)
    let model = Sequential<Double>(
        Dense(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng),
        Dense(inputSize: 4, outputSize: 2, using: &rng))
    return (model, Tensor.normal([5, 3], using: &rng), Tensor.normal([5, 2], using: &rng))
}
// end snippet: twoLayerModel

final class DocumentationExamples: XCTestCase {
    // snippet: assertGradientsMatch
    func testSigmoid() {
        assertGradientsMatch(at: [Tensor([[-2, 0.5, 3]])]) { x in x[0].sigmoid() }
    }
    // end snippet: assertGradientsMatch

    // snippet: assertSecondOrderGradientsMatch
    func testTanhSecondOrder() {
        assertSecondOrderGradientsMatch(at: [Tensor([[0.5, -1]])]) { $0[0].tanh() }
    }
    // end snippet: assertSecondOrderGradientsMatch

    // snippet: assertModelGradientsMatch
    func testTwoLayerModel() {
        let (model, batch, targets) = twoLayerModel()
        assertModelGradientsMatch(model, input: batch, target: targets, loss: .meanSquaredError)
    }
    // end snippet: assertModelGradientsMatch

    func testCheckFunctions() {
        // snippet: checkGradients
        let mismatches = checkGradients(at: [Tensor([[1, 2], [3, 4]])]) { x in
            (x[0] * x[0]).sum()
        }
        // mismatches.isEmpty == true
        // end snippet: checkGradients
        XCTAssertTrue(mismatches.isEmpty)
        // snippet: checkSecondOrderGradients
        let secondOrder = checkSecondOrderGradients(at: [Tensor([0.5, -1])]) { $0[0].tanh() }
        // secondOrder.isEmpty == true
        // end snippet: checkSecondOrderGradients
        XCTAssertTrue(secondOrder.isEmpty)
        // snippet: OpInfo
        let entry = OpInfo<Double>(
            name: "softsign", samples: [[[3]], [[2, 4]]], domains: [.awayFromZero], outputShape: OpInfo<Double>.same
        ) {
            softsign($0[0])
        }
        // end snippet: OpInfo
        XCTAssertEqual(checkConformance(entry), [])
    }

    func testSoftsignInAGraph() {
        // snippet: softsign-use
        let x = Variable(Tensor<Double>([-3, 0.5]), requiresGradient: true)
        softsign(x).sum().backward()
        // x.gradient == [1 / 16, 1 / 2.25]
        // end snippet: softsign-use
        assertClose(x.gradient!, Tensor([1.0 / 16, 1 / 2.25]))
    }

    func testFastMode() {
        // snippet: fast-mode
        var rng = SeededGenerator(seed: 0)
        let x = Tensor<Double>.normal([8, 100], using: &rng)
        let w = Tensor<Double>.normal([100, 100], using: &rng).map { $0 / 10 }
        let mismatches = checkGradients(at: [x, w], mode: .fast) { $0[0].matmul($0[1]).tanh() }
        // mismatches.isEmpty == true: two evaluations per input, not two per element
        // end snippet: fast-mode
        XCTAssertTrue(mismatches.isEmpty)
    }

    // snippet: assertStops
    func testMatmulNamesTheShapes() throws {
        try assertStops(withMessageContaining: "matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ") {
            _ = Variable(Tensor<Double>.zeros([3, 4])).matmul(Variable(Tensor.zeros([5, 2])))
        }
    }
    // end snippet: assertStops

    func testCheckModelGradients() {
        // snippet: checkModelGradients
        let (model, batch, targets) = twoLayerModel()
        let mismatches = checkModelGradients(model, input: batch, target: targets, loss: .meanSquaredError)
        // mismatches.isEmpty == true
        // end snippet: checkModelGradients
        XCTAssertTrue(mismatches.isEmpty)
    }
}

@Suite struct SwiftTestingDocumentationExamples {
    // snippet: expectGradientsMatch
    @Test func sigmoid() {
        expectGradientsMatch(at: [Tensor([[-2, 0.5, 3]])]) { x in x[0].sigmoid() }
    }
    // end snippet: expectGradientsMatch

    // snippet: expectSecondOrderGradientsMatch
    @Test func tanhSecondOrder() {
        expectSecondOrderGradientsMatch(at: [Tensor([[0.5, -1]])]) { $0[0].tanh() }
    }
    // end snippet: expectSecondOrderGradientsMatch

    // snippet: expectModelGradientsMatch
    @Test func twoLayer() {
        let (model, batch, targets) = twoLayerModel()
        expectModelGradientsMatch(model, input: batch, target: targets, loss: .meanSquaredError)
    }
    // end snippet: expectModelGradientsMatch
}
