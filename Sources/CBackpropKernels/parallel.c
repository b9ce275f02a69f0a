// The worker pool of pool.c offered to the Swift kernels (convolution splits its batch over
// it): the same workers as the GEMM, so back-to-back calls find them still spinning.
#include "CBackpropParallel.h"
#include "bp_gemm_internal.h"

void bp_parallel_run(bp_parallel_task task, void *context, int count) {
  if (count <= 0) return;
  if (count >= 2 && bp_pool_run(task, context, count)) return;
  for (int i = 0; i < count; i++) task(context, i, count);
}
