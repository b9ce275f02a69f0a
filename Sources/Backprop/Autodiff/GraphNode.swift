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
    /// Sorting: the next input to visit, and the node below this one on the depth-first
    /// stack. The stack and the order live in the nodes, so sorting allocates nothing.
    @exclusivity(unchecked) @usableFromInline internal final var nextInput = 0
    @exclusivity(unchecked) @usableFromInline internal final var stackLink: Unmanaged<GraphNode>?
    /// The next node in reverse topological order (consumers before their inputs).
    @exclusivity(unchecked) @usableFromInline internal final var orderLink: Unmanaged<GraphNode>?
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
                guard next < node.parents.count else {
                    node.orderLink = head
                    head = current
                    defer { node.stackLink = nil }
                    return node.stackLink
                }
                node.nextInput = next + 1
                return Unmanaged.passUnretained(node.parents[next])._withUnsafeGuaranteedRef {
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
