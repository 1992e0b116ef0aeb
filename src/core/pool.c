#include "core/pool.h"
#include "core/alloc.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Workers take ranges of `grain` items from a shared counter until none is left, so a worker
 * that meets slow items does not hold the others up at the end. */
typedef struct {
    zr_range_fn fn;
    void *ctx;
    size_t n, grain;
    atomic_size_t next;
} shared;

typedef struct {
    shared *sh;
    int worker;
} job;

static void *run_job(void *p) {
    job *j = p;
    shared *sh = j->sh;
    for (;;) {
        const size_t b = atomic_fetch_add(&sh->next, sh->grain);
        if (b >= sh->n) break;
        const size_t e = sh->n - b < sh->grain ? sh->n : b + sh->grain;
        sh->fn(sh->ctx, b, e, j->worker);
    }
    return NULL;
}

zr_status zr_parallel_for(int n_threads, size_t n, zr_range_fn fn, void *ctx) {
    enum { MAX_THREADS = 64 };
    if (n_threads < 1) n_threads = 1;
    if (n_threads > MAX_THREADS) n_threads = MAX_THREADS;
    if ((size_t)n_threads > n) n_threads = n ? (int)n : 1;
    shared sh = {fn, ctx, n, 0, 0};
    /* about 16 ranges a worker */
    sh.grain = n / ((size_t)n_threads * 16);
    if (sh.grain < 1) sh.grain = 1;
    atomic_init(&sh.next, 0);
    job jobs[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < n_threads; t++)
        jobs[t] = (job){&sh, t};
    zr_status s = ZR_OK;
    for (int t = 1; t < n_threads; t++) {
        if (pthread_create(&tids[t], NULL, run_job, &jobs[t]) == 0)
            started[t] = 1;
        else
            s = ZR_ERR_NOMEM;
    }
    run_job(&jobs[0]); /* the caller works too; it takes what threads that failed to start left */
    for (int t = 1; t < n_threads; t++)
        if (started[t]) pthread_join(tids[t], NULL);
    return s == ZR_ERR_NOMEM ? ZR_OK : s; /* work done either way */
}

int zr_ncpu(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

double zr_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t zr_peak_rss(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (size_t)ru.ru_maxrss * 1024;
}

void *zr_big_calloc(size_t n) {
    if (zr_alloc_fault()) return NULL;
    if (!n) n = 1;
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, n, MADV_HUGEPAGE); /* advice only: without it the table works the same */
#endif
    return p;
}

void zr_big_free(void *p, size_t n) {
    if (p) munmap(p, n ? n : 1);
}
