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
    @exclusivity(unchecked) @usableFromInline internal final var parents: [GraphNode]
    /// Set while a sweep has visited the node; cleared before the sweep returns.
    @exclusivity(unchecked) @usableFromInline internal final var isMarked = false
    /// The node's position in the topological order of the current sweep.
    @exclusivity(unchecked) @usableFromInline internal final var sweepIndex = 0
    /// Whether gradients flow to this node.
    public final let requiresGradient: Bool

    @usableFromInline
    internal init(parents: [GraphNode], requiresGradient: Bool) {
        self.parents = parents
        self.requiresGradient = requiresGradient
    }

    deinit {
        // Iterative teardown: unlink inputs that only this node keeps alive, so releasing
        // a long chain is a loop instead of a recursion one frame per node. (A subclass's
        // stored pullback is destroyed before this runs; it captured only inputs, which
        // `parents` still holds.)
        guard !parents.isEmpty else { return }
        var stack: [GraphNode] = []
        swap(&stack, &parents)
        while var node = stack.popLast() {
            if isKnownUniquelyReferenced(&node), !node.parents.isEmpty {
                stack.append(contentsOf: node.parents)
                node.parents.removeAll()
            }
        }
    }

    /// The nodes that require a gradient and that this node depends on, inputs before the
    /// ops that use them: an iterative depth-first post-order.
    @usableFromInline
    internal final func topologicalOrder() -> [GraphNode] {
        var order: [GraphNode] = []
        var stack: [(node: GraphNode, next: Int)] = [(self, 0)]
        isMarked = true
        while let (node, next) = stack.last {
            if next < node.parents.count {
                stack[stack.count - 1].next = next + 1
                let input = node.parents[next]
                if input.requiresGradient && !input.isMarked {
                    input.isMarked = true
                    stack.append((input, 0))
                }
            } else {
                order.append(node)
                stack.removeLast()
            }
        }
        return order
    }
}
