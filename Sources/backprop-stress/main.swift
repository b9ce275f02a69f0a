// Stress runs for the autodiff core: a chain of ops too long for any recursive sort or
// teardown, and a graph that is wide and deep with fan-out at every node. Each phase
// builds the graph, runs backward, checks the gradient against its exact value, releases
// the graph, and prints the time of each step and the peak resident memory. A first phase
// records a long LSTM sequence and reports its peak memory and bytes per recorded node.
//
//   swift run -c release backprop-stress                  # 10⁷-op chain, 1000 × 1000 lattice
//   swift run -c release backprop-stress --chain 1000000 --width 100 --depth 100 --lstm-steps 64
//   swift run -c release backprop-stress --mlp 64 --checkpoint-every 8   # checkpointing only
//   swift run -c release backprop-stress --lstm 512 --checkpoint-every 32

import Backprop
import BackpropNN
import Foundation

struct Options {
    var chain = 10_000_000
    var width = 1_000
    var depth = 1_000
    var lstmSteps = 512
    /// Layers of the checkpointing run (0: the chain and lattice runs instead).
    var mlp = 0
    /// Steps of the LSTM checkpointing run (0: none).
    var lstm = 0
    /// Layers (--mlp) or steps (--lstm) per checkpointed segment; nil: the run's default.
    var checkpointEvery: Int?

    static let usage = """
        usage: backprop-stress [--chain N] [--width W] [--depth D]
          --chain N   ops in the chain (default 10000000)
          --width W   nodes per layer of the fan-out lattice (default 1000)
          --depth D   layers of the lattice (default 1000)
          --lstm-steps T  steps of the LSTM sequence (default 512)
          --mlp L     instead: an L-layer MLP (width 256, batch 2048, Float), forward and
                      backward plain and with checkpoints, each one's time and peak memory
          --lstm T    instead: an LSTM layer over T steps (batch 32, input 64, hidden 256,
                      Float), with checkpoints every K steps, its time and peak memory
          --checkpoint-every K   layers (--mlp) or steps (--lstm) per checkpointed segment
                      (default 8; 1 with --mlp, 0 with --lstm: none)
        """

    init(_ arguments: [String]) {
        var rest = arguments[...]
        func value(_ name: String) -> Int {
            guard let text = rest.popFirst(), let n = Int(text), n > 0 else {
                fail("\(name) needs a positive integer")
            }
            return n
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--chain": chain = value(argument)
            case "--width": width = value(argument)
            case "--depth": depth = value(argument)
            case "--lstm-steps": lstmSteps = value(argument)
            case "--mlp": mlp = value(argument)
            case "--lstm": lstm = value(argument)
            case "--checkpoint-every":
                guard let text = rest.popFirst(), let n = Int(text), n >= 0 else {
                    fail("--checkpoint-every needs a non-negative integer")
                }
                checkpointEvery = n
            case "--help", "-h":
                print(Options.usage)
                exit(0)
            default: fail("unknown argument '\(argument)'")
            }
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("backprop-stress: \(message)\n\(Options.usage)\n".utf8))
    exit(2)
}

/// A field of /proc/self/status in bytes (VmHWM: peak resident, VmRSS: current), or nil.
func memory(_ field: String) -> Int? {
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(
            decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix(field + ":") {
            let digits = text.dropFirst(field.count + 1).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
    }
    return nil
}

func megabytes(_ bytes: Int?) -> String {
    bytes.map { String(format: "%.0f MB", Double($0) / 1_048_576) } ?? "n/a"
}

func time<R>(_ label: String, _ body: () -> R) -> R {
    let clock = ContinuousClock()
    var result: R?
    let elapsed = clock.measure { result = body() }
    let seconds =
        Double(elapsed.components.seconds)
        + Double(elapsed.components.attoseconds) * 1e-18
    print(
        "  \(label): \(String(format: "%.2f", seconds)) s   "
            + "(resident \(megabytes(memory("VmRSS"))), peak \(megabytes(memory("VmHWM"))))")
    return result!
}

var failed = false
@MainActor func check(_ condition: Bool, _ message: String) {
    if !condition {
        failed = true
        print("  FAILED: \(message)")
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))

/// Runs one configuration of a checkpointing comparison and exits: the step time (forward
/// + backward, median of 3) and the peak memory of the first step above the resident memory
/// before it. One configuration per process: the peak of a process never goes down, and
/// memory the allocator keeps after one configuration would hide the other's peak. `step`
/// returns the gradients; `plain` (run after the measurement) the ones without checkpoints,
/// which must agree within `tolerance` (0: bit for bit).
@MainActor
func measureCheckpointing(
    _ label: String, tolerance: Float, step: () -> [Tensor<Float>], plain: (() -> [Tensor<Float>])?
) -> Never {
    let base = memory("VmRSS") ?? 0
    let first = step()
    let peak = (memory("VmHWM") ?? 0) - base
    var times: [Double] = []
    for _ in 0..<3 {
        let start = ContinuousClock.now
        let grads = step()
        let elapsed = ContinuousClock.now - start
        times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        check(zip(grads, first).allSatisfy { $0.scalars == $1.scalars }, "gradients differ between steps")
    }
    print("  \(label): step \(String(format: "%.3f", times.sorted()[1])) s (median of 3), peak of the first step above start \(megabytes(peak))")
    if let plain {
        let agree = zip(first, plain()).allSatisfy { a, b in
            zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
        }
        check(agree, "checkpointed gradients differ from the plain ones")
    }
    print(failed ? "FAILED" : "OK")
    exit(failed ? 1 : 0)
}

// 0. Checkpointing: an L-layer MLP with every K layers checkpointed (K = 1: plain); the
// gradients must equal the plain ones bit for bit. Run it once with K = 1 and once with
// K > 1 to compare.
if options.mlp > 0 {
    let (width, batch, layers) = (256, 2048, options.mlp)
    var rng = SeededGenerator(seed: 0)
    let weights = (0..<layers).map { _ in
        Variable(Tensor<Float>.uniform([width, width], in: -0.05..<0.05, using: &rng), requiresGradient: true)
    }
    let x = Variable(Tensor<Float>.uniform([batch, width], in: -1..<1, using: &rng))
    func step(every: Int) -> [Tensor<Float>] {
        var h = x
        for start in stride(from: 0, to: layers, by: every) {
            let block = weights[start..<min(start + every, layers)]
            let run = { (h: Variable<Float>) in block.reduce(h) { $0.dense(weight: $1, bias: nil, activation: .tanh) } }
            h = every == 1 ? run(h) : checkpointed(h, run)
        }
        return gradients(of: h.sum(), withRespectTo: weights)
    }
    let every = max(options.checkpointEvery ?? 8, 1)
    measureCheckpointing(
        every == 1 ? "plain" : "checkpoint every \(every) layers", tolerance: 0, step: { step(every: every) },
        plain: every == 1 ? nil : { step(every: 1) })
}

// 0. Checkpointing through time: an LSTM layer over T steps, every K steps one checkpointed
// segment (K = 0: plain). A parameter's per-step terms are summed segment by segment, so
// the gradients agree with the plain ones to rounding.
if options.lstm > 0 {
    var rng = SeededGenerator(seed: 0)
    var lstm = LSTM<Float>(inputSize: 64, hiddenSize: 256, using: &rng)
    let x = Variable(Tensor<Float>.uniform([32, options.lstm, 64], in: -1..<1, using: &rng))
    func step(every: Int) -> [Tensor<Float>] {
        lstm.checkpointInterval = every
        return gradients(of: lstm(x).sum(), withRespectTo: lstm.parameters)
    }
    let every = options.checkpointEvery ?? 0
    measureCheckpointing(
        every == 0 ? "plain" : "checkpoint every \(every) steps", tolerance: 1e-4, step: { step(every: every) },
        plain: every == 0 ? nil : { step(every: 0) })
}

// 0. An LSTM over `lstmSteps` steps (batch 1, input 16, hidden 32, Float: the shapes of the
// benchmark's lstm_step), written as the LSTM layer runs a step: two `dense` projections and
// the fused `lstmCell` (four recorded nodes per step). Run first, so that the peak resident
// memory printed after it is this phase's. Bytes per node: the growth of the resident memory
// while the graph is recorded, over the nodes recorded, and the part of it that is not
// tensor data.
print("LSTM sequence of \(options.lstmSteps) steps (batch 1, input 16, hidden 32)")
do {
    var rng = SeededGenerator(seed: 0)
    let (input, hidden) = (16, 32)
    func parameter(_ shape: TensorShape) -> Variable<Float> {
        Variable(Tensor.uniform(shape, in: -0.18..<0.18, using: &rng), requiresGradient: true)
    }
    let (wi, wh, bi, bh) = (parameter([input, 4 * hidden]), parameter([hidden, 4 * hidden]),
                            parameter([4 * hidden]), parameter([4 * hidden]))
    let xs = (0..<options.lstmSteps).map { _ in Variable(Tensor<Float>.uniform([1, input], in: -1..<1, using: &rng)) }
    let before = memory("VmRSS")
    var loss: Variable<Float>? = time("forward") {
        var (h, c) = (Variable(Tensor<Float>.zeros([1, hidden])), Variable(Tensor<Float>.zeros([1, hidden])))
        for x in xs {
            let next = lstmCell(
                projectedInput: x.dense(weight: wi, bias: bi), projectedHidden: h.dense(weight: wh, bias: bh), cell: c)
            (h, c) = (next.hidden, next.cell)
        }
        return h.squared().sum()
    }
    let nodes = 4 * options.lstmSteps + 2
    if let before, let after = memory("VmRSS") {
        // Per step: two [1, 4H] projections and the [1, H] state and output, in Float.
        let tensorBytes = options.lstmSteps * (2 * 4 * hidden + 2 * hidden) * MemoryLayout<Float>.size
        let perNode = Double(after - before) / Double(nodes)
        let overhead = Double(after - before - tensorBytes) / Double(nodes)
        print("  \(nodes) nodes recorded: \(Int(perNode)) bytes per node resident, of which tensor data "
            + "\(tensorBytes / nodes), the rest (node, edges, buffer headers, allocator) \(Int(overhead))")
    }
    time("backward") { loss!.backward() }
    time("release") { loss = nil }
    let gradients = [wi, wh, bi, bh].compactMap(\.gradient)
    check(gradients.count == 4 && gradients.allSatisfy { $0.scalars.allSatisfy(\.isFinite) }, "LSTM gradients")
    print("  peak resident memory after the LSTM: \(megabytes(memory("VmHWM")))")
}

// 1. A chain x → x + 1 → −(·) → … of `chain` ops on a one-element tensor. Half the ops are
// negations, so ∂y/∂x = (−1)^(negations).
print("chain of \(options.chain) ops")
do {
    let x = Variable(Tensor<Double>([0.5]), requiresGradient: true)
    var y: Variable<Double>? = time("forward") {
        var y = x
        for i in 0..<options.chain { y = i.isMultiple(of: 2) ? y.shifted(by: 1) : y.negated() }
        return y
    }
    time("backward") { y!.backward() }
    time("release") { y = nil }
    let negations = options.chain / 2
    check(
        x.gradient?.scalars == [negations.isMultiple(of: 2) ? 1 : -1],
        "chain gradient \(String(describing: x.gradient))")
}

// 2. A lattice of `width` scalar nodes per layer, `depth` layers, every node feeding two
// nodes of the next layer: y_i ← ½(y_i + y_(i+1 mod width)). The layer total is preserved,
// so ∂(Σ y)/∂x_i = 1 exactly.
print(
    "fan-out lattice \(options.width) wide × \(options.depth) deep "
        + "(\(2 * options.width * options.depth) ops)"
)
do {
    let width = options.width
    let leaves = (0..<width).map { Variable(Tensor<Double>(Double($0)), requiresGradient: true) }
    var total: Variable<Double>? = time("forward") {
        var layer = leaves
        for _ in 0..<options.depth {
            layer = (0..<width).map { (layer[$0] + layer[($0 + 1) % width]).scaled(by: 0.5) }
        }
        var total = layer[0]
        for node in layer.dropFirst() { total = total + node }
        return total
    }
    time("backward") { total!.backward() }
    time("release") { total = nil }
    check(leaves.allSatisfy { $0.gradient?.scalars == [1] }, "lattice gradients are not all 1")
}

print("peak resident memory: \(megabytes(memory("VmHWM")))")
if failed {
    print("FAILED")
    exit(1)
}
print("OK")
