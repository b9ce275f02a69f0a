import CBackpropKernels
import Dispatch
import XCTest

/// Checks `bp_sgemm` / `bp_dgemm` (every path the CPU can run: AVX-512, AVX2 + FMA and the
/// portable one) against a naive triple loop in Double: odd and non-square sizes, all four
/// transpose combinations, alpha / beta cases, leading dimensions wider than the matrix,
/// one thread and all cores, and k = 0.
final class GemmKernelTests: XCTestCase {
    private struct Case {
        var m: Int, n: Int, k: Int
        var transA: Bool, transB: Bool
        var alpha: Double, beta: Double
        var pad: Int
        var threads: Int32
    }

    /// Deterministic values in [-1, 1).
    private struct Rng {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    private func reference(_ c: Case, _ a: [Double], _ lda: Int, _ b: [Double], _ ldb: Int,
                           _ c0: [Double], _ ldc: Int) -> [Double] {
        var out = [Double](repeating: 0, count: c.m * c.n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                for i in 0..<c.m {
                    for j in 0..<c.n {
                        var s = 0.0
                        var ai = c.transA ? i : i * lda, bj = c.transB ? j * ldb : j
                        let aStep = c.transA ? lda : 1, bStep = c.transB ? 1 : ldb
                        for _ in 0..<c.k {
                            s += a[ai] * b[bj]
                            ai += aStep
                            bj += bStep
                        }
                        out[i * c.n + j] = c.alpha * s + (c.beta == 0 ? 0 : c.beta * c0[i * ldc + j])
                    }
                }
            }
        }
        return out
    }

    /// Runs one case in Float and Double; C starts as NaN when beta == 0 (must not leak)
    /// and the padding columns of C must stay untouched.
    private func check(_ c: Case, line: UInt = #line) {
        let lda = (c.transA ? c.m : c.k) + c.pad
        let ldb = (c.transB ? c.k : c.n) + c.pad
        let ldc = c.n + c.pad
        let aRows = c.transA ? c.k : c.m
        let bRows = c.transB ? c.n : c.k
        var rng = Rng(state: UInt64(c.m * 7919 + c.n * 104_729 + c.k * 13 + c.pad))
        // Values rounded to Float so both precisions multiply the same numbers.
        let a = (0..<max(aRows * lda, 1)).map { _ in Double(Float(rng.next())) }
        let b = (0..<max(bRows * ldb, 1)).map { _ in Double(Float(rng.next())) }
        let sentinel = 12345.0
        let c0 = (0..<max(c.m * ldc, 1)).map { idx -> Double in
            if c.pad > 0 && idx % ldc >= c.n { return sentinel }
            return c.beta == 0 ? .nan : Double(Float(rng.next()))
        }
        let want = reference(c, a, lda, b, ldb, c0, ldc)
        let label = "m\(c.m) n\(c.n) k\(c.k) tA\(c.transA) tB\(c.transB) "
            + "alpha\(c.alpha) beta\(c.beta) pad\(c.pad) threads\(c.threads)"

        func verify(_ got: [Double], tolerance: Double, _ kind: String) {
            var worst = 0.0
            for i in 0..<c.m {
                for j in 0..<ldc {
                    let g = got[i * ldc + j]
                    if j >= c.n {
                        XCTAssertEqual(g, sentinel, "\(kind) \(label): padding written", line: line)
                        continue
                    }
                    let e = abs(g - want[i * c.n + j])
                    if !(e <= worst) { worst = e }  // NaN propagates into `worst`
                }
            }
            XCTAssertLessThanOrEqual(worst, tolerance * Double(c.k + 1),
                                     "\(kind) \(label): max error \(worst)", line: line)
        }

        // Double
        var cd = c0
        let ad = a, bd = b
        ad.withUnsafeBufferPointer { pa in
            bd.withUnsafeBufferPointer { pb in
                cd.withUnsafeMutableBufferPointer { pc in
                    bp_dgemm(c.transA ? 1 : 0, c.transB ? 1 : 0, c.m, c.n, c.k, c.alpha,
                             pa.baseAddress, lda, pb.baseAddress, ldb, c.beta,
                             pc.baseAddress, ldc, c.threads)
                }
            }
        }
        verify(cd, tolerance: 1e-13, "dgemm")

        // Float
        let af = a.map(Float.init), bf = b.map(Float.init)
        var cf = c0.map(Float.init)
        af.withUnsafeBufferPointer { pa in
            bf.withUnsafeBufferPointer { pb in
                cf.withUnsafeMutableBufferPointer { pc in
                    bp_sgemm(c.transA ? 1 : 0, c.transB ? 1 : 0, c.m, c.n, c.k, Float(c.alpha),
                             pa.baseAddress, lda, pb.baseAddress, ldb, Float(c.beta),
                             pc.baseAddress, ldc, c.threads)
                }
            }
        }
        verify(cf.map(Double.init), tolerance: 2e-6, "sgemm")
    }

    private func runAll(isa: Int32) throws {
        let forced = bp_kernel_force_isa(isa)
        defer { _ = bp_kernel_force_isa(-1) }
        if forced != isa { throw XCTSkip("kernel path \(isa) is not available on this CPU") }

        // 13 x 33 is one row and one column past the AVX-512 tiles (12 x 32 float, 12 x 16
        // double): with k = 29 in the direct loops, with k = 4100 (k * n above their limit)
        // in the packed path, over many KC blocks; 25 x 47 with k = 300 is packed when A is
        // transposed (the direct loops take transposed A only up to k = 256).
        let shapes: [(Int, Int, Int)] = [
            (1, 1, 1), (1, 5, 4), (1, 4, 5), (7, 7, 7), (33, 33, 33), (5, 300, 17),
            (300, 5, 17), (17, 5, 300), (2, 70, 3), (40, 33, 260), (130, 9, 70),
            (13, 33, 29), (13, 33, 4100), (25, 47, 300),
        ]
        let scalars: [(Double, Double)] = [(1, 0), (1, 1), (0.5, -2), (-1.5, 0)]
        var index = 0
        for (m, n, k) in shapes {
            for t in 0..<4 {
                // Spread alpha / beta, padding and thread cases over the shapes.
                let (alpha, beta) = scalars[index % scalars.count]
                let pad = index % 3 == 0 ? 3 : 0
                let threads: Int32 = index % 2 == 0 ? 1 : 0
                check(Case(m: m, n: n, k: k, transA: t & 1 != 0, transB: t & 2 != 0,
                           alpha: alpha, beta: beta, pad: pad, threads: threads))
                index += 1
            }
        }
        // 257: the blocked path (edge tiles in every dimension, two KC blocks, the threaded
        // split). Kept to a few cases: the reference loop is slow in debug builds.
        check(Case(m: 257, n: 67, k: 257, transA: false, transB: false, alpha: 1, beta: 0,
                   pad: 5, threads: 0))
        check(Case(m: 67, n: 257, k: 257, transA: true, transB: true, alpha: 0.5, beta: -2,
                   pad: 0, threads: 1))
        check(Case(m: 257, n: 41, k: 301, transA: true, transB: false, alpha: 1, beta: 1,
                   pad: 0, threads: 0))
        check(Case(m: 41, n: 257, k: 301, transA: false, transB: true, alpha: -1, beta: 0,
                   pad: 2, threads: 0))
        // k = 0: C = beta * C; alpha = 0 likewise.
        for beta in [0.0, 1.0, 2.5] {
            check(Case(m: 7, n: 5, k: 0, transA: false, transB: false, alpha: 1, beta: beta,
                       pad: 2, threads: 0))
            check(Case(m: 6, n: 9, k: 4, transA: true, transB: false, alpha: 0, beta: beta,
                       pad: 0, threads: 1))
        }
        // m = 0 and n = 0 touch nothing.
        check(Case(m: 0, n: 5, k: 3, transA: false, transB: false, alpha: 1, beta: 0,
                   pad: 0, threads: 0))
        check(Case(m: 5, n: 0, k: 3, transA: false, transB: true, alpha: 1, beta: 0,
                   pad: 2, threads: 0))
    }

    func testAVX512Kernels() throws {
        try runAll(isa: Int32(BP_ISA_AVX512))
    }

    func testAVX2Kernels() throws {
        try runAll(isa: Int32(BP_ISA_AVX2_FMA))
    }

    func testPortableKernels() throws {
        try runAll(isa: Int32(BP_ISA_GENERIC))
    }

    func testReportsPathAndCPUs() {
        XCTAssertGreaterThanOrEqual(bp_cpu_count(), 1)
        let isa = bp_kernel_isa()
        XCTAssertTrue(isa == BP_ISA_GENERIC || isa == BP_ISA_AVX2_FMA || isa == BP_ISA_AVX512)
        // Forcing a path the CPU lacks is ignored; forcing one it has (or -1) sticks.
        defer { _ = bp_kernel_force_isa(-1) }
        for want in [BP_ISA_GENERIC, BP_ISA_AVX2_FMA, BP_ISA_AVX512] {
            let got = bp_kernel_force_isa(Int32(want))
            XCTAssertTrue(got == want || (want > isa && got == isa), "forced \(want), got \(got)")
        }
        XCTAssertEqual(bp_kernel_force_isa(-1), isa)
        XCTAssertEqual(bp_kernel_force_isa(7), isa)
    }

    /// Several threads calling at once: the pool is shared, so all but one fall back to
    /// running alone; results must still be exact and nothing may deadlock.
    func testConcurrentCallers() {
        let n = 128
        var rng = Rng(state: 42)
        let a = (0..<(n * n)).map { _ in Float(rng.next()) }
        let b = (0..<(n * n)).map { _ in Float(rng.next()) }
        var reference = [Float](repeating: 0, count: n * n)
        bp_sgemm(0, 0, n, n, n, 1, a, n, b, n, 0, &reference, n, 1)
        let expected = reference
        let mismatches = Counters(4)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            var c = [Float](repeating: 0, count: n * n)
            for _ in 0..<4 {
                bp_sgemm(0, 0, n, n, n, 1, a, n, b, n, 0, &c, n, 0)
                if c != expected { mismatches.add(worker) }
            }
        }
        for w in 0..<4 { XCTAssertEqual(mismatches.value(w), 0, "caller \(w)") }
    }
}

/// One counter per concurrent caller; each caller touches only its own slot.
private final class Counters: @unchecked Sendable {
    private var counts: [Int]
    init(_ n: Int) { counts = [Int](repeating: 0, count: n) }
    func add(_ i: Int) { counts[i] += 1 }
    func value(_ i: Int) -> Int { counts[i] }
}
