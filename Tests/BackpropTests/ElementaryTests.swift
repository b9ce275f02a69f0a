import Backprop
import BackpropTesting
import XCTest

final class ElementaryTests: XCTestCase {
    let shapes: [TensorShape] = [[], [5], [3, 4], [2, 3, 2]]

    func testGradientsAtSeveralShapes() {
        for (k, shape) in shapes.enumerated() {
            let any = randomTensor(shape, seed: UInt64(k))
            let positive = randomTensor(shape, in: 0.5..<3, seed: UInt64(k))
            let awayFromZero = any.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
            assertGradientsMatch(at: [any]) { $0[0].exp() }
            assertGradientsMatch(at: [positive]) { $0[0].log() }
            assertGradientsMatch(at: [positive]) { $0[0].squareRoot() }
            assertGradientsMatch(at: [any]) { $0[0].squared() }
            assertGradientsMatch(at: [positive]) { $0[0].pow(2.5) }
            assertGradientsMatch(at: [any]) { $0[0].pow(3) }
            assertGradientsMatch(at: [awayFromZero]) { $0[0].abs() }
        }
    }

    func testValues() {
        let x = Variable(Tensor<Double>([4, -1]))
        XCTAssertEqual(x.abs().value, Tensor([4, 1]))
        XCTAssertEqual(x.squared().value, Tensor([16, 1]))
        XCTAssertEqual(x.abs().squareRoot().value, Tensor([2, 1]))
        XCTAssertEqual(x.pow(3).value, Tensor([64, -1]))
        XCTAssertEqual(x.exp().log().value, x.value)
    }

    func testPowZeroAndAbsAtZeroHaveZeroGradient() {
        let x = Variable(Tensor<Double>([0, 2]), requiresGradient: true)
        XCTAssertEqual(gradients(of: x.pow(0).sum(), withRespectTo: [x])[0], Tensor([0, 0]))
        XCTAssertEqual(gradients(of: x.abs().sum(), withRespectTo: [x])[0], Tensor([0, 1]))
    }
}

extension ElementaryTests {
    /// CONTRIBUTING's "Adding an op" quotes the real `exp` and `productPullback`: every
    /// quoted code line must still be in the source, so the example cannot drift from it.
    func testContributingQuotesTheRealOps() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../..").standardized
        let guide = try String(contentsOf: root.appendingPathComponent("CONTRIBUTING.md"), encoding: .utf8)
        let section = try XCTUnwrap(guide.components(separatedBy: "## Adding an op").dropFirst().first)
            .components(separatedBy: "\n## ")[0]
        let sources = try ["Ops/Elementary.swift", "Ops/Arithmetic.swift", "../BackpropTesting/OpLibraryTable.swift"]
            .map { try String(contentsOf: root.appendingPathComponent("Sources/Backprop/\($0)"), encoding: .utf8) }
            .joined()
        let sourceLines = Set(sources.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        var (quoted, inCode) = (0, false)
        for line in section.split(separator: "\n") {
            let code = line.trimmingCharacters(in: .whitespaces)
            if code == "```swift" || code == "```" {
                inCode = code == "```swift"
            } else if inCode && !code.isEmpty {
                XCTAssertTrue(sourceLines.contains(code), "CONTRIBUTING quotes a line not in the sources: \(code)")
                quoted += 1
            }
        }
        XCTAssertGreaterThan(quoted, 15)
    }
}
