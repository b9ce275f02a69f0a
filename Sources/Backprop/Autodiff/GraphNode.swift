import CBackpropKernels
import Synchronization

/// The part of a graph node that does not depend on the scalar type: its edges to its
/// inputs, when it was made and when its value last changed, the slot a sweep keeps for it,
/// and the iterative teardown.
///
/// Keeping this non-generic makes sorting and releasing a graph plain concrete code
/// (no generic metadata at run time). ``Variable`` is the only subclass.
///
/// The mutable fields of nodes are `@exclusivity(unchecked)`: the engine never overlaps two
/// accesses to one field, so dynamic exclusivity checks could never fail, yet they would
/// run on every access of every node, a per-op cost that small graphs feel most.
/// `sweepSlot` is only read and written by the thread that made the node
/// (`creatorThread`), so sweeps on other threads never touch it.
public class GraphNode {
    /// The inputs of the op that made this node, as untyped nodes.
    @exclusivity(unchecked) @usableFromInline internal final var edges: NodeInputs
    /// The change clock (`bp_change_clock_now`) when the node was made.
    @usableFromInline internal final let madeAt: UInt64
    /// The tick of the last change to the value (0: never changed). An input changed after
    /// its consumer was made (`changedAt > madeAt`) would give the consumer's pullback a
    /// value it did not read: the sweep stops there.
    @exclusivity(unchecked) @usableFromInline internal final var changedAt: UInt64 = 0
    /// The thread that made the node (`bp_thread_token`).
    @usableFromInline internal final let creatorThread: UInt32
    /// While a sweep on `creatorThread` holds the node: that sweep's depth on the thread
    /// (upper 32 bits) and the node's entry in the sweep (lower 32 bits); 0 otherwise.
    @exclusivity(unchecked) @usableFromInline internal final var sweepSlot: UInt64 = 0
    /// Held while a backward pass adds to the ``Variable/gradient`` of this leaf.
    @usableFromInline internal final let gradientLock = Atomic<Bool>(false)
    /// Teardown: the next node waiting to be released (a strong reference).
    @exclusivity(unchecked) @usableFromInline internal final var teardownNext: GraphNode?
    /// Whether gradients flow to this node.
    ///
    /// Settable on leaves only (nodes without inputs: parameters, data, constants), to
    /// freeze a parameter (`false`) or thaw it (`true`). The rule is the one for changing a
    /// value: change it only between a backward pass and the next forward pass. An op reads
    /// the flag when it records its node (whether the node needs a gradient at all), so a
    /// change is stamped like a change of the value, and a backward pass through an op
    /// recorded before the change stops with a message naming the op instead of running
    /// with a graph that no longer agrees with its leaves. Setting `false` also drops the
    /// leaf's pending gradient (on ``Variable``), so an optimizer step leaves it unchanged.
    /// An op's result requires a gradient exactly when one of its inputs does, so setting
    /// it on a node with inputs stops with a message.
    @inlinable public final var requiresGradient: Bool {
        @inline(__always) get { needsGradient }
        set {
            require(
                edges.count == 0,
                "requiresGradient: set on the result of an op with \(edges.count) inputs; only "
                    + "leaves (parameters, data) can be frozen or thawed")
            guard newValue != needsGradient else { return }
            changedAt = bp_change_clock_tick()
            needsGradient = newValue
            if !newValue { dropGradient() }
        }
    }
    /// The storage of ``requiresGradient``.
    @exclusivity(unchecked) @usableFromInline internal final var needsGradient: Bool
    /// The op's constant (an activation, a reduction) as one byte, read by its pullbacks
    /// from the node instead of captured: see ``NodeConstant``.
    @usableFromInline internal final let constantByte: UInt8

    @inlinable @inline(__always)
    internal init(edges: consuming NodeInputs, requiresGradient: Bool, constantByte: UInt8 = 0) {
        // Read before the edges are stored: a call in between made the compiler retain
        // and release every input around it.
        self.creatorThread = bp_thread_token()
        self.madeAt = bp_change_clock_now()
        self.edges = edges
        self.needsGradient = requiresGradient
        self.constantByte = constantByte
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

    /// Drops the pending gradient of a leaf; ``Variable`` overrides it.
    @usableFromInline
    internal func dropGradient() {}

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
        while var last = node.edges.rest.popLast() {
            release(&last)
        }
        node.edges.length = 0
    }
}

/// A node's inputs: the same three-inline list as the gradients a pullback returns. Inline
/// fields save the array a node would otherwise allocate (only ops such as `concatenate`
/// have more than three inputs), and let the optimizer keep the array literal an op passes
/// to ``Variable/init(op:value:inputs:file:line:tensorPullback:pullback:)`` on the stack.
/// A constant of an op (an activation, a reduction) that the node keeps in one byte, so
/// that the op's pullbacks read it from the output node (``Variable/constant(as:)``)
/// instead of capturing it: a closure that captures a value allocates a context per node,
/// one that captures nothing does not.
///
/// Only enums without associated values conform: such a value is one byte, its case index,
/// so it converts to the byte and back exactly.
@usableFromInline
internal protocol NodeConstant {}

extension NodeConstant {
    @inlinable var byte: UInt8 { unsafeBitCast(self, to: UInt8.self) }
    @inlinable init(byte: UInt8) { self = unsafeBitCast(byte, to: Self.self) }
}

@usableFromInline
internal typealias NodeInputs = InputGradients<GraphNode>

extension InputGradients where Element == GraphNode {
    /// No inputs.
    @inlinable
    init() {
        (first, second, third, rest, length) = (nil, nil, nil, [], 0)
    }

    @inlinable @inline(__always)
    init<Node: GraphNode>(_ nodes: [Node]) {
        length = nodes.count
        first = length > 0 ? nodes[0] : nil
        second = length > 1 ? nodes[1] : nil
        third = length > 2 ? nodes[2] : nil
        rest = length > 3 ? nodes[3...].map { $0 } : []
    }

    /// Two or three inputs, without an array.
    @inlinable
    init(_ a: GraphNode, _ b: GraphNode, _ c: GraphNode? = nil) {
        (first, second, third, rest, length) = (a, b, c, [], c == nil ? 2 : 3)
    }

    /// The input at `index` (every input of a node is present).
    @inlinable
    func node(at index: Int) -> GraphNode {
        switch index {
        case 0: first.unsafelyUnwrapped
        case 1: second.unsafelyUnwrapped
        case 2: third.unsafelyUnwrapped
        default: rest[index - 3].unsafelyUnwrapped
        }
    }
}
