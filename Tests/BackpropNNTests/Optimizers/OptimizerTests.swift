import Backprop
import BackpropNN
import BackpropTesting
import XCTest

final class OptimizerTests: XCTestCase {
    func testParametersWithoutGradientAreLeftAlone() {
        let p = Variable(Tensor<Double>([1]), requiresGradient: true)
        Adam<Double>().update([p])
        SGD<Double>(learningRate: 1, momentum: 0.5).update([p])
        XCTAssertEqual(p.value, [1])
    }

    /// A parameter that does not require a gradient (a frozen weight) is left
    /// alone too, and an update with nothing to do changes nothing.
    func testFrozenParametersAndEmptyUpdatesAreLeftAlone() {
        let frozen = Variable(Tensor<Double>([1, 2]))
        let trained = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        (frozen * trained).sum().backward()
        XCTAssertNil(frozen.gradient)
        let adam = Adam<Double>(learningRate: 0.1)
        adam.update([frozen, trained])
        XCTAssertEqual(frozen.value, [1, 2])
        XCTAssertNotEqual(trained.value, [1, 2])
        XCTAssertNil(trained.gradient, "update resets the gradients")
        let sgd = SGD<Double>(learningRate: 1)
        sgd.update([])
        sgd.update([frozen])
        XCTAssertEqual(frozen.value, [1, 2])
    }

    /// A gradient whose size differs from its parameter's stops the step with a message
    /// naming the optimizer, the parameter's position and both shapes, before any buffer
    /// is read.
    func testGradientOfAnotherSizeStopsWithAMessage() throws {
        try assertStops(withMessageContaining: "Adam: parameter 1: gradient [3] and value [2] sizes differ") {
            let a = Variable(Tensor<Double>([1]), requiresGradient: true)
            let b = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
            a.gradient = Tensor([1])
            b.gradient = Tensor([1, 2, 3])
            Adam<Double>().update([a, b])
        }
        try assertStops(withMessageContaining: "SGD: parameter 0: gradient [1] and value [2] sizes differ") {
            let b = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
            b.gradient = Tensor([1])
            SGD<Double>(learningRate: 0.1).update([b])
        }
    }

    /// An optimizer holds the parameters it keeps state for, but lets go of (and drops the
    /// state of) a parameter that nobody else holds once it is given other parameters.
    func testStateOfAParameterNobodyHoldsIsFreed() {
        let adam = Adam<Double>(learningRate: 0.1)
        let sgd = SGD<Double>(learningRate: 0.1, momentum: 0.9)
        weak var weakOld: Variable<Double>?
        do {
            let old = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
            old.gradient = Tensor([1, 1])
            adam.update([old])
            old.gradient = Tensor([1, 1])
            sgd.update([old])
            weakOld = old
        }
        let new = Variable(Tensor<Double>([1]), requiresGradient: true)
        new.gradient = Tensor([1])
        adam.update([new])
        new.gradient = Tensor([1])
        sgd.update([new])
        XCTAssertNil(weakOld)
    }

    /// A new parameter that the allocator puts where a freed one was (same
    /// `ObjectIdentifier`) starts from zero state, not from the freed parameter's.
    func testANewParameterAtAFreedParametersAddressStartsFresh() {
        func fresh() -> Variable<Double> {
            let p = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
            p.gradient = Tensor([1, -1])
            return p
        }
        let expected = fresh()
        Adam<Double>(learningRate: 0.1).update([expected])
        let adam = Adam<Double>(learningRate: 0.1)
        let sgd = SGD<Double>(learningRate: 0.1, momentum: 0.9)
        let other = fresh()
        var reused = false
        for _ in 0..<20 {
            var old: ObjectIdentifier?
            do {
                let p = fresh()
                adam.update([p])
                p.gradient = Tensor([1, -1])
                sgd.update([p])
                other.gradient = Tensor([1, 1])
                adam.update([other])  // p leaves the list, then is freed
                sgd.update([other])
                old = ObjectIdentifier(p)
            }
            let p = fresh()
            reused = reused || ObjectIdentifier(p) == old
            adam.update([p])
            XCTAssertEqual(p.value, expected.value)
            p.gradient = Tensor([1, -1])
            sgd.update([p])
            XCTAssertEqual(p.value, expected.value - Tensor([0.1, -0.1]))
        }
        if !reused { print("note: the allocator never reused a freed parameter's address") }
    }

    func testLearningRateSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.3, epoch: 7), 0.3)
        XCTAssertEqual(LearningRateSchedule.step(every: 10, factor: 0.5).rate(base: 0.1, epoch: 25), 0.025, accuracy: 1e-15)
        XCTAssertEqual(LearningRateSchedule.exponential(decay: 0.9).rate(base: 1, epoch: 2), 0.81, accuracy: 1e-15)
        let cosine = LearningRateSchedule.cosine(epochs: 10, minimum: 0.1)
        XCTAssertEqual(cosine.rate(base: 1, epoch: 0), 1, accuracy: 1e-15)
        XCTAssertEqual(cosine.rate(base: 1, epoch: 5), 0.55, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(base: 1, epoch: 10), 0.1, accuracy: 1e-12)
    }

    /// An optimizer of one's own plugs into the trainer through the protocol.
    final class SignDescent: Optimizer {
        var learningRate: Double = 0.01
        var calls = 0
        func update(_ parameters: [Variable<Double>]) {
            calls += 1
            for p in parameters {
                guard let g = p.gradient else { continue }
                p.value = p.value - g.map { $0 > 0 ? learningRate : $0 < 0 ? -learningRate : 0 }
                p.gradient = nil
            }
        }
    }

    func testCustomOptimizerWorksWithTheTrainer() {
        let optimizer = SignDescent()
        let model = Sequential<Double>(Dense(weight: [[0]], bias: [0]))
        let data = LabeledTensors<Double>(features: [[1], [2]], targets: [[2], [4]])
        _ = Trainer(model: model, loss: .meanSquaredError, optimizer: optimizer, epochs: 3, mode: .fullBatch).fit(data)
        XCTAssertEqual(optimizer.calls, 3)
        XCTAssertEqual(model.parameters[0].value[0, 0], 0.03, accuracy: 1e-15)
    }
}

/// The values of the parameter [0.5, −2] after each step of `optimizer` with `gradients`
/// (shared by the tests of the optimizers that check steps against a loop written out).
func valuesAfterSteps(of optimizer: some Optimizer<Double>, gradients: [[Double]]) -> [[Double]] {
    let p = Variable(Tensor<Double>([0.5, -2]), requiresGradient: true)
    return gradients.map { g in
        p.gradient = Tensor(g)
        optimizer.update([p])
        XCTAssertNil(p.gradient, "the step consumes the gradient")
        return p.value.scalars
    }
}

/// Asserts that two runs of steps agree element by element within 1e-14.
func assertSteps(_ actual: [[Double]], _ expected: [[Double]], _ name: String, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, name, line: line)
    for (step, (a, e)) in zip(actual, expected).enumerated() {
        for i in a.indices { XCTAssertEqual(a[i], e[i], accuracy: 1e-14, "\(name), step \(step + 1)", line: line) }
    }
}
