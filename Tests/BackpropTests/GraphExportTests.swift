import Backprop
import XCTest

final class GraphExportTests: XCTestCase {
    func testSmallGraph() {
        let w = Variable(Tensor<Double>([[1, 2]]), requiresGradient: true)
        let x = Variable(Tensor<Double>([[3], [4]]))
        let y = w.matmul(x)
        let loss = (y * y).sum()
        let expected = """
            digraph "backprop" {
              rankdir=BT;
              node [fontname="Helvetica"];
              n0 [label="sum\\n[]", shape=ellipse];
              n1 [label="multiply\\n[1, 1]", shape=ellipse];
              n2 [label="matmul\\n[1, 1]", shape=ellipse];
              n3 [label="leaf\\n[1, 2]", shape=box, style=filled, fillcolor="#dde8f8"];
              n4 [label="leaf\\n[2, 1]", shape=box];
              n1 -> n0;
              n2 -> n1;
              n2 -> n1;
              n3 -> n2;
              n4 -> n2;
            }

            """
        XCTAssertEqual(loss.graphviz(), expected)
    }

    func testOriginsAndQuotingOfOpNames() {
        let x = Variable(Tensor<Double>([1]), requiresGradient: true)
        let line = #line + 1
        let y = withAnomalyDetection { x.exp() }
        XCTAssertTrue(y.graphviz().contains("n0 [label=\"exp\\n[1]\\nBackpropTests/GraphExportTests.swift:\(line)\""))
        let odd = Variable(op: "my \"op\"", value: x.value, inputs: [x]) { _, g in [g] }
        XCTAssertTrue(odd.graphviz(name: "g").hasPrefix("digraph \"g\" {"))
        XCTAssertTrue(odd.graphviz().contains("[label=\"my \\\"op\\\"\\n[1]\""))
    }

    func testDeepChainExportsWithoutRecursion() {
        var y = Variable(Tensor<Double>([1]), requiresGradient: true)
        for _ in 0..<100_000 { y = y.shifted(by: 1) }
        let dot = y.graphviz()
        XCTAssertEqual(dot.split(separator: "\n").filter { $0.contains(" -> ") }.count, 100_000)
        XCTAssertEqual(dot.split(separator: "\n").filter { $0.contains("[label=") }.count, 100_001)
    }
}
