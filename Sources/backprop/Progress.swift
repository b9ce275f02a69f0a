import BackpropNN
import Foundation

/// Per-epoch progress: on a terminal one live line rewritten every epoch (plus a kept line
/// at each interval); otherwise plain lines at the interval. Silent with `--quiet`.
struct Progress {
    let epochs: Int
    let quiet: Bool
    let interval: Int
    let isTerminal: Bool
    private var elapsed = 0.0
    private var liveLineShown = false
    private var lastLiveUpdate = 0.0

    init(epochs: Int, quiet: Bool, interval: Int? = nil, isTerminal: Bool = isatty(STDOUT_FILENO) != 0) {
        self.epochs = epochs
        self.quiet = quiet
        self.interval = max(1, interval ?? Progress.defaultInterval(epochs))
        self.isTerminal = isTerminal
    }

    /// About 10 kept lines per run, on round epoch numbers.
    static func defaultInterval(_ epochs: Int) -> Int {
        let raw = max(1, epochs / 10)
        for nice in [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000] where nice >= raw { return nice }
        return raw
    }

    static func line(_ r: EpochRecord, epochs: Int, elapsed: Double) -> String {
        let width = String(epochs).count
        let epoch = String(repeating: " ", count: max(0, width - String(r.epoch).count)) + "\(r.epoch)"
        var text = "epoch \(epoch)/\(epochs)  loss \(fixed(r.trainingLoss, 4))"
        if let a = r.trainingAccuracy { text += "  acc \(fixed(a, 3))" }
        if let l = r.validationLoss { text += "  val_loss \(fixed(l, 4))" }
        if let a = r.validationAccuracy { text += "  val_acc \(fixed(a, 3))" }
        let eta = elapsed / Double(r.epoch) * Double(epochs - r.epoch)
        text += "  \(duration(elapsed))  ETA \(duration(eta))"
        return text
    }

    mutating func report(_ r: EpochRecord) {
        elapsed += r.seconds
        guard !quiet else { return }
        let text = Progress.line(r, epochs: epochs, elapsed: elapsed)
        let kept = r.epoch % interval == 0 || r.epoch == epochs || r.epoch == 1
        if isTerminal {
            // Rewrite the live line (at most 20 times a second); keep it at the interval.
            if !kept && elapsed - lastLiveUpdate < 0.05 { return }
            lastLiveUpdate = elapsed
            print("\r\u{1B}[2K" + text, terminator: kept ? "\n" : "")
            liveLineShown = !kept
            fflush(nil)
        } else if kept {
            print(text)
        }
    }

    /// Ends a live line that was left open (early stopping).
    mutating func finish() {
        if liveLineShown && !quiet { print("") }
        liveLineShown = false
    }
}

func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

func duration(_ seconds: Double) -> String {
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
}
