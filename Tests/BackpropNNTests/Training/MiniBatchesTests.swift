import Backprop
import BackpropNN
import BackpropTesting
import XCTest

final class MiniBatchesTests: XCTestCase {
    /// Row r holds r in its feature and −r in its target, so a batch shows which rows it took.
    let data = LabeledTensors(features: Tensor<Double>(shape: [7, 1], scalars: (0..<7).map(Double.init)),
                              targets: Tensor(shape: [7, 1], scalars: (0..<7).map { -Double($0) }))

    func rows(_ pass: MiniBatches<Double>) -> [[Int]] {
        pass.map { batch in
            XCTAssertEqual(batch.targets.scalars, batch.inputs.scalars.map { -$0 }, "targets stay with their rows")
            return batch.inputs.scalars.map { Int($0) }
        }
    }

    /// Every pass visits every row once, in batches of the given size (the last shorter),
    /// in a new order each pass; the same seed gives the same passes.
    func testPassesCoverEveryRowOnceInANewOrder() {
        let batches = MiniBatches(data, batchSize: 3, seed: 11)
        let again = MiniBatches(data, batchSize: 3, seed: 11)
        var passes: [[[Int]]] = []
        for _ in 0..<3 {
            let pass = rows(batches)
            XCTAssertEqual(pass.map(\.count), [3, 3, 1])
            XCTAssertEqual(pass.joined().sorted(), Array(0..<7))
            XCTAssertEqual(rows(again), pass, "the same seed gives the same pass")
            passes.append(pass)
        }
        XCTAssertNotEqual(passes[0], passes[1])
        XCTAssertNotEqual(rows(MiniBatches(data, batchSize: 3, seed: 12)), passes[0])
        XCTAssertEqual(batches.underestimatedCount, 3)
    }

    func testWithoutShufflingOrAsOneBatchTheRowsStayInOrder() {
        XCTAssertEqual(rows(MiniBatches(data, batchSize: 3, shuffles: false)), [[0, 1, 2], [3, 4, 5], [6]])
        let whole = MiniBatches(data, batchSize: 100, seed: 3)
        XCTAssertEqual(rows(whole), [Array(0..<7)])
        XCTAssertEqual(rows(whole), [Array(0..<7)])
    }

    /// A loop written by hand over `MiniBatches` with the trainer's seed trains exactly as
    /// `Trainer` does: the same batches in the same order, bit for bit.
    func testAHandLoopWithTheSameSeedMatchesTheTrainerBitForBit() {
        var rng = SeededGenerator(seed: 3)
        let features = Tensor<Double>.normal([10, 3], using: &rng)
        let targets = Tensor<Double>.normal([10, 2], using: &rng)
        let data = LabeledTensors(features: features, targets: targets)
        func model() -> Sequential<Double> {
            var generator = SeededGenerator(seed: 9)
            return Sequential(Dense(inputSize: 3, outputSize: 4, activation: .tanh, using: &generator),
                              Dense(inputSize: 4, outputSize: 2, using: &generator))
        }
        for (mode, size) in [(TrainingMode.miniBatch(size: 3), 3), (.perSample, 1), (.fullBatch, 10)] {
            let trained = model()
            _ = Trainer(model: trained, loss: .meanSquaredError, optimizer: SGD(learningRate: 0.1, momentum: 0.9),
                        epochs: 4, mode: mode, seed: 21).fit(data)
            let byHand = model()
            let sgd = SGD<Double>(learningRate: 0.1, momentum: 0.9)
            let batches = MiniBatches(data, batchSize: size, seed: 21)
            for _ in 0..<4 {
                for (x, t) in batches {
                    Loss<Double>.meanSquaredError(byHand(Variable(x)), Variable(t)).backward()
                    sgd.update(byHand.parameters)
                }
            }
            XCTAssertEqual(byHand.parameters.map(\.value), trained.parameters.map(\.value), "\(mode)")
        }
        // Another seed trains differently, so the comparison above can fail.
        let other = model()
        _ = Trainer(model: other, loss: .meanSquaredError, optimizer: SGD(learningRate: 0.1, momentum: 0.9),
                    epochs: 4, mode: .miniBatch(size: 3), seed: 22).fit(data)
        let same = model()
        _ = Trainer(model: same, loss: .meanSquaredError, optimizer: SGD(learningRate: 0.1, momentum: 0.9),
                    epochs: 4, mode: .miniBatch(size: 3), seed: 21).fit(data)
        XCTAssertNotEqual(other.parameters.map(\.value), same.parameters.map(\.value))
    }

    func testMisuseStopsWithAMessage() throws {
        try assertStops(withMessageContaining: "MiniBatches: batch size 0 is below 1") {
            _ = MiniBatches(self.data, batchSize: 0)
        }
        try assertStops(withMessageContaining: "MiniBatches: inputs [7, 1] and targets [6, 1] must be 2-D with the same number of rows") {
            _ = MiniBatches(inputs: self.data.features, targets: Tensor<Double>.zeros([6, 1]), batchSize: 2)
        }
    }
}
