#ifndef CBACKPROP_BUFFERS_H
#define CBACKPROP_BUFFERS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Tensors of at least this many bytes keep their scalars in a block from
/// `bp_buffer_allocate` instead of inside the tensor's object.
#define BP_LARGE_BUFFER_BYTES ((size_t)65536)

/// A 64-byte aligned block of at least `bytes` bytes (rounded up to 4 KiB), reused from
/// this thread's cache of recently freed blocks when one of that size is there.
///
/// Why a cache: a training step allocates and frees the same large buffers every step,
/// and glibc returns freed memory at the top of its heap to the system once more than
/// its trim threshold is free there, so the next step faults every page in again, a cost
/// that grows with the layer sizes. Returns NULL when out of memory.
void *bp_buffer_allocate(size_t bytes);

/// Returns a block from `bp_buffer_allocate` (with the same `bytes`): kept in this
/// thread's cache (at most 64 blocks and 64 MiB per thread, freed when the thread
/// exits) or freed.
void bp_buffer_release(void *block, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif
