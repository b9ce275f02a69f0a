import Backprop
import BackpropNN
import XCTest

final class InitializersTests: XCTestCase {
    func testInitializersAreSeededAndInRange() {
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1)
        let d1 = Dense<Float>(inputSize: 6, outputSize: 4, using: &a)
        let d2 = Dense<Float>(inputSize: 6, outputSize: 4, using: &b)
        XCTAssertEqual(d1.weight.value, d2.weight.value)
        var rng = SeededGenerator(seed: 2)
        let glorot: Tensor<Double> = Initializer.glorotUniform.make(shape: [50, 30], fanIn: 50, fanOut: 30, using: &rng)
        let bound = (6.0 / 80).squareRoot()
        XCTAssertTrue(glorot.scalars.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(glorot.scalars.map(abs).max()!, 0.9 * bound)
        let unit: Tensor<Double> = Initializer.uniformUnit.make(shape: [1000], fanIn: 1, fanOut: 1, using: &rng)
        XCTAssertTrue(unit.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
        let ranged: Tensor<Double> = Initializer.uniform(low: -3, high: -2).make(shape: [100], fanIn: 1, fanOut: 1, using: &rng)
        XCTAssertTrue(ranged.scalars.allSatisfy { $0 >= -3 && $0 < -2 })
        for (initializer, sigma) in [(Initializer.normal(standardDeviation: 0.1), 0.1),
                                     (.heNormal, (2.0 / 200).squareRoot()),
                                     (.glorotNormal, (2.0 / 300).squareRoot())] {
            let t: Tensor<Double> = initializer.make(shape: [20_000], fanIn: 200, fanOut: 100, using: &rng)
            let mean = t.scalars.reduce(0, +) / 20_000
            let sd = (t.scalars.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000).squareRoot()
            XCTAssertEqual(sd, sigma, accuracy: 0.03 * sigma, "\(initializer)")
            XCTAssertEqual(mean, 0, accuracy: 0.05 * sigma, "\(initializer)")
        }
        let he: Tensor<Double> = Initializer.heUniform.make(shape: [1000], fanIn: 24, fanOut: 1, using: &rng)
        XCTAssertTrue(he.scalars.allSatisfy { abs($0) <= 0.5 })
        XCTAssertEqual(Initializer.zeros.make(shape: [3], fanIn: 1, fanOut: 1, using: &rng), Tensor<Double>.zeros([3]))
    }
}
