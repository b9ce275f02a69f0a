import BackpropNN
import Foundation

/// Learning curves as a standalone SVG: two panels (loss, accuracy) over epochs, training
/// and validation lines, axes with ticks and labels, a legend and a title.
enum SVGChart {
    struct Series {
        var name: String
        var color: String
        var dashed: Bool
        var points: [(Double, Double)]
    }

    static func learningCurves(_ history: History, title: String) -> String {
        let epochs = history.epochs
        func series(_ name: String, _ color: String, _ dashed: Bool, _ value: (EpochRecord) -> Double?) -> Series? {
            let points = epochs.compactMap { r in value(r).map { (Double(r.epoch), $0) } }
            return points.isEmpty ? nil : Series(name: name, color: color, dashed: dashed, points: points)
        }
        let loss = [series("training", "#1f77b4", false) { $0.trainingLoss },
                    series("validation", "#d62728", true) { $0.validationLoss }].compactMap { $0 }
        let acc = [series("training", "#1f77b4", false) { $0.trainingAccuracy },
                   series("validation", "#d62728", true) { $0.validationAccuracy }].compactMap { $0 }
        let width = 960.0, height = 420.0
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="28" text-anchor="middle" font-size="18" font-weight="bold">\(escape(title))</text>

        """
        let panelWidth = (width - 20) / 2
        svg += panel(loss, title: "Loss", yLabel: "mean loss", x: 0, width: panelWidth, height: height, yRange: nil)
        svg += panel(acc, title: "Accuracy", yLabel: "accuracy", x: panelWidth + 20, width: panelWidth,
                     height: height, yRange: acc.isEmpty ? nil : accuracyRange(acc))
        // Legend, shared by both panels.
        let legendY = height - 16
        var legendX = width / 2 - 110
        for s in loss.isEmpty ? acc : loss {
            svg += "<line x1=\"\(legendX)\" y1=\"\(legendY - 4)\" x2=\"\(legendX + 28)\" y2=\"\(legendY - 4)\" "
                + "stroke=\"\(s.color)\" stroke-width=\"2.5\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            svg += "<text x=\"\(legendX + 34)\" y=\"\(legendY)\" font-size=\"13\">\(s.name)</text>\n"
            legendX += 130
        }
        return svg + "</svg>\n"
    }

    /// The accuracy axis: from a nice value below the lowest point to 1.
    static func accuracyRange(_ series: [Series]) -> ClosedRange<Double> {
        let low = series.flatMap { $0.points.map(\.1) }.min() ?? 0
        return (floor(low * 10) / 10)...1
    }

    static func panel(_ series: [Series], title: String, yLabel: String, x: Double, width: Double,
                      height: Double, yRange: ClosedRange<Double>?) -> String {
        let left = x + 80, right = x + width - 30, top = 60.0, bottom = height - 80
        var out = "<text x=\"\((left + right) / 2)\" y=\"50\" text-anchor=\"middle\" font-size=\"15\">\(title)</text>\n"
        let all = series.flatMap(\.points)
        guard !all.isEmpty else {
            return out + "<text x=\"\((left + right) / 2)\" y=\"\((top + bottom) / 2)\" text-anchor=\"middle\" "
                + "font-size=\"13\" fill=\"#888\">no data</text>\n"
        }
        let xs = niceTicks(low: 0, high: all.map(\.0).max()!, count: 6)
        let yLow = yRange?.lowerBound ?? min(0, all.map(\.1).min()!)
        let yHigh = yRange?.upperBound ?? all.map(\.1).max()!
        let ys = niceTicks(low: yLow, high: yHigh == yLow ? yLow + 1 : yHigh, count: 5)
        let (x0, x1, y0, y1) = (xs.first!, xs.last!, ys.first!, ys.last!)
        func px(_ v: Double) -> Double { left + (v - x0) / (x1 - x0) * (right - left) }
        func py(_ v: Double) -> Double { bottom - (v - y0) / (y1 - y0) * (bottom - top) }
        for t in ys {
            out += "<line x1=\"\(left)\" y1=\"\(py(t))\" x2=\"\(right)\" y2=\"\(py(t))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(left - 8)\" y=\"\(py(t) + 4)\" text-anchor=\"end\" font-size=\"12\">\(label(t, ys))</text>\n"
        }
        for t in xs {
            out += "<line x1=\"\(px(t))\" y1=\"\(bottom)\" x2=\"\(px(t))\" y2=\"\(bottom + 5)\" stroke=\"#333\"/>\n"
            out += "<text x=\"\(px(t))\" y=\"\(bottom + 20)\" text-anchor=\"middle\" font-size=\"12\">\(label(t, xs))</text>\n"
        }
        out += "<polyline points=\"\(left),\(top) \(left),\(bottom) \(right),\(bottom)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 42)\" text-anchor=\"middle\" font-size=\"13\">epoch</text>\n"
        out += "<text transform=\"translate(\(x + 24),\((top + bottom) / 2)) rotate(-90)\" text-anchor=\"middle\" "
            + "font-size=\"13\">\(yLabel)</text>\n"
        for s in series {
            let points = s.points.map { "\(fmt(px($0.0))),\(fmt(py(min(max($0.1, y0), y1))))" }.joined(separator: " ")
            out += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\""
                + "\(s.dashed ? " stroke-dasharray=\"6 4\"" : "") stroke-linejoin=\"round\"/>\n"
        }
        return out
    }

    /// Ticks at 1, 2 or 5 × 10ᵏ covering [low, high].
    static func niceTicks(low: Double, high: Double, count: Int) -> [Double] {
        let span = max(high - low, 1e-12)
        let raw = span / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(low / step) * step
        var ticks: [Double] = []
        var t = first
        while t < high + step * 1e-9 {
            ticks.append(t)
            t = first + Double(ticks.count) * step
        }
        ticks.append(t)
        if ticks.count > 2, ticks[ticks.count - 2] >= high - step * 1e-9 { ticks.removeLast() }
        return ticks
    }

    static func label(_ v: Double, _ ticks: [Double]) -> String {
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)) + (step / pow(10, floor(log10(step))) == 2.5 ? 1 : 0))
        return String(format: "%.\(decimals)f", v)
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
