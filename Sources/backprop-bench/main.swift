// backprop-bench: Backprop's benchmarks, matching the peer scripts in ../shared/bench so
// both sides time the same work. Each figure is printed as one line of JSON; a readable
// table follows at the end. Run from the package root:
//
//     swift run -c release backprop-bench [--quick] [--filter NAME]...

import Backprop
import CBackpropKernels
import Foundation

let usage = """
    usage: backprop-bench [--quick] [--filter NAME]... [--repeats N] [--quiet-wait S]
                          [--list] [--help]

    Times Backprop on the workloads of the peer scripts (../shared/bench): matmul GFLOP/s,
    the Iris tutorial run, the digits MLP, the tiny-graph overhead, a Dense-stack scaling
    sweep, forward mode (J·v) on a 4-layer MLP, a layer of the user's own against Dense and
    reading a 38 MB CSV into a Dataset.
    Prints one JSON line per figure ({"name", "unit", "median", "min", "max", "repeats",
    ...}) and a table at the end.

      --quick        short run (under a minute): fewer repeats, shorter batches, capped sweeps
      --filter NAME  only figures whose name contains NAME (repeatable; any match runs),
                     e.g. matmul, matmul.f32.512, iris, digits.relu, tiny, scaling.f64, forward,
                     custom, csv
      --repeats N    samples per figure (overrides the defaults)
      --quiet-wait S before each measurement, wait up to S seconds for other processes to
                     leave the cores idle and up to S more for the host to run us at most
                     1.25x slower than its fastest (default 3, 0 under --quick); a
                     measurement during which others kept more than half a core busy or
                     the host ran slower is run again (3 attempts at most, the least
                     disturbed one is kept)
      --list         print the workload groups and exit
      --help, -h     print this help and exit
    """

let groups: [(String, (Bench) throws -> Void)] = [
    ("matmul", MatmulWorkload.run),
    ("iris", IrisWorkload.run),
    ("digits", DigitsWorkload.run),
    ("conv", ConvolutionWorkload.run),
    ("cnn", DigitsCNNWorkload.run),
    ("tiny", TinyGraphWorkload.run),
    ("scaling", ScalingWorkload.run),
    ("specialization", SpecializationWorkload.run),
    ("seq", SequenceWorkload.run),
    ("forward", ForwardModeWorkload.run),
    ("custom", CustomLayerWorkload.run),
    ("csv", CSVLoadWorkload.run),
]

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("backprop-bench: \(message)\n\n\(usage)\n".utf8))
    exit(2)
}

var quick = false
var filters: [String] = []
var repeats: Int? = nil
var quietWait: Double? = nil
var arguments = CommandLine.arguments.dropFirst()
while let arg = arguments.popFirst() {
    switch arg {
    case "--quick":
        quick = true
    case "--filter":
        guard let value = arguments.popFirst(), !value.isEmpty, !value.hasPrefix("--") else {
            fail("--filter needs a name")
        }
        filters.append(value)
    case "--repeats":
        guard let value = arguments.popFirst(), let n = Int(value), n >= 1 else {
            fail("--repeats needs a positive integer")
        }
        repeats = n
    case "--quiet-wait":
        guard let value = arguments.popFirst(), let s = Double(value), s >= 0, s.isFinite else {
            fail("--quiet-wait needs a number of seconds")
        }
        quietWait = s
    case "--list":
        print(groups.map(\.0).joined(separator: "\n"))
        exit(0)
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        fail("unknown argument '\(arg)'")
    }
}

let bench = Bench(quick: quick, filters: filters, repeats: repeats, quietWait: quietWait)
let isa: String
switch bp_kernel_isa() {
case BP_ISA_AVX512: isa = "avx512"
case BP_ISA_AVX2_FMA: isa = "avx2+fma"
default: isa = "generic"
}
var header: [(String, JSONValue)] = [
    ("name", .string("machine")), ("cores", .int(Int(bp_cpu_count()))),
    ("kernel_isa", .string(isa)), ("quick", .string(quick ? "yes" : "no")),
]
if let load = LoadMonitor.loadAverage() { header.append(("loadavg1", .number(load))) }
print("{" + header.map { "\(JSONValue.string($0.0).text): \($0.1.text)" }.joined(separator: ", ") + "}")

let start = now()
do {
    for (_, run) in groups { try run(bench) }
} catch {
    FileHandle.standardError.write(Data("backprop-bench: \(error)\n".utf8))
    exit(1)
}
if bench.figures.isEmpty {
    fail("no figure matches --filter \(filters.joined(separator: ", "))")
}
bench.printTable()
print(String(format: "\ntotal %.1f s", now() - start))
