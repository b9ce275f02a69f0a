// Recurrent cells, backpropagation through time and attention written independently as
// test oracles: plain loops over `[Double]` in PyTorch's column layout (W is
// rows × columns, row-major: W[i][j] = `w[i * columns + j]`), straight from the textbook
// equations. Nothing here calls the library.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum SequenceOracle {
    static func sigmoid(_ u: Double) -> Double { 1 / (1 + exp(-u)) }

    /// W v for W of `rows` × v.count, row-major.
    static func times(_ w: [Double], _ v: [Double], rows: Int) -> [Double] {
        (0..<rows).map { i in (0..<v.count).reduce(0) { $0 + w[i * v.count + $1] * v[$1] } }
    }

    /// Wᵀ v for W of v.count × `columns`, row-major.
    static func transposeTimes(_ w: [Double], _ v: [Double], columns: Int) -> [Double] {
        (0..<columns).map { j in (0..<v.count).reduce(0) { $0 + w[$1 * columns + j] * v[$1] } }
    }

    /// PyTorch's parameters of one cell: W_ih (G·H × I), W_hh (G·H × H), b_ih, b_hh.
    struct Cell {
        var hidden: Int
        var wih: [Double], whh: [Double], bih: [Double], bhh: [Double]
        /// The gate pre-activations from the input and from h: (W_ih x + b_ih, W_hh h + b_hh).
        func projections(_ x: [Double], _ h: [Double]) -> ([Double], [Double]) {
            let rows = bih.count
            let a = zip(times(wih, x, rows: rows), bih).map(+)
            let b = zip(times(whh, h, rows: rows), bhh).map(+)
            return (a, b)
        }
    }

    /// The gradients of an Elman RNN (tanh) over one sequence for L = Σₜ cₜ · hₜ, by the
    /// δ recursion δₜ = (W_hhᵀ δₜ₊₁ + ∂L/∂hₜ) ⊙ (1 − hₜ²), the weight gradients summed over t.
    struct RNNGradients {
        var hs: [[Double]]
        var wih: [Double], whh: [Double], bias: [Double], h0: [Double]
    }

    static func rnnBackpropagationThroughTime(
        _ cell: Cell, inputs xs: [[Double]], h0: [Double], lossWeights cs: [[Double]]
    ) -> RNNGradients {
        let (n, inputSize) = (cell.hidden, xs[0].count)
        var hs: [[Double]] = []
        var h = h0
        for x in xs {
            let (a, b) = cell.projections(x, h)
            h = (0..<n).map { tanh(a[$0] + b[$0]) }
            hs.append(h)
        }
        let zeros: (Int) -> [Double] = { [Double](repeating: 0, count: $0) }
        var result = RNNGradients(hs: hs, wih: zeros(n * inputSize), whh: zeros(n * n), bias: zeros(n), h0: [])
        var next = [Double](repeating: 0, count: n)  // δₜ₊₁, zero after the last step
        for t in stride(from: xs.count - 1, through: 0, by: -1) {
            let back = transposeTimes(cell.whh, next, columns: n)
            var delta = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let h = hs[t][i]
                delta[i] = (back[i] + cs[t][i]) * (1 - h * h)
            }
            let previous = t > 0 ? hs[t - 1] : h0
            for i in 0..<n {
                for j in 0..<inputSize { result.wih[i * inputSize + j] += delta[i] * xs[t][j] }
                for j in 0..<n { result.whh[i * n + j] += delta[i] * previous[j] }
                result.bias[i] += delta[i]
            }
            next = delta
        }
        result.h0 = transposeTimes(cell.whh, next, columns: n)
        return result
    }

    /// LSTM forward (gates i, f, g, o): the h of every step and the final c.
    static func lstm(_ cell: Cell, inputs: [[Double]], h0: [Double], c0: [Double]) -> (hs: [[Double]], c: [Double]) {
        let n = cell.hidden
        var (h, c, hs) = (h0, c0, [[Double]]())
        for x in inputs {
            let (a, b) = cell.projections(x, h)
            let z = zip(a, b).map(+)
            for k in 0..<n {
                let (i, f, g, o) = (sigmoid(z[k]), sigmoid(z[n + k]), tanh(z[2 * n + k]), sigmoid(z[3 * n + k]))
                c[k] = f * c[k] + i * g
                h[k] = o * tanh(c[k])
            }
            hs.append(h)
        }
        return (hs, c)
    }

    /// GRU forward (gates r, z, n; r multiplies W_hn h + b_hn): the h of every step.
    static func gru(_ cell: Cell, inputs: [[Double]], h0: [Double]) -> [[Double]] {
        let n = cell.hidden
        var (h, hs) = (h0, [[Double]]())
        for x in inputs {
            let (a, b) = cell.projections(x, h)
            h = (0..<n).map { k in
                let r = sigmoid(a[k] + b[k])
                let z = sigmoid(a[n + k] + b[n + k])
                let candidate = tanh(a[2 * n + k] + r * b[2 * n + k])
                return (1 - z) * candidate + z * h[k]
            }
            hs.append(h)
        }
        return hs
    }

    /// softmax(q kᵀ/√d) v for one head: q is Tq × d, k Tk × d, v Tk × dv (rows of arrays);
    /// `causal`: query i sees keys 0...i.
    static func attention(_ q: [[Double]], _ k: [[Double]], _ v: [[Double]], causal: Bool) -> [[Double]] {
        attention(q, k, v) { i, j in !causal || j <= i }
    }

    /// softmax(q kᵀ/√d) v where query i sees key j only when `allowed(i, j)`.
    static func attention(
        _ q: [[Double]], _ k: [[Double]], _ v: [[Double]], allowed: (Int, Int) -> Bool
    ) -> [[Double]] {
        let d = Double(q[0].count)
        return q.enumerated().map { i, qi in
            let keys = k.indices.filter { allowed(i, $0) }
            let scores = keys.map { j in zip(qi, k[j]).reduce(0) { $0 + $1.0 * $1.1 } / d.squareRoot() }
            let m = scores.max()!
            let e = scores.map { exp($0 - m) }
            let total = e.reduce(0, +)
            return (0..<v[0].count).map { c in zip(keys, e).reduce(0) { $0 + $1.1 / total * v[$1.0][c] } }
        }
    }
}
