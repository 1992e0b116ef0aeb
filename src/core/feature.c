#include "core/alloc.h"
#include "core/feature.h"
#include "core/buf.h"
#include "core/pool.h"
#include <stdalign.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[];
} block;

struct zr_arena {
    block *head, *spare; /* spare: blocks kept across resets */
    size_t block_size;
};

/* Blocks of 2 MiB and more are mapped on their own with huge pages advised (one fault per
 * 2 MiB when first written); smaller ones come from malloc. */
#define BIG_BLOCK ((size_t)2 << 20)

static block *block_new(size_t cap) {
    block *b = cap >= BIG_BLOCK ? zr_big_calloc(sizeof *b + cap) : zr_malloc(sizeof *b + cap);
    if (b) b->cap = cap;
    return b;
}

static void block_free(block *b) {
    if (b && b->cap >= BIG_BLOCK)
        zr_big_free(b, sizeof *b + b->cap);
    else
        free(b);
}

zr_arena *zr_arena_new(size_t block_size) {
    zr_arena *a = zr_calloc(1, sizeof *a);
    if (a) a->block_size = block_size ? block_size : 1 << 16;
    return a;
}

void *zr_arena_alloc(zr_arena *a, size_t n) {
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX - align) return NULL;
    n = (n + align - 1) & ~(align - 1);
    if (!a->head || a->head->cap - a->head->used < n) {
        block *b = NULL;
        if (a->spare && a->spare->cap >= n) {
            b = a->spare;
            a->spare = b->next;
        } else {
            size_t cap = n > a->block_size ? n : a->block_size;
            if (cap > SIZE_MAX - sizeof *b) return NULL;
            if (!(b = block_new(cap))) return NULL;
        }
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

char *zr_arena_strndup(zr_arena *a, const char *s, size_t n) {
    char *d = zr_arena_alloc(a, n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

void zr_arena_reset(zr_arena *a) {
    /* keep standard-size blocks for reuse, drop oversize ones */
    while (a->head) {
        block *b = a->head;
        a->head = b->next;
        if (b->cap == a->block_size) {
            b->next = a->spare;
            a->spare = b;
        } else {
            block_free(b);
        }
    }
}

void zr_arena_free(zr_arena *a) {
    if (!a) return;
    zr_arena_reset(a);
    while (a->spare) {
        block *b = a->spare;
        a->spare = b->next;
        block_free(b);
    }
    free(a);
}

zr_status zr_batch_init(zr_batch *b, int n_fields) {
    memset(b, 0, sizeof *b);
    b->n_fields = n_fields;
    b->arena = zr_arena_new(1 << 20);
    return b->arena ? ZR_OK : ZR_ERR_NOMEM;
}

void zr_batch_reset(zr_batch *b) {
    b->n = 0;
    zr_arena_reset(b->arena);
}

void zr_batch_free(zr_batch *b) {
    free(b->f);
    zr_arena_free(b->arena);
    memset(b, 0, sizeof *b);
}

zr_status zr_batch_add(zr_batch *b, int64_t fid, zr_feature **out) {
    *out = NULL;
    zr_feature *nf = zr_grow(b->f, &b->cap, b->n, sizeof *nf, 1024);
    if (!nf) return ZR_ERR_NOMEM;
    b->f = nf;
    zr_feature *f = &b->f[b->n];
    f->fid = fid;
    f->geom = NULL;
    f->geom_len = 0;
    f->v = zr_arena_alloc(b->arena, sizeof(zr_value) * (size_t)(b->n_fields ? b->n_fields : 1));
    if (!f->v) return ZR_ERR_NOMEM;
    memset(f->v, 0, sizeof(zr_value) * (size_t)b->n_fields);
    b->n++;
    *out = f;
    return ZR_OK;
}

zr_status zr_batch_set_text(zr_batch *b, zr_value *v, const char *s, size_t n) {
    char *d = zr_arena_strndup(b->arena, s, n);
    if (!d) return ZR_ERR_NOMEM;
    v->kind = ZR_FT_TEXT;
    v->s = d;
    return ZR_OK;
}

zr_status zr_batch_set_geom(zr_batch *b, zr_feature *f, const void *p, size_t n) {
    unsigned char *d = zr_arena_alloc(b->arena, n ? n : 1);
    if (!d) return ZR_ERR_NOMEM;
    memcpy(d, p, n);
    f->geom = d;
    f->geom_len = n;
    return ZR_OK;
}

const char *zr_value_text(zr_arena *a, const zr_value *v) {
    const char *out = NULL;
    return zr_value_text_checked(a, v, &out) == ZR_OK ? out : NULL;
}

zr_status zr_value_text_checked(zr_arena *a, const zr_value *v, const char **out) {
    *out = NULL;
    char tmp[64];
    const char *s = NULL;
    if (v->kind == ZR_FT_TEXT)
        s = v->s;
    else if (v->kind == ZR_FT_INT)
        snprintf(tmp, sizeof tmp, "%lld", (long long)v->i), s = tmp;
    else if (v->kind == ZR_FT_REAL)
        snprintf(tmp, sizeof tmp, "%.15g", v->r), s = tmp;
    if (!s) return ZR_OK;
    size_t len = strlen(s);
    while (len && s[len - 1] == ' ')
        len--; /* DBF padding */
    if (!len) return ZR_OK;
    return (*out = zr_arena_strndup(a, s, len)) ? ZR_OK : ZR_ERR_NOMEM;
}

int zr_value_number(const zr_value *v, double *out) {
    if (v->kind == ZR_FT_REAL || v->kind == ZR_FT_INT) {
        *out = v->kind == ZR_FT_INT ? (double)v->i : v->r;
        return isfinite(*out) != 0; /* a NaN or ±Inf REAL is no number */
    }
    if (v->kind != ZR_FT_TEXT) return 0;
    /* plain decimal only: strtod would also take "nan", "inf" and hexadecimal "0x1p4" */
    const char *p = v->s;
    while (*p == ' ')
        p++;
    for (const char *q = p; *q; q++)
        if (!strchr("0123456789+-.eE ", *q)) return 0;
    char *end;
    *out = strtod(p, &end);
    while (*end == ' ')
        end++;
    return end != p && !*end && isfinite(*out);
}
