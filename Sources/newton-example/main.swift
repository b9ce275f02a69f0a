// Newton's method versus gradient descent on logistic regression: Iris versicolor versus
// virginica (the two classes that overlap, so the maximum-likelihood weights are finite),
// four standardised features plus a bias.
//
//   swift run -c release newton-example [--data PATH/TO/iris.csv]   (default: the bundled Iris)
//
// The loss is the mean binary cross-entropy L(θ) = (1/m) Σ softplus(xᵢ·θ) − yᵢ xᵢ·θ.
// Newton's step solves H Δ = ∇L with the Hessian from `hessian(of:at:)` (reverse mode
// over a recorded gradient); gradient descent steps θ ← θ − η∇L. Both stop when every
// component of the gradient is below 1e-6.

import Backprop
import BackpropNN
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct ExampleError: Error, CustomStringConvertible {
    let description: String
}

/// Reads the two overlapping classes of the Iris CSV (header, four numbers, species).
func loadTwoClasses(path: String) throws -> (features: [[Double]], labels: [Double]) {
    guard let file = fopen(path, "r") else { throw ExampleError(description: "cannot open \(path)") }
    defer { fclose(file) }
    var text = ""
    var buffer = [CChar](repeating: 0, count: 4096)
    while fgets(&buffer, Int32(buffer.count), file) != nil {
        text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    var features: [[Double]] = []
    var labels: [Double] = []
    for (number, line) in text.split(separator: "\n").enumerated().dropFirst() {
        let fields = line.split(separator: ",").map { $0.trimmingCharacters() }
        guard fields.count == 5 else {
            throw ExampleError(description: "\(path):\(number + 1): expected 5 fields, found \(fields.count)")
        }
        let label: Double
        switch fields[4] {
        case "Iris-versicolor": label = 0
        case "Iris-virginica": label = 1
        default: continue
        }
        let values = fields[..<4].compactMap { Double($0) }
        guard values.count == 4 else {
            throw ExampleError(description: "\(path):\(number + 1): a feature is not a number")
        }
        features.append(values)
        labels.append(label)
    }
    guard !features.isEmpty else { throw ExampleError(description: "\(path): no versicolor or virginica rows") }
    return (features, labels)
}

extension Substring {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\r" }.reversed())
    }
}

/// Standardises each column and appends a column of ones (the bias).
func designMatrix(_ rows: [[Double]]) -> Tensor<Double> {
    let m = Double(rows.count)
    let columns = rows[0].count
    var scalars: [Double] = []
    let means = (0..<columns).map { j in rows.reduce(0) { $0 + $1[j] } / m }
    let deviations = (0..<columns).map { j in
        (rows.reduce(0) { $0 + ($1[j] - means[j]) * ($1[j] - means[j]) } / m).squareRoot()
    }
    for row in rows {
        scalars += (0..<columns).map { (row[$0] - means[$0]) / deviations[$0] } + [1]
    }
    return Tensor(shape: [rows.count, columns + 1], scalars: scalars)
}

/// Solves A x = b by Gaussian elimination with partial pivoting (A is small and dense).
func solve(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Tensor<Double> {
    let n = b.count
    var m = a.scalars
    var x = b.scalars
    for k in 0..<n {
        let pivot = (k..<n).max { abs(m[$0 * n + k]) < abs(m[$1 * n + k]) }!
        if pivot != k {
            for j in 0..<n { m.swapAt(k * n + j, pivot * n + j) }
            x.swapAt(k, pivot)
        }
        for i in (k + 1)..<n {
            let factor = m[i * n + k] / m[k * n + k]
            for j in k..<n { m[i * n + j] -= factor * m[k * n + j] }
            x[i] -= factor * x[k]
        }
    }
    for k in stride(from: n - 1, through: 0, by: -1) {
        for j in (k + 1)..<n { x[k] -= m[k * n + j] * x[j] }
        x[k] /= m[k * n + k]
    }
    return Tensor(x)
}

let arguments = Array(CommandLine.arguments.dropFirst())
let path: String
switch arguments.count {
case 0:
    path = BundledData.iris.path
case 2 where arguments[0] == "--data":
    path = arguments[1]
default:
    FileHandle.standardError.write(Data("usage: newton-example [--data PATH/TO/iris.csv]\n".utf8))
    exit(2)
}
let data: (features: [[Double]], labels: [Double])
do {
    data = try loadTwoClasses(path: path)
} catch {
    print("newton-example: \(error)")
    exit(1)
}
/// Fits the model both ways and prints the iteration counts.
func compare(x: Variable<Double>, y: Variable<Double>) {
    func loss(_ theta: Variable<Double>) -> Variable<Double> {
        binaryCrossEntropy(logits: x.matmul(theta), targets: y)
    }
    func lossAndGradient(_ theta: Tensor<Double>) -> (Double, Tensor<Double>) {
        let t = Variable(theta, requiresGradient: true)
        let l = loss(t)
        return (l.value.scalar, gradients(of: l, withRespectTo: [t])[0])
    }
    let tolerance = 1e-6
    let parameters = x.shape[1]
    print("Logistic regression, Iris versicolor vs virginica: \(x.shape[0]) rows, \(parameters) parameters")

    // Newton's method: θ ← θ − H⁻¹∇L.
    var theta = Tensor<Double>.zeros([parameters])
    var newtonSteps = 0
    while true {
        let (value, gradient) = lossAndGradient(theta)
        if gradient.scalars.allSatisfy({ abs($0) < tolerance }) {
            print("Newton:           \(newtonSteps) iterations, loss \(value)")
            break
        }
        theta -= solve(hessian(of: loss, at: theta), gradient)
        newtonSteps += 1
        if newtonSteps == 100 { print("Newton: no convergence in 100 iterations"); break }
    }
    let newtonTheta = theta

    // Gradient descent with the step 1/L, L = ¼ λmax(XᵀX / m) bounding the Hessian's spectrum
    // (λmax by power iteration), the largest step that always decreases the loss.
    let gram = x.value.matmul(x.value, transposingSelf: true) * (1 / Double(x.shape[0]))
    var v = Tensor<Double>.ones([parameters])
    for _ in 0..<200 {
        let w = gram.matmul(v.reshaped(to: [parameters, 1])).reshaped(to: [parameters])
        v = w * (1 / w.scalars.map { $0 * $0 }.reduce(0, +).squareRoot())
    }
    let lambdaMax = (v * gram.matmul(v.reshaped(to: [parameters, 1])).reshaped(to: [parameters])).sum().scalar
    let step = 1 / (0.25 * lambdaMax)
    theta = .zeros([parameters])
    var descentSteps = 0
    let limit = 1_000_000
    while true {
        let (value, gradient) = lossAndGradient(theta)
        if gradient.scalars.allSatisfy({ abs($0) < tolerance }) {
            print("Gradient descent: \(descentSteps) iterations, loss \(value) (step \(step))")
            break
        }
        theta.addScaled(gradient, by: -step)
        descentSteps += 1
        if descentSteps == limit { print("Gradient descent: no convergence in \(limit) iterations"); break }
    }
    let gap = zip(theta.scalars, newtonTheta.scalars).map { abs($0 - $1) }.max()!
    print("Largest difference between the two solutions: \(gap)")
}

compare(x: Variable(designMatrix(data.features)), y: Variable(Tensor(data.labels)))
