/* zr_malloc & co.: the fault hook costs one relaxed atomic load when it is off. */
#include "core/alloc.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_int_fast64_t fail_at;  /* 0: off */
static atomic_int_fast64_t n_allocs; /* counted only while the hook is on */
static atomic_int_fast64_t n_failed;
static atomic_int persistent_fail;
static void (*_Atomic trace_fn)(void *user, int64_t n);
static void *_Atomic trace_user;

void zr_alloc_trace(void (*fn)(void *user, int64_t n), void *user) {
    atomic_store(&trace_user, user);
    atomic_store(&trace_fn, fn);
}

void zr_alloc_fail_at(int64_t n, int persistent) {
    atomic_store(&n_allocs, 0);
    atomic_store(&n_failed, 0);
    atomic_store(&persistent_fail, persistent);
    atomic_store(&fail_at, n);
}

int64_t zr_alloc_count(void) {
    return atomic_load(&n_allocs);
}

int64_t zr_alloc_failed(void) {
    return atomic_load(&n_failed);
}

/* 1 when this allocation is to fail. */
static int should_fail(void);

int zr_alloc_fault(void) {
    return should_fail();
}

static int should_fail(void) {
    const int64_t at = atomic_load_explicit(&fail_at, memory_order_relaxed);
    if (!at) return 0;
    const int64_t k = atomic_fetch_add(&n_allocs, 1) + 1;
    void (*fn)(void *, int64_t) = atomic_load(&trace_fn);
    if (fn) fn(atomic_load(&trace_user), k);
    if (k == at || (k > at && atomic_load(&persistent_fail))) {
        atomic_fetch_add(&n_failed, 1);
        return 1;
    }
    return 0;
}

void *zr_malloc(size_t n) {
    return should_fail() ? NULL : malloc(n);
}

void *zr_calloc(size_t count, size_t size) {
    return should_fail() ? NULL : calloc(count, size);
}

void *zr_realloc(void *p, size_t n) {
    return should_fail() ? NULL : realloc(p, n);
}

char *zr_strdup(const char *s) {
    if (!s || should_fail()) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}
