import Backprop
import XCTest

/// The reverse sweep: accumulation, seeds, the functional form, deep and wide graphs, and
/// what a graph leaves behind after a step.
final class BackwardTests: XCTestCase {
    // MARK: Accumulation

    /// A variable used several times gets the sum of the contributions (the multivariable
    /// chain rule): d/dx (x² + 3x + σ(x)·x) = 2x + 3 + σ'(x)x + σ(x).
    func testFanOutGradientsAddUp() {
        let values: [Double] = [-1.5, 0, 0.25, 2]
        let x = Variable(Tensor(values), requiresGradient: true)
        let s = x.sigmoid()
        let loss = (x * x + x.scaled(by: 3) + s * x).sum()
        loss.backward()
        let expected = values.map { v -> Double in
            let sv = 1 / (1 + exp(-v))
            return 2 * v + 3 + sv * (1 - sv) * v + sv
        }
        assertRelativelyClose(x.gradient, expected, tolerance: 1e-14, "fan-out")
    }

    /// An inner node consumed by many later nodes, in a diamond lattice.
    func testFanOutOfInnerNode() {
        let x = Variable(Tensor<Double>([[1, -2], [3, 0.5]]), requiresGradient: true)
        let h = x.scaled(by: 2)
        let loss = (h + h + h.negated() + h * h).sum()  // Σ (h + h²) = Σ (2x + 4x²)
        loss.backward()
        XCTAssertEqual(x.gradient, Tensor([[10, -14], [26, 6]]))  // 2 + 8x
    }

    /// Documented: a second backward adds to the stored gradients; zeroGradient resets.
    func testSecondBackwardAddsAndZeroGradientResets() {
        let w = Variable(Tensor<Double>([[0.5, -1], [2, 0.25]]), requiresGradient: true)
        let x = Variable(Tensor<Double>([[1], [2]]))
        let loss = w.matmul(x).sigmoid().sum()
        loss.backward()
        let once = w.gradient!
        loss.backward()  // the same graph again: still valid, adds up
        XCTAssertEqual(w.gradient, once + once)
        w.zeroGradient()
        XCTAssertNil(w.gradient)
        loss.backward()
        XCTAssertEqual(w.gradient, once)
    }

    /// As documented on `backward`: only leaves that require a gradient store one; intermediate
    /// nodes and constants keep `nil`, and a second backward over part of the same graph
    /// adds to the leaves as fan-out does.
    func testOnlyLeavesStoreGradientsAndRepeatedBackwardsAddUp() {
        let w = Variable(Tensor<Double>([1, -2]), requiresGradient: true)
        let constant = Variable(Tensor<Double>([3, 4]))
        let hidden = w * constant
        let loss = hidden.sum()
        loss.backward()
        XCTAssertEqual(w.gradient, Tensor([3, 4]))
        XCTAssertNil(hidden.gradient, "an intermediate node stores nothing")
        XCTAssertNil(loss.gradient)
        XCTAssertNil(constant.gradient)
        XCTAssertFalse(constant.requiresGradient)
        // Backward from an inner node of the same graph, with a seed: adds up.
        hidden.backward(seed: Tensor([1, 1]))
        XCTAssertEqual(w.gradient, Tensor([6, 8]))
        // Three more passes over the whole graph: 5 × ∇ in all.
        for _ in 0..<3 { loss.backward() }
        XCTAssertEqual(w.gradient, Tensor([15, 20]))
    }

    func testFunctionalGradientsLeaveStoredGradientsAlone() {
        let w = Variable(Tensor<Double>([1, 2, 3]), requiresGradient: true)
        let b = Variable(Tensor<Double>(0.5), requiresGradient: true)
        let loss = ((w * w) + b).sum()
        let g = gradients(of: loss, withRespectTo: [w, b])
        XCTAssertEqual(g[0], Tensor([2, 4, 6]))
        XCTAssertEqual(g[1], Tensor(3))
        XCTAssertNil(w.gradient)
        XCTAssertNil(b.gradient)
        // With stored gradients present, they stay as they are.
        loss.backward()
        let stored = w.gradient
        _ = gradients(of: loss, withRespectTo: [w])
        XCTAssertEqual(w.gradient, stored)
        // A variable the output does not depend on: zeros.
        let unused = Variable(Tensor<Double>([7, 7]), requiresGradient: true)
        XCTAssertEqual(gradients(of: loss, withRespectTo: [unused])[0], Tensor([0, 0]))
    }

    func testBackwardFromNonScalarWithSeed() {
        let x = Variable(Tensor<Double>([1, 2, 3]), requiresGradient: true)
        let y = x * x
        y.backward(seed: Tensor([1, 10, 100]))
        XCTAssertEqual(x.gradient, Tensor([2, 40, 600]))  // 2x ⊙ seed

        // A matrix output: Y = A·B with seed G gives ∇A = G·Bᵀ.
        let a = Variable(Tensor<Double>([[1, 2], [3, 4]]), requiresGradient: true)
        let b = Variable(Tensor<Double>([[0, 1], [1, 0]]))
        let seed = Tensor<Double>([[1, 2], [3, 4]])
        a.matmul(b).backward(seed: seed)
        XCTAssertEqual(a.gradient, Tensor([[2, 1], [4, 3]]))
        XCTAssertEqual(
            gradients(of: a.matmul(b), withRespectTo: [a], seed: seed)[0], a.gradient!)
    }

    func testConstantsGetNoGradient() {
        let w = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        let data = Variable(Tensor<Double>([3, 4]))
        (w * data).sum().backward()
        XCTAssertEqual(w.gradient, Tensor([3, 4]))
        XCTAssertNil(data.gradient)
    }

    // MARK: Deep and wide graphs

    /// Build, differentiate and free a 10⁶-op chain (a recursive topological sort dies
    /// near 150,000 nodes; a recursive release near 40,000).
    func testMillionOpChainBackward() {
        weak var weakMiddle: Variable<Double>?
        let x = Variable(Tensor<Double>([2]), requiresGradient: true)
        do {
            var y = x
            for i in 0..<1_000_000 {
                // Alternate a shift and a scale by −1: y stays small and ∂y/∂x = (−1)^(n/2).
                y = i.isMultiple(of: 2) ? y.shifted(by: 1) : y.negated()
                if i == 123_457 { weakMiddle = y }
            }
            y.backward()
        }
        XCTAssertEqual(x.gradient, Tensor([1]), "500,000 negations: an even number")
        XCTAssertNil(weakMiddle)
    }

    /// A lattice of `width` nodes per layer where every node feeds two nodes of the next
    /// layer, y_i ← ½(y_i + y_(i+1 mod width)): the total is preserved, so ∂(Σ y)/∂x = 1
    /// exactly for every input, whatever the depth.
    func testWideAndDeepFanOut() {
        let width = 64
        let depth = 300
        let x = Variable(Tensor<Double>((0..<width).map(Double.init)), requiresGradient: true)
        weak var weakInner: Variable<Double>?
        do {
            // Layer 0: x_i picked out as scalars (x itself fans out to every node).
            var layer = (0..<width).map { i in (x * Variable(oneHot(i, width))).sum() }
            for k in 0..<depth {
                layer = (0..<width).map { i in (layer[i] + layer[(i + 1) % width]).scaled(by: 0.5) }
                if k == depth / 2 { weakInner = layer[0] }
            }
            var total = layer[0]
            for node in layer.dropFirst() { total = total + node }
            XCTAssertEqual(total.value.scalar, Double(width * (width - 1) / 2), accuracy: 1e-9)
            total.backward()
        }
        XCTAssertEqual(x.gradient, Tensor(repeating: 1, shape: [width]))
        XCTAssertNil(weakInner)
    }

    // MARK: Nothing left behind

    /// After a training step (forward, backward, update) no node of the graph is alive:
    /// not an intermediate, not the loss, not the gradients' graph.
    func testNoNodeOutlivesTheStep() {
        let w = Variable(Tensor<Double>([[0.1, -0.2], [0.3, 0.4]]), requiresGradient: true)
        let b = Variable(Tensor<Double>([0.5, -0.5]), requiresGradient: true)
        weak var weakHidden: Variable<Double>?
        weak var weakLoss: Variable<Double>?
        weak var weakInput: Variable<Double>?
        do {
            let x = Variable(Tensor<Double>([[1, 2], [3, 4], [5, 6]]))
            let hidden = (x.matmul(w) + b).sigmoid()
            let loss = halfSquaredError(hidden.matmul(w, transposingOther: true), x).mean()
            loss.backward()
            w.value.addScaled(w.gradient!, by: -0.1)
            b.value.addScaled(b.gradient!, by: -0.1)
            weakHidden = hidden
            weakLoss = loss
            weakInput = x
        }
        XCTAssertNil(weakHidden, "an intermediate node leaked")
        XCTAssertNil(weakLoss, "the loss leaked")
        XCTAssertNil(weakInput, "the data leaked")
        XCTAssertEqual(w.inputs.count, 0)
    }

    /// The same with create-graph gradients (higher order): the gradient graph refers to the
    /// forward graph, and both go.
    func testNoNodeOutlivesDifferentiableGradients() {
        let x = Variable(Tensor<Double>([0.5, -1]), requiresGradient: true)
        weak var weakGradient: Variable<Double>?
        weak var weakHidden: Variable<Double>?
        do {
            let hidden = x.sigmoid()
            let g = differentiableGradients(of: (hidden * hidden).sum(), withRespectTo: [x])[0]
            g.sum().backward()
            weakGradient = g
            weakHidden = hidden
        }
        XCTAssertNotNil(x.gradient)
        XCTAssertNil(weakGradient)
        XCTAssertNil(weakHidden)
    }

    /// Gradients do not leak across steps: with zeroGradient between steps, each step's
    /// gradient is exactly that step's own (the functional form, computed afresh).
    func testGradientsDoNotLeakAcrossSteps() {
        let w = Variable(Tensor<Double>([[0.2, -0.3], [0.1, 0.5]]), requiresGradient: true)
        for step in 0..<5 {
            let x = Variable(Tensor<Double>([[Double(step), 1], [2, -Double(step)]]))
            let loss = halfSquaredError(x.matmul(w).sigmoid(), Variable(Tensor.zeros([2, 2])))
            let fresh = gradients(of: loss, withRespectTo: [w])[0]
            loss.backward()
            XCTAssertEqual(w.gradient, fresh, "step \(step)")
            w.value.addScaled(w.gradient!, by: -0.5)
            w.zeroGradient()
        }
    }
}

private func oneHot(_ i: Int, _ n: Int) -> Tensor<Double> {
    var t = Tensor<Double>.zeros([n])
    t[i] = 1
    return t
}
