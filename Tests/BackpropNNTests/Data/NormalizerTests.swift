import Backprop
import BackpropNN
import Foundation
import XCTest

final class NormalizerTests: XCTestCase {
    let train = Dataset(rows: [[0, 10], [2, 10], [4, 10]], labels: [0, 1, 0], classNames: ["a", "b"])
    let other = Dataset(rows: [[6, 11]], labels: [1], classNames: ["a", "b"])

    func testMinMaxUsesTheTrainingStatisticsOnly() {
        let n = Normalizer.minMax(fittedOn: train)
        XCTAssertEqual(n.apply(to: train).features, [0, 0, 0.5, 0, 1, 0])   // a constant column maps to 0
        XCTAssertEqual(n.apply(to: other).features, [1.5, 0])             // beyond the training range
        XCTAssertEqual(Normalizer.minMax(fittedOn: train, range: -1...1).apply(to: train).features, [-1, -1, 0, -1, 1, -1])
    }

    func testZScore() {
        let n = Normalizer.zScore(fittedOn: train)
        let sigma = (8.0 / 3).squareRoot()
        let z = n.apply(to: train).features
        XCTAssertEqual(z[0], -2 / sigma, accuracy: 1e-15)
        XCTAssertEqual(z[2], 0, accuracy: 1e-15)
        XCTAssertEqual(z[1], 0)
        XCTAssertEqual(n.apply(to: other).features[0], 4 / sigma, accuracy: 1e-15)
    }
}
