import Backprop
import XCTest

/// Graph nodes: leaves, op nodes, constants, and their release.
final class VariableTests: XCTestCase {
    func testLeafHoldsValueAndNoGraph() {
        let x = Variable(Tensor<Double>([1, 2, 3]), requiresGradient: true)
        XCTAssertEqual(x.op, "leaf")
        XCTAssertTrue(x.inputs.isEmpty)
        XCTAssertNil(x.gradient)
        XCTAssertTrue(x.requiresGradient)
        XCTAssertEqual(x.shape, [3])
        XCTAssertFalse(Variable(Tensor<Double>(1)).requiresGradient, "data defaults to constant")
    }

    func testOpNodeRecordsInputsAndOpName() {
        let a = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let b = Variable(Tensor<Double>([3, 4]))
        let c = a.multiplying(b)
        XCTAssertEqual(c.op, "multiply")
        XCTAssertEqual(c.inputs.count, 2)
        XCTAssertTrue(c.inputs[0] === a)
        XCTAssertTrue(c.inputs[1] === b)
        XCTAssertTrue(c.requiresGradient)
        XCTAssertEqual(c.value, Tensor([3, 8]))
    }

    func testOpOnConstantsIsConstant() {
        let a = Variable(Tensor<Double>([1, 2]))
        let c = (a * a).sigmoid()
        XCTAssertFalse(c.requiresGradient)
        XCTAssertTrue(c.inputs.isEmpty, "a constant keeps no inputs alive")
    }

    func testWithoutGradientsRecordsNothing() {
        let a = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let c = withoutGradients { a * a }
        XCTAssertFalse(c.requiresGradient)
        XCTAssertTrue(c.inputs.isEmpty)
        XCTAssertEqual(c.value, Tensor([1, 4]))
        XCTAssertTrue((a * a).requiresGradient, "recording resumes after the block")
    }

    func testDetachedStopsGradient() {
        let a = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let loss = (a * a.detached()).sum()
        loss.backward()
        XCTAssertEqual(a.gradient, Tensor([1, 2]), "only the non-detached factor contributes")
    }

    func testZeroGradientResets() {
        let a = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        (a * a).sum().backward()
        XCTAssertNotNil(a.gradient)
        a.zeroGradient()
        XCTAssertNil(a.gradient)
    }

    func testDescriptionNamesOpAndShape() {
        let a = Variable(Tensor<Double>([[1, 2]]), requiresGradient: true)
        XCTAssertEqual(
            a.transposed().description,
            "Variable(op: transpose, shape: [2, 1], value: [[1.0], [2.0]])")
    }

    // MARK: Release

    /// A 10⁶-op chain is freed without recursing once per node (the default deinit
    /// overflows the stack near 40,000 nodes).
    func testMillionOpChainReleasesWithoutCrash() {
        weak var weakMiddle: Variable<Double>?
        do {
            let x = Variable(Tensor<Double>([0]), requiresGradient: true)
            var y = x
            for i in 0..<1_000_000 {
                y = y.shifted(by: 1)
                if i == 500_000 { weakMiddle = y }
            }
            XCTAssertEqual(y.value.scalar, 1_000_000)
            XCTAssertNotNil(weakMiddle)
        }
        XCTAssertNil(weakMiddle, "the chain is freed when its last node goes")
    }

    /// Ops whose pullbacks capture their inputs (multiply, matmul, the loss) release
    /// iteratively too: the closures are dropped along with the input links.
    func testLongChainOfCapturingOpsReleases() {
        weak var weakMiddle: Variable<Double>?
        do {
            let w = Variable(Tensor<Double>([[1]]), requiresGradient: true)
            let c = Variable(Tensor<Double>([[1]]))
            var y = w
            for i in 0..<150_000 {
                switch i % 3 {
                case 0: y = y * c
                case 1: y = y.matmul(w)
                default: y = y.sigmoid().reshaped(to: [1]).reshaped(to: [1, 1]) + c
                }
                if i == 75_000 { weakMiddle = y }
            }
            XCTAssertNotNil(weakMiddle)
        }
        XCTAssertNil(weakMiddle)
    }

    /// Fused dense nodes keep their inputs in one capture object shared by both pullbacks;
    /// a long chain of them still frees iteratively (regression: the captures used to be
    /// released after the teardown had judged the inputs shared, freeing by recursion).
    func testLongChainOfDenseOpsReleases() {
        weak var weakMiddle: Variable<Double>?
        do {
            let w = Variable(Tensor<Double>([[0.5]]), requiresGradient: true)
            let b = Variable(Tensor<Double>([0.1]), requiresGradient: true)
            var y = Variable(Tensor<Double>([[1]]))
            for i in 0..<150_000 {
                y = y.dense(weight: w, bias: b, activation: .tanh)
                if i == 75_000 { weakMiddle = y }
            }
            XCTAssertNotNil(weakMiddle)
        }
        XCTAssertNil(weakMiddle)
    }

    func testInputAccessors() {
        let a = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let b = Variable(Tensor<Double>([3, 4]))
        XCTAssertEqual(a.inputCount, 0)
        let y = a * b
        XCTAssertEqual(y.inputCount, 2)
        XCTAssertTrue(y.input(at: 0) === a)
        XCTAssertTrue(y.input(at: 1) === b)
        XCTAssertEqual(withoutGradients { (a * b).inputCount }, 0, "constants record no inputs")
    }

    /// Nodes with more than three inputs keep the extra ones in an array: they are
    /// differentiated, and a long chain of them frees.
    func testNodesWithManyInputs() {
        let parts = (0..<5).map { Variable(Tensor<Double>([Double($0)]), requiresGradient: true) }
        let joined = concatenate(parts, alongAxis: 0)
        XCTAssertEqual(joined.inputs.count, 5)
        XCTAssertTrue(joined.inputs.elementsEqual(parts, by: ===))
        (joined * joined).sum().backward()
        XCTAssertEqual(parts.map { $0.gradient!.scalars }, [[0], [2], [4], [6], [8]])
        weak var weakMiddle: Variable<Double>?
        do {
            var y = parts[0]
            for i in 0..<50_000 {
                y = concatenate([y, parts[1], parts[2], parts[3], parts[4]], alongAxis: 0).sum(alongAxis: 0, keepingDimension: true)
                if i == 25_000 { weakMiddle = y }
            }
            XCTAssertNotNil(weakMiddle)
        }
        XCTAssertNil(weakMiddle)
    }

    /// Create-graph gradients of a long chain make a second long graph; both free.
    func testLongDifferentiableGradientGraphReleases() {
        weak var weakGradient: Variable<Double>?
        let x = Variable(Tensor<Double>([0.5]), requiresGradient: true)
        do {
            var y = x
            for _ in 0..<50_000 { y = (y * x).scaled(by: 0.5).shifted(by: 0.25) }
            let g = differentiableGradients(of: y, withRespectTo: [x])[0]
            XCTAssertTrue(g.requiresGradient)
            XCTAssertTrue(g.value.scalar.isFinite)
            weakGradient = g
        }
        XCTAssertNil(weakGradient)
    }

    /// Releasing a graph where inner nodes are shared (fan-out) frees everything.
    func testSharedNodesAreReleased() {
        weak var weakShared: Variable<Double>?
        weak var weakOutput: Variable<Double>?
        do {
            let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
            let shared = x.sigmoid()
            var y = shared
            for _ in 0..<1000 { y = y + shared }
            weakShared = shared
            weakOutput = y
            XCTAssertNotNil(weakShared)
        }
        XCTAssertNil(weakShared)
        XCTAssertNil(weakOutput)
    }

    /// The detector works: a pullback that captures its own output (forbidden by the
    /// conventions) keeps the graph alive, and the weak references see it.
    func testWeakReferenceDetectsACycle() {
        final class Box { var node: Variable<Double>? }
        weak var weakLeaky: Variable<Double>?
        let box = Box()
        do {
            let x = Variable(Tensor<Double>([1]), requiresGradient: true)
            let leaky = Variable(op: "leaky", value: x.value, inputs: [x]) { _, g in
                _ = box.node  // captures the output through the box: a cycle
                return [g]
            }
            box.node = leaky
            weakLeaky = leaky
        }
        XCTAssertNotNil(weakLeaky, "a captured output keeps the node alive")
        box.node = nil
        XCTAssertNil(weakLeaky)
    }

    /// A frozen leaf gets no gradient from graphs recorded after freezing, and its pending
    /// gradient is dropped; thawed, it gets one again.
    func testFreezingALeafBetweenStepsStopsItsGradient() {
        let w = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let x = Variable(Tensor<Double>([3, 4]), requiresGradient: true)
        (w * x).sum().backward()
        XCTAssertEqual(w.gradient?.scalars, [3, 4])
        w.requiresGradient = false
        XCTAssertNil(w.gradient, "freezing drops the pending gradient")
        x.zeroGradient()
        let frozenProduct = w * x
        (frozenProduct).sum().backward()
        XCTAssertNil(w.gradient)
        XCTAssertEqual(x.gradient?.scalars, [1, 2])
        let product = w * w
        XCTAssertFalse(product.requiresGradient, "an op on frozen leaves alone is a constant")
        w.requiresGradient = true
        (w * w).sum().backward()
        XCTAssertEqual(w.gradient?.scalars, [2, 4])
    }
}
