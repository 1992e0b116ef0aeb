/* Parcels found again after the stream, by fid or by window: from memory in held mode, read back
 * through the layer's R*Tree in tiled mode. Read-back parcels are cached by fid until
 * qc_fetch_reset, so pointers stay valid while a finding is being made. */
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/feature.h"
#include "qc/qc_int.h"
#include "source/source.h"
#include "store/store.h"

/* A connection of its own on the layer, for window and fid reads (one per thread). */
struct qc_win {
    zr_store *st;
    zr_reader *win, *one;
    zr_batch b;
    zr_poly scratch; /* a feature's geometry before it goes to the arena */
};

struct qc_fetcher {
    qc_win *w; /* tiled mode, opened on first use */
    zr_arena *arena;
    int64_t *keys; /* open addressing: fid → parcel (cache); 0 slots are empty when !used */
    qc_parcel **vals;
    unsigned char *used;
    size_t cap, n;
    int64_t *fids; /* held mode: fids sorted, with their index in d->p */
    size_t *idx;
};

static qc_fetcher *fetcher(qc_data *d) {
    if (d->fetch) return d->fetch;
    qc_fetcher *f = zr_calloc(1, sizeof *f);
    if (!f) return NULL;
    f->arena = zr_arena_new(1 << 16);
    if (!f->arena) {
        free(f);
        return NULL;
    }
    d->fetch = f;
    return f;
}

/* The first position in sorted a[0..n) whose value is not below key. */
static size_t lower_bound(const int64_t *a, size_t n, int64_t key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int qc_is_invalid(const qc_data *d, int64_t fid) {
    const size_t i = lower_bound(d->invalid, d->n_invalid, fid);
    return i < d->n_invalid && d->invalid[i] == fid;
}

/* ---- held mode ---- */

static int cmp_fid(const void *a, const void *b) {
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static const qc_parcel *held_fetch(qc_data *d, qc_fetcher *f, int64_t fid) {
    if (!f->fids) {
        /* (fid, index) pairs sorted by fid */
        int64_t(*pairs)[2] = zr_malloc((d->n ? d->n : 1) * sizeof *pairs);
        f->fids = zr_malloc((d->n ? d->n : 1) * sizeof *f->fids);
        f->idx = zr_malloc((d->n ? d->n : 1) * sizeof *f->idx);
        if (!pairs || !f->fids || !f->idx) {
            free(pairs), free(f->fids), free(f->idx);
            f->fids = NULL, f->idx = NULL;
            return NULL;
        }
        for (size_t i = 0; i < d->n; i++)
            pairs[i][0] = d->p[i].fid, pairs[i][1] = (int64_t)i;
        qsort(pairs, d->n, sizeof *pairs, cmp_fid); /* by fid, the pair's first value */
        for (size_t i = 0; i < d->n; i++)
            f->fids[i] = pairs[i][0], f->idx[i] = (size_t)pairs[i][1];
        free(pairs);
    }
    const size_t i = lower_bound(f->fids, d->n, fid);
    return i < d->n && f->fids[i] == fid ? &d->p[f->idx[i]] : NULL;
}

/* ---- tiled mode ---- */

static int cmp_parcel_fid(const void *a, const void *b) {
    const qc_parcel *p = a, *q = b;
    return (p->fid > q->fid) - (p->fid < q->fid);
}

static size_t slot_of(const qc_fetcher *f, int64_t fid) {
    size_t h = (size_t)((uint64_t)fid * 0x9E3779B97F4A7C15ull) & (f->cap - 1);
    while (f->used[h] && f->keys[h] != fid)
        h = (h + 1) & (f->cap - 1);
    return h;
}

static zr_status cache_put(qc_fetcher *f, qc_parcel *p) {
    if ((f->n + 1) * 2 > f->cap) {
        const size_t cap = f->cap ? f->cap * 2 : 1024;
        qc_fetcher g = *f;
        g.cap = cap, g.n = 0;
        g.keys = zr_calloc(cap, sizeof *g.keys);
        g.vals = zr_calloc(cap, sizeof *g.vals);
        g.used = zr_calloc(cap, 1);
        if (!g.keys || !g.vals || !g.used) {
            free(g.keys), free(g.vals), free(g.used);
            return ZR_ERR_NOMEM;
        }
        for (size_t i = 0; i < f->cap; i++)
            if (f->used[i]) {
                const size_t h = slot_of(&g, f->keys[i]);
                g.used[h] = 1, g.keys[h] = f->keys[i], g.vals[h] = f->vals[i], g.n++;
            }
        free(f->keys), free(f->vals), free(f->used);
        *f = g;
    }
    const size_t h = slot_of(f, p->fid);
    if (!f->used[h]) f->n++;
    f->used[h] = 1, f->keys[h] = p->fid, f->vals[h] = p;
    return ZR_OK;
}

static qc_parcel *cache_get(const qc_fetcher *f, int64_t fid) {
    if (!f->cap) return NULL;
    const size_t h = slot_of(f, fid);
    return f->used[h] ? f->vals[h] : NULL;
}

/* Parse the batch's features into arena parcels (BSM, geometry, envelope, validity). */
static zr_status parse_batch(const qc_data *d, qc_win *w, zr_arena *a, qc_parcel **out,
                             size_t *n_out) {
    const zr_batch *b = &w->b;
    qc_parcel *ps = zr_arena_alloc(a, (b->n ? b->n : 1) * sizeof *ps);
    if (!ps) return ZR_ERR_NOMEM;
    for (size_t i = 0; i < b->n; i++) {
        const zr_feature *ft = &b->f[i];
        qc_parcel *p = &ps[i];
        memset(p, 0, sizeof *p);
        p->fid = ft->fid;
        if (b->n_fields > 0 && zr_value_text_checked(a, &ft->v[0], &p->bsm)) return ZR_ERR_NOMEM;
        const zr_status s = qc_parcel_geometry(a, b->geom_is_gpkg, ft, &w->scratch, p);
        if (s) return s;
        p->valid = !p->geom_error && !qc_is_invalid(d, p->fid);
    }
    *out = ps;
    *n_out = b->n;
    return ZR_OK;
}

zr_status qc_win_open(const qc_data *d, qc_win **out) {
    *out = NULL;
    static const char *const cols[] = {"BSM", NULL};
    qc_win *w = zr_calloc(1, sizeof *w);
    if (!w) return ZR_ERR_NOMEM;
    zr_status s = zr_store_open(d->path, ZR_STORE_READ, &w->st);
    if (!s) s = zr_reader_open_cols(w->st, d->layer_name, cols, &w->win);
    if (!s) s = zr_reader_open_cols(w->st, d->layer_name, cols, &w->one);
    if (!s && zr_reader_nfields(w->one) != 1) s = ZR_ERR_SCHEMA;
    if (!s) s = zr_batch_init(&w->b, 1);
    if (s) {
        qc_win_close(w);
        return s;
    }
    *out = w;
    return ZR_OK;
}

void qc_win_close(qc_win *w) {
    if (!w) return;
    zr_reader_close(w->win);
    zr_reader_close(w->one);
    zr_store_close(w->st);
    zr_batch_free(&w->b);
    zr_poly_free(&w->scratch);
    free(w);
}

zr_status qc_win_read(qc_win *w, const qc_data *d, const double env[4], zr_arena *a,
                      qc_parcel **out, size_t *n) {
    *out = NULL, *n = 0;
    zr_status s = zr_reader_window(w->win, env);
    qc_parcel *all = NULL;
    size_t cap = 0;
    while (!s) {
        size_t got = 0, k = 0;
        qc_parcel *ps;
        if ((s = zr_reader_next(w->win, &w->b, 4096, &got)) || !got) break;
        if ((s = parse_batch(d, w, a, &ps, &k))) break;
        if (*n + k > cap) {
            cap = (*n + k) * 2;
            qc_parcel *na = zr_realloc(all, cap * sizeof *na);
            if (!na) {
                s = ZR_ERR_NOMEM;
                break;
            }
            all = na;
        }
        memcpy(all + *n, ps, k * sizeof *ps);
        *n += k;
    }
    if (s) {
        free(all);
        *n = 0;
        return s;
    }
    /* fid order, as the layer is read: the same first occurrences, the same results */
    if (*n > 1) qsort(all, *n, sizeof *all, cmp_parcel_fid);
    *out = all;
    return ZR_OK;
}

static zr_status open_win(qc_data *d, qc_fetcher *f) {
    return f->w ? ZR_OK : qc_win_open(d, &f->w);
}

const qc_parcel *qc_fetch(qc_data *d, int64_t fid) {
    qc_fetcher *f = fetcher(d);
    if (!f) return NULL;
    if (!d->tiled) return held_fetch(d, f, fid);
    qc_parcel *p = cache_get(f, fid);
    if (p) return p;
    size_t got = 0, n = 0;
    if (open_win(d, f) || zr_reader_fid(f->w->one, fid) ||
        zr_reader_next(f->w->one, &f->w->b, 1, &got) || !got)
        return NULL;
    qc_parcel *ps;
    if (parse_batch(d, f->w, f->arena, &ps, &n) || !n) return NULL;
    return cache_put(f, ps) ? NULL : ps;
}

/* qc_window_cached's walk: a row already cached is not parsed again (a parcel of many vertices
 * is met by every point query near it). */
typedef struct {
    qc_data *d;
    qc_fetcher *f;
    int has_bsm;
    const qc_parcel **all;
    size_t n, cap;
} window_walk;

static zr_status window_row(void *ctx, const zr_feature *ft, int is_gpkg) {
    window_walk *c = ctx;
    qc_fetcher *f = c->f;
    qc_parcel *p = cache_get(f, ft->fid);
    if (!p) {
        if (!(p = zr_arena_alloc(f->arena, sizeof *p))) return ZR_ERR_NOMEM;
        memset(p, 0, sizeof *p);
        p->fid = ft->fid;
        if (c->has_bsm && zr_value_text_checked(f->arena, &ft->v[0], &p->bsm)) return ZR_ERR_NOMEM;
        zr_status s = qc_parcel_geometry(f->arena, is_gpkg, ft, &f->w->scratch, p);
        if (s) return s;
        p->valid = !p->geom_error && !qc_is_invalid(c->d, p->fid);
        if ((s = cache_put(f, p))) return s;
    }
    const qc_parcel **na = zr_grow(c->all, &c->cap, c->n, sizeof *na, 64);
    if (!na) return ZR_ERR_NOMEM;
    c->all = na;
    c->all[c->n++] = p;
    return ZR_OK;
}

static int cmp_parcel_ptr_fid(const void *a, const void *b) {
    const qc_parcel *const *p = a, *const *q = b;
    return ((*p)->fid > (*q)->fid) - ((*p)->fid < (*q)->fid);
}

zr_status qc_window_cached(qc_data *d, const double env[4], const qc_parcel **out, size_t max,
                           size_t *n) {
    *n = 0;
    qc_fetcher *f = fetcher(d);
    if (!f) return ZR_ERR_NOMEM;
    zr_status s = open_win(d, f);
    window_walk c = {d, f, 0, NULL, 0, 0};
    if (!s) {
        c.has_bsm = zr_reader_nfields(f->w->win) > 0;
        s = zr_reader_window(f->w->win, env);
    }
    for (size_t got = 1; !s && got;)
        s = zr_reader_each(f->w->win, 4096, window_row, &c, &got);
    /* fid order, as the layer is read: the same first occurrences, the same results */
    if (!s && c.n > 1) qsort(c.all, c.n, sizeof *c.all, cmp_parcel_ptr_fid);
    for (size_t i = 0; !s && i < c.n && *n < max; i++)
        out[(*n)++] = c.all[i];
    free(c.all);
    return s;
}

void qc_fetch_reset(qc_data *d) {
    qc_fetcher *f = d->fetch;
    if (!f || !d->tiled) return;
    zr_arena_reset(f->arena);
    if (f->cap) memset(f->used, 0, f->cap);
    f->n = 0;
}

void qc_fetch_free(qc_data *d) {
    qc_fetcher *f = d->fetch;
    if (!f) return;
    qc_win_close(f->w);
    zr_arena_free(f->arena);
    free(f->keys), free(f->vals), free(f->used), free(f->fids), free(f->idx);
    free(f);
    d->fetch = NULL;
}
