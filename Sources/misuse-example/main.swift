// What a misuse of Backprop prints, in any build (release included): the op, the shapes
// and the line of the call. Run `swift run -c release misuse-example matmul`; the tests in
// Tests/CLITests/MisuseExampleTests.swift run it built for debug and for release.

import Backprop
import Foundation

let usage = "usage: misuse-example matmul | broadcast | custom-op | changed-value"

guard CommandLine.arguments.count == 2 else {
    print(usage)
    exit(2)
}

switch CommandLine.arguments[1] {
case "matmul":
    // A [3, 4] matrix times a [5, 2] one.
    let a = Variable(Tensor<Float>.zeros([3, 4]), requiresGradient: true)
    let b = Variable(Tensor<Float>.zeros([5, 2]))
    _ = a.matmul(b)
case "broadcast":
    let a = Variable(Tensor<Float>.zeros([2, 3]), requiresGradient: true)
    _ = a.adding(Variable(Tensor.zeros([4])))
case "custom-op":
    // A custom op whose forward multiplies tensors that do not broadcast.
    let scaled = CustomOp<Float>(name: "scaled") { inputs in inputs[0] * inputs[1] } backward: {
        context in [context.gradient, nil]
    }
    _ = scaled(Variable(Tensor.zeros([2])), Variable(Tensor.zeros([3])))
case "changed-value":
    let w = Variable(Tensor<Float>([[1, 2], [3, 4]]))
    let x = Variable(Tensor<Float>([[1], [1]]), requiresGradient: true)
    let loss = w.matmul(x).sum()
    w.value = w.value * Tensor(10)
    loss.backward()
default:
    print(usage)
    exit(2)
}
print("misuse-example: the misuse was not caught")
exit(0)
