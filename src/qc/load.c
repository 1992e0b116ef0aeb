/* Loading a layer to check, and its boundary layer, into memory. */
#include <math.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/buf.h"
#include "core/feature.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "io/io.h"
#include "qc/qc_int.h"
#include "source/source.h"

static zr_status read_geom(int is_gpkg, const zr_feature *f, zr_poly *p, char *why, size_t n) {
    return zr_geom_to_poly(is_gpkg, f->geom, f->geom_len, p, why, n);
}

zr_status qc_parcel_geometry(zr_arena *a, int is_gpkg, const zr_feature *f, zr_poly *scratch,
                             qc_parcel *p) {
    char why[160];
    /* the coordinates are parsed straight into the arena: a point takes at least 16 bytes of
       WKB, so the blob's length bounds them; the ring and part indexes go through scratch */
    const size_t cap = (f->geom_len / 16 + 1) * 2;
    double *xy = f->geom ? zr_arena_alloc(a, cap * sizeof *xy) : NULL;
    if (f->geom && !xy) return ZR_ERR_NOMEM;
    zr_poly view = *scratch;
    view.xy = xy, view.cap_pts = xy ? cap : 0, view.fixed_xy = 1;
    const zr_status s = read_geom(is_gpkg, f, &view, why, sizeof why);
    scratch->ring_start = view.ring_start, scratch->cap_rings = view.cap_rings;
    scratch->poly_start = view.poly_start, scratch->cap_polys = view.cap_polys;
    if (s == ZR_ERR_NOMEM) return s;
    if (s) /* a defect to report (G01), not a reason to stop checking */
        return (p->geom_error = zr_arena_strndup(a, why, strlen(why))) ? ZR_OK : ZR_ERR_NOMEM;
    zr_poly *q = &p->poly;
    memset(q, 0, sizeof *q);
    q->ring_start = zr_arena_alloc(a, (view.n_rings + 1) * sizeof *q->ring_start);
    q->poly_start = zr_arena_alloc(a, (view.n_polys + 1) * sizeof *q->poly_start);
    if (!q->ring_start || !q->poly_start) return ZR_ERR_NOMEM;
    memcpy(q->ring_start, view.ring_start, (view.n_rings + 1) * sizeof *q->ring_start);
    memcpy(q->poly_start, view.poly_start, (view.n_polys + 1) * sizeof *q->poly_start);
    q->xy = xy, q->n_pts = view.n_pts, q->cap_pts = cap, q->fixed_xy = 1;
    q->n_rings = view.n_rings, q->n_polys = view.n_polys, q->nonfinite = view.nonfinite;
    zr_poly_envelope(q, p->env); /* while the coordinates are in cache */
    return ZR_OK;
}

/* ---- the parcel stream: a reader thread parses chunks, the rules run on them ---- */

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
static const char *const field_names[NF + 1] = {
    "BSM",    "DLBM",   "DLMC", "QSXZ", "ZLDWDM", "QSDWDM", "KCDLBM", "GDLX",
    "GDPDJB", "CZCSXM", "TBMJ", "KCMJ", "TBDLMJ", "KCXS",   "XZDWKD", NULL};

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
    for (int k = 0; k <= CZCSXM; k++)
        if (col[k] >= 0) *strs[k] = zr_value_text(c->arena, &f->v[col[k]]);
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
    zr_status s = qc_chunk_rules(w, d, cat, fs);
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
        cp->col[k] = zr_source_col(d->src, field_names[k]);
    zr_status s = ZR_OK;
    for (int k = BSM; k <= ZLDWDM && !s; k++)
        if (k != DLMC && cp->col[k] < 0) {
            snprintf(err, n, "%s: layer %s: required field %s is missing", d->src->path,
                     d->src->layer, field_names[k]);
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
    if (!s) s = qc_workers_open(threads, &w, err, n);
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
    qc_workers_close(w);
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

/* A village with its polygon and its place in the layer, for sorting by code (ties keep the
 * layer's order). */
typedef struct {
    qc_village v;
    zr_poly poly;
    size_t i;
} village_row;

static int cmp_village_row(const void *a, const void *b) {
    const village_row *x = a, *y = b;
    const int c = strcmp(x->v.code, y->v.code);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static zr_status load_boundary(qc_data *d, zr_source *src, char *err, size_t n) {
    /* the village code: XZQDM (行政区), or the 19-character ZLDWDM of a 村级调查区 layer,
       whose first 12 characters are the village */
    int c_code = zr_source_col(src, "XZQDM"), c_dcmj = zr_source_col(src, "DCMJ"),
        c_jsmj = zr_source_col(src, "JSMJ");
    if (c_code < 0) c_code = zr_source_col(src, "ZLDWDM");
    if (c_code < 0) {
        snprintf(err, n, "%s: layer %s: required field XZQDM (or ZLDWDM) is missing", src->path,
                 src->layer);
        return ZR_ERR_SCHEMA;
    }
    zr_batch b = {0};
    zr_status s = zr_batch_init(&b, zr_source_nfields(src));
    zr_poly *polys = NULL;
    size_t np = 0, cap = 0;
    while (!s) {
        size_t got = 0;
        if (qc_cancelled(d)) s = ZR_ERR_CANCELLED;
        if (s || (s = zr_source_next(src, &b, 256, &got, err, n)) || !got) break;
        for (size_t i = 0; i < got && !s; i++) {
            if (np == cap) {
                cap = cap ? cap * 2 : 256;
                zr_poly *pp = zr_realloc(polys, cap * sizeof *pp);
                qc_village *vv = pp ? zr_realloc(d->v, cap * sizeof *vv) : NULL;
                if (pp) polys = pp;
                if (vv) d->v = vv;
                if (!pp || !vv) {
                    s = ZR_ERR_NOMEM;
                    break;
                }
            }
            memset(&polys[np], 0, sizeof polys[np]);
            char why[160];
            if ((s = read_geom(b.geom_is_gpkg, &b.f[i], &polys[np], why, sizeof why))) {
                snprintf(err, n, "%s: layer %s: feature fid=%lld: field geometry: %s", src->path,
                         src->layer, (long long)b.f[i].fid, why);
                zr_poly_free(&polys[np]);
                break;
            }
            qc_village *v = &d->v[np];
            memset(v, 0, sizeof *v);
            const zr_value *cv = &b.f[i].v[c_code];
            if (cv->kind == ZR_FT_TEXT) snprintf(v->code, sizeof v->code, "%.12s", cv->s);
            if (cv->kind == ZR_FT_INT) /* a code stored as a number */
                snprintf(v->code, sizeof v->code, "%.12lld", (long long)cv->i);
            double x;
            if (c_dcmj >= 0 && (v->has_dcmj = zr_value_number(&b.f[i].v[c_dcmj], &x)))
                v->dcmj = zr_round_cents(x);
            v->jsmj =
                c_jsmj >= 0 && zr_value_number(&b.f[i].v[c_jsmj], &x) ? zr_round_cents(x) : -1;
            if (v->jsmj < 0) {
                zr_buf sc = {0};
                const double a = zr_poly_area(&polys[np], &d->crs, &sc);
                zr_buf_free(&sc);
                v->jsmj = isfinite(a) ? zr_round_cents(a) : -1;
            }
            np++;
        }
    }
    d->n_v = np;
    /* sort villages by code, keeping each polygon with its village */
    village_row *rows = zr_malloc((np ? np : 1) * sizeof *rows);
    zr_poly *spoly = zr_malloc((np ? np : 1) * sizeof *spoly);
    if (!rows || !spoly) {
        free(rows), free(spoly);
        for (size_t i = 0; i < np; i++)
            zr_poly_free(&polys[i]);
        free(polys);
        zr_batch_free(&b);
        return ZR_ERR_NOMEM;
    }
    for (size_t i = 0; i < np; i++)
        rows[i] = (village_row){d->v[i], polys[i], i};
    qsort(rows, np, sizeof *rows, cmp_village_row);
    for (size_t i = 0; i < np; i++)
        d->v[i] = rows[i].v, spoly[i] = rows[i].poly;
    free(rows);
    free(polys);
    d->vpoly = spoly;
    zr_batch_free(&b);
    return s;
}

/* Memory the kernel says is available, in bytes (0 when unknown). */
static uint64_t mem_available(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) break;
    fclose(f);
    return (uint64_t)kb * 1024;
}

zr_status qc_open(qc_data *d, const char *path, const char *layer, const char *boundary,
                  int64_t tile_parcels, char *err, size_t n) {
    const zr_control *ctl = d->ctl; /* the caller's, kept */
    memset(d, 0, sizeof *d);
    d->ctl = ctl;
    d->path = path;
    d->valid_env[0] = d->valid_env[2] = INFINITY, d->valid_env[1] = d->valid_env[3] = -INFINITY;
    /* Held mode keeps the layer in memory (geometry, its copy, the edge table): about four
       times the file. A layer that would not fit is checked by tiles. */
    struct stat st;
    const uint64_t avail = mem_available();
    const int too_big = stat(path, &st) == 0 && S_ISREG(st.st_mode) && avail &&
                        (uint64_t)st.st_size * 4 > avail / 10 * 8;
    d->tiled = tile_parcels > 0 || too_big;
    d->tile_parcels = tile_parcels > 0 ? tile_parcels : 100000;
    if (!(d->src = zr_calloc(1, sizeof *d->src))) return ZR_ERR_NOMEM;
    zr_status s = zr_source_open_cols(d->src, path, layer, field_names, err, n);
    if (s) {
        free(d->src), d->src = NULL;
        return s == ZR_ERR_NOMEM ? s : ZR_ERR_IMPORT;
    }
    snprintf(d->layer_name, sizeof d->layer_name, "%s", d->src->layer);
    if (d->tiled && !zr_source_store(d->src)) {
        if (too_big)
            snprintf(err, n,
                     "%s: %.1f GB is too large to check in memory here (%.1f GB available) and "
                     "only a GeoPackage can be checked by tiles: import it first (zrzy import "
                     "STORE FILE) and check the store",
                     path, (double)st.st_size / 1e9, (double)avail / 1e9);
        else
            snprintf(err, n,
                     "%s: checking by tiles reads them through a GeoPackage R*Tree: import it "
                     "first (zrzy import STORE FILE) and check the store",
                     path);
        return ZR_ERR_LIMIT;
    }
    if ((s = zr_source_crs(d->src, err, n))) return s;
    d->crs = d->src->crs;
    d->div = zr_division_cache_open(); /* provinces are read as the parcels name them */

    /* the boundary layer: explicit, or XZQ when the source has one. --boundary may name a
       layer of the source or a file of its own; a shapefile's layers are the .shp files of
       its folder (DLTB.shp beside XZQ.shp). */
    const char *bl = boundary ? boundary : "XZQ";
    zr_source bsrc;
    char berr[1024], sibling[1200];
    struct stat bst;
    const int is_file = boundary && stat(boundary, &bst) == 0;
    const char *slash = strrchr(path, '/');
    snprintf(sibling, sizeof sibling, "%.*s%s.shp", slash ? (int)(slash - path + 1) : 0, path, bl);
    if (is_file)
        s = zr_source_open(&bsrc, boundary, NULL, berr, sizeof berr);
    else if (!strcmp(d->src->driver, "ESRI Shapefile"))
        s = zr_source_open(&bsrc, sibling, NULL, berr, sizeof berr);
    else
        s = zr_source_open(&bsrc, path, bl, berr, sizeof berr);
    if (s) {
        if (boundary) { /* asked for and absent: unusable input */
            snprintf(err, n, "%s", berr);
            s = ZR_ERR_NOT_FOUND;
        } else {
            s = ZR_OK; /* no boundary: T02/T03/A03-village/M03 are skipped */
        }
    } else {
        if (!(s = zr_source_crs(&bsrc, err, n)) && bsrc.crs.epsg != d->crs.epsg) {
            snprintf(err, n, "%s: layer %s is in EPSG:%d, the parcels in EPSG:%d", bsrc.path,
                     bsrc.layer, bsrc.crs.epsg, d->crs.epsg);
            s = ZR_ERR_CRS;
        }
        if (!s) s = load_boundary(d, &bsrc, err, n);
        zr_source_close(&bsrc);
    }
    return s;
}

void qc_data_free(qc_data *d) {
    qc_fetch_free(d);
    qc_edges_free(d);
    if (d->src) zr_source_close(d->src);
    free(d->src);
    free(d->keys);
    free(d->invalid);
    qc_sums_free(d);
    for (size_t i = 0; i < d->n_arenas; i++)
        zr_arena_free(d->arenas[i]);
    free(d->arenas);
    if (d->p != d->p_res) free(d->p); /* the parcels' polygons live in the arenas */
    if (d->p_res) munmap(d->p_res, d->p_res_cap * sizeof *d->p_res);
    free(d->v);
    for (size_t i = 0; d->vpoly && i < d->n_v; i++)
        zr_poly_free(&d->vpoly[i]);
    free(d->vpoly);
    zr_division_cache_close(d->div);
    memset(d, 0, sizeof *d);
}

void qc_parcel_point(const qc_parcel *p, double *x, double *y) {
    if (p->poly.n_pts) {
        *x = (p->env[0] + p->env[1]) / 2;
        *y = (p->env[2] + p->env[3]) / 2;
        if (!zr_poly_contains(&p->poly, *x, *y)) *x = p->poly.xy[0], *y = p->poly.xy[1];
    } else {
        *x = *y = 0;
    }
}
