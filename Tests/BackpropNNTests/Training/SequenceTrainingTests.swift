import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class ClipGradientsTests: XCTestCase {
    func parameter(gradient: [Float]) -> Variable<Float> {
        let p = Variable(Tensor<Float>.zeros([gradient.count]), requiresGradient: true)
        p.gradient = Tensor(gradient)
        return p
    }

    func globalNorm(_ parameters: [Variable<Float>]) -> Float {
        parameters.compactMap(\.gradient).flatMap(\.scalars).reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    /// Above the threshold the gradients are scaled together to the maximum norm, keeping
    /// their direction; the norm before clipping is returned.
    func testClipsToTheMaximumNormKeepingTheDirection() {
        let (a, b) = (parameter(gradient: [3, 0]), parameter(gradient: [0, -4]))
        let unset = Variable(Tensor<Float>([1]), requiresGradient: true)
        let norm = clipGradients(of: [a, unset, b], toGlobalNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        XCTAssertEqual(globalNorm([a, b]), 1, accuracy: 1e-6)
        XCTAssertEqual(a.gradient?.scalars ?? [], [0.6, 0], "direction kept")
        XCTAssertEqual(b.gradient?.scalars ?? [], [0, -0.8])
        XCTAssertNil(unset.gradient, "a parameter without a gradient is skipped")
    }

    func testLeavesGradientsBelowTheThresholdAlone() {
        let a = parameter(gradient: [0.3, -0.4])
        XCTAssertEqual(clipGradients(of: [a], toGlobalNorm: 1), 0.5, accuracy: 1e-7)
        XCTAssertEqual(a.gradient?.scalars ?? [], [0.3, -0.4])
    }

    /// Float gradients whose squares overflow are clipped all the same.
    func testHugeFiniteGradientsAreStillClipped() {
        let a = parameter(gradient: [3e30, -4e30])
        _ = clipGradients(of: [a], toGlobalNorm: 1)
        XCTAssertEqual(a.gradient?.scalars[0] ?? 0, 0.6, accuracy: 1e-6)
        XCTAssertEqual(a.gradient?.scalars[1] ?? 0, -0.8, accuracy: 1e-6)
    }

    /// A NaN or an infinite gradient is not turned into finite numbers: the norm reports
    /// it and the gradients are left as they were.
    func testNaNAndInfinityAreReportedAndLeftVisible() {
        let (a, b) = (parameter(gradient: [1, .nan]), parameter(gradient: [100]))
        XCTAssertTrue(clipGradients(of: [a, b], toGlobalNorm: 1).isNaN)
        XCTAssertTrue(a.gradient?.scalars[1].isNaN ?? false)
        XCTAssertEqual(b.gradient?.scalars ?? [], [100])
        let c = parameter(gradient: [-.infinity, 2])
        XCTAssertEqual(clipGradients(of: [c], toGlobalNorm: 1), .infinity)
        XCTAssertEqual(c.gradient?.scalars ?? [], [-.infinity, 2])
    }

    func testNonPositiveMaximumStopsWithAMessage() throws {
        try assertStops(withMessageContaining: "clipGradients: maximum norm 0.0 is not positive") {
            _ = clipGradients(of: [parameter(gradient: [1])], toGlobalNorm: 0)
        }
    }
}

final class StepLearningRateScheduleTests: XCTestCase {
    func testConstantAndLinearWarmup() {
        XCTAssertEqual(StepLearningRateSchedule.constant.rate(base: 0.1, step: 1234), 0.1)
        let warmup = StepLearningRateSchedule.linearWarmup(steps: 4)
        for (step, fraction) in [(0, 0.25), (1, 0.5), (3, 1.0), (10, 1.0)] {
            XCTAssertEqual(warmup.rate(base: 0.1, step: step), 0.1 * fraction, accuracy: 1e-15, "step \(step)")
        }
    }

    /// Warm-up, then ηₘ + (η₀ − ηₘ)(1 + cos(π (s − W)/(S − W)))/2, then ηₘ.
    func testWarmupCosineFollowsTheFormula() {
        let (base, minimum, warmup, total) = (2e-3, 1e-4, 10, 110)
        let schedule = StepLearningRateSchedule.warmupCosine(warmupSteps: warmup, totalSteps: total, minimum: minimum)
        XCTAssertEqual(schedule.rate(base: base, step: 4), base * 5 / 10, accuracy: 1e-15)
        for step in [10, 35, 60, 85, 109, 110] {
            let progress = Double(step - warmup) / Double(total - warmup)
            let expected = minimum + (base - minimum) * (1 + cos(Double.pi * progress)) / 2
            XCTAssertEqual(schedule.rate(base: base, step: step), expected, accuracy: 1e-15, "step \(step)")
        }
        XCTAssertEqual(schedule.rate(base: base, step: 10), base, accuracy: 1e-15, "decay starts at the base rate")
        XCTAssertEqual(schedule.rate(base: base, step: 60), (base + minimum) / 2, accuracy: 1e-15, "half-way")
        XCTAssertEqual(schedule.rate(base: base, step: 500), minimum, accuracy: 1e-15, "the minimum after S")
    }
}

final class ClipGradientsByValueTests: XCTestCase {
    /// Every element beyond ±c becomes ±c, the others and NaN stay; parameters without a
    /// gradient are skipped.
    func testClampsEachElementAndKeepsNaN() {
        let a = Variable(Tensor<Double>.zeros([5]), requiresGradient: true)
        a.gradient = Tensor([3, -0.2, -7, 0.5, .nan])
        let unset = Variable(Tensor<Double>([1]), requiresGradient: true)
        clipGradients(of: [a, unset], toMaximumMagnitude: 0.5)
        let g = a.gradient?.scalars ?? []
        XCTAssertEqual(Array(g.prefix(4)), [0.5, -0.2, -0.5, 0.5])
        XCTAssertTrue(g[4].isNaN)
        XCTAssertNil(unset.gradient)
    }

    func testNonPositiveMaximumStopsWithAMessage() throws {
        try assertStops(withMessageContaining: "clipGradients: maximum magnitude -1.0 is not positive") {
            clipGradients(of: [Variable(Tensor<Double>([1]), requiresGradient: true)], toMaximumMagnitude: -1)
        }
    }
}
