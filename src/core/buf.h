/* Growable byte buffer and small string helpers (libc only). */
#ifndef ZR_CORE_BUF_H
#define ZR_CORE_BUF_H
#include <stddef.h>
#include <stdint.h>
#include "core/alloc.h"
#include "zrzy.h"

typedef struct zr_buf {
    unsigned char *data; /* owned */
    size_t len, cap;
} zr_buf;

/* Make room for n more bytes. */
zr_status zr_buf_reserve(zr_buf *b, size_t n);
zr_status zr_buf_append(zr_buf *b, const void *p, size_t n);
zr_status zr_buf_printf(zr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void zr_buf_reset(zr_buf *b) {
    b->len = 0;
}
void zr_buf_free(zr_buf *b);

/* Room for one more element past the n in use of an array of *cap elements of elem bytes: the
 * array itself, reallocated to twice its capacity (first elements at the start) when full, or
 * NULL when memory runs out — then the array and *cap are unchanged. */
void *zr_grow(void *items, size_t *cap, size_t n, size_t elem, size_t first);

/* snprintf into a fixed buffer that always terminates; returns dst. */
char *zr_fmt(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Case-insensitive ASCII compare. */
int zr_strieq(const char *a, const char *b);
/* 64-bit FNV-1a hash of a NUL-terminated string (hash tables, duplicate keys). */
uint64_t zr_str_hash(const char *s);
#endif
