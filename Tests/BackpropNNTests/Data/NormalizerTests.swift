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

    /// Values that overflow a Float model once converted or rescaled are found with their
    /// row and column; coefficients that overflowed in the fit are reported by column.
    func testOverflowingFeaturesAndCoefficientsAreFound() {
        let big = Dataset(rows: [[1, 2], [3, 1e39]])
        XCTAssertNil(big.firstNonFiniteFeature(as: Double.self))
        XCTAssertEqual(big.firstNonFiniteFeature(as: Float.self)?.row, 1)
        XCTAssertEqual(big.firstNonFiniteFeature(as: Float.self)?.feature, 1)
        let scaled = Normalizer(kind: .zScore, offsets: [0, 0], scales: [1e300, 1e-300], shift: 0)
        let found = big.firstNonFiniteFeature(as: Double.self, normalizedBy: scaled)
        XCTAssertNil(found, "1e300 and 1e-261 are finite Doubles")
        XCTAssertEqual(big.firstNonFiniteFeature(as: Float.self, normalizedBy: scaled)?.value, 1e300)

        let extremes = Dataset(rows: [[1.5e308], [-1.5e308]])
        XCTAssertEqual(Normalizer.zScore(fittedOn: extremes).problem()?.column, 0, "σ overflows")
        XCTAssertNotNil(extremes.firstNonFiniteFeature(as: Double.self, normalizedBy: .minMax(fittedOn: extremes)),
                        "max − min overflows")
        XCTAssertNil(Normalizer.minMax(fittedOn: train).problem(), "a constant column's scale 0 is sound")
        XCTAssertEqual(Normalizer(kind: .minMax, offsets: [0], scales: [-1], shift: 0).problem()?.reason, "the scale -1.0 is negative")
        XCTAssertEqual(Normalizer(kind: .minMax, offsets: [0], scales: [1], shift: .nan).problem()?.column, nil)
        XCTAssertNotNil(Normalizer(kind: .minMax, offsets: [0], scales: [1], shift: .nan).problem())
    }

    func testTargetStandardisationAndItsInverse() {
        let train = Dataset(rows: [[0], [0], [0], [0]], targets: [[1, 10], [3, 10], [5, 10], [7, 10]])
        let scaling = Normalizer.zScore(fittedOnTargetsOf: train)
        // Mean 4 and population σ √5 for the first target; the constant one keeps scale 1.
        XCTAssertEqual(scaling.offsets, [4, 10])
        XCTAssertEqual(scaling.scales[0], 1 / 5.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(scaling.scales[1], 1)
        let scaled = scaling.applyingToTargets(of: train)
        XCTAssertEqual(scaled.features, train.features, "features are left alone")
        for (k, v) in scaled.targets.enumerated() {
            let expected = k % 2 == 0 ? (train.targets[k] - 4) / 5.0.squareRoot() : 0
            XCTAssertEqual(v, expected, accuracy: 1e-12)
            XCTAssertEqual(scaling.original(v, column: k % 2), train.targets[k], accuracy: 1e-12)
        }
        XCTAssertEqual(Normalizer(kind: .minMax, offsets: [3], scales: [0], shift: 0).original(0.7, column: 0), 3,
                       "a constant min-max column maps back to its value")
    }
}
