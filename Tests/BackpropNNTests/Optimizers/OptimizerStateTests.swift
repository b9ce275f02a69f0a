import Backprop
import BackpropNN
import Foundation
import XCTest

final class OptimizerStateTests: XCTestCase {
    func model(outputs: Int = 2, seed: UInt64 = 1) -> Sequential<Double> {
        var rng = SeededGenerator(seed: seed)
        return Sequential<Double>(Dense(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng),
                                  Dense(inputSize: 4, outputSize: outputs, using: &rng))
    }

    func step(_ model: Sequential<Double>, _ optimizer: any Optimizer<Double>) {
        var rng = SeededGenerator(seed: 5)
        let x = Tensor<Double>.normal([6, 3], using: &rng)
        let t = Tensor<Double>.normal([6, model.predict(x).shape[1]], using: &rng)
        Loss<Double>.meanSquaredError(model(Variable(x)), Variable(t)).backward()
        optimizer.update(model.parameters)
    }

    /// The state is keyed by the parameters' names, holds each parameter's buffers and
    /// steps, and the optimizer's step count.
    func testStateIsKeyedByParameterName() throws {
        let net = model()
        let adam = Adam<Double>()
        XCTAssertEqual(try adam.state(for: net.namedParameters).entries, [], "no state before a step")
        step(net, adam)
        step(net, adam)
        let state = try adam.state(for: net.namedParameters)
        XCTAssertEqual(state.optimizer, "Adam")
        XCTAssertEqual(state.step, 2)
        XCTAssertEqual(state.entries.map(\.parameter), ["0.weight", "0.bias", "1.weight", "1.bias"])
        XCTAssertEqual(state.entries.map(\.shape), [[3, 4], [4], [4, 2], [2]])
        XCTAssertEqual(state.entries.map(\.step), [2, 2, 2, 2])
        XCTAssertEqual(state.entries.map { $0.buffers.keys.sorted() }, Array(repeating: ["first", "second"], count: 4))
        XCTAssertEqual(try RMSProp<Double>(momentum: 0.9).stateAfterAStep(on: net).entries[0].buffers.keys.sorted(),
                       ["momentumBuffer", "squareAverage"])
        XCTAssertEqual(try SGD<Double>(learningRate: 0.1).stateAfterAStep(on: net).entries, [], "plain SGD keeps nothing")
        XCTAssertEqual(try Adagrad<Double>().stateAfterAStep(on: net).entries.map(\.step), [1, 1, 1, 1])
    }

    /// Loaded state drives the next steps as the original's would.
    func testLoadedStateContinuesAsTheOriginal() throws {
        for make in [{ RMSProp<Double>(momentum: 0.9, centered: true) as any Optimizer<Double> },
                     { Adagrad<Double>(learningRateDecay: 0.5) }, { SGD<Double>(learningRate: 0.1, momentum: 0.9) }] {
            let (a, b) = (model(), model())
            let (original, copy) = (make(), make())
            step(a, original)
            try copy.loadState(try original.state(for: a.namedParameters), for: b.namedParameters)
            for (p, q) in zip(a.parameters, b.parameters) { q.value = p.value }
            step(a, original)
            step(b, copy)
            XCTAssertEqual(a.parameters.map(\.value), b.parameters.map(\.value), "\(type(of: original))")
        }
    }

    /// Names, shapes, buffers or an optimizer that do not match are errors naming the
    /// parameter (or the optimizers), and the optimizer is left as it was.
    func testMismatchesAreErrorsNamingTheParameterAndChangeNothing() throws {
        let net = model()
        let adam = Adam<Double>()
        step(net, adam)
        let state = try adam.state(for: net.namedParameters)

        var renamed = state
        renamed.entries[1].parameter = "0.offset"
        let wider = model(outputs: 3)
        let cases: [(OptimizerState, Sequential<Double>, OptimizerStateError, String)] = [
            (renamed, net, .unknownParameter("0.offset"), "parameter '0.offset' does not exist in the model"),
            (state, wider, .shapeMismatch(parameter: "1.weight", model: [4, 3], saved: [4, 2]),
             "parameter '1.weight' has shape [4, 2] in the state but [4, 3] in the model"),
        ]
        for (saved, target, error, message) in cases {
            let fresh = Adam<Double>()
            step(target, fresh)
            let before = try fresh.state(for: target.namedParameters)
            XCTAssertThrowsError(try fresh.loadState(saved, for: target.namedParameters)) {
                XCTAssertEqual($0 as? OptimizerStateError, error)
                XCTAssertTrue("\($0)".contains(message), "\($0)")
            }
            XCTAssertEqual(try fresh.state(for: target.namedParameters), before, "unchanged after \(error)")
        }

        XCTAssertThrowsError(try RMSProp<Double>().loadState(state, for: net.namedParameters)) {
            XCTAssertEqual($0 as? OptimizerStateError, .otherOptimizer(saved: "Adam", loading: "RMSProp"))
        }
        let withMomentum = try RMSProp<Double>(momentum: 0.9).stateAfterAStep(on: net)
        XCTAssertThrowsError(try RMSProp<Double>().loadState(withMomentum, for: net.namedParameters)) {
            XCTAssertEqual($0 as? OptimizerStateError, .bufferMismatch(
                parameter: "0.weight", saved: ["momentumBuffer", "squareAverage"], expected: ["squareAverage"]))
        }
        var short = state
        short.entries[0].buffers["first"] = [1, 2]
        XCTAssertThrowsError(try Adam<Double>().loadState(short, for: net.namedParameters)) {
            XCTAssertTrue("\($0)".contains("parameter '0.weight': buffer 'first' has 2 values for shape [3, 4]"), "\($0)")
        }
    }

    /// An optimizer of your own that does not implement the state methods says so.
    func testAnOptimizerWithoutStateSupportSaysSo() {
        final class SignDescent: Optimizer {
            var learningRate = 0.01
            func update(_ parameters: [Variable<Double>]) {}
        }
        XCTAssertThrowsError(try Checkpoint(model: model(), optimizer: SignDescent())) {
            XCTAssertEqual($0 as? OptimizerStateError, .notSupported(optimizer: "SignDescent"))
        }
    }
}

extension Optimizer where Scalar == Double {
    /// The state after one step on `model`'s parameters with a fixed batch.
    func stateAfterAStep(on model: Sequential<Double>) throws -> OptimizerState {
        var rng = SeededGenerator(seed: 5)
        let x = Tensor<Double>.normal([6, 3], using: &rng)
        let t = Tensor<Double>.normal([6, 2], using: &rng)
        Loss<Double>.meanSquaredError(model(Variable(x)), Variable(t)).backward()
        update(model.parameters)
        return try state(for: model.namedParameters)
    }
}
