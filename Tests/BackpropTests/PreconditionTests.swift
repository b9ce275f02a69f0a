import Backprop
import BackpropTesting
import XCTest

/// Misuse stops the program with a message that names the op and the shapes. Each case runs
/// in a child process (BackpropTesting's `assertStops`: this test binary again, running only
/// this test with the case's name in the environment), and the test checks that the child
/// died and what it printed.
final class PreconditionTests: XCTestCase {
    /// The misuses, by name, with a part of the message each must print.
    static let cases: [String: (expected: String, body: @Sendable () -> Void)] = [
        "backwardNonScalarWithoutSeed": (
            "backward: output of op 'multiply' has shape [2], not one element; pass `seed:`",
            {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                x.multiplying(x).backward()
            }
        ),
        "backwardWithoutGradient": (
            "backward: the output of op 'multiply' [1] does not require a gradient",
            {
                let x = Variable(Tensor<Double>([1]))
                x.multiplying(x).backward()
            }
        ),
        "addScaledShapes": (
            "addScaled: [2] , [3]: shapes differ",
            {
                var a = Tensor<Double>([1, 2])
                a.addScaled(Tensor([1, 2, 3]), by: 1)
            }
        ),
        "backwardSeedShape": (
            "backward: [3] seed for output [2]: shapes differ",
            {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                (x * x).backward(seed: Tensor([1, 1, 1]))
            }
        ),
        "gradientsOfConstantVariable": (
            "gradients: variable 0 (op 'leaf', [2]) does not require a gradient",
            {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                _ = gradients(of: x.sum(), withRespectTo: [Variable(Tensor([1, 2]))])
            }
        ),
        "matmulInnerSizes": (
            "matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ",
            {
                let a = Variable(Tensor<Double>.zeros([3, 4]), requiresGradient: true)
                _ = a.matmul(Variable(Tensor.zeros([5, 2])))
            }
        ),
        "summedToShapeThatDoesNotBroadcast": (
            // Same element count: the check must come before any reshape.
            "unbroadcast: [3, 1] does not broadcast to [1, 3]",
            {
                _ = Tensor<Double>(shape: [1, 3], scalars: [1, 2, 3]).summed(toShape: [3, 1])
            }
        ),
        "addBroadcast": (
            "add: [2, 3] + [4]: sizes 3 and 4 do not broadcast",
            {
                let a = Variable(Tensor<Double>.zeros([2, 3]), requiresGradient: true)
                _ = a + Variable(Tensor.zeros([4]))
            }
        ),
        "lossShapes": (
            "halfSquaredError: [2, 3] vs [3, 2]: shapes differ",
            {
                let a = Variable(Tensor<Double>.zeros([2, 3]), requiresGradient: true)
                _ = halfSquaredError(a, Variable(Tensor.zeros([3, 2])))
            }
        ),
        "reshapeNegative": (
            "reshape: negative size in shape [-2, -3]",
            { _ = Tensor<Double>.zeros([6]).reshaped(to: [-2, -3]) }
        ),
        "zerosNegative": (
            "Tensor: negative size in shape [2, -1]",
            { _ = Tensor<Float>.zeros([2, -1]) }
        ),
        // Regression: the byte count overflowed (`arithmetic overflow` in TensorStorage).
        "zerosTooManyBytes": (
            "Tensor: shape [4611686018427387904] needs 36893488147419103232 bytes (8 per scalar), "
                + "more than the 9223372036854775807 one allocation can hold",
            { _ = Tensor<Double>.zeros([1 << 62]) }
        ),
        "onesFloatTooManyBytes": (
            "Tensor: shape [2, 1152921504606846976] needs 9223372036854775808 bytes (4 per scalar)",
            { _ = Tensor<Float>.ones([2, 1 << 60]) }
        ),
        "broadcastTooManyBytes": (
            "Tensor: shape [4, 1152921504606846976] needs 36893488147419103232 bytes",
            { _ = Variable(Tensor<Double>(1)).broadcast(toShape: [4, 1 << 60]) }
        ),
        // Regression: accepted (the running product hit 0 first), then `permuted` overflowed.
        "zerosEmptyWithHugeSizes": (
            "Tensor: shape [0, 9223372036854775807, 9223372036854775807] has too many elements",
            { _ = Tensor<Double>.zeros([0, Int.max, Int.max]).permuted([2, 1, 0]) }
        ),
        "denseInnerSizes": (
            "dense: [1, 3] × [4, 5]: inner sizes 3 and 4 differ",
            {
                let x = Variable(Tensor<Double>.zeros([1, 3]))
                let w = Variable(Tensor<Double>.zeros([4, 5]), requiresGradient: true)
                _ = x.dense(weight: w, bias: nil, activation: .sigmoid)
            }
        ),
        "denseBias": (
            "dense: bias [4] for output [2, 5]: expected [5]",
            {
                let x = Variable(Tensor<Double>.zeros([2, 3]))
                let w = Variable(Tensor<Double>.zeros([3, 5]), requiresGradient: true)
                _ = x.dense(weight: w, bias: Variable(Tensor.zeros([4])), activation: .relu)
            }
        ),
        "rankAboveEight": (
            "TensorShape: more than 8 axes (a tensor has rank 8 or less)",
            { _ = Tensor<Float>.zeros([1, 1, 1, 1, 1, 1, 1, 1, 1]) }
        ),
        "sumAxis": (
            "sum: axis 2 is out of range for rank 2",
            {
                let a = Variable(Tensor<Double>.zeros([2, 3]), requiresGradient: true)
                _ = a.sum(alongAxis: 2)
            }
        ),
        // A value changed between forward and backward (PyTorch's version counter).
        "leafChangedBeforeBackward": (
            "backward: the value of its input 0 (op 'leaf', now [2, 2]) or its requiresGradient was changed after op "
                + "'matmul' read it; its gradient would use the new value",
            {
                let a = Variable(Tensor<Double>([[1, 2], [3, 4]]))
                let x = Variable(Tensor<Double>([[1], [1]]), requiresGradient: true)
                let y = a.matmul(x).sum()
                a.value = a.value * Tensor(10)
                y.backward()
            }
        ),
        // Freezing a leaf between forward and backward: the recorded graph no longer agrees.
        "leafFrozenBeforeBackward": (
            "backward: the value of its input 1 (op 'leaf', now [2, 1]) or its requiresGradient "
                + "was changed after op 'matmul' read it",
            {
                let a = Variable(Tensor<Double>([[1, 2], [3, 4]]), requiresGradient: true)
                let x = Variable(Tensor<Double>([[1], [1]]), requiresGradient: true)
                let y = a.matmul(x).sum()
                x.requiresGradient = false
                y.backward()
            }
        ),
        "requiresGradientOfOpResult": (
            "requiresGradient: set on the result of an op with 2 inputs; only leaves",
            {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                (x * x).requiresGradient = false
            }
        ),
        "leafShapeChangedBeforeBackward": (
            "backward: the value of its input 1 (op 'leaf', now [1]) or its requiresGradient was changed after op 'multiply'",
            {
                let x = Variable(Tensor<Double>([1, 2, 3, 4]), requiresGradient: true)
                let c = Variable(Tensor<Double>([1, 2, 3, 4]))
                let y = x.multiplying(c).sum()
                c.value = Tensor([5])
                y.backward()
            }
        ),
        "targetChangedBeforeBackward": (
            "backward: the value of its input 1 (op 'leaf', now [1, 1]) or its requiresGradient was changed after op "
                + "'binaryCrossEntropy'",
            {
                let logits = Variable(Tensor<Double>.zeros([2, 3]), requiresGradient: true)
                let target = Variable(Tensor<Double>.zeros([2, 3]))
                let loss = binaryCrossEntropy(logits: logits, targets: target)
                target.value = Tensor.zeros([1, 1])
                _ = gradients(of: loss, withRespectTo: [logits])
            }
        ),
        "outputChangedBeforeBackward": (
            "backward: the value of op 'sigmoid' (now [2]) was changed after it was computed",
            {
                let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
                let h = x.sigmoid()
                h.value = Tensor([0, 0])
                h.sum().backward()
            }
        ),
    ]

    func testEveryMisuseStopsWithItsMessage() throws {
        for (name, entry) in Self.cases.sorted(by: { $0.key < $1.key }) {
            try assertStops(withMessageContaining: entry.expected, id: name, entry.body)
        }
    }
}
