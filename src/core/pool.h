/* Parallel for: [0, n) in contiguous ranges taken in turn by up to n_threads POSIX threads
 * (the caller is worker 0). */
#ifndef ZR_CORE_POOL_H
#define ZR_CORE_POOL_H
#include <stddef.h>
#include "zrzy.h"

/* fn(ctx, begin, end, worker) runs once per range, a worker running many ranges one after
 * another; worker is 0..n_threads-1. It must not
 * fail: record per-item failures in ctx. Returns ZR_ERR_NOMEM when threads cannot start (the
 * ranges then run on the calling thread, so the work is still done). */
typedef void (*zr_range_fn)(void *ctx, size_t begin, size_t end, int worker);
zr_status zr_parallel_for(int n_threads, size_t n, zr_range_fn fn, void *ctx);

/* n zeroed bytes for a large, randomly touched table (hash tables of millions of slots):
 * mapped on its own and advised to use huge pages, so that first touches cost one fault per
 * 2 MiB rather than per 4 KiB. NULL on failure. Free with zr_big_free(p, n). */
void *zr_big_calloc(size_t n);
void zr_big_free(void *p, size_t n);

/* Number of online CPUs, at least 1. */
int zr_ncpu(void);
/* Monotonic seconds. */
double zr_now(void);
/* Peak resident set size in bytes (0 when unknown). */
size_t zr_peak_rss(void);
#endif
