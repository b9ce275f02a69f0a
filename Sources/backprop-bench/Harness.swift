// Timing, machine-load notes and reporting for backprop-bench.
//
// Every figure is measured as several samples after a warm-up; the JSON line gives the
// median, min and max of the samples (in the figure's unit) and the load the rest of the
// machine put on the cores while the samples ran (the machine is shared, 2 cores).

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Monotonic wall clock in seconds (DispatchTime is CLOCK_MONOTONIC on Linux).
@inline(__always)
func now() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
}

/// The median of `values` (mean of the middle two for an even count).
func median(_ values: [Double]) -> Double {
    precondition(!values.isEmpty, "median of no values")
    let s = values.sorted()
    let mid = s.count / 2
    return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/// A JSON value for the extra fields of a figure.
enum JSONValue {
    case number(Double)
    case int(Int)
    case string(String)

    var text: String {
        switch self {
        case .number(let x):
            return x.isFinite ? String(format: "%.6g", x) : "null"
        case .int(let i):
            return String(i)
        case .string(let s):
            var out = "\""
            for ch in s.unicodeScalars {
                switch ch {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default:
                    if ch.value < 0x20 {
                        out += String(format: "\\u%04x", ch.value)
                    } else {
                        out.unicodeScalars.append(ch)
                    }
                }
            }
            return out + "\""
        }
    }
}

/// How busy the rest of the machine was while a block ran: whole-machine busy time from
/// /proc/stat minus this process's own CPU time (CLOCK_PROCESS_CPUTIME_ID), in cores. Same method as the
/// peers' `LoadMonitor` in ../shared/bench/peers_common.py.
struct LoadMonitor {
    private let wall0: Double
    private let own0: Double
    private let stat0: (total: Double, idle: Double)?

    init() {
        wall0 = now()
        own0 = LoadMonitor.ownCPU()
        stat0 = LoadMonitor.procStat()
    }

    /// Cores kept busy by other processes since `init`.
    func others() -> Double? {
        guard let s0 = stat0, let s1 = LoadMonitor.procStat() else { return nil }
        let wall = now() - wall0
        let own = LoadMonitor.ownCPU() - own0
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        let busy = ((s1.total - s0.total) - (s1.idle - s0.idle)) / hz
        return wall > 0 ? max(0, busy - own) / wall : 0
    }

    static func ownCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func procStat() -> (total: Double, idle: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first
        else { return nil }
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard values.count >= 5 else { return nil }
        return (values.reduce(0, +), values[3] + values[4])
    }

    /// The 1-minute load average from /proc/loadavg.
    static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else {
            return nil
        }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }
}

/// One reported figure.
struct Figure {
    var name: String
    var unit: String
    var samples: [Double]
    /// Whether larger values are better (GFLOP/s, accuracy): decides the table's "best".
    var higherIsBetter = false
    var extra: [(String, JSONValue)] = []
    var others: Double? = nil
    var load1: Double? = nil

    var medianValue: Double { median(samples) }
    var minValue: Double { samples.min()! }
    var maxValue: Double { samples.max()! }

    var json: String {
        var fields: [(String, JSONValue)] = [
            ("name", .string(name)), ("unit", .string(unit)),
            ("median", .number(medianValue)), ("min", .number(minValue)),
            ("max", .number(maxValue)), ("repeats", .int(samples.count)),
        ]
        fields += extra
        if let others { fields.append(("others_load", .number(others))) }
        if let load1 { fields.append(("loadavg1", .number(load1))) }
        return "{" + fields.map { "\(JSONValue.string($0.0).text): \($0.1.text)" }
            .joined(separator: ", ") + "}"
    }
}

/// Options and output of one benchmark run.
final class Bench {
    let quick: Bool
    let filters: [String]
    let repeatsOverride: Int?
    /// Seconds to wait, before each measurement, for the rest of the machine to go quiet.
    let quietWait: Double
    private(set) var figures: [Figure] = []

    init(quick: Bool, filters: [String], repeats: Int?, quietWait: Double?) {
        self.quick = quick
        self.filters = filters
        self.repeatsOverride = repeats
        self.quietWait = quietWait ?? (quick ? 0 : 3)
    }

    /// Waits up to `quietWait` seconds until other processes keep fewer than 0.15 cores
    /// busy over half a second (the peers' `wait_quiet`, with a shorter limit).
    func waitQuiet() {
        guard quietWait > 0 else { return }
        let start = now()
        while now() - start < quietWait {
            let monitor = LoadMonitor()
            usleep(500_000)
            if let others = monitor.others(), others < 0.15 { return }
        }
    }

    /// Runs a measurement after `waitQuiet`, with a load monitor around it; when other
    /// processes kept more than half a core busy, measures once more (not under --quick)
    /// and keeps the less disturbed attempt, as the peers' `measure` does.
    /// Returns the body's result and the others' load (cores) during it.
    func monitored<T>(_ body: () -> T) -> (T, Double?) {
        var best: (T, Double?)? = nil
        for _ in 0..<(quick ? 1 : 2) {
            waitQuiet()
            let monitor = LoadMonitor()
            let result = body()
            let others = monitor.others()
            if best == nil || (others ?? 0) < (best!.1 ?? 0) { best = (result, others) }
            if (others ?? 0) <= 0.5 { break }
        }
        return best!
    }

    /// Whether the figure called `name` is selected by `--filter` (substring match).
    func wants(_ name: String) -> Bool {
        filters.isEmpty || filters.contains { name.contains($0) }
    }

    /// Whether any of `names` is selected (to skip a workload's setup).
    func wantsAny(_ names: [String]) -> Bool { names.contains { wants($0) } }

    /// Repeats to use: `--repeats`, else `full` (or `quick` under `--quick`).
    func repeats(full: Int, quick: Int) -> Int {
        repeatsOverride ?? (self.quick ? quick : full)
    }

    /// Prints the figure as one JSON line and keeps it for the table.
    /// Figures not selected by `--filter` are dropped (a workload may measure several at once).
    func report(_ figure: Figure) {
        guard wants(figure.name) else { return }
        var f = figure
        if f.load1 == nil { f.load1 = LoadMonitor.loadAverage() }
        print(f.json)
        fflush(nil)  // all C streams: stdout without naming the global
        figures.append(f)
    }

    /// The readable table of all figures.
    func printTable() {
        guard !figures.isEmpty else { return }
        let header = ["figure", "unit", "median", "min", "max", "n", "others", "load1", "note"]
        let noteKeys = ["gflops", "test_acc", "val_acc_mean", "op_nodes"]
        let rows = figures.map { f -> [String] in
            [
                f.name, f.unit, format(f.medianValue), format(f.minValue), format(f.maxValue),
                String(f.samples.count), f.others.map { String(format: "%.2f", $0) } ?? "-",
                f.load1.map { String(format: "%.2f", $0) } ?? "-",
                f.extra.first { noteKeys.contains($0.0) }.map { key, value in
                    if case .number(let x) = value { return "\(key) \(format(x))" }
                    return "\(key) \(value.text)"
                } ?? "",
            ]
        }
        let widths = header.indices.map { i in
            max(header[i].count, rows.map { $0[i].count }.max() ?? 0)
        }
        func line(_ cells: [String]) -> String {
            "| "
                + cells.enumerated().map { i, c in
                    i >= 2 ? String(repeating: " ", count: widths[i] - c.count) + c
                        : c + String(repeating: " ", count: widths[i] - c.count)
                }.joined(separator: " | ") + " |"
        }
        print()
        print(line(header))
        print("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|")
        for r in rows { print(line(r)) }
    }
}

func format(_ x: Double) -> String {
    let a = abs(x)
    if a >= 1000 { return String(format: "%.0f", x) }
    if a >= 100 { return String(format: "%.1f", x) }
    if a >= 10 { return String(format: "%.2f", x) }
    return String(format: "%.3f", x)
}

/// Runs `body` in batches: calibrates the batch so it lasts about `minTime` seconds
/// (after one warm-up call), then times `repeats` batches. Returns seconds per call.
func timePerCall(minTime: Double, repeats: Int, _ body: () -> Void) -> [Double] {
    let iterations = calibratedBatch(minTime: minTime, body)
    var samples: [Double] = []
    for _ in 0..<repeats { samples.append(timeBatch(iterations, body) / Double(iterations)) }
    return samples
}

/// Calls `body` once (warm-up: page faults, thread start, caches), then doubles a batch of
/// calls until it lasts `minTime / 4`; returns the number of calls that lasts about
/// `minTime` seconds.
func calibratedBatch(minTime: Double, _ body: () -> Void) -> Int {
    body()
    var n = 1
    var elapsed = 0.0
    while true {
        elapsed = timeBatch(n, body)
        if elapsed >= minTime / 4 || n >= 1 << 22 { break }
        n *= 2
    }
    return max(1, Int((Double(n) * minTime / max(elapsed, 1e-9)).rounded()))
}

/// Times one batch of `iterations` calls of `body`; returns its seconds.
func timeBatch(_ iterations: Int, _ body: () -> Void) -> Double {
    let t0 = now()
    for _ in 0..<iterations { body() }
    return now() - t0
}

/// Times `repeats` runs of `body` after `warmup` untimed ones; returns seconds per run.
func timeRuns(repeats: Int, warmup: Int = 1, _ body: () -> Void) -> [Double] {
    for _ in 0..<warmup { body() }
    return (0..<repeats).map { _ in
        let t0 = now()
        body()
        return now() - t0
    }
}


/// Like `timePerCall` for several bodies at once: each is warmed up and calibrated, then
/// their batches alternate (round 1 of each, round 2 of each, …) so that a change of the
/// machine's load hits all of them alike. Returns seconds per call, one array per body.
func timeInterleaved(minTime: Double, repeats: Int, _ bodies: [() -> Void]) -> [[Double]] {
    let iterations = bodies.map { calibratedBatch(minTime: minTime, $0) }
    var samples = [[Double]](repeating: [], count: bodies.count)
    for _ in 0..<repeats {
        for (i, body) in bodies.enumerated() {
            samples[i].append(timeBatch(iterations[i], body) / Double(iterations[i]))
        }
    }
    return samples
}
