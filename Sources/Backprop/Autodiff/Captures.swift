// One object for everything an op's two pullbacks capture.
//
// An escaping closure that captures exactly one class reference uses that object as its
// context; capturing anything else (two references, an enum, a tuple) allocates a context
// box per closure. An op whose tensor pullback and variable pullback both capture only a
// `Captures` box therefore allocates once instead of twice per node: measurable on small
// graphs, where allocation is most of the cost.

/// An immutable box for the values an op's pullbacks share.
///
/// ```swift
/// let saved = Captures((x: x, weight: weight))
/// ... tensorPullback: { [saved] y, g in ... saved.value.x ... }
/// ```
@usableFromInline
internal final class Captures<Value> {
    @usableFromInline let value: Value
    @inlinable init(_ value: Value) { self.value = value }
}
