import Backprop

// The conformance table of every public op of Backprop. Adding an op to the library means
// adding one entry here; `OpLibraryConformanceTests` runs them all, and fails when a
// public op of Sources/Backprop/Ops has no entry.

extension OpInfo {
    /// Every op of the library, built for `Scalar` (run in `Double`, compared with `Float`).
    public static var library: [OpInfo] {
        elementwiseEntries + reductionEntries + shapeEntries + matrixEntries + lossEntries + sequenceEntries
            + convolutionEntries
    }

    static var unaryShapes: [[TensorShape]] { [[[]], [[5]], [[3, 4]], [[2, 3, 2]]] }
    static var binaryShapes: [[TensorShape]] {
        [[[3, 4], [3, 4]], [[3, 4], [4]], [[3, 1], [1, 4]], [[], [2, 3]], [[2, 1, 3], [4, 1]]]
    }
    static var sameShapePairs: [[TensorShape]] { [[[5], [5]], [[3, 4], [3, 4]]] }
    static var rank3: [[TensorShape]] { [[[2, 3, 4]], [[3, 1, 2]]] }

    static func unary(
        _ name: String, _ domain: InputDomain = .real, _ f: @escaping @Sendable (Variable<Scalar>) -> Variable<Scalar>
    ) -> OpInfo {
        OpInfo(name: name, samples: unaryShapes, domains: [domain], outputShape: same) { f($0[0]) }
    }

    static func binary(
        _ name: String, _ domains: [InputDomain] = [.real],
        _ f: @escaping @Sendable (Variable<Scalar>, Variable<Scalar>) -> Variable<Scalar>
    ) -> OpInfo {
        OpInfo(name: name, samples: binaryShapes, domains: domains, outputShape: broadcast) {
            f($0[0], $0[1])
        }
    }

    static var elementwiseEntries: [OpInfo] {
        [
            binary("adding") { $0.adding($1) },
            binary("subtracting") { $0.subtracting($1) },
            binary("multiplying") { $0.multiplying($1) },
            binary("dividing", [.real, .positive]) { $0.dividing($1) },
            binary("maximum") { maximum($0, $1) },
            binary("minimum") { minimum($0, $1) },
            unary("maximum with a scalar", InputDomain(-2..<2, avoiding: [0.5])) { maximum($0, 0.5) },
            unary("minimum with a scalar first", InputDomain(-2..<2, avoiding: [0.5])) { minimum(0.5, $0) },
            unary("scaled") { $0.scaled(by: -1.5) },
            unary("shifted") { $0.shifted(by: 2) },
            unary("negated") { $0.negated() },
            unary("exp") { $0.exp() },
            unary("log", .positive) { $0.log() },
            unary("squareRoot", .positive) { $0.squareRoot() },
            unary("squared") { $0.squared() },
            unary("pow", .positive) { $0.pow(2.5) },
            unary("pow integer exponent") { $0.pow(3) },
            unary("abs", .awayFromZero) { $0.abs() },
            unary("clamped", InputDomain(-2..<2, avoiding: [-1, 1])) { $0.clamped(lower: -1, upper: 1) },
            unary("sigmoid") { $0.sigmoid() },
            OpInfo(name: "activationGradient sigmoid", samples: sameShapePairs, domains: [.real, .unitInterval],
                   outputShape: same) { activationGradient($0[0], output: $0[1], activation: .sigmoid) },
            OpInfo(name: "activationGradient tanh", samples: sameShapePairs, domains: [.real, .unitInterval],
                   outputShape: same) { activationGradient($0[0], output: $0[1], activation: .tanh) },
            unary("tanh") { $0.tanh() },
            unary("relu", .awayFromZero) { $0.relu() },
            unary("leakyRelu", .awayFromZero) { $0.leakyRelu(slope: 0.1) },
            unary("leakyRelu 0.01", .awayFromZero) { $0.leakyRelu() },
            OpInfo(name: "applying softmax", samples: [[[2, 3]], [[2, 2, 3]]], outputShape: same) {
                $0[0].applying(.softmax)
            },
            unary("softplus") { $0.softplus() },
        ]
    }

    static var reductionEntries: [OpInfo] {
        var entries: [OpInfo] = [
            unaryReduction("sum") { $0.sum() },
            unaryReduction("mean") { $0.mean() },
            unaryReduction("max") { $0.max() },
            unaryReduction("min") { $0.min() },
            unaryReduction("variance") { $0.variance() },
            unaryReduction("logSumExp") { $0.logSumExp() },
        ]
        for axis in [0, -1] {
            for keep in [false, true] {
                let shape = reduced(alongAxis: axis, keepingDimension: keep)
                func entry(_ name: String, _ f: @escaping @Sendable (Variable<Scalar>) -> Variable<Scalar>) -> OpInfo {
                    OpInfo(name: "\(name) axis \(axis) keep \(keep)", samples: rank3, outputShape: shape) { f($0[0]) }
                }
                entries += [
                    entry("sum") { $0.sum(alongAxis: axis, keepingDimension: keep) },
                    entry("mean") { $0.mean(alongAxis: axis, keepingDimension: keep) },
                    entry("max") { $0.max(alongAxis: axis, keepingDimension: keep) },
                    entry("min") { $0.min(alongAxis: axis, keepingDimension: keep) },
                    entry("variance") { $0.variance(alongAxis: axis, keepingDimension: keep) },
                    entry("logSumExp") { $0.logSumExp(alongAxis: axis, keepingDimension: keep) },
                ]
            }
            entries += [
                OpInfo(name: "softmax axis \(axis)", samples: rank3, outputShape: same) {
                    $0[0].softmax(alongAxis: axis)
                },
                OpInfo(name: "logSoftmax axis \(axis)", samples: rank3, outputShape: same) {
                    $0[0].logSoftmax(alongAxis: axis)
                },
            ]
        }
        return entries
    }

    static func unaryReduction(_ name: String, _ f: @escaping @Sendable (Variable<Scalar>) -> Variable<Scalar>) -> OpInfo {
        OpInfo(name: "\(name) of all", samples: unaryShapes, outputShape: scalar) { f($0[0]) }
    }

    static var shapeEntries: [OpInfo] {
        [
            OpInfo(name: "broadcast", samples: [[[3]], [[2, 1]], [[]]], outputShape: { _ in [2, 2, 3] }) {
                $0[0].broadcast(toShape: [2, 2, 3])
            },
            OpInfo(name: "summed", samples: [[[2, 3, 4]], [[1, 3, 4]]], outputShape: { _ in [3, 1] }) {
                $0[0].summed(toShape: [3, 1])
            },
            OpInfo(name: "reshaped", samples: [[[2, 6]], [[12]]], outputShape: { _ in [3, 2, 2] }) {
                $0[0].reshaped(to: [3, 2, 2])
            },
            OpInfo(name: "transposed", samples: [[[2, 3]], [[1, 4]]], outputShape: { [$0[0][1], $0[0][0]] }) {
                $0[0].transposed()
            },
            OpInfo(name: "permuted", samples: rank3, outputShape: { s in TensorShape([2, 0, 1].map { s[0][$0] }) }) {
                $0[0].permuted([2, 0, 1])
            },
            OpInfo(name: "squeezed", samples: [[[3, 1]], [[2, 1]]], outputShape: { [$0[0][0]] }) {
                $0[0].squeezed(axis: 1)
            },
            OpInfo(name: "unsqueezed", samples: [[[3]], [[2, 2]]], outputShape: { [1] + $0[0] }) {
                $0[0].unsqueezed(axis: 0)
            },
            OpInfo(name: "sliced", samples: [[[2, 3, 4]], [[1, 2, 2]]], outputShape: { s in [s[0][0], 1, s[0][2]] }) {
                $0[0].sliced(alongAxis: 1, 1..<2)
            },
            OpInfo(name: "rows", samples: [[[4, 3]], [[5]]], outputShape: { [2] + $0[0].dropFirst() }) {
                $0[0].rows(1..<3)
            },
            OpInfo(name: "gatheringRows", samples: [[[4, 3]], [[3]]], outputShape: { [4] + $0[0].dropFirst() }) {
                $0[0].gatheringRows([2, 0, 2, 1])
            },
            OpInfo(name: "concatenate", samples: [[[2, 3], [2, 1]], [[4, 2], [4, 2]]],
                   outputShape: { [$0[0][0], $0[0][1] + $0[1][1]] }) { concatenate($0, alongAxis: 1) },
            OpInfo(name: "stack", samples: [[[2, 3], [2, 3]], [[4], [4]]], outputShape: { [2] + $0[0] }) {
                stack($0, alongAxis: 0)
            },
        ]
    }

    static var matrixEntries: [OpInfo] {
        [
            OpInfo(name: "matmul", samples: [[[3, 4], [4, 2]], [[1, 3], [3, 1]]],
                   outputShape: { [$0[0][0], $0[1][1]] }) { $0[0].matmul($0[1]) },
            OpInfo(name: "matmul transposing both", samples: [[[4, 3], [2, 4]]],
                   outputShape: { [$0[0][1], $0[1][0]] }) {
                $0[0].matmul($0[1], transposingSelf: true, transposingOther: true)
            },
            OpInfo(name: "matmul matrix-vector", samples: [[[3, 4], [4]]], outputShape: { [$0[0][0]] }) {
                $0[0].matmul($0[1])
            },
            OpInfo(name: "matmul vector-matrix", samples: [[[3], [3, 2]]], outputShape: { [$0[1][1]] }) {
                $0[0].matmul($0[1])
            },
            OpInfo(name: "matmul batched", samples: [[[2, 3, 4], [2, 4, 2]]], outputShape: { _ in [2, 3, 2] }) {
                $0[0].matmul($0[1])
            },
            OpInfo(name: "matmul batched transposing other", samples: [[[2, 3, 4], [2, 5, 4]]],
                   outputShape: { _ in [2, 3, 5] }) { $0[0].matmul($0[1], transposingOther: true) },
            OpInfo(name: "dense sigmoid", samples: [[[3, 4], [4, 5], [5]], [[1, 2], [2, 3], [3]]],
                   outputShape: { [$0[0][0], $0[1][1]] }) {
                $0[0].dense(weight: $0[1], bias: $0[2], activation: .sigmoid)
            },
            OpInfo(name: "dense tanh without bias", samples: [[[3, 4], [4, 5]]], outputShape: { [$0[0][0], $0[1][1]] }) {
                $0[0].dense(weight: $0[1], bias: nil, activation: .tanh)
            },
            OpInfo(name: "dense relu", samples: [[[3, 4], [4, 5], [5]]], domains: [.awayFromZero],
                   outputShape: { [$0[0][0], $0[1][1]] }) {
                $0[0].dense(weight: $0[1], bias: $0[2], activation: .relu)
            },
            OpInfo(name: "dense identity", samples: [[[2, 3], [3, 2], [2]]], outputShape: { [$0[0][0], $0[1][1]] }) {
                $0[0].dense(weight: $0[1], bias: $0[2])
            },
            OpInfo(name: "dense softplus", samples: [[[3, 4], [4, 5], [5]]], outputShape: { [$0[0][0], $0[1][1]] }) {
                $0[0].dense(weight: $0[1], bias: $0[2], activation: .softplus)
            },
            OpInfo(name: "dense softmax", samples: [[[3, 4], [4, 5], [5]], [[1, 2], [2, 3], [3]]],
                   outputShape: { [$0[0][0], $0[1][1]] }) {
                $0[0].dense(weight: $0[1], bias: $0[2], activation: .softmax)
            },
            OpInfo(name: "dense leakyRelu", samples: [[[3, 4], [4, 5], [5]]], domains: [.awayFromZero],
                   outputShape: { [$0[0][0], $0[1][1]] }) {
                $0[0].dense(weight: $0[1], bias: $0[2], activation: .leakyRelu)
            },
            OpInfo(name: "matmul batched by a matrix", samples: [[[2, 3, 4], [4, 2]]], outputShape: { _ in [2, 3, 2] }) {
                $0[0].matmul($0[1])
            },
        ]
    }

    static var lossEntries: [OpInfo] {
        let batches: [[TensorShape]] = [[[4, 3], [4, 3]], [[1, 5], [1, 5]]]
        return [
            OpInfo(name: "halfSquaredError", samples: batches, outputShape: scalar) {
                halfSquaredError($0[0], $0[1])
            },
            OpInfo(name: "meanSquaredError", samples: batches, outputShape: scalar) {
                meanSquaredError($0[0], $0[1])
            },
            OpInfo(name: "crossEntropy(logits:labels:)", samples: [[[4, 3]], [[1, 5]], [[2, 1]]], outputShape: scalar) {
                let (rows, classes) = ($0[0].shape[0], $0[0].shape[1])
                return crossEntropy(logits: $0[0], labels: (0..<rows).map { ($0 * 2 + 1) % classes })
            },
            OpInfo(name: "crossEntropy(logits:probabilities:)", samples: batches, domains: [.real, .unitInterval],
                   outputShape: scalar) { crossEntropy(logits: $0[0], probabilities: $0[1]) },
            OpInfo(name: "binaryCrossEntropy", samples: batches + [[[5], [5]]], domains: [.real, .unitInterval],
                   outputShape: scalar) { binaryCrossEntropy(logits: $0[0], targets: $0[1]) },
        ]
    }
}
