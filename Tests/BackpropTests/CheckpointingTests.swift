import Backprop
import BackpropTesting
import XCTest

final class CheckpointingTests: XCTestCase {
    private struct Layer {
        let weight: Variable<Double>
        let bias: Variable<Double>
        func callAsFunction(_ x: Variable<Double>) -> Variable<Double> {
            x.dense(weight: weight, bias: bias, activation: .tanh)
        }
    }
    private func network(_ depth: Int, width: Int = 4) -> [Layer] {
        var rng = SeededGenerator(seed: 9)
        return (0..<depth).map { _ in
            Layer(weight: Variable(Tensor.uniform([width, width], in: -1..<1, using: &rng), requiresGradient: true),
                  bias: Variable(Tensor.uniform([width], in: -1..<1, using: &rng), requiresGradient: true))
        }
    }
    /// The loss of the network on `x`, with every `every` layers checkpointed (0: none).
    private func loss(_ layers: [Layer], _ x: Variable<Double>, every: Int) -> Variable<Double> {
        var h = x
        if every == 0 {
            h = layers.reduce(h) { $1($0) }
        } else {
            for start in stride(from: 0, to: layers.count, by: every) {
                let block = layers[start..<min(start + every, layers.count)]
                h = checkpointed(h) { h in block.reduce(h) { $1($0) } }
            }
        }
        return (h * h).sum()
    }
    private let input = Tensor<Double>([[0.5, -1, 0.25, 2], [1, 0, -0.5, 0.75]])

    func testCheckpointedGradientsAreBitIdentical() {
        let layers = network(6)
        let parameters = layers.flatMap { [$0.weight, $0.bias] }
        let x = Variable(input, requiresGradient: true)
        let plain = gradients(of: loss(layers, x, every: 0), withRespectTo: parameters + [x])
        for every in [1, 2, 4] {
            let checkpointed = gradients(of: loss(layers, x, every: every), withRespectTo: parameters + [x])
            for (a, b) in zip(checkpointed, plain) { XCTAssertEqual(a.scalars, b.scalars, "every \(every)") }
        }
        // backward() into the leaves' stored gradients too.
        loss(layers, x, every: 3).backward()
        XCTAssertEqual(layers[0].weight.gradient?.scalars, plain[0].scalars)
        XCTAssertEqual(x.gradient?.scalars, plain.last?.scalars)
    }

    func testTheGraphKeepsOnlyTheSegmentOutputs() {
        func nodes(_ root: Variable<Double>) -> Int {
            var seen = Set<ObjectIdentifier>()
            var stack = [root]
            while let v = stack.popLast() {
                if seen.insert(ObjectIdentifier(v)).inserted { stack += v.inputs }
            }
            return seen.count
        }
        let layers = network(8)
        let x = Variable(input)
        // Plain: 8 dense nodes, the multiply and the sum, the input and 16 parameters.
        XCTAssertEqual(nodes(loss(layers, x, every: 0)), 8 + 2 + 1 + 16)
        // By 4: 2 checkpoint nodes instead of the 8 dense nodes.
        XCTAssertEqual(nodes(loss(layers, x, every: 4)), 2 + 2 + 1 + 16)
    }

    func testWithoutGradientsItJustRunsTheSegment() {
        let layers = network(2)
        let plain = withoutGradients { loss(layers, Variable(input), every: 0) }
        let checkpointed = withoutGradients { loss(layers, Variable(input), every: 1) }
        XCTAssertEqual(checkpointed.value.scalars, plain.value.scalars)
        XCTAssertEqual(checkpointed.inputCount, 0)
    }

    func testMisusesStopWithTheirMessage() throws {
        let layers = network(2)
        let x = Variable(input, requiresGradient: true)
        try assertStops(withMessageContaining: "checkpointed: running the segment again gave another value") {
            var calls = 0.0
            let y = checkpointed(x) { h in
                calls += 1
                return layers[0](h).scaled(by: calls)   // differs when run again
            }
            y.sum().backward()
        }
        try assertStops(withMessageContaining: "the value of its input 1 (op 'leaf', now [4, 4]) or its requiresGradient was changed after op 'checkpointed'") {
            let y = checkpointed(x) { layers[0]($0) }
            layers[0].weight.value = .zeros([4, 4])
            y.sum().backward()
        }
        try assertStops(withMessageContaining: "checkpointed: gradients of gradients (differentiableGradients, Hessians, jvp) through a checkpointed segment are not supported") {
            _ = hessianVectorProduct(of: { self.loss(layers, $0, every: 1) }, at: self.input, along: self.input)
        }
        try assertStops(withMessageContaining: "checkpointed: the segment reads the result of op 'tanh' [2, 4] computed outside it; pass it as an input") {
            let outside = x.tanh()
            _ = checkpointed(x) { $0 + outside }
        }
    }
}
