#ifndef CBACKPROP_PARALLEL_H
#define CBACKPROP_PARALLEL_H

#ifdef __cplusplus
extern "C" {
#endif

/// A task of `bp_parallel_run`: called once for each `index` in 0..<count.
typedef void (*bp_parallel_task)(void *context, int index, int count);

/// Runs `task(context, i, count)` for every i in 0..<count on the GEMM's persistent worker
/// pool and the calling thread, returning when all have run. When the pool is busy (another
/// thread is using it), has no workers, or `count` is below 2, the calling thread runs every
/// index itself, in order. Tasks must not call this function again (they may call the GEMM
/// with `threads == 1`).
void bp_parallel_run(bp_parallel_task task, void *context, int count);

#ifdef __cplusplus
}
#endif

#endif
