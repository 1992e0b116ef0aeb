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
    if ((s = zr_batch_init(&r->b, zr_source_nfields(src)))) inv_parcels_close(r);
    return s;
}

zr_status inv_parcels_extent(inv_reader *r, double env[4]) {
    return zr_source_extent(r->src, env);
}

void inv_parcels_close(inv_reader *r) {
    if (r->src) zr_source_close(r->src);
    free(r->src);
    zr_batch_free(&r->b);
    memset(r, 0, sizeof *r);
}

void inv_batch_clear(inv_data *d) {
    for (size_t i = 0; i < d->n; i++) {
        for (size_t k = 0; k < d->p[i].n_pieces; k++)
            zr_poly_free(&d->p[i].pieces[k].poly);
        free(d->p[i].pieces);
        zr_poly_free(&d->p[i].poly);
    }
    d->n = 0;
    zr_arena_reset(d->arena);
}

zr_status inv_parcels_next(inv_reader *r, inv_data *d, size_t max, size_t *rows, char *err,
                           size_t n) {
    const zr_source *src = r->src;
    zr_batch *b = &r->b;
    *rows = 0;
    size_t got = 0;
    zr_status s = zr_source_next(r->src, b, max, &got, err, n);
    for (size_t i = 0; i < got && !s; i++) {
        const zr_feature *f = &b->f[i];
        const zr_value *q = &f->v[r->c_qsxz];
        const char *qs = q->kind == ZR_FT_TEXT ? q->s : NULL;
        char qbuf[8];
        if (q->kind == ZR_FT_INT) qs = zr_fmt(qbuf, sizeof qbuf, "%lld", (long long)q->i);
        if (!zr_qsxz_is_state(qs)) continue; /* only 全民所有 parcels are assets */
        inv_parcel *np = zr_grow(d->p, &d->cap, d->n, sizeof *np, 4096);
        if (!np) {
            s = ZR_ERR_NOMEM;
            break;
        }
        d->p = np;
        inv_parcel *p = &d->p[d->n];
        memset(p, 0, sizeof *p);
        p->bsm = zr_value_text(d->arena, &f->v[r->c_bsm]);
        p->dlbm = zr_value_text(d->arena, &f->v[r->c_dlbm]);
        p->zldwdm = zr_value_text(d->arena, &f->v[r->c_zl]);
        double a;
        char why[160];
        if (!p->bsm || !p->dlbm || !p->zldwdm || !zr_value_number(&f->v[r->c_tbdlmj], &a) ||
            !(a >= 0)) {
            snprintf(err, n,
                     "%s: layer %s: feature fid=%lld BSM=%s: field %s: empty, unreadable or "
                     "negative",
                     src->path, src->layer, (long long)f->fid, p->bsm ? p->bsm : "",
                     !p->bsm      ? "BSM"
                     : !p->dlbm   ? "DLBM"
                     : !p->zldwdm ? "ZLDWDM"
                                  : "TBDLMJ");
            s = ZR_ERR_SCHEMA;
            break;
        }
        p->tbdlmj = zr_round_cents(a);
        if ((s = geom(b, f, &p->poly, why, sizeof why))) {
            snprintf(err, n, "%s: layer %s: feature fid=%lld BSM=%s: field geometry: %s", src->path,
                     src->layer, (long long)f->fid, p->bsm, why);
            zr_poly_free(&p->poly);
            break;
        }
        zr_poly_envelope(&p->poly, p->env);
        zr_dlbm_tdyt(p->dlbm, p->tdyt);
        p->cls = inv_class(p->dlbm);
        d->n++;
    }
    if (!s) *rows = got;
    return s;
}

/* ZS of (tdyt, date) from the index; 0 when absent. In millionths (the index as given, to 6
 * decimals). Dates compare as calendar dates (2023/12/31 is 2023-12-31); a one-digit use code is
 * the two-digit one (5 is 05). */
static int64_t index_of(const zr_csv *t, int ct, int cr, int cz, const char *tdyt,
                        const char *date) {
    for (size_t r = 0; r < t->nrows; r++) {
        char rq[11], ty[3];
        const char *c = zr_csv_cell(t, r, ct);
        snprintf(ty, sizeof ty, "%s%s", strlen(c) == 1 ? "0" : "", c);
        if (!strcmp(ty, tdyt) && inv_date_norm(zr_csv_cell(t, r, cr), rq) && !strcmp(rq, date)) {
            int64_t v = 0;
            return zr_parse_decimal(zr_csv_cell(t, r, cz), 6, &v) == ZR_OK ? v : -1;
        }
    }
    return 0;
}

zr_status inv_load_zones(inv_data *d, const char *path, const char *layer, const char *index_path,
                         const char *base_date, char *err, size_t n) {
    zr_csv idx;
    zr_status s = zr_csv_read(index_path, &idx, err, n);
    if (s) return s;
    const int ct = zr_csv_col(&idx, "TDYT|土地用途"), cr = zr_csv_col(&idx, "RQ|日期"),
              cz = zr_csv_col(&idx, "ZS|指数|地价指数");
    if (ct < 0 || cr < 0 || cz < 0) {
        snprintf(err, n, "%s: the header needs TDYT, RQ and ZS", index_path);
        zr_csv_free(&idx);
        return ZR_ERR_SCHEMA;
    }
    zr_source src;
    if ((s = zr_source_open_default(&src, path, layer ? layer : "JZDJ", layer != NULL, err, n))) {
        zr_csv_free(&idx);
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
            const char *t = zr_value_text(d->arena, &f->v[c_t]),
                       *rq0 = zr_value_text(d->arena, &f->v[c_r]);
            char tbuf[8], rq[11];
            if (f->v[c_t].kind == ZR_FT_INT) /* a use code stored as a number: 5 is 05 */
                t = zr_fmt(tbuf, sizeof tbuf, "%02lld", (long long)f->v[c_t].i);
            double jb, jg;
            char why[160];
            if (!t || !inv_date_norm(rq0, rq) || strlen(t) != 2 ||
                !zr_value_number(&f->v[c_j], &jb) || !zr_value_number(&f->v[c_g], &jg) || jg < 0) {
                snprintf(err, n,
                         "%s: layer %s: feature fid=%lld: TDYT/JB/JG/JZRQ empty or malformed",
                         src.path, src.layer, (long long)f->fid);
                s = ZR_ERR_SCHEMA;
                break;
            }
            memcpy(z->tdyt, t, 3);
            memcpy(z->jzrq, rq, 11);
            z->jb = (int)jb;
            z->jg = zr_round_cents(jg);
            const int64_t zb = index_of(&idx, ct, cr, cz, t, base_date),
                          zj = index_of(&idx, ct, cr, cz, t, rq);
            if (zb <= 0 || zj <= 0) {
                snprintf(err, n, "%s: no usable price index for TDYT %s on %s (zone fid=%lld)",
                         index_path, t, zb <= 0 ? base_date : rq, (long long)f->fid);
                s = ZR_ERR_SCHEMA;
                break;
            }
            z->price = zr_muldiv_round(z->jg, zb, zj); /* 期日修正 */
            if ((s = geom(&b, f, &z->poly, why, sizeof why))) {
                snprintf(err, n, "%s: layer %s: feature fid=%lld: field geometry: %s", src.path,
                         src.layer, (long long)f->fid, why);
                zr_poly_free(&z->poly);
                break;
            }
            zr_poly_envelope(&z->poly, z->env);
            d->nz++;
        }
    }
    zr_batch_free(&b);
    zr_source_close(&src);
    zr_csv_free(&idx);
    return s;
}
