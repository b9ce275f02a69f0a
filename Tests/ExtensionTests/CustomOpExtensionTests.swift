// Ops defined outside the module, through the public API only (no @testable).
import Backprop
import BackpropTesting
import XCTest

/// softsign(x) = x / (1 + |x|);  d/dx = 1 / (1 + |x|)².
let softsign = CustomOp<Double>.elementwise(name: "softsign", { $0 / (1 + Swift.abs($0)) }) {
    x, _ in 1 / (1 + x.abs()).squared()
}

/// hypot(a, b) = √(a² + b²) element-wise;  ∂/∂a = a / y,  ∂/∂b = b / y (y the output).
let hypot = CustomOp<Double>(name: "hypot", arity: 2) { inputs in
    inputs[0].zipMap(inputs[1], op: "hypot") { ($0 * $0 + $1 * $1).squareRoot() }
} backward: { context in
    let (a, b, y, g) = (context.inputs[0], context.inputs[1], context.output, context.gradient)
    return [
        context.needsGradient(0) ? g * a / y : nil,
        context.needsGradient(1) ? g * b / y : nil,
    ]
}

/// x · s for a saved random-free scale s = 1 + x² computed in forward (a saved tensor).
let savingScale = CustomOp<Double>(name: "timesOnePlusSquare", arity: 1, forwardSaving: { inputs in
    let scale = inputs[0].map { 1 + $0 * $0 }
    return (inputs[0] * scale, [scale])
}) { context in
    // d/dx [x(1 + x²)] = 1 + 3x²: the saved 1 + x² plus 2x², written in variable ops.
    let x = context.inputs[0]
    return [context.gradient * (Variable(context.saved[0]) + 2 * x.squared())]
}

final class CustomOpExtensionTests: XCTestCase {
    func testSoftsign() {
        assertGradientsMatch(at: [Tensor([[-3, -0.5, 0.25], [0.7, 2, 40]])]) { softsign($0[0]) }
    }

    func testTwoInputOp() {
        assertGradientsMatch(at: [Tensor([[3, -1], [0.5, 2]]), Tensor([[4, 2], [-1.5, 0.1]])]) {
            hypot($0[0], $0[1])
        }
    }

    func testOpWithSavedTensor() {
        assertGradientsMatch(at: [Tensor([-2, 0.3, 1.5])]) { savingScale($0[0]) }
    }

    func testValuesAndComposition() {
        let a = Variable(Tensor<Double>([3, 5]), requiresGradient: true)
        let b = Variable(Tensor<Double>([4, 12]))
        let y = hypot(a, b)
        XCTAssertEqual(y.value, Tensor([5, 13]))
        XCTAssertEqual(y.op, "hypot")
        // Only `a` needs a gradient: the op is a node like any other.
        XCTAssertEqual(gradients(of: (y * 2).sum(), withRespectTo: [a])[0], Tensor([6.0 / 5, 10.0 / 13]))
        XCTAssertEqual(softsign(Variable(Tensor<Double>([1, -3]))).value, Tensor([0.5, -0.75]))
    }

    func testCustomOpsAreTwiceDifferentiable() {
        let x = Variable(Tensor<Double>([0.5, -2]), requiresGradient: true)
        let dx = differentiableGradients(of: softsign(x).sum(), withRespectTo: [x])[0]
        let dxx = gradients(of: dx.sum(), withRespectTo: [x])[0]
        // d²/dx² softsign = −2 sign(x) / (1 + |x|)³
        assertClose(dxx, Tensor([-2 / 3.375, 2 / 27.0]), relativeTolerance: 1e-12)
    }

    func testWrongGradientShapeMessageNamesTheOp() {
        func message(_ result: Result<Void, Shapes.Mismatch>) -> String? {
            if case .failure(let mismatch) = result { return mismatch.description }
            return nil
        }
        XCTAssertEqual(
            message(Shapes.pullback([[3]], inputs: [[2, 3]], op: "backward: op 'softsign'")),
            "backward: op 'softsign' returned a gradient of shape [3] for input 0 of shape [2, 3]")
        XCTAssertEqual(
            message(Shapes.pullback([[2]], inputs: [[2], [2]], op: "backward: op 'hypot'")),
            "backward: op 'hypot' returned 1 gradients for 2 inputs (return nil for an input that needs none)")
        XCTAssertNoThrow(try Shapes.pullback([nil, [2]], inputs: [[3], [2]], op: "x").get())
    }

    func testTheConformanceKitRunsOnOurOps() {
        assertConformance([
            OpInfo(name: "softsign", samples: [[[]], [[4]], [[2, 3]]], domains: [.awayFromZero],
                   outputShape: OpInfo<Double>.same) { softsign($0[0]) },
            OpInfo(name: "hypot", samples: [[[3], [3]], [[2, 2], [2, 2]]], outputShape: OpInfo<Double>.same) {
                hypot($0[0], $0[1])
            },
        ])
    }
}
