// Export of a computation graph as Graphviz DOT, for `dot -Tsvg graph.dot > graph.svg`.

extension Variable {
    /// The graph that computed this node, in Graphviz DOT: one node per variable, labelled
    /// with its op and shape (and where it was created, under anomaly detection), one edge
    /// from each input to the op that used it. Leaves that require a gradient (parameters)
    /// are drawn as filled boxes, constants as plain boxes.
    ///
    /// The traversal is iterative, so graphs millions of nodes deep export without deep
    /// recursion; each node appears once however many ops use it.
    ///
    /// ```swift
    /// let w = Variable(Tensor<Double>([[1, 2]]), requiresGradient: true)
    /// print(w.matmul(Variable(Tensor([[3], [4]]))).sum().graphviz())
    /// // digraph "backprop" {
    /// //   rankdir=BT;
    /// //   node [fontname="Helvetica"];
    /// //   n0 [label="sum\n[]", shape=ellipse];
    /// //   n1 [label="matmul\n[1, 1]", shape=ellipse];
    /// //   n1 -> n0;
    /// //   …
    /// ```
    /// - Parameter name: The graph's name in the DOT source.
    /// - Returns: The DOT source, nodes numbered from the output (`n0`) in breadth-first order.
    public func graphviz(name: String = "backprop") -> String {
        var ids: [ObjectIdentifier: Int] = [ObjectIdentifier(self): 0]
        var order: [Variable] = [self]
        var edges: [(Int, Int)] = []
        var index = 0
        while index < order.count {  // breadth-first over `order` as a queue
            let node = order[index]
            for input in node.inputs {
                let key = ObjectIdentifier(input)
                let id: Int
                if let known = ids[key] {
                    id = known
                } else {
                    id = order.count
                    ids[key] = id
                    order.append(input)
                }
                edges.append((id, index))
            }
            index += 1
        }
        var lines = ["digraph \(dotQuoted(name)) {", "  rankdir=BT;", "  node [fontname=\"Helvetica\"];"]
        for (id, node) in order.enumerated() {
            var label = "\(node.op)\\n\(Shapes.format(node.shape))"
            if let origin = node.origin { label += "\\n\(origin)" }
            let style: String
            if !node.inputs.isEmpty || node.op != "leaf" {
                style = "shape=ellipse"
            } else if node.requiresGradient {
                style = "shape=box, style=filled, fillcolor=\"#dde8f8\""
            } else {
                style = "shape=box"
            }
            lines.append("  n\(id) [label=\(dotQuoted(label, keepingEscapes: true)), \(style)];")
        }
        for (from, to) in edges { lines.append("  n\(from) -> n\(to);") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A DOT string literal: quotes and backslashes escaped (except the `\n` line breaks of
/// labels when `keepingEscapes`).
@usableFromInline
internal func dotQuoted(_ text: String, keepingEscapes: Bool = false) -> String {
    var out = "\""
    for c in text {
        switch c {
        case "\"": out += "\\\""
        case "\\" where !keepingEscapes: out += "\\\\"
        case "\n": out += "\\n"
        default: out.append(c)
        }
    }
    return out + "\""
}
