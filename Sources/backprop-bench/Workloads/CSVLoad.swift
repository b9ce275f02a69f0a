// Workload: reading a numeric CSV into a Dataset. 200,000 rows of 20 features written
// with six decimals (-0.123456) and an integer label, about 38 MB, generated in memory
// (seeded); timed: `CSVTable(data:)` and `Dataset(table:label:)` together, as
// `pandas.read_csv` followed by `to_numpy` reads the same file.

import Backprop
import BackpropNN
import Foundation

enum CSVLoadWorkload {
    static func run(_ bench: Bench) {
        guard bench.wants("csv.load") else { return }
        let rows = bench.quick ? 20_000 : 200_000
        var rng = SeededGenerator(seed: 0)
        var text = (0..<20).map { "f\($0)" }.joined(separator: ",") + ",label\n"
        for _ in 0..<rows {
            for _ in 0..<20 { text += String(format: "%.6f,", Double.random(in: -3...3, using: &rng)) }
            text += "\(Int.random(in: 0..<3, using: &rng))\n"
        }
        let data = Data(text.utf8)
        let (samples, others) = bench.monitored {
            timeRuns(repeats: bench.repeats(full: 5, quick: 2)) {
                do {
                    let set = try Dataset(table: CSVTable(data: data, source: "bench.csv"), label: .name("label"))
                    if set.count != rows { fail("csv.load: \(set.count) rows read, \(rows) written") }
                } catch {
                    fail("csv.load: the generated file did not load: \(error)")
                }
            }
        }
        bench.report(Figure(name: "csv.load", unit: "s", samples: samples,
                            extra: [("rows", .int(rows)), ("bytes", .int(data.count))], others: others))
    }
}
