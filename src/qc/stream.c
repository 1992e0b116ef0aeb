/* The orchestrator of the parcel stream: a reader thread parses the layer chunk by chunk while
 * the workers run the per-parcel rule table (rule_table.c) on the chunk before, count its edges
 * for the topology (held mode), add to the M03 sums and keep the A04 keys. What needs the whole
 * layer runs after the stream (check.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "core/alloc.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "qc/parcel_rules.h"
#include "source/source.h"

/* ---- the fields a parcel is read with ---- */

enum {
    BSM,
    DLBM,
    DLMC,
    QSXZ,
    ZLDWDM,
    QSDWDM,
    KCDLBM,
    GDLX,
    GDPDJB,
    CZCSXM,
    TBMJ,
    KCMJ,
    TBDLMJ,
    KCXS,
    XZDWKD,
    NF
};
const char *const qc_parcel_fields[NF + 1] = {
    "BSM",    "DLBM",   "DLMC", "QSXZ", "ZLDWDM", "QSDWDM", "KCDLBM", "GDLX",
    "GDPDJB", "CZCSXM", "TBMJ", "KCMJ", "TBDLMJ", "KCXS",   "XZDWKD", NULL};

/* ---- the workers: one GEOS context and scratch each, serving every chunk ---- */

typedef struct qc_workers {
    int threads;
    zr_geos **geos;  /* one a worker */
    zr_buf *scratch; /* one a worker */
    zr_poly *part;   /* one a worker */
    qc_data *d;      /* the chunk being checked, */
    const qc_catalogue *cat;
    qc_findings *fs;
} qc_workers;

static void workers_close(qc_workers *w) {
    if (!w) return;
    for (int t = 0; t < w->threads; t++) {
        if (w->geos) zr_geos_close(w->geos[t]);
        if (w->scratch) zr_buf_free(&w->scratch[t]);
        if (w->part) zr_poly_free(&w->part[t]);
    }
    free(w->geos), free(w->scratch), free(w->part);
    free(w);
}

/* A GEOS context that cannot start fails the run: G01 cannot be decided without it. */
static zr_status workers_open(int threads, qc_workers **out, char *err, size_t n) {
    *out = NULL;
    qc_workers *w = zr_calloc(1, sizeof *w);
    if (!w) return ZR_ERR_NOMEM;
    w->threads = threads < 1 ? 1 : threads;
    w->geos = zr_calloc((size_t)w->threads, sizeof *w->geos);
    w->scratch = zr_calloc((size_t)w->threads, sizeof *w->scratch);
    w->part = zr_calloc((size_t)w->threads, sizeof *w->part);
    zr_status s = w->geos && w->scratch && w->part ? ZR_OK : ZR_ERR_NOMEM;
    for (int t = 0; t < w->threads && !s; t++)
        if ((s = zr_geos_open(&w->geos[t])) != ZR_OK)
            snprintf(err, n, "cannot start the geometry engine (GEOS) for G01: %s",
                     zr_status_str(s));
    if (s) {
        workers_close(w);
        return s;
    }
    *out = w;
    return ZR_OK;
}

/* One range of the chunk on worker k: each parcel measured (ellipsoidal area; the envelope
 * came with the coordinates), then the rule table, then (held mode) its edges counted. */
static void chunk_range(void *ctx, size_t b, size_t e, int k) {
    qc_workers *w = ctx;
    qc_data *d = w->d;
    if (qc_cancelled(d)) return; /* the run stops after this chunk */
    qc_rule_ctx c = {d, w->cat, w->fs, w->geos[k], &w->scratch[k], &w->part[k], NULL, 0, {0}, NULL};
    for (size_t i = b; i < e; i++) {
        qc_parcel *p = &d->p[i];
        if (p->geom_error) { /* no coordinates: no area, no envelope */
            p->area = -1;
            memset(p->env, 0, sizeof p->env);
        } else {
            double a;
            if (qc_poly_area(&p->poly, &d->crs, c.scratch, &a)) {
                qc_findings_fail(w->fs, ZR_ERR_NOMEM, "out of memory measuring parcel BSM %s",
                                 p->bsm ? p->bsm : "");
                return;
            }
            p->area = isfinite(a) ? zr_round_cents(a) : -1;
        }
        c.dl = zr_dlbm_find(p->dlbm);
        for (size_t r = 0; r < qc_n_parcel_rules; r++) {
            const qc_parcel_rule *q = &qc_parcel_rules[r];
            if (q->always || w->cat->rules[q->rule].enabled) q->fn(&c, p);
        }
    }
    if (!d->tiled) qc_edges_range(d, b, e, k);
}

/* The per-parcel rules over the chunk in d->p[0..d->n), on all workers. */
static zr_status chunk_rules(qc_workers *w, qc_data *d, const qc_catalogue *cat, qc_findings *fs) {
    w->d = d, w->cat = cat, w->fs = fs;
    zr_status s = d->tiled ? ZR_OK : qc_edges_prepare(d, w->threads);
    if (!s) s = zr_parallel_for(w->threads, d->n, chunk_range, w);
    return s;
}

/* ---- the stream: a reader thread parses chunks, the rules run on them ---- */

typedef struct {
    qc_parcel *p; /* in d->p_res (held mode) or its own allocation */
    size_t n;
    zr_arena *arena;
    int in_res;
} chunk;

typedef struct {
    qc_data *d;
    int col[NF];
    chunk q[2]; /* parsed, waiting */
    int head, count;
    int done, stop; /* reader finished; consumer gave up */
    zr_status st;
    char err[4096];
    pthread_mutex_t mu;
    pthread_cond_t cv;
} chunk_pipe;

/* One row of the source into the chunk being filled (the row's memory lasts only for the
 * call: strings are copied, the geometry parsed, into the chunk's arena). */
typedef struct {
    const chunk_pipe *cp;
    chunk *c;
    zr_poly scratch;
    uint64_t pts; /* vertices read so far: the next parcel's pt0 */
} row_ctx;

static zr_status take_row(void *ctx, const zr_feature *f, int is_gpkg) {
    row_ctx *rc = ctx;
    if (qc_cancelled(rc->cp->d)) return ZR_ERR_CANCELLED;
    const int *col = rc->cp->col;
    chunk *c = rc->c;
    qc_parcel *p = &c->p[c->n];
    memset(p, 0, sizeof *p);
    p->fid = f->fid;
    const char **strs[] = {&p->bsm,    &p->dlbm,   &p->dlmc, &p->qsxz,   &p->zldwdm,
                           &p->qsdwdm, &p->kcdlbm, &p->gdlx, &p->gdpdjb, &p->czcsxm};
    for (int k = 0; k <= CZCSXM; k++) /* out of memory is not an empty field */
        if (col[k] >= 0 && zr_value_text_checked(c->arena, &f->v[col[k]], strs[k]))
            return ZR_ERR_NOMEM;
    double x;
    if (col[TBMJ] >= 0 && (p->has_tbmj = zr_value_number(&f->v[col[TBMJ]], &x)))
        p->tbmj = zr_round_cents(x);
    if (col[KCMJ] >= 0 && (p->has_kcmj = zr_value_number(&f->v[col[KCMJ]], &x)))
        p->kcmj = zr_round_cents(x);
    if (col[TBDLMJ] >= 0 && (p->has_tbdlmj = zr_value_number(&f->v[col[TBDLMJ]], &x)))
        p->tbdlmj = zr_round_cents(x);
    if (col[KCXS] >= 0 && (p->has_kcxs = zr_value_number(&f->v[col[KCXS]], &x)))
        p->kcxs = zr_double_scaled(x, 4);
    if (col[XZDWKD] >= 0) p->has_xzdwkd = zr_value_number(&f->v[col[XZDWKD]], &p->xzdwkd);
    zr_status s = qc_parcel_geometry(c->arena, is_gpkg, f, &rc->scratch, p);
    if (s) return s;
    p->pt0 = rc->pts, rc->pts += p->poly.n_pts;
    c->n++;
    return ZR_OK;
}

static void chunk_free(chunk *c) {
    if (!c->in_res) free(c->p);
    zr_arena_free(c->arena);
    memset(c, 0, sizeof *c);
}

static void *chunk_reader(void *arg) {
    chunk_pipe *cp = arg;
    row_ctx rc = {cp, NULL, {0}, 0};
    zr_status s = ZR_OK;
    qc_data *d = cp->d;
    while (!s) {
        chunk c = {0};
        /* held mode: the chunks follow one another in the reserved array, so the layer ends up
           in one array without a copy; past the reservation, an allocation of its own */
        if (d->p_res && d->p_res_used + d->chunk_rows <= d->p_res_cap)
            c.p = d->p_res + d->p_res_used, c.in_res = 1;
        else
            c.p = zr_malloc(d->chunk_rows * sizeof *c.p);
        if (!(c.arena = zr_arena_new(1 << 22)) || !c.p) s = ZR_ERR_NOMEM;
        size_t got = 0;
        rc.c = &c;
        if (!s)
            s = zr_source_each(cp->d->src, cp->d->chunk_rows, take_row, &rc, &got, cp->err,
                               sizeof cp->err);
        if (s || !got) {
            chunk_free(&c);
            break;
        }
        if (c.in_res) d->p_res_used += c.n;
        pthread_mutex_lock(&cp->mu);
        while (cp->count == 2 && !cp->stop)
            pthread_cond_wait(&cp->cv, &cp->mu);
        const int stop = cp->stop;
        if (!stop) cp->q[(cp->head + cp->count++) % 2] = c;
        pthread_cond_broadcast(&cp->cv);
        pthread_mutex_unlock(&cp->mu);
        if (stop) {
            chunk_free(&c);
            break;
        }
    }
    zr_poly_free(&rc.scratch);
    pthread_mutex_lock(&cp->mu);
    cp->done = 1;
    cp->st = s;
    pthread_cond_broadcast(&cp->cv);
    pthread_mutex_unlock(&cp->mu);
    return NULL;
}

/* The rules that look at one parcel at a time, over the chunk in d->p[0..d->n). */
static zr_status check_chunk(qc_data *d, const qc_catalogue *cat, qc_findings *fs, qc_workers *w) {
    zr_status s = chunk_rules(w, d, cat, fs);
    qc_sums_add(d);
    if (!s) s = qc_bsm_add(d, cat, fs);
    if (!s && !d->tiled) s = qc_edges_flush(d);
    for (size_t i = 0; !s && d->tiled && i < d->n; i++) {
        if (d->p[i].valid) { /* the tiles cover what the topology sees: finite, valid parcels */
            const double *e = d->p[i].env;
            double *v = d->valid_env;
            v[0] = fmin(v[0], e[0]), v[1] = fmax(v[1], e[1]);
            v[2] = fmin(v[2], e[2]), v[3] = fmax(v[3], e[3]);
            continue;
        }
        int64_t *ni = zr_grow(d->invalid, &d->cap_invalid, d->n_invalid, sizeof *ni, 256);
        if (!ni) return ZR_ERR_NOMEM;
        d->invalid = ni;
        d->invalid[d->n_invalid++] = d->p[i].fid;
    }
    return s;
}

static int cmp_i64(const void *a, const void *b) {
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Held mode: address space for the parcel array, one qc_parcel per 64 bytes of the file (no
 * row of a GeoPackage layer is smaller), touched only as chunks fill it. Without it (not a
 * file, or no address space) the chunks are copied together at the end. */
static void reserve_parcels(qc_data *d) {
    struct stat st;
    size_t cap = (size_t)1 << 16;
    if (stat(d->path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size / 64 > cap)
        cap = (size_t)st.st_size / 64;
    void *m = mmap(NULL, cap * sizeof *d->p, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return;
    madvise(m, cap * sizeof *d->p, MADV_HUGEPAGE);
    d->p_res = m, d->p_res_cap = cap, d->p_res_used = 0;
}

zr_status qc_stream(qc_data *d, const qc_catalogue *cat, qc_findings *fs, int threads, char *err,
                    size_t n) {
    chunk_pipe *cp = zr_calloc(1, sizeof *cp);
    if (!cp) return ZR_ERR_NOMEM;
    cp->d = d;
    for (int k = 0; k < NF; k++)
        cp->col[k] = zr_source_col(d->src, qc_parcel_fields[k]);
    zr_status s = ZR_OK;
    for (int k = BSM; k <= ZLDWDM && !s; k++)
        if (k != DLMC && cp->col[k] < 0) {
            snprintf(err, n, "%s: layer %s: required field %s is missing", d->src->path,
                     d->src->layer, qc_parcel_fields[k]);
            s = ZR_ERR_SCHEMA;
        }
    if (!s && !d->tiled) reserve_parcels(d);
    pthread_t rt;
    int running = 0;
    pthread_mutex_init(&cp->mu, NULL);
    pthread_cond_init(&cp->cv, NULL);
    if (!s) running = pthread_create(&rt, NULL, chunk_reader, cp) == 0;
    if (!s && !running) s = ZR_ERR_NOMEM;
    if (!s) s = qc_sums_begin(d);
    qc_workers *w = NULL;
    if (!s) s = workers_open(threads, &w, err, n);
    zr_progress(d->ctl, "rules", 0, 0);
    chunk *held = NULL;
    size_t n_held = 0, total = 0;
    while (!s) {
        pthread_mutex_lock(&cp->mu);
        while (!cp->count && !cp->done)
            pthread_cond_wait(&cp->cv, &cp->mu);
        chunk c = {0};
        const int have = cp->count > 0;
        if (have) c = cp->q[cp->head], cp->head = (cp->head + 1) % 2, cp->count--;
        pthread_cond_broadcast(&cp->cv);
        pthread_mutex_unlock(&cp->mu);
        if (!have) break;
        d->p = c.p, d->n = c.n;
        s = check_chunk(d, cat, fs, w);
        total += c.n;
        if (!s && qc_cancelled(d)) s = ZR_ERR_CANCELLED;
        zr_progress(d->ctl, "rules", (int64_t)total, 0);
        d->p = NULL, d->n = 0;
        if (!s && !d->tiled) {
            chunk *nh = zr_realloc(held, (n_held + 1) * sizeof *nh);
            if (nh) held = nh, held[n_held++] = c;
            if (!nh) s = ZR_ERR_NOMEM;
        }
        if (s || d->tiled) chunk_free(&c);
    }
    if (running) {
        pthread_mutex_lock(&cp->mu);
        cp->stop = 1;
        pthread_cond_broadcast(&cp->cv);
        pthread_mutex_unlock(&cp->mu);
        pthread_join(rt, NULL);
        while (cp->count) {
            chunk_free(&cp->q[cp->head]);
            cp->head = (cp->head + 1) % 2, cp->count--;
        }
        if (!s && cp->st) {
            s = cp->st;
            snprintf(err, n, "%s", cp->err[0] ? cp->err : zr_status_str(s));
        }
    }
    workers_close(w);
    pthread_mutex_destroy(&cp->mu);
    pthread_cond_destroy(&cp->cv);
    free(cp);
    d->n_total = (int64_t)total;
    if (d->n_invalid) qsort(d->invalid, d->n_invalid, sizeof *d->invalid, cmp_i64);
    /* held mode: one contiguous array for the topology — the reservation itself when every
       chunk went there, else a copy; the arenas stay with d */
    int all_res = 1;
    for (size_t c = 0; c < n_held; c++)
        all_res &= held[c].in_res;
    if (!s && !d->tiled) {
        d->p = all_res && d->p_res ? d->p_res : zr_malloc((total ? total : 1) * sizeof *d->p);
        d->arenas = zr_malloc((n_held ? n_held : 1) * sizeof *d->arenas);
        if (!d->p || !d->arenas) s = ZR_ERR_NOMEM;
    }
    for (size_t c = 0; c < n_held; c++) {
        if (!s) {
            if (d->p != d->p_res) memcpy(d->p + d->n, held[c].p, held[c].n * sizeof *d->p);
            d->n += held[c].n;
            d->arenas[d->n_arenas++] = held[c].arena;
            if (!held[c].in_res) free(held[c].p);
        } else {
            chunk_free(&held[c]);
        }
    }
    free(held);
    return s;
}
