// Timing, machine-load notes and reporting for backprop-bench.
//
// Every figure is measured as several samples after a warm-up; the JSON line gives the
// median, min and max of the samples (in the figure's unit), the load the rest of the
// machine put on the cores while the samples ran (the machine is shared, 2 cores) and how
// much slower than its fastest the host ran us meanwhile (a fixed loop timed per CPU).

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

/// How fast the host runs us now, as the peers' `speed_probe` measures it: the host slows
/// one vCPU at a time by up to about 1.5× for seconds (another guest on the same cores), so
/// a fixed loop runs pinned to each CPU in turn and the slower CPU counts. The slowdown is
/// its time over the fastest probe seen in this run (1 = as fast as seen).
struct SpeedProbe {
    private var best = Double.infinity

    /// A dependent chain of integer multiply-adds (about 0.3 ms), median of 5 timings.
    private static func timeLoop() -> Double {
        var times: [Double] = []
        for _ in 0..<5 {
            let t0 = now()
            var x: UInt64 = 1
            for i in 0..<UInt64(100_000) { x = x &* 6_364_136_223_846_793_005 &+ i }
            times.append(now() - t0)
            if x == 42 { print("") }  // keeps the loop (never true in practice)
        }
        return median(times)
    }

    #if canImport(Glibc)
        /// glibc's sched_getaffinity / sched_setaffinity (the Glibc module leaves out these
        /// GNU extensions), looked up at run time.
        private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
        private static func affinityCall(_ name: String) -> AffinityCall? {
            dlsym(nil, name).map { unsafeBitCast($0, to: AffinityCall.self) }  // nil: RTLD_DEFAULT
        }
        private static let getAffinity = affinityCall("sched_getaffinity")
        private static let setAffinity = affinityCall("sched_setaffinity")
    #endif

    /// The slowdown of the slower CPU now (of this thread's CPU when pinning is
    /// unavailable).
    mutating func slowdown() -> Double {
        var times: [Double] = []
        #if canImport(Glibc)
            var original = cpu_set_t()
            if let sched_getaffinity = SpeedProbe.getAffinity,
                let sched_setaffinity = SpeedProbe.setAffinity,
                sched_getaffinity(0, MemoryLayout<cpu_set_t>.size, &original) == 0
            {
                let cpus = (0..<(8 * MemoryLayout<cpu_set_t>.size)).filter { cpu in
                    withUnsafeBytes(of: original) { $0[cpu / 8] & (1 << (cpu % 8)) != 0 }
                }
                for cpu in cpus {
                    var one = cpu_set_t()
                    withUnsafeMutableBytes(of: &one) { $0[cpu / 8] = 1 << (cpu % 8) }
                    guard sched_setaffinity(0, MemoryLayout<cpu_set_t>.size, &one) == 0 else { continue }
                    times.append(SpeedProbe.timeLoop())
                }
                _ = sched_setaffinity(0, MemoryLayout<cpu_set_t>.size, &original)
            }
        #endif
        if times.isEmpty { times.append(SpeedProbe.timeLoop()) }
        best = min(best, times.min()!)
        return times.max()! / best
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
    /// The host's slowdown around the measurement (see ``SpeedProbe``).
    var slowdown: Double? = nil
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
        if let slowdown { fields.append(("slowdown", .number(slowdown))) }
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
    private var probe = SpeedProbe()
    /// The host's slowdown around the last `monitored` measurement, for the figures it reports.
    private var lastSlowdown: Double? = nil

    init(quick: Bool, filters: [String], repeats: Int?, quietWait: Double?) {
        self.quick = quick
        self.filters = filters
        self.repeatsOverride = repeats
        self.quietWait = quietWait ?? (quick ? 0 : 3)
        if !quick {
            for _ in 0..<10 { _ = probe.slowdown() }  // a first idea of the host's fast phase
        }
    }

    /// Polls the speed probe for up to `quietWait` seconds until the host runs at most
    /// 1.25× slower than its fastest (the peers' `wait_fast`); returns the last slowdown.
    func waitFast() -> Double {
        let start = now()
        while true {
            let slow = probe.slowdown()
            if slow <= 1.25 || now() - start >= quietWait { return slow }
            usleep(250_000)
        }
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

    /// Runs a measurement after `waitQuiet` and `waitFast`, with a load monitor around it
    /// and the speed probe before and after; when other processes kept more than half a
    /// core busy or the host ran more than 1.25× slower, measures again (up to 3 attempts,
    /// 1 under --quick) and keeps the least disturbed attempt, as the peers' `measure` does.
    /// Returns the body's result and the others' load (cores) during it; the figures
    /// reported next carry the attempt's slowdown.
    func monitored<T>(_ body: () -> T) -> (T, Double?) {
        var best: (result: T, others: Double?, slowdown: Double, score: Double)? = nil
        for _ in 0..<(quick ? 1 : 3) {
            waitQuiet()
            let before = quick ? 1 : waitFast()
            let monitor = LoadMonitor()
            let result = body()
            let others = monitor.others()
            let slowdown = max(before, quick ? 1 : probe.slowdown())
            let score = max((others ?? 0) / 0.5, slowdown / 1.25)
            if best == nil || score < best!.score { best = (result, others, slowdown, score) }
            if score <= 1 { break }
        }
        lastSlowdown = quick ? nil : best!.slowdown
        return (best!.result, best!.others)
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
        if f.slowdown == nil { f.slowdown = lastSlowdown }
        print(f.json)
        fflush(nil)  // all C streams: stdout without naming the global
        figures.append(f)
    }

    /// The readable table of all figures.
    func printTable() {
        guard !figures.isEmpty else { return }
        let header = ["figure", "unit", "median", "min", "max", "n", "others", "slow", "note"]
        let noteKeys = ["gflops", "test_acc", "val_acc_mean", "op_nodes"]
        let rows = figures.map { f -> [String] in
            [
                f.name, f.unit, format(f.medianValue), format(f.minValue), format(f.maxValue),
                String(f.samples.count), f.others.map { String(format: "%.2f", $0) } ?? "-",
                f.slowdown.map { String(format: "%.2f", $0) } ?? "-",
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
