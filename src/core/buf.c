#include "core/alloc.h"
#include "core/buf.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

zr_status zr_buf_reserve(zr_buf *b, size_t n) {
    if (n > SIZE_MAX - b->len) return ZR_ERR_LIMIT;
    size_t need = b->len + n;
    if (need <= b->cap) return ZR_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) return ZR_ERR_LIMIT;
        cap *= 2;
    }
    unsigned char *p = zr_realloc(b->data, cap);
    if (!p) return ZR_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return ZR_OK;
}

zr_status zr_buf_append(zr_buf *b, const void *p, size_t n) {
    zr_status s = zr_buf_reserve(b, n + 1);
    if (s) return s;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0; /* keep text buffers terminated */
    return ZR_OK;
}

zr_status zr_buf_printf(zr_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return ZR_ERR_ARG;
    if ((size_t)n < sizeof small) return zr_buf_append(b, small, (size_t)n);
    zr_status s = zr_buf_reserve(b, (size_t)n + 1);
    if (s) return s;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return ZR_OK;
}

void *zr_grow(void *items, size_t *cap, size_t n, size_t elem, size_t first) {
    if (n < *cap) return items;
    const size_t nc = *cap ? *cap * 2 : first;
    if (nc <= *cap || nc > SIZE_MAX / elem) return NULL;
    void *p = zr_realloc(items, nc * elem);
    if (p) *cap = nc;
    return p;
}

void zr_buf_free(zr_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *zr_fmt(char *dst, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
    return dst;
}

int zr_strieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

uint64_t zr_str_hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}
