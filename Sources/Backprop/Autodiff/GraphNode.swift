/// The part of a graph node that does not depend on the scalar type: its edges to its
/// inputs, the mark used while sorting, and the iterative teardown.
///
/// Keeping this non-generic makes sorting and releasing a graph plain concrete code
/// (no generic metadata at run time). ``Variable`` is the only subclass.
///
/// The mutable fields of nodes are `@exclusivity(unchecked)`: a node is not `Sendable`, so
/// it is only touched by one thread, and the engine never overlaps two accesses to one
/// field; dynamic exclusivity checks cost about 10 % of a small graph's time.
public class GraphNode {
    /// The inputs of the op that made this node, as untyped nodes.
    @exclusivity(unchecked) @usableFromInline internal final var edges: NodeInputs
    /// Set while a sweep has visited the node; cleared before the sweep returns.
    @exclusivity(unchecked) @usableFromInline internal final var isMarked = false
    /// Sorting: the next input to visit, and the node below this one on the depth-first
    /// stack. The stack and the order live in the nodes, so sorting allocates nothing.
    @exclusivity(unchecked) @usableFromInline internal final var nextInput = 0
    @exclusivity(unchecked) @usableFromInline internal final var stackLink: Unmanaged<GraphNode>?
    /// The next node in reverse topological order (consumers before their inputs).
    @exclusivity(unchecked) @usableFromInline internal final var orderLink: Unmanaged<GraphNode>?
    /// Teardown: the next node waiting to be released (a strong reference).
    @exclusivity(unchecked) @usableFromInline internal final var teardownNext: GraphNode?
    /// Whether gradients flow to this node.
    public final let requiresGradient: Bool

    @usableFromInline
    internal init(edges: consuming NodeInputs, requiresGradient: Bool) {
        self.edges = edges
        self.requiresGradient = requiresGradient
    }

    deinit {
        // Iterative teardown: inputs that only this node keeps alive are moved onto a list
        // (chained through `teardownNext`, so it allocates nothing) and released one at a
        // time after their own inputs have been moved off, so releasing a long chain is a
        // loop instead of a recursion one frame per node. (`Variable.deinit` has already
        // released its pullbacks, which capture only inputs that `edges` still holds.)
        guard edges.count > 0 else { return }
        var waiting: GraphNode? = nil
        GraphNode.moveUniqueInputs(of: self, onto: &waiting)
        while let node = waiting {
            waiting = node.teardownNext
            node.teardownNext = nil
            // First drop what its pullbacks captured (its inputs), so that an input this
            // node alone keeps alive is seen as unique below instead of being freed by
            // recursion when the pullbacks go.
            node.releaseCaptures()
            GraphNode.moveUniqueInputs(of: node, onto: &waiting)
            // `node` is released here with no inputs left, so its deinit returns at once.
        }
    }

    /// Releases whatever the node's pullbacks captured; ``Variable`` overrides it.
    @usableFromInline
    internal func releaseCaptures() {}

    /// Takes every input off `node`; pushes onto `waiting` those that have inputs of their
    /// own and no other owner, and releases the rest.
    private static func moveUniqueInputs(of node: GraphNode, onto waiting: inout GraphNode?) {
        func release(_ slot: inout GraphNode?) {
            guard var input = slot.take() else { return }
            if input.edges.count > 0 && isKnownUniquelyReferenced(&input) {
                input.teardownNext = waiting
                waiting = input
            }
        }
        guard node.edges.count > 0 else { return }
        release(&node.edges.first)
        release(&node.edges.second)
        release(&node.edges.third)
        while let last = node.edges.rest.popLast() {
            var slot: GraphNode? = last
            release(&slot)
        }
        node.edges.count = 0
    }

    /// Links the nodes that require a gradient and that this node depends on through
    /// ``orderLink``, consumers before their inputs (a reverse depth-first post-order), and
    /// returns the first: this node. Every linked node is marked.
    ///
    /// The references are unmanaged: the caller keeps this node, which keeps every node of
    /// its graph, alive until it has walked the order.
    @usableFromInline
    internal final func linkReverseTopologicalOrder() -> Unmanaged<GraphNode> {
        var head: Unmanaged<GraphNode>? = nil
        var top: Unmanaged<GraphNode>? = Unmanaged.passUnretained(self)
        isMarked = true
        nextInput = 0
        stackLink = nil
        // The walk only reads nodes that the graph keeps alive, so it borrows them
        // (`_withUnsafeGuaranteedRef`) instead of counting references (half of its time).
        while let current = top {
            top = current._withUnsafeGuaranteedRef { node in
                let next = node.nextInput
                guard next < node.edges.count else {
                    node.orderLink = head
                    head = current
                    defer { node.stackLink = nil }
                    return node.stackLink
                }
                node.nextInput = next + 1
                return Unmanaged.passUnretained(node.edges[next])._withUnsafeGuaranteedRef {
                    input in
                    guard input.requiresGradient && !input.isMarked else { return current }
                    input.isMarked = true
                    input.nextInput = 0
                    input.stackLink = current
                    return Unmanaged.passUnretained(input)
                }
            }
        }
        return head!
    }
}

/// A node's inputs: the first three inline, any others in an array (only ops such as
/// `concatenate` have more than three). Inline fields save the array a node would
/// otherwise allocate, and let the optimizer keep the array literal an op passes to
/// ``Variable/init(op:value:inputs:file:line:tensorPullback:pullback:)`` on the stack.
@usableFromInline
internal struct NodeInputs {
    @usableFromInline var first: GraphNode?
    @usableFromInline var second: GraphNode?
    @usableFromInline var third: GraphNode?
    @usableFromInline var rest: [GraphNode]
    @usableFromInline var count: Int

    /// No inputs.
    @inlinable
    init() {
        (first, second, third, rest, count) = (nil, nil, nil, [], 0)
    }

    @inlinable @inline(__always)
    init<Node: GraphNode>(_ nodes: [Node]) {
        count = nodes.count
        first = count > 0 ? nodes[0] : nil
        second = count > 1 ? nodes[1] : nil
        third = count > 2 ? nodes[2] : nil
        rest = count > 3 ? nodes[3...].map { $0 } : []
    }

    /// Two or three inputs, without an array.
    @inlinable
    init(_ a: GraphNode, _ b: GraphNode, _ c: GraphNode? = nil) {
        (first, second, third, rest, count) = (a, b, c, [], c == nil ? 2 : 3)
    }

    @inlinable
    subscript(index: Int) -> GraphNode {
        switch index {
        case 0: first.unsafelyUnwrapped
        case 1: second.unsafelyUnwrapped
        case 2: third.unsafelyUnwrapped
        default: rest[index - 3]
        }
    }
}
