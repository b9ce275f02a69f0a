import CBackpropKernels

// Work split over the CPUs: the GEMM's persistent worker pool (pool.c) takes the chunks
// this thread does not, so back-to-back calls find the workers still spinning. The element-
// wise and row-wise ops split into ranges of independent outputs (elements, rows, batch
// entries), each computed as it would be on one thread, so their values do not depend on
// the number of CPUs.

/// Runs `body(i)` for every i in 0..<count on the GEMM's worker pool and this thread
/// (``bp_parallel_run``), returning when all have run; in order on this thread when
/// `count` is 1 or the pool is busy.
@inlinable
internal func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if count <= 1 {
        if count == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { body in
        var task = body
        withUnsafeMutablePointer(to: &task) { pointer in
            bp_parallel_run(
                { context, index, _ in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(index))
                }, pointer, Int32(count))
        }
    }
}

/// Runs `body` on contiguous ranges that cover 0..<count, each of at least `grain` items
/// (one range per CPU at most), in parallel (``parallelFor(_:_:)``); on this thread, as one
/// range, when there is one CPU or fewer than 2·`grain` items. Returns the number of ranges.
@inlinable @discardableResult
internal func parallelRanges(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) -> Int {
    let chunks = Swift.min(Int(bp_cpu_count()), count / Swift.max(grain, 1))
    guard chunks > 1 else {
        if count > 0 { body(0..<count) }
        return 1
    }
    parallelFor(chunks) { chunk in body(count * chunk / chunks..<count * (chunk + 1) / chunks) }
    return chunks
}

/// The number of scalars worth a worker's wake-up in an element-wise pass (tens of
/// microseconds of work at a few nanoseconds per element).
@usableFromInline let parallelGrain = 1 << 14
