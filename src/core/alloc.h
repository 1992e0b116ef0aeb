/* The allocator every zrzy module uses: malloc and friends, with a fault hook for tests (in the
 * manner of SQLite's): the Nth allocation from the hook's setting fails, so a test can fail each
 * allocation of a run in turn and check that the run ends cleanly. free() is plain free(). */
#ifndef ZR_CORE_ALLOC_H
#define ZR_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *zr_malloc(size_t n) __attribute__((malloc));
void *zr_calloc(size_t count, size_t size) __attribute__((malloc));
void *zr_realloc(void *p, size_t n);
char *zr_strdup(const char *s) __attribute__((malloc)); /* NULL on NULL */

/* Test hook, process-wide (tests only): from now on the nth allocation (1-based) returns NULL,
 * and so does every later one when persistent. n = 0 turns failures off. Counting restarts. */
void zr_alloc_fail_at(int64_t n, int persistent);
/* For allocators that are not zr_malloc (zr_big_calloc's mappings; SQLite's allocator in the
 * allocation-failure test): counts one allocation and returns 1 when the hook fails it. */
int zr_alloc_fault(void);
/* Tests: fn(user, n) is called at each allocation the hook counts (n: its number), from the
 * allocating thread, so a test can tell allocation sites apart (backtrace). NULL: off. */
void zr_alloc_trace(void (*fn)(void *user, int64_t n), void *user);
/* Allocations made since the last zr_alloc_fail_at, and how many of them failed. */
int64_t zr_alloc_count(void);
int64_t zr_alloc_failed(void);

#endif
