/* Loading a layer to check, and its boundary layer, into memory. */
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/feature.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "io/io.h"
#include "qc/qc_int.h"
#include "source/source.h"

static int find_field(const imp_source *s, const char *name) {
    for (int k = 0; k < imp_source_nfields(s); k++)
        if (zr_strieq(imp_source_field(s, k), name)) return k;
    return -1;
}

static zr_status read_geom(const zr_batch *b, const zr_feature *f, zr_poly *p, char *why,
                           size_t n) {
    return zr_geom_to_poly(b->geom_is_gpkg, f->geom, f->geom_len, p, why, n);
}

/* Areas are computed on a second thread while the reader goes on: the reader publishes
 * finished chunks of parcels, the worker measures them in order. Chunks never move. */
#define MAX_CHUNKS 65536
typedef struct {
    qc_parcel *chunk[MAX_CHUNKS];
    size_t len[MAX_CHUNKS];
    size_t published, measured; /* chunks */
    int done;                   /* the reader has finished */
    const zr_crs *crs;
    zr_buf scratch;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} area_stream;

static void *area_worker(void *arg) {
    area_stream *a = arg;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (a->measured == a->published && !a->done)
            pthread_cond_wait(&a->cv, &a->mu);
        const size_t k = a->measured, upto = a->published;
        pthread_mutex_unlock(&a->mu);
        if (k == upto) return NULL; /* done, and all measured */
        for (size_t c = k; c < upto; c++)
            for (size_t i = 0; i < a->len[c]; i++) {
                qc_parcel *p = &a->chunk[c][i];
                zr_poly_envelope(&p->poly, p->env);
                const double ar = zr_poly_area(&p->poly, a->crs, &a->scratch);
                p->area = isfinite(ar) ? zr_round_cents(ar) : -1;
            }
        pthread_mutex_lock(&a->mu);
        a->measured = upto;
        pthread_mutex_unlock(&a->mu);
    }
}

/* Copy q into exact-size arena arrays (p is then arena-owned: never zr_poly_free it). */
static zr_status poly_to_arena(zr_arena *a, const zr_poly *q, zr_poly *p) {
    memset(p, 0, sizeof *p);
    p->xy = zr_arena_alloc(a, (q->n_pts ? q->n_pts : 1) * 2 * sizeof *p->xy);
    p->ring_start = zr_arena_alloc(a, (q->n_rings + 1) * sizeof *p->ring_start);
    p->poly_start = zr_arena_alloc(a, (q->n_polys + 1) * sizeof *p->poly_start);
    if (!p->xy || !p->ring_start || !p->poly_start) return ZR_ERR_NOMEM;
    memcpy(p->xy, q->xy, q->n_pts * 2 * sizeof *p->xy);
    memcpy(p->ring_start, q->ring_start, (q->n_rings + 1) * sizeof *p->ring_start);
    memcpy(p->poly_start, q->poly_start, (q->n_polys + 1) * sizeof *p->poly_start);
    p->n_pts = q->n_pts, p->n_rings = q->n_rings, p->n_polys = q->n_polys;
    p->nonfinite = q->nonfinite;
    return ZR_OK;
}

static zr_status load_parcels(qc_data *d, imp_source *src, char *err, size_t n) {
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
    static const char *const names[NF] = {"BSM",    "DLBM",   "DLMC",   "QSXZ",   "ZLDWDM",
                                          "QSDWDM", "KCDLBM", "GDLX",   "GDPDJB", "CZCSXM",
                                          "TBMJ",   "KCMJ",   "TBDLMJ", "KCXS",   "XZDWKD"};
    int col[NF];
    for (int k = 0; k < NF; k++)
        col[k] = find_field(src, names[k]);
    for (int k = BSM; k <= ZLDWDM; k++)
        if (k != DLMC && col[k] < 0) {
            snprintf(err, n, "%s: layer %s: required field %s is missing", src->path, src->layer,
                     names[k]);
            return ZR_ERR_SCHEMA;
        }
    zr_batch b = {0};
    zr_poly scratch = {0};
    zr_status s = zr_batch_init(&b, imp_source_nfields(src));
    area_stream *as = calloc(1, sizeof *as);
    pthread_t worker;
    int running = 0;
    if (!as) s = ZR_ERR_NOMEM;
    if (!s) {
        as->crs = &d->crs;
        pthread_mutex_init(&as->mu, NULL);
        pthread_cond_init(&as->cv, NULL);
        running = pthread_create(&worker, NULL, area_worker, as) == 0;
    }
    size_t total = 0;
    while (!s) {
        size_t got = 0;
        if ((s = imp_source_next(src, &b, 8192, &got, err, n))) break;
        if (!got) break;
        if (as->published == MAX_CHUNKS) {
            snprintf(err, n, "%s: more than %d features", src->path, MAX_CHUNKS * 8192);
            s = ZR_ERR_LIMIT;
            break;
        }
        qc_parcel *chunk = malloc(got * sizeof *chunk);
        if (!chunk) {
            s = ZR_ERR_NOMEM;
            break;
        }
        size_t cn = 0;
        for (size_t i = 0; i < got && !s; i++) {
            const zr_feature *f = &b.f[i];
            qc_parcel *p = &chunk[cn];
            memset(p, 0, sizeof *p);
            p->fid = f->fid;
            const char **strs[] = {&p->bsm,    &p->dlbm,   &p->dlmc, &p->qsxz,   &p->zldwdm,
                                   &p->qsdwdm, &p->kcdlbm, &p->gdlx, &p->gdpdjb, &p->czcsxm};
            for (int k = 0; k <= CZCSXM; k++)
                if (col[k] >= 0) *strs[k] = zr_value_text(d->arena, &f->v[col[k]]);
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
            char why[160];
            zr_status gs = read_geom(&b, f, &scratch, why, sizeof why);
            if (gs) {
                if (gs != ZR_ERR_NOMEM)
                    snprintf(err, n, "%s: layer %s: feature fid=%lld BSM=%s: field geometry: %s",
                             src->path, src->layer, (long long)f->fid, p->bsm ? p->bsm : "", why);
                s = gs == ZR_ERR_NOMEM ? gs : ZR_ERR_GEOM_INVALID;
                break;
            }
            if ((s = poly_to_arena(d->arena, &scratch, &p->poly))) break;
            cn++;
        }
        pthread_mutex_lock(&as->mu);
        as->chunk[as->published] = chunk;
        as->len[as->published] = cn;
        as->published++;
        pthread_cond_signal(&as->cv);
        pthread_mutex_unlock(&as->mu);
        total += cn;
    }
    if (as) {
        pthread_mutex_lock(&as->mu);
        as->done = 1;
        pthread_cond_signal(&as->cv);
        pthread_mutex_unlock(&as->mu);
        if (running) {
            pthread_join(worker, NULL);
        } else {
            as->done = 1;
            area_worker(as); /* no thread: measure here */
        }
        /* one contiguous array for the rules */
        d->p = malloc((total ? total : 1) * sizeof *d->p);
        if (!d->p && !s) s = ZR_ERR_NOMEM;
        for (size_t c = 0; c < as->published; c++) {
            if (d->p) memcpy(d->p + d->n, as->chunk[c], as->len[c] * sizeof *d->p);
            if (d->p) d->n += as->len[c];
            free(as->chunk[c]);
        }
        zr_buf_free(&as->scratch);
        pthread_mutex_destroy(&as->mu);
        pthread_cond_destroy(&as->cv);
        free(as);
    }
    zr_poly_free(&scratch);
    zr_batch_free(&b);
    return s;
}

static const qc_village *sort_villages; /* qsort has no context argument; one caller */

static int cmp_order(const void *a, const void *b) {
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(sort_villages[i].code, sort_villages[j].code);
    return c ? c : (i > j) - (i < j);
}

static zr_status load_boundary(qc_data *d, imp_source *src, char *err, size_t n) {
    int c_code = find_field(src, "XZQDM"), c_dcmj = find_field(src, "DCMJ"),
        c_jsmj = find_field(src, "JSMJ");
    if (c_code < 0) {
        snprintf(err, n, "%s: layer %s: required field XZQDM is missing", src->path, src->layer);
        return ZR_ERR_SCHEMA;
    }
    zr_batch b = {0};
    zr_status s = zr_batch_init(&b, imp_source_nfields(src));
    zr_poly *polys = NULL;
    size_t np = 0, cap = 0;
    while (!s) {
        size_t got = 0;
        if ((s = imp_source_next(src, &b, 4096, &got, err, n)) || !got) break;
        for (size_t i = 0; i < got && !s; i++) {
            if (np == cap) {
                cap = cap ? cap * 2 : 256;
                zr_poly *pp = realloc(polys, cap * sizeof *pp);
                qc_village *vv = pp ? realloc(d->v, cap * sizeof *vv) : NULL;
                if (pp) polys = pp;
                if (vv) d->v = vv;
                if (!pp || !vv) {
                    s = ZR_ERR_NOMEM;
                    break;
                }
            }
            memset(&polys[np], 0, sizeof polys[np]);
            char why[160];
            if ((s = read_geom(&b, &b.f[i], &polys[np], why, sizeof why))) {
                snprintf(err, n, "%s: layer %s: feature fid=%lld: field geometry: %s", src->path,
                         src->layer, (long long)b.f[i].fid, why);
                zr_poly_free(&polys[np]);
                break;
            }
            qc_village *v = &d->v[np];
            memset(v, 0, sizeof *v);
            const zr_value *cv = &b.f[i].v[c_code];
            if (cv->kind == ZR_FT_TEXT) snprintf(v->code, sizeof v->code, "%s", cv->s);
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
    size_t *order = malloc((np ? np : 1) * sizeof *order);
    qc_village *sv = malloc((np ? np : 1) * sizeof *sv);
    zr_poly *spoly = malloc((np ? np : 1) * sizeof *spoly);
    if (!order || !sv || !spoly) {
        free(order), free(sv), free(spoly);
        for (size_t i = 0; i < np; i++)
            zr_poly_free(&polys[i]);
        free(polys);
        zr_batch_free(&b);
        return ZR_ERR_NOMEM;
    }
    for (size_t i = 0; i < np; i++)
        order[i] = i;
    sort_villages = d->v;
    qsort(order, np, sizeof *order, cmp_order);
    for (size_t i = 0; i < np; i++)
        sv[i] = d->v[order[i]], spoly[i] = polys[order[i]];
    free(d->v);
    free(polys);
    free(order);
    d->v = sv;
    d->vpoly = spoly;
    zr_batch_free(&b);
    return s;
}

static void *load_divisions(void *arg) {
    qc_data *d = arg;
    char e[512];
    d->have_div = zr_divisions_load(&d->div, e, sizeof e) == ZR_OK;
    return NULL;
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

zr_status qc_load(qc_data *d, const char *path, const char *layer, const char *boundary, char *err,
                  size_t n) {
    memset(d, 0, sizeof *d);
    /* The check holds the layer in memory (geometry, its copy, the edge table): about four
       times the file. Refuse what would not fit rather than be killed half-way. */
    struct stat st;
    const uint64_t avail = mem_available();
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && avail &&
        (uint64_t)st.st_size * 4 > avail / 10 * 8) {
        snprintf(err, n,
                 "%s: %.1f GB is too large to check in memory here (needs about %.1f GB, %.1f GB "
                 "available); check it town by town (one layer or file per town)",
                 path, (double)st.st_size / 1e9, (double)st.st_size * 4 / 1e9, (double)avail / 1e9);
        return ZR_ERR_LIMIT;
    }
    d->path = path;
    if (!(d->arena = zr_arena_new(1 << 22))) return ZR_ERR_NOMEM;
    imp_source src;
    static const char *const cols[] = {"BSM",    "DLBM", "DLMC",   "QSXZ",   "ZLDWDM", "QSDWDM",
                                       "KCDLBM", "GDLX", "GDPDJB", "CZCSXM", "TBMJ",   "KCMJ",
                                       "TBDLMJ", "KCXS", "XZDWKD", NULL};
    zr_status s = imp_source_open_cols(&src, path, layer, cols, err, n);
    if (s) return s == ZR_ERR_NOMEM ? s : ZR_ERR_IMPORT;
    double tl = zr_now();
    pthread_t dt;
    const int div_thread = pthread_create(&dt, NULL, load_divisions, d) == 0;
    if (!(s = imp_source_crs(&src, err, n))) {
        d->crs = src.crs;
        s = load_parcels(d, &src, err, n);
    }
    if (div_thread)
        pthread_join(dt, NULL);
    else
        load_divisions(d);
    if (getenv("ZRZY_TIMING")) fprintf(stderr, "timing: parcels read %.3f s\n", zr_now() - tl);
    imp_source_close(&src);
    if (s) return s;

    /* the boundary layer: explicit, or XZQ when the source has one */
    const char *bl = boundary ? boundary : "XZQ";
    imp_source bsrc;
    char berr[1024];
    s = imp_source_open(&bsrc, path, bl, berr, sizeof berr);
    if (s) {
        if (boundary) { /* asked for and absent: unusable input */
            snprintf(err, n, "%s", berr);
            return ZR_ERR_NOT_FOUND;
        }
        s = ZR_OK; /* no boundary: T02/T03/A03-village/M03 are skipped */
    } else {
        if (!(s = imp_source_crs(&bsrc, err, n)) && bsrc.crs.epsg != d->crs.epsg) {
            snprintf(err, n, "%s: layer %s is in EPSG:%d, the parcels in EPSG:%d", path, bl,
                     bsrc.crs.epsg, d->crs.epsg);
            s = ZR_ERR_CRS;
        }
        double tb = zr_now();
        if (!s) s = load_boundary(d, &bsrc, err, n);
        if (getenv("ZRZY_TIMING")) fprintf(stderr, "timing: boundary %.3f s\n", zr_now() - tb);
        imp_source_close(&bsrc);
    }
    return s;
}

void qc_data_free(qc_data *d) {
    free(d->p); /* the parcels' polygons live in the arena */
    free(d->v);
    for (size_t i = 0; d->vpoly && i < d->n_v; i++)
        zr_poly_free(&d->vpoly[i]);
    free(d->vpoly);
    zr_arena_free(d->arena);
    if (d->have_div) zr_divisions_free(&d->div);
    memset(d, 0, sizeof *d);
}

void qc_add(qc_findings *fs, int rule, const char *bsm, const char *other, double x, double y,
            int64_t area, zr_poly *region, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&fs->mu);
    if (fs->n == fs->cap) {
        size_t nc = fs->cap ? fs->cap * 2 : 1024;
        qc_finding *nf = realloc(fs->f, nc * sizeof *nf);
        if (!nf) {
            pthread_mutex_unlock(&fs->mu);
            if (region) zr_poly_free(region);
            free(region);
            return; /* out of memory: the count is short, reported by the caller */
        }
        fs->f = nf;
        fs->cap = nc;
    }
    if (bsm) bsm = zr_arena_strndup(fs->arena, bsm, strlen(bsm));
    if (other) other = zr_arena_strndup(fs->arena, other, strlen(other));
    fs->f[fs->n++] = (qc_finding){rule, bsm, other, x, y, area, zr_strdup(msg), region};
    pthread_mutex_unlock(&fs->mu);
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
