import Backprop
import BackpropNN
import Foundation

/// `backprop xor`: a 2-2-1 sigmoid network learns XOR; prints the truth table it learned.
let xorCommand = Command(
    spec: CommandSpec(
        name: "xor",
        summary: """
        Trains a 2-2-1 sigmoid network on XOR (1/2 squared error, full-batch SGD with
        momentum 0.9), restarting from a new initialisation if it stalls, and prints the
        truth table it learned.
        """,
        options: [CommonOptions.seed, .value("epochs", "N", "Epochs per attempt (default 2000)."),
                  .value("lr", "RATE", "Learning rate (default 0.5).")])
) { arguments in
    var example = XORExample(seed: try arguments.seed())
    example.epochs = try arguments.int("epochs", default: 2000, range: 1...10_000_000)
    example.learningRate = try arguments.double("lr", default: 0.5, range: 1e-12...1e6)
    let result = example.run()
    print("XOR with a 2-2-1 sigmoid net (seed \(example.seed), \(result.attempts) attempt\(result.attempts == 1 ? "" : "s"), "
        + "final loss \(String(format: "%.2e", result.loss)))")
    print("x1  x2 | output  rounded  expected")
    var correct = 0
    for (i, row) in result.table.enumerated() {
        let rounded = row.output > 0.5 ? 1 : 0
        let expected = Int(XORExample.targets[i])
        if rounded == expected { correct += 1 }
        print(" \(Int(row.input[0]))   \(Int(row.input[1])) | \(fixed(row.output, 4))  \(rounded)        \(expected)")
    }
    print("\(correct) of 4 correct")
    if correct != 4 { throw RuntimeError("XOR was not learned (\(correct) of 4); try another --seed or more --epochs") }
}
