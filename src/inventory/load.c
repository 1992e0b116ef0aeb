/* Inputs of the inventory: state-owned parcels, price zones, the price index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "codes/codes.h"
#include "core/buf.h"
#include "core/fixed.h"
#include "inventory/inv_int.h"
#include "io/io.h"
#include "source/source.h"

__extension__ typedef __int128 i128;

static zr_status geom(const zr_batch *b, const zr_feature *f, zr_poly *p, char *why, size_t n) {
    return zr_geom_to_poly(b->geom_is_gpkg, f->geom, f->geom_len, p, why, n);
}

zr_status inv_parcels_open(inv_reader *r, inv_data *d, const char *path, const char *layer,
                           char *err, size_t n) {
    memset(r, 0, sizeof *r);
    static const char *const cols[] = {"BSM", "DLBM", "QSXZ", "ZLDWDM", "TBDLMJ", NULL};
    if (!(r->src = zr_calloc(1, sizeof *r->src))) return ZR_ERR_NOMEM;
    zr_source *src = r->src;
    zr_status s = zr_source_open_cols(src, path, layer, cols, err, n);
    if (s) {
        free(r->src), r->src = NULL;
        return s == ZR_ERR_NOMEM ? s : ZR_ERR_IMPORT;
    }
    if ((s = zr_source_crs(src, err, n))) {
        inv_parcels_close(r);
        return s;
    }
    d->crs = src->crs;
    d->path = src->path, d->layer = src->layer;
    r->c_bsm = zr_source_col(src, "BSM"), r->c_dlbm = zr_source_col(src, "DLBM"),
    r->c_qsxz = zr_source_col(src, "QSXZ"), r->c_zl = zr_source_col(src, "ZLDWDM"),
    r->c_tbdlmj = zr_source_col(src, "TBDLMJ");
    const char *missing = r->c_bsm < 0      ? "BSM"
                          : r->c_dlbm < 0   ? "DLBM"
                          : r->c_qsxz < 0   ? "QSXZ"
                          : r->c_zl < 0     ? "ZLDWDM"
                          : r->c_tbdlmj < 0 ? "TBDLMJ"
                                            : NULL;
    if (missing) {
        snprintf(err, n, "%s: layer %s: required field %s is missing", src->path, src->layer,
                 missing);
        inv_parcels_close(r);
        return ZR_ERR_SCHEMA;
    }
    return ZR_OK;
}

zr_status inv_parcels_extent(inv_reader *r, double env[4]) {
    return zr_source_extent(r->src, env);
}

void inv_parcels_close(inv_reader *r) {
    if (r->src) zr_source_close(r->src);
    free(r->src);
    memset(r, 0, sizeof *r);
}

void inv_batch_clear(inv_data *d) {
    for (size_t i = 0; i < d->n; i++) {
        for (size_t k = 0; k < d->p[i].n_pieces; k++)
            zr_poly_free(&d->p[i].pieces[k].poly);
        d->p[i].n_pieces = 0;
    }
    d->n = 0;
    if (d->arena) zr_arena_reset(d->arena);
    zr_buf_reset(&d->geoms);
}

void inv_parcels_free(inv_data *d) {
    inv_batch_clear(d);
    for (size_t i = 0; i < d->live; i++) {
        free(d->p[i].pieces);
        zr_poly_free(&d->p[i].poly);
    }
    free(d->p);
    d->p = NULL, d->cap = d->live = 0;
    zr_buf_free(&d->geoms);
}

/* The next parcel of the batch, zeroed but for the memory an earlier batch left in its slot. */
static inv_parcel *next_parcel(inv_data *d) {
    inv_parcel *np = zr_grow(d->p, &d->cap, d->n, sizeof *np, 1024);
    if (!np) return NULL;
    d->p = np;
    inv_parcel *p = &d->p[d->n];
    if (d->n < d->live) {
        const zr_poly keep = p->poly;
        inv_piece *pieces = p->pieces;
        const size_t cap = p->cap_pieces;
        memset(p, 0, sizeof *p);
        p->poly = keep, p->pieces = pieces, p->cap_pieces = cap;
        zr_poly_clear(&p->poly);
    } else {
        memset(p, 0, sizeof *p);
        d->live++;
    }
    return p;
}

typedef struct take_ctx {
    inv_reader *r;
    inv_data *d;
    zr_status st;
    char msg[2048];
} take_ctx;

/* One row of the layer: kept when state-owned, its strings copied and its geometry parsed
 * from the source's own memory (nothing else is copied). */
static zr_status take_row(void *arg, const zr_feature *f, int geom_is_gpkg) {
    take_ctx *c = arg;
    inv_reader *r = c->r;
    inv_data *d = c->d;
    const zr_source *src = r->src;
    const zr_value *q = &f->v[r->c_qsxz];
    const char *qs = q->kind == ZR_FT_TEXT ? q->s : NULL;
    char qbuf[8];
    if (q->kind == ZR_FT_INT) qs = zr_fmt(qbuf, sizeof qbuf, "%lld", (long long)q->i);
    if (!zr_qsxz_is_state(qs)) return ZR_OK; /* only 全民所有 parcels are assets */
    inv_parcel *p = next_parcel(d);
    if (!p) return ZR_ERR_NOMEM;
    if (zr_value_text_checked(d->arena, &f->v[r->c_bsm], &p->bsm) ||
        zr_value_text_checked(d->arena, &f->v[r->c_dlbm], &p->dlbm) ||
        zr_value_text_checked(d->arena, &f->v[r->c_zl], &p->zldwdm))
        return ZR_ERR_NOMEM;
    p->fid = f->fid;
    double a;
    if (!p->bsm || !p->dlbm || !p->zldwdm || !zr_value_number(&f->v[r->c_tbdlmj], &a) ||
        !(a >= 0)) {
        snprintf(c->msg, sizeof c->msg,
                 "%s: layer %s: feature fid=%lld BSM=%s: field %s: empty, unreadable or negative",
                 src->path, src->layer, (long long)f->fid, p->bsm ? p->bsm : "",
                 !p->bsm      ? "BSM"
                 : !p->dlbm   ? "DLBM"
                 : !p->zldwdm ? "ZLDWDM"
                              : "TBDLMJ");
        return c->st = ZR_ERR_SCHEMA;
    }
    if (!(a <= INV_MAX_AREA)) {
        snprintf(c->msg, sizeof c->msg,
                 "%s: layer %s: feature fid=%lld BSM=%s: field TBDLMJ: %g m² is out of range (at "
                 "most %.0f)",
                 src->path, src->layer, (long long)f->fid, p->bsm, a, INV_MAX_AREA);
        return c->st = ZR_ERR_CONTENT;
    }
    p->tbdlmj = zr_round_cents(a);
    /* the geometry as it is: the valuation's threads parse it */
    d->geom_is_gpkg = geom_is_gpkg;
    p->g_off = d->geoms.len, p->g_len = f->geom ? f->geom_len : 0;
    if (f->geom && zr_buf_append(&d->geoms, f->geom, f->geom_len)) return ZR_ERR_NOMEM;
    zr_dlbm_tdyt(p->dlbm, p->tdyt);
    p->cls = inv_class(p->dlbm);
    d->n++;
    return ZR_OK;
}

zr_status inv_parcels_next(inv_reader *r, inv_data *d, size_t max, size_t *rows, char *err,
                           size_t n) {
    take_ctx c = {r, d, ZR_OK, ""};
    *rows = 0;
    size_t got = 0;
    zr_status s = zr_source_each(r->src, max, take_row, &c, &got, err, n);
    if (s && c.st) snprintf(err, n, "%s", c.msg); /* the row's own message, not the reader's */
    if (!s) *rows = got;
    return s;
}

/* The price index, checked and sorted by (TDYT, date). */
typedef struct index_row {
    char tdyt[3], date[11];
    int64_t zs; /* millionths (the index as given, to 6 decimals) */
    size_t line;
} index_row;

static int cmp_index(const void *a, const void *b) {
    const index_row *x = a, *y = b;
    int c = strcmp(x->tdyt, y->tdyt);
    if (!c) c = strcmp(x->date, y->date);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* An index in millionths as text with at least two decimals: 106.96, 100.125. */
static void zs_text(char buf[32], int64_t zs) {
    zr_fmt_scaled(buf, zs, 6);
    size_t len = strlen(buf);
    while (len > 0 && buf[len - 1] == '0' && len >= 2 && buf[len - 3] != '.')
        buf[--len] = 0;
}

/* Read the index: every row a use code, a date and 0 < ZS ≤ INV_MAX_INDEX; rows for the same
 * use and calendar date must agree (an identical repetition is accepted), else both lines are
 * named. Dates compare as calendar dates (2023/12/31 is 2023-12-31); a one-digit use code is
 * the two-digit one (5 is 05). Line numbers count the header as line 1. */
static zr_status read_index(const char *path, index_row **out, size_t *nout, char *err, size_t n) {
    zr_csv t;
    zr_status s = zr_csv_read(path, &t, err, n);
    if (s) return s;
    const int ct = zr_csv_col(&t, "TDYT|土地用途"), cr = zr_csv_col(&t, "RQ|日期"),
              cz = zr_csv_col(&t, "ZS|指数|地价指数");
    if (ct < 0 || cr < 0 || cz < 0) {
        snprintf(err, n, "%s: the header needs TDYT, RQ and ZS", path);
        zr_csv_free(&t);
        return ZR_ERR_SCHEMA;
    }
    index_row *rows = zr_malloc((t.nrows ? t.nrows : 1) * sizeof *rows);
    size_t k = 0;
    if (!rows) s = ZR_ERR_NOMEM;
    for (size_t r = 0; !s && r < t.nrows; r++) {
        const char *c = zr_csv_cell(&t, r, ct), *rq = zr_csv_cell(&t, r, cr),
                   *zs = zr_csv_cell(&t, r, cz);
        if (!*c && !*rq && !*zs) continue; /* a blank row */
        index_row *x = &rows[k];
        x->line = r + 2;
        const size_t len = strlen(c);
        if (len < 1 || len > 2 || c[0] < '0' || c[0] > '9' || c[len - 1] < '0' ||
            c[len - 1] > '9') {
            snprintf(err, n, "%s: line %zu: TDYT '%s' is not a use code", path, x->line, c);
            s = ZR_ERR_CONTENT;
        } else if (!inv_date_norm(rq, x->date)) {
            snprintf(err, n, "%s: line %zu: RQ '%s' is not a date", path, x->line, rq);
            s = ZR_ERR_CONTENT;
        } else if (zr_parse_decimal(zs, 6, &x->zs) != ZR_OK || x->zs <= 0 ||
                   x->zs > (int64_t)(INV_MAX_INDEX * 1e6)) {
            snprintf(err, n, "%s: line %zu: ZS '%s' is not a number in (0, %.0f]", path, x->line,
                     zs, INV_MAX_INDEX);
            s = ZR_ERR_CONTENT;
        }
        if (!s) snprintf(x->tdyt, sizeof x->tdyt, "%s%s", len == 1 ? "0" : "", c), k++;
    }
    zr_csv_free(&t);
    if (!s) qsort(rows, k, sizeof *rows, cmp_index);
    for (size_t i = 1; !s && i < k; i++) {
        const index_row *a = &rows[i - 1], *b = &rows[i];
        if (strcmp(a->tdyt, b->tdyt) || strcmp(a->date, b->date) || a->zs == b->zs) continue;
        char za[32], zb[32];
        zs_text(za, a->zs), zs_text(zb, b->zs);
        snprintf(err, n,
                 "%s: lines %zu and %zu both give the index of TDYT %s on %s, as %s and %s: "
                 "keep the right one",
                 path, a->line, b->line, a->tdyt, a->date, za, zb);
        s = ZR_ERR_CONTENT;
    }
    if (s) {
        free(rows);
        return s;
    }
    *out = rows, *nout = k;
    return ZR_OK;
}

/* ZS of (tdyt, date), 0 when the index has no row for them. */
static int64_t index_of(const index_row *rows, size_t nr, const char *tdyt, const char *date) {
    index_row key = {{0}, {0}, 0, 0};
    snprintf(key.tdyt, sizeof key.tdyt, "%s", tdyt);
    snprintf(key.date, sizeof key.date, "%s", date);
    size_t lo = 0, hi = nr;
    while (lo < hi) { /* the first row ≥ (tdyt, date) */
        const size_t mid = lo + (hi - lo) / 2;
        const index_row *m = &rows[mid];
        const int c =
            strcmp(m->tdyt, key.tdyt) ? strcmp(m->tdyt, key.tdyt) : strcmp(m->date, key.date);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < nr && !strcmp(rows[lo].tdyt, key.tdyt) && !strcmp(rows[lo].date, key.date)
               ? rows[lo].zs
               : 0;
}

zr_status inv_load_zones(inv_data *d, const char *path, const char *layer, const char *index_path,
                         const char *base_date, char *err, size_t n) {
    index_row *idx = NULL;
    size_t nidx = 0;
    zr_status s = read_index(index_path, &idx, &nidx, err, n);
    if (s) return s;
    zr_source src;
    if ((s = zr_source_open_default(&src, path, layer ? layer : "JZDJ", layer != NULL, err, n))) {
        free(idx);
        return s == ZR_ERR_NOMEM ? s : ZR_ERR_IMPORT;
    }
    if (!(s = zr_source_crs(&src, err, n)) && src.crs.epsg != d->crs.epsg) {
        snprintf(err, n, "%s: layer %s is in EPSG:%d, the parcels in EPSG:%d", src.path, src.layer,
                 src.crs.epsg, d->crs.epsg);
        s = ZR_ERR_CRS;
    }
    const int c_t = zr_source_col(&src, "TDYT"), c_j = zr_source_col(&src, "JB"),
              c_g = zr_source_col(&src, "JG"), c_r = zr_source_col(&src, "JZRQ");
    if (!s && (c_t < 0 || c_j < 0 || c_g < 0 || c_r < 0)) {
        snprintf(err, n, "%s: layer %s: fields TDYT, JB, JG and JZRQ are required", src.path,
                 src.layer);
        s = ZR_ERR_SCHEMA;
    }
    zr_batch b = {0};
    size_t cap = 0;
    if (!s) s = zr_batch_init(&b, zr_source_nfields(&src));
    while (!s) {
        size_t got = 0;
        if ((s = zr_source_next(&src, &b, 1024, &got, err, n)) || !got) break;
        for (size_t i = 0; i < got && !s; i++) {
            const zr_feature *f = &b.f[i];
            inv_zone *nz = zr_grow(d->z, &cap, d->nz, sizeof *nz, 64);
            if (!nz) {
                s = ZR_ERR_NOMEM;
                break;
            }
            d->z = nz;
            inv_zone *z = &d->z[d->nz];
            memset(z, 0, sizeof *z);
            z->fid = f->fid;
            const char *t = NULL, *rq0 = NULL;
            if (zr_value_text_checked(d->arena, &f->v[c_t], &t) ||
                zr_value_text_checked(d->arena, &f->v[c_r], &rq0)) {
                s = ZR_ERR_NOMEM;
                break;
            }
            char tbuf[8], rq[11];
            if (f->v[c_t].kind == ZR_FT_INT) /* a use code stored as a number: 5 is 05 */
                t = zr_fmt(tbuf, sizeof tbuf, "%02lld", (long long)f->v[c_t].i);
            double jb, jg;
            char why[160];
            if (!t || !inv_date_norm(rq0, rq) || strlen(t) != 2 ||
                !zr_value_number(&f->v[c_j], &jb) || !zr_value_number(&f->v[c_g], &jg)) {
                snprintf(err, n,
                         "%s: layer %s: feature fid=%lld: TDYT/JB/JG/JZRQ empty or malformed",
                         src.path, src.layer, (long long)f->fid);
                s = ZR_ERR_SCHEMA;
                break;
            }
            if (!(jg >= 0 && jg <= INV_MAX_PRICE) || !(jb >= 0 && jb <= 1000)) {
                const int bad_jg = !(jg >= 0 && jg <= INV_MAX_PRICE);
                snprintf(err, n,
                         "%s: layer %s: feature fid=%lld: field %s: %g is out of range (%s)",
                         src.path, src.layer, (long long)f->fid, bad_jg ? "JG" : "JB",
                         bad_jg ? jg : jb, bad_jg ? "0 to 1000000 yuan/m²" : "a level 0 to 1000");
                s = ZR_ERR_CONTENT;
                break;
            }
            memcpy(z->tdyt, t, 3);
            memcpy(z->jzrq, rq, 11);
            z->jb = (int)jb;
            z->jg = zr_round_cents(jg);
            const int64_t zb = index_of(idx, nidx, t, base_date), zj = index_of(idx, nidx, t, rq);
            if (zb <= 0 || zj <= 0) {
                snprintf(err, n, "%s: no usable price index for TDYT %s on %s (zone fid=%lld)",
                         index_path, t, zb <= 0 ? base_date : rq, (long long)f->fid);
                s = ZR_ERR_SCHEMA;
                break;
            }
            /* 期日修正, range-checked before it is narrowed to 64 bits */
            const i128 price = ((i128)z->jg * zb + zj / 2) / zj;
            z->price = price <= (i128)(INV_MAX_PRICE * 100) ? (int64_t)price : -1;
            if (z->price < 0) {
                snprintf(err, n,
                         "%s: layer %s: feature fid=%lld: field JG: %.2f yuan/m² × ZS(%s) / "
                         "ZS(%s) (%s) is out of range (at most %.0f yuan/m²)",
                         src.path, src.layer, (long long)f->fid, jg, base_date, rq, index_path,
                         INV_MAX_PRICE);
                s = ZR_ERR_CONTENT;
                break;
            }
            const char *bad = NULL;
            if ((s = geom(&b, f, &z->poly, why, sizeof why)) ||
                (bad = inv_coords_check(&d->crs, &z->poly))) {
                snprintf(err, n, "%s: layer %s: feature fid=%lld: field geometry: %s", src.path,
                         src.layer, (long long)f->fid, s ? why : bad);
                zr_poly_free(&z->poly);
                if (!s) s = ZR_ERR_GEOM_INVALID;
                break;
            }
            zr_poly_envelope(&z->poly, z->env);
            d->nz++;
        }
    }
    zr_batch_free(&b);
    zr_source_close(&src);
    free(idx);
    return s;
}
