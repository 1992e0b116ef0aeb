/* zrzy inventory: value the state-owned assets and write the tables, layers and report. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/fixed.h"
#include "core/pool.h"
#include "core/sha256.h"
#include "geo/geos_ops.h"
#include "inventory/inv_int.h"
#include "io/io.h"
#include "report/report.h"
#include "source/source.h"
#include "store/store.h"

#define PRICE_SYSTEM "zrzy-inventory-2026.1"

static int cmp_parcel(const void *a, const void *b) {
    const inv_parcel *p = a, *q = b;
    return strcmp(p->bsm, q->bsm);
}

/* ---- summary tables ---- */

static int cmp_row(const void *a, const void *b) {
    return strcmp(((const sum_row *)a)->key, ((const sum_row *)b)->key);
}

/* Rows by unit (county, towns, villages) × class × land class, and a 合计 row per unit (class
 * "合计"), sorted; every total is the integer sum of the rows below it. */
zr_status inv_build_summary(const inv_data *d, sum_row **out, size_t *n_out) {
    const size_t cap = d->n * 6 + 1;
    sum_row *r = malloc(cap * sizeof *r);
    if (!r) return ZR_ERR_NOMEM;
    size_t n = 0;
    static const int lens[3] = {6, 9, 12};
    for (size_t i = 0; i < d->n; i++) {
        const inv_parcel *p = &d->p[i];
        for (int l = 0; l < 3; l++)
            for (int total = 0; total < 2; total++) {
                sum_row *x = &r[n++];
                memset(x, 0, sizeof *x);
                x->level = l + 1;
                snprintf(x->code, sizeof x->code, "%.*s", lens[l], p->zldwdm);
                snprintf(x->cls, sizeof x->cls, "%s", total ? "合计" : p->cls);
                snprintf(x->dlbm, sizeof x->dlbm, "%s", total ? "" : p->dlbm);
                /* 合计 sorts first within its unit: a leading "0" on its class key */
                snprintf(x->key, sizeof x->key, "%d|%s|%s%s|%s", x->level, x->code,
                         total ? "0" : "1", x->cls, x->dlbm);
                x->count = 1, x->area = p->tbdlmj, x->value = p->value;
            }
    }
    qsort(r, n, sizeof *r, cmp_row);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && !strcmp(r[m - 1].key, r[i].key)) {
            r[m - 1].count += r[i].count, r[m - 1].area += r[i].area, r[m - 1].value += r[i].value;
        } else {
            r[m++] = r[i];
        }
    }
    *out = r;
    *n_out = m;
    return ZR_OK;
}

static const char *level_name(int l) {
    return l == 1 ? "县" : l == 2 ? "乡" : "村";
}

static zr_status write_summary_csv(const char *path, const sum_row *r, size_t n) {
    FILE *f = fopen(path, "w");
    if (!f) return ZR_ERR_IO;
    fputs("LEVEL,CODE,CLASS,DLBM,COUNT,AREA,VALUE\n", f);
    for (size_t i = 0; i < n; i++) {
        char a[32], v[32];
        fprintf(f, "%s,%s,%s,%s,%lld,%s,%s\n", level_name(r[i].level), r[i].code, r[i].cls,
                r[i].dlbm, (long long)r[i].count, zr_fmt_scaled(a, r[i].area, 2),
                zr_fmt_scaled(v, r[i].value, 2));
    }
    int e = ferror(f);
    return fclose(f) == 0 && !e ? ZR_OK : ZR_ERR_IO;
}

/* 强制调平: display units of 0.01 公顷 (= 10,000 × 0.01 m²) and 0.01 万元 (= 10,000 × 0.01
 * yuan). The county total is rounded half-up; each level's units are apportioned (largest
 * remainder) to sum to the unit above, and each unit's rows to its total, so every displayed
 * total is the sum of the displayed rows. */
zr_status inv_balance(sum_row *r, size_t n, int64_t *disp_area, int64_t *disp_value) {
    zr_status s = ZR_OK;
    for (int pass = 0; pass < 2 && !s; pass++) {
        int64_t *disp = pass ? disp_value : disp_area;
        for (size_t i = 0; i < n; i++)
            disp[i] = -1;
        /* unit totals, top-down */
        for (int level = 1; level <= 3 && !s; level++) {
            for (size_t i = 0; i < n && !s; i++) {
                if (r[i].level != level || strcmp(r[i].cls, "合计")) continue;
                if (level == 1) {
                    const int64_t ex = pass ? r[i].value : r[i].area;
                    disp[i] = zr_muldiv_round(ex, 1, 10000);
                }
                if (level == 3) continue;
                /* children: totals of the next level whose code starts with this code */
                size_t kids[4096], nk = 0;
                double w[4096];
                for (size_t k = 0; k < n && nk < 4096; k++)
                    if (r[k].level == level + 1 && !strcmp(r[k].cls, "合计") &&
                        !strncmp(r[k].code, r[i].code, strlen(r[i].code))) {
                        kids[nk] = k;
                        w[nk++] = (double)(pass ? r[k].value : r[k].area);
                    }
                if (!nk) continue;
                int64_t out[4096];
                if ((s = zr_apportion(disp[i], w, nk, out))) break;
                for (size_t k = 0; k < nk; k++)
                    disp[kids[k]] = out[k];
            }
        }
        /* rows within each unit */
        for (size_t i = 0; i < n && !s; i++) {
            if (strcmp(r[i].cls, "合计")) continue;
            size_t j = i + 1;
            while (j < n && r[j].level == r[i].level && !strcmp(r[j].code, r[i].code))
                j++;
            const size_t nr = j - i - 1;
            if (!nr) continue;
            double *w = malloc(nr * sizeof *w);
            int64_t *out = malloc(nr * sizeof *out);
            if (!w || !out) s = ZR_ERR_NOMEM;
            for (size_t k = 0; !s && k < nr; k++)
                w[k] = (double)(pass ? r[i + 1 + k].value : r[i + 1 + k].area);
            if (!s) s = zr_apportion(disp[i] < 0 ? 0 : disp[i], w, nr, out);
            for (size_t k = 0; !s && k < nr; k++)
                disp[i + 1 + k] = out[k];
            free(w);
            free(out);
        }
    }
    return s;
}

static zr_status write_summary_xlsx(const char *path, sum_row *r, size_t n) {
    int64_t *da = malloc((n ? n : 1) * sizeof *da), *dv = malloc((n ? n : 1) * sizeof *dv);
    zr_status s = da && dv ? inv_balance(r, n, da, dv) : ZR_ERR_NOMEM;
    enum { NC = 7 };
    const char *headers[NC] = {"级别",   "单位代码",   "资源类",    "地类编码",
                               "图斑数", "面积(公顷)", "价值(万元)"};
    static const int numeric[NC] = {0, 0, 0, 0, 1, 1, 1};
    char(*buf)[3][32] = malloc((n ? n : 1) * sizeof *buf);
    const char **cells = malloc((n ? n : 1) * NC * sizeof *cells);
    if (!s && (!buf || !cells)) s = ZR_ERR_NOMEM;
    for (size_t i = 0; !s && i < n; i++) {
        snprintf(buf[i][0], 32, "%lld", (long long)r[i].count);
        zr_fmt_scaled(buf[i][1], da[i], 2);
        zr_fmt_scaled(buf[i][2], dv[i], 2);
        const char *row[NC] = {level_name(r[i].level),
                               r[i].code,
                               r[i].cls,
                               r[i].dlbm,
                               buf[i][0],
                               buf[i][1],
                               buf[i][2]};
        memcpy(&cells[i * NC], row, sizeof row);
    }
    const char *meta[1] = {
        "面积以公顷、价值以万元计，保留两位小数，已强制调平（合计等于各行之和）"};
    zr_report_doc doc = {
        "全民所有土地资源资产清查汇总表", meta, 1, headers, NC, cells, n, numeric, NULL, NULL};
    if (!s) s = zr_report_xlsx(path, "汇总表", &doc);
    free(da), free(dv), free(buf), free(cells);
    return s;
}

/* ---- the GeoPackage of results ---- */

static zr_status write_gpkg(const char *path, const inv_data *d, char *err, size_t n) {
    static const zr_field_def swl[] = {{"BSM", ZR_FT_TEXT, 18, 0},    {"CLASS", ZR_FT_TEXT, 8, 0},
                                       {"DLBM", ZR_FT_TEXT, 5, 0},    {"TDYT", ZR_FT_TEXT, 2, 0},
                                       {"ZLDWDM", ZR_FT_TEXT, 19, 0}, {"TBDLMJ", ZR_FT_REAL, 18, 2},
                                       {"PRICE", ZR_FT_REAL, 12, 2},  {"VALUE", ZR_FT_REAL, 18, 2}};
    static const zr_field_def jzl[] = {{"BSM", ZR_FT_TEXT, 18, 0},     {"CLASS", ZR_FT_TEXT, 8, 0},
                                       {"ZONE_FID", ZR_FT_INT, 10, 0}, {"JB", ZR_FT_INT, 2, 0},
                                       {"PRICE", ZR_FT_REAL, 12, 2},   {"AREA", ZR_FT_REAL, 18, 2}};
    zr_store *st = NULL;
    zr_writer *w = NULL;
    zr_buf blob = {0};
    zr_status s = zr_output_gpkg_begin(path, &d->crs, &st);
    if (!s)
        s = zr_store_create_layer(st, "SWL", swl, 8, d->crs.epsg, "实物量: 全民所有土地资源图斑");
    if (!s) s = zr_writer_open(st, "SWL", swl, 8, &w);
    for (size_t i = 0; !s && i < d->n; i++) {
        const inv_parcel *p = &d->p[i];
        const int64_t price = p->tbdlmj ? zr_muldiv_round(p->value, 100, p->tbdlmj) : 0;
        zr_value v[8] = {{ZR_FT_TEXT, 0, 0, p->bsm},
                         {ZR_FT_TEXT, 0, 0, p->cls},
                         {ZR_FT_TEXT, 0, 0, p->dlbm},
                         {ZR_FT_TEXT, 0, 0, p->tdyt},
                         {ZR_FT_TEXT, 0, 0, p->zldwdm},
                         {ZR_FT_REAL, 0, (double)p->tbdlmj / 100, NULL},
                         {ZR_FT_REAL, 0, (double)price / 100, NULL},
                         {ZR_FT_REAL, 0, (double)p->value / 100, NULL}};
        zr_buf_reset(&blob);
        s = zr_poly_to_gpkg_blob(&p->poly, d->crs.epsg, &blob);
        if (!s) s = zr_writer_insert(w, v, blob.data, blob.len);
        if (!s) s = zr_writer_flush(w);
    }
    s = zr_writer_end(w, s);
    w = NULL;
    if (!s)
        s = zr_store_create_layer(st, "JZL", jzl, 6, d->crs.epsg,
                                  "价值量: 按价格分区切分的计价单元");
    if (!s) s = zr_writer_open(st, "JZL", jzl, 6, &w);
    for (size_t i = 0; !s && i < d->n; i++) {
        const inv_parcel *p = &d->p[i];
        for (size_t k = 0; !s && k < p->n_pieces; k++) {
            const inv_piece *pc = &p->pieces[k];
            const inv_zone *z = pc->zone >= 0 ? &d->z[pc->zone] : NULL;
            zr_value v[6] = {
                {ZR_FT_TEXT, 0, 0, p->bsm},
                {ZR_FT_TEXT, 0, 0, p->cls},
                {z ? ZR_FT_INT : ZR_FT_NULL, z ? z->fid : 0, 0, NULL},
                {z ? ZR_FT_INT : ZR_FT_NULL, z ? z->jb : 0, 0, NULL},
                {ZR_FT_REAL, 0, pc->area && pc->value ? (double)(pc->value / pc->area) / 100 : 0,
                 NULL},
                {ZR_FT_REAL, 0, (double)pc->area / 100, NULL}};
            zr_buf_reset(&blob);
            s = zr_poly_to_gpkg_blob(pc->poly.n_pts ? &pc->poly : &p->poly, d->crs.epsg, &blob);
            if (!s) s = zr_writer_insert(w, v, blob.data, blob.len);
            if (!s) s = zr_writer_flush(w);
        }
    }
    s = zr_writer_end(w, s);
    if (!s) s = zr_store_commit(st);
    if (s) snprintf(err, n, "%s: %s", path, st ? zr_store_errmsg(st) : zr_status_str(s));
    zr_store_close(st);
    zr_buf_free(&blob);
    return s;
}

/* ---- rights (宗地) ---- */

static const zr_field_def cq_fields[] = {
    {"ZDDM", ZR_FT_TEXT, 19, 0},  {"QLR", ZR_FT_TEXT, 100, 0},   {"TDYT", ZR_FT_TEXT, 2, 0},
    {"GYFS", ZR_FT_TEXT, 2, 0},   {"AREA", ZR_FT_REAL, 18, 2},   {"JB", ZR_FT_INT, 2, 0},
    {"PRICE", ZR_FT_REAL, 12, 2}, {"K_FAR", ZR_FT_REAL, 8, 4},   {"JJJZL2", ZR_FT_REAL, 18, 2},
    {"Y_NQXZ", ZR_FT_REAL, 8, 5}, {"SYZQYXS", ZR_FT_REAL, 8, 4}, {"SYZQYGSZ", ZR_FT_REAL, 18, 2}};

static zr_status value_rights(inv_data *d, const zr_inventory_opts *o, const char *base,
                              const char *out_path, const char *gpkg_path, int64_t *n_rights,
                              char *err, size_t n) {
    zr_csv far = {0};
    int have_far = 0;
    zr_status s = ZR_OK;
    if (o->far) {
        if ((s = zr_csv_read(o->far, &far, err, n))) return s;
        have_far = 1;
    }
    imp_source src;
    if ((s = imp_source_open(&src, o->rights, "ZD", err, n))) {
        if (have_far) zr_csv_free(&far);
        return s == ZR_ERR_NOMEM ? s : ZR_ERR_IMPORT;
    }
    int c[8];
    static const char *const names[8] = {"ZDDM",    "QLR",     "TDYT", "GYFS",
                                         "SYQQSRQ", "SYQJSRQ", "RJL",  "HTJK"};
    for (int k = 0; k < 8; k++) {
        c[k] = -1;
        for (int f = 0; f < imp_source_nfields(&src); f++)
            if (zr_strieq(imp_source_field(&src, f), names[k])) c[k] = f;
        if (c[k] < 0 && k != 7) {
            snprintf(err, n, "%s: layer ZD: required field %s is missing", src.path, names[k]);
            s = ZR_ERR_SCHEMA;
        }
    }
    FILE *f = s ? NULL : fopen(out_path, "w");
    if (!s && !f) s = ZR_ERR_IO;
    if (f)
        fputs(
            "ZDDM,QLR,TDYT,GYFS,AREA,JB,PRICE,K_FAR,PRICE_FAR,JJJZL2,GYNX,YSYNX,Y_NQXZ,SYZQYXS,"
            "SYZQYGSZ\n",
            f);
    zr_geos *g = NULL;
    zr_batch b = {0};
    zr_buf sc = {0}, blob = {0};
    zr_store *cq = NULL; /* the 产权 layer joins SWL and JZL in inventory.gpkg */
    zr_writer *cw = NULL;
    if (!s) s = zr_store_open(gpkg_path, ZR_STORE_WRITE, &cq);
    if (!s) s = zr_store_begin(cq);
    if (!s)
        s = zr_store_create_layer(cq, "CQ", cq_fields, 12, d->crs.epsg,
                                  "产权: 国有建设用地使用权宗地及所有者权益");
    if (!s) s = zr_writer_open(cq, "CQ", cq_fields, 12, &cw);
    if (s && cq) snprintf(err, n, "%s: %s", gpkg_path, zr_store_errmsg(cq));
    if (!s) s = zr_geos_open(&g);
    if (!s) s = zr_batch_init(&b, imp_source_nfields(&src));
    if (!s && (s = imp_source_crs(&src, err, n)) == ZR_OK && src.crs.epsg != d->crs.epsg) {
        snprintf(err, n, "%s: layer ZD is in EPSG:%d, the parcels in EPSG:%d", src.path,
                 src.crs.epsg, d->crs.epsg);
        s = ZR_ERR_CRS;
    }
    while (!s) {
        size_t got = 0;
        if ((s = imp_source_next(&src, &b, 1024, &got, err, n)) || !got) break;
        for (size_t i = 0; i < got && !s; i++) {
            const zr_feature *ft = &b.f[i];
            const char *v[7];
            for (int k = 0; k < 7; k++)
                v[k] = ft->v[c[k]].kind == ZR_FT_TEXT ? ft->v[c[k]].s : "";
            const double rjl = ft->v[c[6]].kind == ZR_FT_REAL  ? ft->v[c[6]].r
                               : ft->v[c[6]].kind == ZR_FT_INT ? (double)ft->v[c[6]].i
                                                               : atof(v[6]);
            inv_parcel p = {0};
            int empty = 0;
            char why[160];
            s = b.geom_is_gpkg
                    ? zr_gpkg_blob_to_poly(ft->geom, ft->geom_len, &p.poly, &empty, why, sizeof why)
                    : zr_wkb_to_poly(ft->geom, ft->geom_len, &p.poly, why, sizeof why);
            if (s || !ft->geom) {
                snprintf(err, n, "%s: layer ZD: feature fid=%lld ZDDM=%s: field geometry: %s",
                         src.path, (long long)ft->fid, v[0], ft->geom ? why : "missing");
                s = ZR_ERR_GEOM_INVALID;
                zr_poly_free(&p.poly);
                break;
            }
            zr_poly_envelope(&p.poly, p.env);
            snprintf(p.tdyt, sizeof p.tdyt, "%.2s", v[2]);
            p.dlbm = "05H1"; /* any code not priced 0 */
            const double ea = zr_poly_area(&p.poly, &d->crs, &sc);
            p.tbdlmj = isfinite(ea) ? zr_round_cents(ea) : 0;
            s = inv_value_parcel(d, g, &p, 0);
            /* the level of the largest piece decides the 容积率 row */
            int jb = 0;
            int64_t best = -1;
            for (size_t k = 0; k < p.n_pieces; k++)
                if (p.pieces[k].zone >= 0 && p.pieces[k].area > best)
                    best = p.pieces[k].area, jb = d->z[p.pieces[k].zone].jb;
            const int64_t price = p.tbdlmj ? zr_muldiv_round(p.value, 100, p.tbdlmj) : 0;
            const double kf = inv_far_factor(have_far ? &far : NULL, p.tdyt, jb, rjl);
            const int64_t pf = zr_round_cents((double)price / 100 * kf);
            const int64_t jj = zr_muldiv_round(p.tbdlmj, pf, 100);
            const double gynx = inv_years_between(v[4], v[5]),
                         ysynx = inv_years_between(v[4], base);
            const double yf = inv_term_factor(0.06, gynx - ysynx, inv_legal_term(p.tdyt));
            const double ko = inv_owner_coefficient(v[3], p.tdyt, gynx, ysynx);
            const int64_t eq = zr_round_cents((double)jj / 100 * ko);
            char a1[32], a2[32], a3[32], a4[32], a5[32];
            zr_csv_write_field(f, v[0]);
            fputc(',', f);
            zr_csv_write_field(f, v[1]);
            fprintf(f, ",%s,%s,%s,%d,%s,%.4f,%s,%s,%.2f,%.2f,%.5f,%.4f,%s\n", p.tdyt, v[3],
                    zr_fmt_scaled(a1, p.tbdlmj, 2), jb, zr_fmt_scaled(a2, price, 2), kf,
                    zr_fmt_scaled(a3, pf, 2), zr_fmt_scaled(a4, jj, 2), gynx, ysynx, yf, ko,
                    zr_fmt_scaled(a5, eq, 2));
            zr_value cv[12] = {{ZR_FT_TEXT, 0, 0, v[0]},
                               {ZR_FT_TEXT, 0, 0, v[1]},
                               {ZR_FT_TEXT, 0, 0, p.tdyt},
                               {ZR_FT_TEXT, 0, 0, v[3]},
                               {ZR_FT_REAL, 0, (double)p.tbdlmj / 100, NULL},
                               {ZR_FT_INT, jb, 0, NULL},
                               {ZR_FT_REAL, 0, (double)price / 100, NULL},
                               {ZR_FT_REAL, 0, kf, NULL},
                               {ZR_FT_REAL, 0, (double)jj / 100, NULL},
                               {ZR_FT_REAL, 0, yf, NULL},
                               {ZR_FT_REAL, 0, ko, NULL},
                               {ZR_FT_REAL, 0, (double)eq / 100, NULL}};
            zr_buf_reset(&blob);
            if (!s) s = zr_poly_to_gpkg_blob(&p.poly, d->crs.epsg, &blob);
            if (!s) s = zr_writer_insert(cw, cv, blob.data, blob.len);
            if (!s) s = zr_writer_flush(cw);
            for (size_t k = 0; k < p.n_pieces; k++)
                zr_poly_free(&p.pieces[k].poly);
            free(p.pieces);
            zr_poly_free(&p.poly);
            (*n_rights)++;
        }
    }
    if (f && fclose(f) != 0 && !s) s = ZR_ERR_IO;
    s = zr_writer_end(cw, s);
    if (!s && cq) s = zr_store_commit(cq);
    if (cq) zr_store_rollback(cq);
    zr_store_close(cq);
    zr_buf_free(&blob);
    zr_batch_free(&b);
    zr_buf_free(&sc);
    zr_geos_close(g);
    imp_source_close(&src);
    if (have_far) zr_csv_free(&far);
    return s;
}

/* Columns c[from..to) of row r as numbers ≥ 0 into v[]; column skip (≥ 0) is left alone. */
static zr_status csv_numbers(const zr_csv *t, size_t r, const int *c, const char *const *names,
                             int from, int to, int skip, double *v, const char *csv, char *err,
                             size_t n) {
    for (int k = from; k < to; k++) {
        if (k == skip) continue;
        char *end;
        const char *cell = zr_csv_cell(t, r, c[k]);
        v[k] = strtod(cell, &end);
        if (*end || end == cell || v[k] < 0) {
            snprintf(err, n, "%s: row %zu (%s): column %s is not a number ≥ 0", csv, r + 2,
                     zr_csv_cell(t, r, c[0]), names[k]);
            return ZR_ERR_SCHEMA;
        }
    }
    return ZR_OK;
}

/* Read csv, find the columns names[0..nc) into c[], and open out_path with header: the common
 * start of the small valuation tables (minerals, reserve land). */
static zr_status open_table(const char *csv, const char *const *names, int nc, int *c, zr_csv *t,
                            const char *out_path, const char *header, FILE **f, char *err,
                            size_t n) {
    *f = NULL;
    zr_status s = zr_csv_read(csv, t, err, n);
    if (s) return s;
    for (int k = 0; k < nc; k++)
        if ((c[k] = zr_csv_col(t, names[k])) < 0) {
            snprintf(err, n, "%s: the header needs column %s", csv, names[k]);
            zr_csv_free(t);
            return ZR_ERR_SCHEMA;
        }
    if (!(*f = fopen(out_path, "w"))) {
        snprintf(err, n, "%s: cannot write", out_path);
        zr_csv_free(t);
        return ZR_ERR_IO;
    }
    fputs(header, *f);
    return ZR_OK;
}

/* ---- minerals (收入权益法) ---- */

static zr_status value_minerals(const char *csv, const char *out_path, int64_t *count, char *err,
                                size_t n) {
    static const char *const names[] = {"KQBH", "KZ", "BYZYCL", "DW", "JG",
                                        "CSL",  "K",  "ZXL",    "NX"};
    int c[9];
    zr_csv t;
    FILE *f;
    zr_status s = open_table(csv, names, 9, c, &t, out_path, "KQBH,KZ,BYZYCL,DW,YEARS,SI,VALUE\n",
                             &f, err, n);
    if (s) return s;
    for (size_t r = 0; r < t.nrows && !s; r++) {
        double v[9];
        if ((s = csv_numbers(&t, r, c, names, 2, 9, 3, v, csv, err, n))) break;
        /* years: the evaluation period, capped by the reserve at the yearly output */
        int years = (int)v[8];
        if (v[5] > 0 && v[2] / v[5] < years) years = (int)floor(v[2] / v[5]);
        const double si = v[5] * 10000 * v[4]; /* yearly sales income, yuan */
        const int64_t value = zr_round_cents(inv_income_rights(si, v[6], v[7], years));
        char a[32], b[32];
        zr_csv_write_field(f, zr_csv_cell(&t, r, c[0]));
        fputc(',', f);
        zr_csv_write_field(f, zr_csv_cell(&t, r, c[1]));
        fprintf(f, ",%s,%s,%d,%s,%s\n", zr_csv_cell(&t, r, c[2]), zr_csv_cell(&t, r, c[3]), years,
                zr_fmt_scaled(a, zr_round_cents(si), 2), zr_fmt_scaled(b, value, 2));
        (*count)++;
    }
    if (fclose(f) != 0 && !s) s = ZR_ERR_IO;
    zr_csv_free(&t);
    return s;
}

/* ---- reserve land (储备土地, 成本逼近法) ---- */

static zr_status value_reserve(const char *csv, const char *out_path, int64_t *count, char *err,
                               size_t n) {
    static const char *const names[] = {"DKBH", "DKMJ", "QDF", "KFF", "SF",
                                        "LXL",  "ZQ",   "LRL", "ZZL"};
    int c[9];
    zr_csv t;
    FILE *f;
    zr_status s =
        open_table(csv, names, 9, c, &t, out_path, "DKBH,DKMJ,COST,VALUE,PRICE\n", &f, err, n);
    if (s) return s;
    for (size_t r = 0; r < t.nrows && !s; r++) {
        double v[9];
        if ((s = csv_numbers(&t, r, c, names, 1, 9, -1, v, csv, err, n))) break;
        const int64_t area = zr_round_cents(v[1]);
        const int64_t cost = zr_round_cents(v[2] + v[3] + v[4]);
        const int64_t value =
            zr_round_cents(inv_cost_approach(v[2], v[3], v[4], v[5], v[6], v[7], v[8]));
        char a[32], b[32], cc[32], d[32];
        zr_csv_write_field(f, zr_csv_cell(&t, r, c[0]));
        fprintf(f, ",%s,%s,%s,%s\n", zr_fmt_scaled(a, area, 2), zr_fmt_scaled(b, cost, 2),
                zr_fmt_scaled(cc, value, 2),
                zr_fmt_scaled(d, area ? zr_muldiv_round(value, 100, area) : 0, 2));
        (*count)++;
    }
    if (fclose(f) != 0 && !s) s = ZR_ERR_IO;
    zr_csv_free(&t);
    return s;
}

/* ---- run ---- */

/* The inputs' hashes are computed on a thread beside the valuation. */
typedef struct {
    const char *label[7], *path[7];
    char hex[7][65];
    int n;
} hash_job;

static void *hash_inputs(void *arg) {
    hash_job *j = arg;
    for (int i = 0; i < j->n; i++) {
        int dup = -1;
        for (int k = 0; k < i; k++)
            if (!strcmp(j->path[k], j->path[i])) dup = k;
        if (dup >= 0)
            memcpy(j->hex[i], j->hex[dup], 65);
        else if (zr_sha256_file(j->path[i], j->hex[i]) != ZR_OK)
            snprintf(j->hex[i], 65, "(not a single file)");
    }
    return NULL;
}

static zr_status write_report(const char *path, const inv_data *d, const zr_inventory_opts *o,
                              const char *base, const sum_row *r, size_t nr) {
    /* the county's rows (level 1) as the table; the map by price class */
    enum { NC = 5 };
    const char *headers[NC] = {"资源类", "地类编码", "图斑数", "面积(平方米)", "价值(元)"};
    static const int numeric[NC] = {0, 0, 1, 1, 1};
    size_t rows = 0;
    for (size_t i = 0; i < nr; i++)
        rows += r[i].level == 1;
    const char **cells = malloc((rows ? rows : 1) * NC * sizeof *cells);
    char(*buf)[3][32] = malloc((rows ? rows : 1) * sizeof *buf);
    const zr_poly **polys = malloc((d->n ? d->n : 1) * sizeof *polys);
    int *cls = malloc((d->n ? d->n : 1) * sizeof *cls);
    zr_status s = cells && buf && polys && cls ? ZR_OK : ZR_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; !s && i < nr; i++) {
        if (r[i].level != 1) continue;
        snprintf(buf[k][0], 32, "%lld", (long long)r[i].count);
        zr_fmt_scaled(buf[k][1], r[i].area, 2);
        zr_fmt_scaled(buf[k][2], r[i].value, 2);
        const char *row[NC] = {r[i].cls, r[i].dlbm, buf[k][0], buf[k][1], buf[k][2]};
        memcpy(&cells[k * NC], row, sizeof row);
        k++;
    }
    static const char *const legend[5] = {"无价值（仅实物量）", "< 50 元/平方米",
                                          "50–300 元/平方米", "300–1000 元/平方米",
                                          "≥ 1000 元/平方米"};
    for (size_t i = 0; !s && i < d->n; i++) {
        const int64_t price =
            d->p[i].tbdlmj ? zr_muldiv_round(d->p[i].value, 100, d->p[i].tbdlmj) : 0;
        polys[i] = &d->p[i].poly;
        cls[i] = price <= 0 ? 0 : price < 5000 ? 1 : price < 30000 ? 2 : price < 100000 ? 3 : 4;
    }
    char m[4][512];
    snprintf(m[0], sizeof m[0], "图斑数据: %s；价格体系: %s (%s)", o->parcels, o->prices,
             PRICE_SYSTEM);
    snprintf(m[1], sizeof m[1], "清查基准日: %s；价格指数: %s", base, o->price_index);
    snprintf(
        m[2], sizeof m[2],
        "全民所有图斑 %zu 个（全部图斑 %zu 个）；明细见 parcels.csv、summary.xlsx、inventory.gpkg",
        d->n, d->n_all);
    snprintf(m[3], sizeof m[3], "本报告涉及国家秘密信息前请按规定定密管理（机密，公布前不得外传）");
    const char *meta[4] = {m[0], m[1], m[2], m[3]};
    zr_report_map map = {
        "全民所有土地资源资产价值分布图（元/平方米）", polys, cls, d->n, legend, 5};
    zr_report_doc doc = {
        "全民所有自然资源资产清查汇总报告", meta, 4, headers, NC, cells, k, numeric,
        "县级合计：见上表“合计”行",         &map};
    if (!s) s = zr_report_pdf(path, &doc);
    free(cells), free(buf), free(polys), free(cls);
    return s;
}

zr_status zr_inventory_run(const zr_inventory_opts *o, zr_inventory_result *res, char *err,
                           size_t n) {
    memset(res, 0, sizeof *res);
    const double t0 = zr_now();
    if (!o->parcels || !o->prices || !o->price_index || !o->out_dir) {
        snprintf(err, n, "--parcels, --prices, --price-index and --out are required");
        return ZR_ERR_ARG;
    }
    const char *base = o->base_date ? o->base_date : "2023-12-31";
    if (!isfinite(inv_years_between(base, base))) {
        snprintf(err, n, "--base-date '%s' is not YYYY-MM-DD", base);
        return ZR_ERR_ARG;
    }
    hash_job hj = {0};
    const char *labels[7] = {"parcels", "prices",   "price_index", "far",
                             "rights",  "minerals", "reserve"};
    const char *paths[7] = {o->parcels, o->prices,   o->price_index, o->far,
                            o->rights,  o->minerals, o->reserve};
    for (int i = 0; i < 7; i++)
        if (paths[i]) hj.label[hj.n] = labels[i], hj.path[hj.n++] = paths[i];
    pthread_t ht;
    const int hashing = pthread_create(&ht, NULL, hash_inputs, &hj) == 0;
    inv_data d = {0};
    if (!(d.arena = zr_arena_new(1 << 20))) {
        if (hashing) pthread_join(ht, NULL);
        return ZR_ERR_NOMEM;
    }
    zr_status s = inv_load_parcels(&d, o->parcels, o->layer, err, n);
    if (!s) s = inv_load_zones(&d, o->prices, o->price_layer, o->price_index, base, err, n);
    if (!s) s = inv_value(&d, o->threads > 0 ? o->threads : zr_ncpu(), err, n);
    if (!s && mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, n, "%s: cannot create folder", o->out_dir);
        s = ZR_ERR_IO;
    }
    char path[1200];
    if (!s) {
        qsort(d.p, d.n, sizeof *d.p, cmp_parcel);
        snprintf(path, sizeof path, "%s/parcels.csv", o->out_dir);
        FILE *f = fopen(path, "w");
        if (!f) s = ZR_ERR_IO;
        if (f) fputs("BSM,CLASS,TDYT,TBDLMJ,PRICE,VALUE\n", f);
        for (size_t i = 0; f && i < d.n; i++) {
            const inv_parcel *p = &d.p[i];
            char a[32], b[32], c[32];
            const int64_t price = p->tbdlmj ? zr_muldiv_round(p->value, 100, p->tbdlmj) : 0;
            zr_csv_write_field(f, p->bsm);
            fprintf(f, ",%s,%s,%s,%s,%s\n", p->cls, p->tdyt, zr_fmt_scaled(a, p->tbdlmj, 2),
                    zr_fmt_scaled(b, price, 2), zr_fmt_scaled(c, p->value, 2));
            res->area_cents += p->tbdlmj;
            res->value_cents += p->value;
            res->n_valued += p->value > 0;
            res->n_pieces += (int64_t)p->n_pieces;
        }
        if (f && fclose(f) != 0) s = ZR_ERR_IO;
        if (s) snprintf(err, n, "%s: cannot write", path);
    }
    sum_row *rows = NULL;
    size_t nr = 0;
    if (!s) s = inv_build_summary(&d, &rows, &nr);
    if (!s) {
        snprintf(path, sizeof path, "%s/summary.csv", o->out_dir);
        if ((s = write_summary_csv(path, rows, nr))) snprintf(err, n, "%s: cannot write", path);
    }
    if (!s) {
        snprintf(path, sizeof path, "%s/summary.xlsx", o->out_dir);
        if ((s = write_summary_xlsx(path, rows, nr))) snprintf(err, n, "%s: cannot write", path);
    }
    if (!s) {
        snprintf(path, sizeof path, "%s/inventory.gpkg", o->out_dir);
        s = write_gpkg(path, &d, err, n);
    }
    if (!s && o->rights) {
        char gp[1200];
        snprintf(path, sizeof path, "%s/rights.csv", o->out_dir);
        snprintf(gp, sizeof gp, "%s/inventory.gpkg", o->out_dir);
        s = value_rights(&d, o, base, path, gp, &res->n_rights, err, n);
    }
    if (!s && o->minerals) {
        snprintf(path, sizeof path, "%s/minerals.csv", o->out_dir);
        s = value_minerals(o->minerals, path, &res->n_minerals, err, n);
    }
    if (!s && o->reserve) {
        snprintf(path, sizeof path, "%s/reserve.csv", o->out_dir);
        s = value_reserve(o->reserve, path, &res->n_reserve, err, n);
    }
    if (!s) {
        snprintf(path, sizeof path, "%s/report.pdf", o->out_dir);
        if ((s = write_report(path, &d, o, base, rows, nr)))
            snprintf(err, n, "%s: cannot write", path);
    }
    if (hashing)
        pthread_join(ht, NULL);
    else
        hash_inputs(&hj);
    if (!s) {
        snprintf(path, sizeof path, "%s/manifest.txt", o->out_dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "zrzy %s inventory\nbase_date = %s\nprice_system = %s\n", ZRZY_VERSION, base,
                    PRICE_SYSTEM);
            for (int i = 0; i < hj.n; i++)
                fprintf(f, "input.%s = %s sha256:%s\n", hj.label[i], hj.path[i], hj.hex[i]);
            if (fclose(f) != 0) s = ZR_ERR_IO;
        } else {
            s = ZR_ERR_IO;
        }
    }
    res->n_parcels = (int64_t)d.n_all;
    res->n_state = (int64_t)d.n;
    res->seconds = zr_now() - t0;
    free(rows);
    for (size_t i = 0; i < d.n; i++) {
        for (size_t k = 0; k < d.p[i].n_pieces; k++)
            zr_poly_free(&d.p[i].pieces[k].poly);
        free(d.p[i].pieces);
        zr_poly_free(&d.p[i].poly);
    }
    for (size_t i = 0; i < d.nz; i++)
        zr_poly_free(&d.z[i].poly);
    free(d.p);
    free(d.z);
    zr_arena_free(d.arena);
    return s;
}
