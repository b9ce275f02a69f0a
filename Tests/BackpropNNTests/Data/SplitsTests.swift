import Backprop
import BackpropNN
import Foundation
import XCTest

final class SplitTests: XCTestCase {
    let data = Dataset(rows: (0..<10).map { [Double($0)] }, labels: (0..<10).map { $0 % 2 }, classNames: ["even", "odd"])

    func testSeededShuffleIsAPermutationAndReproducible() {
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        let s1 = data.shuffled(using: &a), s2 = data.shuffled(using: &b)
        XCTAssertEqual(s1, s2)
        XCTAssertNotEqual(s1.features, data.features)
        XCTAssertEqual(s1.features.sorted(), data.features)
        for i in 0..<10 { XCTAssertEqual(s1.labels[i], Int(s1.features[i]) % 2) }
    }

    func testSplits() {
        let parts = data.split(counts: [7, 3])
        XCTAssertEqual(parts[0].features, [0, 1, 2, 3, 4, 5, 6])
        XCTAssertEqual(parts[1].labels, [1, 0, 1])
        let (train, validation, test) = data.split(validationFraction: 0.2, testFraction: 0.1)
        XCTAssertEqual([train.count, validation.count, test.count], [7, 2, 1])
        XCTAssertEqual(test.features, [9])
    }

    func testKFoldsPartitionTheRows() {
        let folds = data.kFolds(3)
        XCTAssertEqual(folds.map(\.validation.count), [3, 3, 4])
        XCTAssertEqual(folds.flatMap(\.validation.features), data.features)
        for fold in folds {
            XCTAssertEqual((fold.training.features + fold.validation.features).sorted(), data.features)
        }
    }

    func testBatchesAndOneHot() {
        XCTAssertEqual(Dataset.batches(of: Array(0..<5), size: 2).map(Array.init), [[0, 1], [2, 3], [4]])
        XCTAssertEqual(oneHot([2, 0], classCount: 3) as Tensor<Double>, [[0, 0, 1], [1, 0, 0]])
        let tensors = LabeledTensors<Double>(data)
        XCTAssertEqual(tensors.rows([3, 0]).features, [[3], [0]])
        XCTAssertEqual(tensors.rows([3, 0]).targets, [[0, 1], [1, 0]])
        XCTAssertEqual(LabeledTensors<Double>(data, encoding: .binary).targets, Tensor(shape: [10, 1], scalars: data.labels.map(Double.init)))
        XCTAssertEqual(LabeledTensors<Double>(data, encoding: .classIndex).targets.shape, [10, 1])
    }
}
