// Workload 4: per-op overhead (bench_op_overhead.py). y = sigmoid(W x + b), W 5×4,
// loss = ½‖y − t‖², Double. A step is forward + loss + backward (gradients of W and b)
// plus clearing the parameter gradients; no update. Each figure: the median over batches
// of per-step time (a batch lasts about 0.3 s; 0.05 s under --quick), as the peers.
// Our layout is x·W with x [1, 4] and W [4, 5] (the same products).
//
// "unfused": matmul, add, sigmoid, halfSquaredError (4 op nodes); "fused": dense with
// sigmoid, halfSquaredError (2 op nodes). ns per node = step time / op nodes recorded
// (leaves not counted; PyTorch's count in the peer table includes its AccumulateGrad
// nodes for W and b).

import Backprop

enum TinyGraphWorkload {
    /// Op nodes (variables with inputs) reachable from `root`, and leaves.
    static func countNodes(_ root: Variable<Double>) -> (ops: Int, leaves: Int) {
        var seen = Set<ObjectIdentifier>()
        var stack = [root]
        var ops = 0
        var leaves = 0
        while let v = stack.popLast() {
            guard seen.insert(ObjectIdentifier(v)).inserted else { continue }
            if v.inputs.isEmpty { leaves += 1 } else { ops += 1 }
            stack += v.inputs
        }
        return (ops, leaves)
    }

    static func run(_ bench: Bench) {
        let names = [
            "tiny.unfused.step", "tiny.unfused.node", "tiny.fused.step", "tiny.fused.node",
            "tiny.fwd.unfused", "tiny.fwd.fused", "tiny.op.tensor_add", "tiny.op.variable_add",
        ]
        guard bench.wantsAny(names) else { return }
        var rng = SeededGenerator(seed: 0)
        let w = Variable(Tensor<Double>.uniform([4, 5], in: -1..<1, using: &rng), requiresGradient: true)
        let b = Variable(Tensor<Double>.uniform([5], in: -1..<1, using: &rng), requiresGradient: true)
        let x = Variable(Tensor<Double>.uniform([1, 4], in: 0..<1, using: &rng))
        let t = Variable(Tensor<Double>(shape: [1, 5], scalars: [1, 0, 0, 1, 0]))
        let minTime = bench.quick ? 0.05 : 0.3
        let repeats = bench.repeats(full: 7, quick: 3)

        let graphs: [(String, () -> Variable<Double>)] = [
            ("tiny.unfused", { halfSquaredError((x.matmul(w) + b).sigmoid(), t) }),
            ("tiny.fused", { halfSquaredError(x.dense(weight: w, bias: b, activation: .sigmoid), t) }),
        ]
        // Both forms must give the same gradients.
        var reference: [Double]? = nil
        for (name, graph) in graphs where bench.wantsAny(["\(name).step", "\(name).node"]) {
            let loss = graph()
            let nodes = countNodes(loss)
            loss.backward()
            let grads = w.gradient!.scalars + b.gradient!.scalars
            w.zeroGradient()
            b.zeroGradient()
            if let reference {
                let err = zip(reference, grads).map { abs($0 - $1) }.max()!
                if !(err < 1e-12) { fail("\(name): gradients differ from the unfused graph by \(err)") }
            } else {
                reference = grads
            }
            let (samples, others) = bench.monitored {
                timePerCall(minTime: minTime, repeats: repeats) {
                    graph().backward()
                    w.zeroGradient()
                    b.zeroGradient()
                }
            }
            let load = LoadMonitor.loadAverage()
            bench.report(
                Figure(
                    name: "\(name).step", unit: "µs", samples: samples.map { $0 * 1e6 },
                    extra: [("op_nodes", .int(nodes.ops)), ("leaves", .int(nodes.leaves))],
                    others: others, load1: load))
            bench.report(
                Figure(
                    name: "\(name).node", unit: "ns", samples: samples.map { $0 * 1e9 / Double(nodes.ops) },
                    extra: [("op_nodes", .int(nodes.ops))], others: others, load1: load))
        }
        for (name, graph) in graphs where bench.wants("tiny.fwd.\(name.dropFirst(5))") {
            do {
                var sink = 0.0
                let (samples, others) = bench.monitored {
                    timePerCall(minTime: minTime, repeats: repeats) {
                        sink += withoutGradients { graph() }.value.withUnsafeBufferPointer { $0[0] }
                    }
                }
                bench.report(
                    Figure(
                        name: "tiny.fwd.\(name.dropFirst(5))", unit: "µs", samples: samples.map { $0 * 1e6 },
                        extra: [("mode", .string("withoutGradients"))], others: others))
                if sink.isNaN { print("") }
            }
        }
        if bench.wantsAny(["tiny.op.tensor_add", "tiny.op.variable_add"]) {
            let u = Tensor<Double>.ones([5])
            let v = Tensor<Double>.ones([5])
            var sink = 0.0
            let (samples, others) = bench.monitored {
                timePerCall(minTime: minTime, repeats: repeats) { sink += (u + v).withUnsafeBufferPointer { $0[0] } }
            }
            bench.report(
                Figure(
                    name: "tiny.op.tensor_add", unit: "µs", samples: samples.map { $0 * 1e6 },
                    extra: [("what", .string("Tensor + Tensor, 5 elements"))], others: others))
            let uv = Variable(u, requiresGradient: true)
            let vv = Variable(v, requiresGradient: true)
            let (samples2, others2) = bench.monitored {
                timePerCall(minTime: minTime, repeats: repeats) { sink += (uv + vv).value.withUnsafeBufferPointer { $0[0] } }
            }
            bench.report(
                Figure(
                    name: "tiny.op.variable_add", unit: "µs", samples: samples2.map { $0 * 1e6 },
                    extra: [("what", .string("Variable + Variable recorded, 5 elements"))],
                    others: others2))
            if sink.isNaN { print("") }
        }
    }
}
