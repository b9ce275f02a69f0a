// What a tensor pullback returns: one gradient per input, the first three held inline.

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
    /// The number of gradients (the number of inputs).
    public let count: Int

    /// The gradients in input order.
    @inlinable @inline(__always)
    public init(arrayLiteral gradients: Element?...) {
        self.init(gradients)
    }

    /// The gradients in input order.
    @inlinable @inline(__always)
    public init(_ gradients: [Element?]) {
        count = gradients.count
        first = count > 0 ? gradients[0] : nil
        second = count > 1 ? gradients[1] : nil
        third = count > 2 ? gradients[2] : nil
        rest = count > 3 ? Array(gradients[3...]) : []
    }

    /// One gradient, without an intermediate array.
    @inlinable
    public init(_ first: consuming Element?) {
        (self.first, self.second, self.third, self.rest, self.count) = (first, nil, nil, [], 1)
    }

    /// Two gradients, without an intermediate array.
    @inlinable
    public init(_ first: consuming Element?, _ second: consuming Element?) {
        (self.first, self.second, self.third, self.rest, self.count) = (first, second, nil, [], 2)
    }

    /// Three gradients, without an intermediate array.
    @inlinable
    public init(
        _ first: consuming Element?, _ second: consuming Element?, _ third: consuming Element?
    ) {
        (self.first, self.second, self.third, self.rest, self.count) = (first, second, third, [], 3)
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
