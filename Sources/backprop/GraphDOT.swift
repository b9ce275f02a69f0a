import Backprop
import BackpropNN

/// The graph behind `value` as Graphviz DOT, parameters labelled with their names.
func stepGraphDOT(_ value: Variable<Float>, parameters: [NamedParameter<Float>]) -> String {
    var ids: [ObjectIdentifier: Int] = [:]
    var lines = ["digraph step {", "  rankdir=BT;", "  node [shape=box, fontname=\"Helvetica\"];"]
    var names: [ObjectIdentifier: String] = [:]
    for p in parameters { names[ObjectIdentifier(p.variable)] = p.name }
    var stack = [value]
    while let node = stack.popLast() {
        let id = ObjectIdentifier(node)
        guard ids[id] == nil else { continue }
        ids[id] = ids.count
        let shape = "[" + node.shape.map(String.init).joined(separator: ", ") + "]"
        let label = names[id].map { "\($0) \(shape)" } ?? "\(node.op) \(shape)"
        lines.append("  n\(ids[id]!) [label=\"\(label)\"\(names[id] != nil ? ", style=filled, fillcolor=\"#dde8f5\"" : "")];")
        stack.append(contentsOf: node.inputs)
    }
    var stack2 = [value]
    var seen = Set<ObjectIdentifier>()
    while let node = stack2.popLast() {
        guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
        for input in node.inputs {
            lines.append("  n\(ids[ObjectIdentifier(input)]!) -> n\(ids[ObjectIdentifier(node)]!);")
            stack2.append(input)
        }
    }
    return (lines + ["}"]).joined(separator: "\n") + "\n"
}
