import Backprop
import Foundation

// Temporary probe: tiny graph forward + backward.
func run() {
var rng = SeededGenerator(seed: 0)
let w = Variable(Tensor<Double>.uniform([4, 5], in: -1..<1, using: &rng), requiresGradient: true)
let b = Variable(Tensor<Double>.uniform([5], in: -1..<1, using: &rng), requiresGradient: true)
let x = Variable(Tensor<Double>.uniform([1, 4], in: 0..<1, using: &rng))
let t = Variable(Tensor<Double>([[1, 0, 0, 1, 0]]))
let fused = ProcessInfo.processInfo.environment["FUSED"] != nil
func step() {
    let loss = fused
        ? halfSquaredError(x.dense(weight: w, bias: b, activation: .sigmoid), t)
        : halfSquaredError((x.matmul(w) + b).sigmoid(), t)
    loss.backward()
    w.zeroGradient(); b.zeroGradient()
}
for _ in 0..<10000 { step() }
let n = Int(ProcessInfo.processInfo.environment["N"] ?? "") ?? 200_000
let start = DispatchTime.now().uptimeNanoseconds
for _ in 0..<n { step() }
let el = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(n)
print("tiny graph fwd+bwd: \(el / 1000) µs")
}
run()
