// What a tensor pullback returns, one gradient per input, and a node's inputs: a list whose
// first three elements are held inline.

/// The gradients a first-order (tensor) pullback returns, one per input of the op in order,
/// `nil` for an input that needs none. Write it as an array literal:
///
/// ```swift
/// tensorPullback: { y, g in [g * 2, nil] }
/// ```
///
/// Up to three gradients are stored inline instead of in an array, so returning them
/// allocates nothing (ops with more inputs keep the others in an array).
public struct InputGradients<Element>: RandomAccessCollection, ExpressibleByArrayLiteral {
    @usableFromInline internal var first: Element?
    @usableFromInline internal var second: Element?
    @usableFromInline internal var third: Element?
    @usableFromInline internal var rest: [Element?]
    /// The number of elements, inline or not.
    @usableFromInline internal var length: Int
    /// The number of gradients (the number of inputs).
    @inlinable public var count: Int { length }

    /// The gradients in input order.
    @inlinable @inline(__always)
    public init(arrayLiteral gradients: Element?...) {
        self.init(gradients)
    }

    /// The gradients in input order.
    @inlinable @inline(__always)
    public init(_ gradients: [Element?]) {
        length = gradients.count
        first = length > 0 ? gradients[0] : nil
        second = length > 1 ? gradients[1] : nil
        third = length > 2 ? gradients[2] : nil
        rest = length > 3 ? Array(gradients[3...]) : []
    }

    /// One gradient, without an intermediate array.
    @inlinable
    public init(_ first: consuming Element?) {
        (self.first, self.second, self.third, self.rest, self.length) = (first, nil, nil, [], 1)
    }

    /// Two gradients, without an intermediate array.
    @inlinable
    public init(_ first: consuming Element?, _ second: consuming Element?) {
        (self.first, self.second, self.third, self.rest, self.length) = (first, second, nil, [], 2)
    }

    /// Three gradients, without an intermediate array.
    @inlinable
    public init(
        _ first: consuming Element?, _ second: consuming Element?, _ third: consuming Element?
    ) {
        (self.first, self.second, self.third, self.rest, self.length) = (first, second, third, [], 3)
    }

    /// Removes and returns the gradient at `index`, leaving `nil` (the sweep hands each
    /// gradient on without copying it).
    @inlinable
    internal mutating func take(_ index: Int) -> Element? {
        switch index {
        case 0: first.take()
        case 1: second.take()
        case 2: third.take()
        default: rest[index - 3].take()
        }
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }

    @inlinable
    public subscript(index: Int) -> Element? {
        require(index >= 0 && index < count, "InputGradients: index \(index) of \(count)")
        switch index {
        case 0: return first
        case 1: return second
        case 2: return third
        default: return rest[index - 3]
        }
    }
}
