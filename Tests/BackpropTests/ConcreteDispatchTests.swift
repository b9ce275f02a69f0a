import Backprop
import XCTest

/// A computation behind a protocol, as a container calls a user's generic layer: the
/// conformance of a generic type runs as generic code, so its ops do not know the scalar.
private protocol Computation<Scalar> {
    associatedtype Scalar: TensorScalar
    func callAsFunction(_ x: Variable<Scalar>, _ w: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar>
}

/// Every op with a concrete entry (ConcreteDispatch.swift), once each.
private func allOps<S: TensorScalar>(_ x: Variable<S>, _ w: Variable<S>, _ b: Variable<S>) -> Variable<S> {
    let h = x.dense(weight: w, bias: b, activation: .tanh)
    let u = (x.matmul(w) + b).applying(.sigmoid) - h
    let v = u * h / (h.applying(.softplus) + b)
    return x.matmul(w).relu().multiplying(v).dense(weight: w.transposed(), bias: nil).sum()
}

private struct GenericComputation<Scalar: TensorScalar>: Computation {
    func callAsFunction(_ x: Variable<Scalar>, _ w: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        allOps(x, w, b)
    }
}

final class ConcreteDispatchTests: XCTestCase {
    /// The value and the gradients of `allOps` through `any Computation` (generic code) and
    /// called directly with the scalar type known.
    func check<S: TensorScalar>(_: S.Type) {
        var rng = SeededGenerator(seed: 7)
        let x = Variable(Tensor<S>.normal([4, 3], using: &rng), requiresGradient: true)
        let w = Variable(Tensor<S>.normal([3, 3], using: &rng), requiresGradient: true)
        let b = Variable(Tensor<S>.uniform([3], using: &rng), requiresGradient: true)
        let computation: any Computation<S> = GenericComputation<S>()
        let generic = computation(x, w, b)
        generic.backward()
        let genericGradients = [x, w, b].map { $0.gradient.take()! }
        let concrete = allOps(x, w, b)
        concrete.backward()
        XCTAssertEqual(generic.value, concrete.value, "\(S.self)")
        XCTAssertEqual(genericGradients, [x, w, b].map { $0.gradient.take()! }, "\(S.self)")
    }

    func testGenericCodeGetsTheSameValuesAndGradients() {
        check(Float.self)
        check(Double.self)
    }
}
