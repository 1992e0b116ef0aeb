/* The other assets of the inventory: use-right parcels (宗地, owner's equity by 年期修正 and
 * 所有者权益系数), mineral reserves (收入权益法) and reserve land (成本逼近法). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/control.h"
#include "core/fixed.h"
#include "geo/geos_ops.h"
#include "inventory/inv_int.h"
#include "io/io.h"
#include "source/source.h"
#include "store/store.h"

/* ---- rights (宗地) ---- */

static const zr_field_def cq_fields[] = {
    {"ZDDM", ZR_FT_TEXT, 19, 0},  {"QLR", ZR_FT_TEXT, 100, 0},   {"TDYT", ZR_FT_TEXT, 2, 0},
    {"GYFS", ZR_FT_TEXT, 2, 0},   {"AREA", ZR_FT_REAL, 18, 2},   {"JB", ZR_FT_INT, 2, 0},
    {"PRICE", ZR_FT_REAL, 12, 2}, {"K_FAR", ZR_FT_REAL, 8, 4},   {"JJJZL2", ZR_FT_REAL, 18, 2},
    {"Y_NQXZ", ZR_FT_REAL, 8, 5}, {"SYZQYXS", ZR_FT_REAL, 8, 4}, {"SYZQYGSZ", ZR_FT_REAL, 18, 2}};

__extension__ typedef __int128 i128;

/* The 容积率修正 table: its columns, every row TDYT, an integer JB, 0 ≤ RJL ≤ 100 and
 * 0 < K ≤ 10; two rows for one (TDYT, JB, RJL) must give the same K (both lines named). */
static zr_status far_check(const zr_csv *far, const char *path, char *err, size_t n) {
    const int ct = zr_csv_col(far, "TDYT|土地用途"), cj = zr_csv_col(far, "JB|级别"),
              cr = zr_csv_col(far, "RJL|容积率"), ck = zr_csv_col(far, "K|修正系数");
    if (ct < 0 || cj < 0 || cr < 0 || ck < 0) {
        snprintf(err, n, "%s: the header needs TDYT, JB, RJL and K", path);
        return ZR_ERR_SCHEMA;
    }
    for (size_t r = 0; r < far->nrows; r++) {
        double jb, x, k;
        const char *cell = NULL, *col = NULL;
        if (!inv_number(zr_csv_cell(far, r, cj), &jb) || jb != floor(jb) || jb < 0 || jb > 1000)
            cell = zr_csv_cell(far, r, cj), col = "JB";
        else if (!inv_number(zr_csv_cell(far, r, cr), &x) || x < 0 || x > 100)
            cell = zr_csv_cell(far, r, cr), col = "RJL";
        else if (!inv_number(zr_csv_cell(far, r, ck), &k) || !(k > 0) || k > 10)
            cell = zr_csv_cell(far, r, ck), col = "K";
        if (col) {
            snprintf(err, n, "%s: line %zu: %s '%s' is not a number in its range (%s)", path, r + 2,
                     col, cell,
                     !strcmp(col, "JB")    ? "a level 0 to 1000"
                     : !strcmp(col, "RJL") ? "0 to 100"
                                           : "over 0, at most 10");
            return ZR_ERR_CONTENT;
        }
        for (size_t q = 0; q < r; q++) {
            double xq, kq;
            if (strcmp(zr_csv_cell(far, q, ct), zr_csv_cell(far, r, ct)) ||
                atoi(zr_csv_cell(far, q, cj)) != (int)jb ||
                !inv_number(zr_csv_cell(far, q, cr), &xq) || xq != x ||
                !inv_number(zr_csv_cell(far, q, ck), &kq) || kq == k)
                continue;
            snprintf(err, n,
                     "%s: lines %zu and %zu both give K for TDYT %s, JB %d, RJL %s, as %s and %s: "
                     "keep the right one",
                     path, q + 2, r + 2, zr_csv_cell(far, r, ct), (int)jb, zr_csv_cell(far, r, cr),
                     zr_csv_cell(far, q, ck), zr_csv_cell(far, r, ck));
            return ZR_ERR_CONTENT;
        }
    }
    return ZR_OK;
}

zr_status inv_value_rights(inv_data *d, const zr_inventory_opts *o, const char *base,
                           const char *out_path, zr_store *cq, const char *gpkg_path,
                           zr_inventory_result *res, char *err, size_t n) {
    zr_csv far = {0};
    int have_far = 0;
    zr_status s = ZR_OK;
    if (o->far) {
        if ((s = zr_csv_read(o->far, &far, err, n))) return s;
        have_far = 1;
        if ((s = far_check(&far, o->far, err, n))) {
            zr_csv_free(&far);
            return s;
        }
    }
    zr_source src;
    if ((s = zr_source_open_default(&src, o->rights, "ZD", 0, err, n))) {
        if (have_far) zr_csv_free(&far);
        return s == ZR_ERR_NOMEM ? s : ZR_ERR_IMPORT;
    }
    int c[8];
    static const char *const names[8] = {"ZDDM",    "QLR",     "TDYT", "GYFS",
                                         "SYQQSRQ", "SYQJSRQ", "RJL",  "HTJK"};
    for (int k = 0; k < 8; k++) {
        c[k] = zr_source_col(&src, names[k]);
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
    inv_scratch sc_zones = {0};
    zr_batch b = {0};
    zr_buf sc = {0}, blob = {0};
    zr_writer *cw = NULL; /* the 产权 layer joins SWL and JZL in inventory.gpkg */
    if (!s)
        s = zr_store_create_layer(cq, "CQ", cq_fields, 12, d->crs.epsg,
                                  "产权: 国有建设用地使用权宗地及所有者权益");
    if (!s) s = zr_writer_open(cq, "CQ", cq_fields, 12, &cw);
    if (s) snprintf(err, n, "%s: %s", gpkg_path, zr_store_errmsg(cq));
    if (!s) s = zr_geos_open(&g);
    if (!s) s = zr_batch_init(&b, zr_source_nfields(&src));
    if (!s && (s = zr_source_crs(&src, err, n)) == ZR_OK && src.crs.epsg != d->crs.epsg) {
        snprintf(err, n, "%s: layer ZD is in EPSG:%d, the parcels in EPSG:%d", src.path,
                 src.crs.epsg, d->crs.epsg);
        s = ZR_ERR_CRS;
    }
    while (!s) {
        size_t got = 0;
        if ((s = zr_source_next(&src, &b, 1024, &got, err, n)) || !got) break;
        for (size_t i = 0; i < got && !s; i++) {
            if (zr_cancelled(d->ctl)) {
                s = ZR_ERR_CANCELLED;
                break;
            }
            const zr_feature *ft = &b.f[i];
            const char *v[7];
            for (int k = 0; k < 7; k++)
                v[k] = ft->v[c[k]].kind == ZR_FT_TEXT ? ft->v[c[k]].s : "";
            /* where the feature went wrong: field and reason */
            const char *field = NULL;
            char why[160] = "";
            double rjl = 0;
            if (ft->v[c[6]].kind == ZR_FT_REAL || ft->v[c[6]].kind == ZR_FT_INT)
                rjl = ft->v[c[6]].kind == ZR_FT_REAL ? ft->v[c[6]].r : (double)ft->v[c[6]].i;
            else if (*v[6] && !inv_number(v[6], &rjl))
                rjl = NAN;
            if (!(rjl >= 0 && rjl <= 100))
                field = "RJL", snprintf(why, sizeof why, "not a number 0 to 100");
            const double gynx = inv_years_between(v[4], v[5]),
                         ysynx = inv_years_between(v[4], base);
            if (!field && isnan(gynx))
                field = !inv_date_norm(v[4], (char[11]){0}) ? "SYQQSRQ" : "SYQJSRQ",
                snprintf(why, sizeof why, "'%s' is not a date", field[3] == 'Q' ? v[4] : v[5]);
            inv_parcel p = {0};
            int empty = 0;
            if (!field) {
                s = b.geom_is_gpkg
                        ? zr_gpkg_blob_to_poly(ft->geom, ft->geom_len, &p.poly, &empty, why,
                                               sizeof why)
                        : zr_wkb_to_poly(ft->geom, ft->geom_len, &p.poly, why, sizeof why);
                if (s == ZR_ERR_NOMEM) { /* not the geometry's fault */
                    zr_poly_free(&p.poly);
                    break;
                }
                const char *bad = s           ? NULL
                                  : !ft->geom ? "missing"
                                              : inv_coords_check(&d->crs, &p.poly);
                if (s || bad) {
                    field = "geometry";
                    if (bad) snprintf(why, sizeof why, "%s", bad);
                }
            }
            int64_t areas[3] = {0, 0, 0}; /* TBMJ, KCMJ, TBDLMJ with KCXS 0: the area in 0.01 m² */
            const zr_status as = field ? ZR_OK : zr_parcel_areas(&p.poly, &d->crs, 0, &sc, areas);
            if (as == ZR_ERR_NOMEM) {
                s = as;
                zr_poly_free(&p.poly);
                break;
            }
            if (!field && (as || areas[0] > (int64_t)(INV_MAX_AREA * 100)))
                field = "geometry", snprintf(why, sizeof why, "its area is not computable");
            if (field) {
                snprintf(err, n, "%s: layer ZD: feature fid=%lld ZDDM=%s: field %s: %s", src.path,
                         (long long)ft->fid, v[0], field, why);
                s = !strcmp(field, "geometry") ? ZR_ERR_GEOM_INVALID : ZR_ERR_CONTENT;
                zr_poly_free(&p.poly);
                break;
            }
            zr_poly_envelope(&p.poly, p.env);
            snprintf(p.tdyt, sizeof p.tdyt, "%.2s", v[2]);
            p.dlbm = "05H1"; /* any code not priced 0 */
            p.bsm = v[0];
            p.tbdlmj = areas[0];
            if ((s = inv_value_parcel(d, g, &sc_zones, &p, 0)) && s != ZR_ERR_NOMEM) {
                snprintf(err, n, "%s: layer ZD: feature fid=%lld ZDDM=%s: field %s: %s", src.path,
                         (long long)ft->fid, v[0], sc_zones.fail_zone >= 0 ? "geometry" : "TDYT",
                         sc_zones.why[0] ? sc_zones.why : zr_status_str(s));
            }
            /* the level of the largest piece decides the 容积率 row */
            int jb = 0;
            int64_t best = -1;
            for (size_t k = 0; k < p.n_pieces; k++)
                if (p.pieces[k].zone >= 0 && p.pieces[k].area > best)
                    best = p.pieces[k].area, jb = d->z[p.pieces[k].zone].jb;
            const int64_t price = p.tbdlmj ? zr_muldiv_round(p.value, 100, p.tbdlmj) : 0;
            const double kf = inv_far_factor(have_far ? &far : NULL, p.tdyt, jb, rjl);
            const double yf = inv_term_factor(0.06, gynx - ysynx, inv_legal_term(p.tdyt));
            const double ko = inv_owner_coefficient(v[3], p.tdyt, gynx, ysynx);
            /* money: each step range-checked, the product in 128 bits */
            int64_t pf = 0, jj = 0, eq = 0;
            int ok = !s && inv_cents((double)price / 100 * kf, &pf);
            if (ok) {
                const i128 x = ((i128)p.tbdlmj * pf + 50) / 100;
                ok = x <= (i128)(INV_MAX_MONEY * 100);
                if (ok) jj = (int64_t)x;
            }
            ok = ok && inv_cents((double)jj / 100 * ko, &eq) &&
                 !__builtin_add_overflow(res->rights_equity_cents, eq, &res->rights_equity_cents);
            if (!s && !ok) {
                snprintf(err, n,
                         "%s: layer ZD: feature fid=%lld ZDDM=%s: its value exceeds %.0f yuan",
                         src.path, (long long)ft->fid, v[0], INV_MAX_MONEY);
                s = ZR_ERR_LIMIT;
            }
            if (!s) {
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
                s = zr_poly_to_gpkg_blob(&p.poly, d->crs.epsg, &blob);
                if (!s) s = zr_writer_insert(cw, cv, blob.data, blob.len);
                if (!s) s = zr_writer_flush(cw);
                if (s)
                    snprintf(err, n, "%s: cannot write the CQ layer (%s)", gpkg_path,
                             zr_status_str(s));
            }
            for (size_t k = 0; k < p.n_pieces; k++)
                zr_poly_free(&p.pieces[k].poly);
            free(p.pieces);
            zr_poly_free(&p.poly);
            if (!s) res->n_rights++;
        }
    }
    if (f && fclose(f) != 0 && !s) s = ZR_ERR_IO;
    s = zr_writer_end(cw, s);
    zr_buf_free(&blob);
    zr_batch_free(&b);
    zr_buf_free(&sc);
    zr_geos_close(g);
    inv_scratch_free(&sc_zones);
    zr_source_close(&src);
    if (have_far) zr_csv_free(&far);
    return s;
}

/* Columns c[from..to) of row r as numbers 0 ≤ v ≤ max[k] into v[]; column skip (≥ 0) is left
 * alone. */
static zr_status csv_numbers(const zr_csv *t, size_t r, const int *c, int from, int to, int skip,
                             const double *max, double *v, const char *csv, char *err, size_t n) {
    for (int k = from; k < to; k++) {
        if (k == skip) continue;
        const char *cell = zr_csv_cell(t, r, c[k]);
        if (!inv_number(cell, &v[k]) || v[k] < 0) {
            snprintf(err, n, "%s: line %zu (%s): column %s is not a number ≥ 0: '%s'", csv, r + 2,
                     zr_csv_cell(t, r, c[0]), t->cells[c[k]], cell);
            return ZR_ERR_SCHEMA;
        }
        if (v[k] > max[k]) {
            snprintf(err, n, "%s: line %zu (%s): column %s: %s is out of range (at most %g)", csv,
                     r + 2, zr_csv_cell(t, r, c[0]), t->cells[c[k]], cell, max[k]);
            return ZR_ERR_CONTENT;
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

zr_status inv_value_minerals(const char *csv, const char *out_path, zr_inventory_result *res,
                             char *err, size_t n) {
    static const char *const names[] = {
        "KQBH|矿区编号", "KZ|矿种",         "BYZYCL|保有资源储量",       "DW|单位",
        "JG|价格",       "CSL|年产量|产能", "K|采矿权权益系数|权益系数", "ZXL|折现率",
        "NX|评估年限"};
    /* reserve and output in DW units, price per unit, K and the rate fractions, years */
    static const double max[9] = {0, 0, 1e15, 0, INV_MAX_MONEY, 1e15, 1, 1, INV_MAX_YEARS};
    int c[9];
    zr_csv t;
    FILE *f;
    zr_status s = open_table(csv, names, 9, c, &t, out_path, "KQBH,KZ,BYZYCL,DW,YEARS,SI,VALUE\n",
                             &f, err, n);
    if (s) return s;
    for (size_t r = 0; r < t.nrows && !s; r++) {
        double v[9];
        if ((s = csv_numbers(&t, r, c, 2, 9, 3, max, v, csv, err, n))) break;
        /* years: the evaluation period, capped by the reserve at the yearly output */
        int years = (int)v[8];
        if (v[5] > 0 && v[2] / v[5] < years) years = (int)floor(v[2] / v[5]);
        const double si = v[5] * 10000 * v[4]; /* yearly sales income, yuan */
        int64_t si_c, value;
        if (!inv_cents(si, &si_c) || !inv_cents(inv_income_rights(si, v[6], v[7], years), &value) ||
            __builtin_add_overflow(res->minerals_value_cents, value, &res->minerals_value_cents)) {
            snprintf(err, n,
                     "%s: line %zu (%s): the yearly income CSL × 10000 × JG or the value exceeds "
                     "%.0f yuan",
                     csv, r + 2, zr_csv_cell(&t, r, c[0]), INV_MAX_MONEY);
            s = ZR_ERR_LIMIT;
            break;
        }
        char a[32], b[32];
        zr_csv_write_field(f, zr_csv_cell(&t, r, c[0]));
        fputc(',', f);
        zr_csv_write_field(f, zr_csv_cell(&t, r, c[1]));
        fprintf(f, ",%s,%s,%d,%s,%s\n", zr_csv_cell(&t, r, c[2]), zr_csv_cell(&t, r, c[3]), years,
                zr_fmt_scaled(a, si_c, 2), zr_fmt_scaled(b, value, 2));
        res->n_minerals++;
    }
    if (fclose(f) != 0 && !s) s = ZR_ERR_IO;
    zr_csv_free(&t);
    return s;
}

/* ---- reserve land (储备土地, 成本逼近法) ---- */

zr_status inv_value_reserve(const char *csv, const char *out_path, zr_inventory_result *res,
                            char *err, size_t n) {
    static const char *const names[] = {"DKBH|地块编号",  "DKMJ|地块面积", "QDF|土地取得费",
                                        "KFF|土地开发费", "SF|税费",       "LXL|利息率",
                                        "ZQ|开发周期",    "LRL|利润率",    "ZZL|土地增值收益率"};
    /* area; three costs; interest rate; years; profit and value-added rates */
    static const double max[9] = {
        0, INV_MAX_AREA, INV_MAX_MONEY, INV_MAX_MONEY, INV_MAX_MONEY, 1, INV_MAX_YEARS, 10, 10};
    int c[9];
    zr_csv t;
    FILE *f;
    zr_status s =
        open_table(csv, names, 9, c, &t, out_path, "DKBH,DKMJ,COST,VALUE,PRICE\n", &f, err, n);
    if (s) return s;
    for (size_t r = 0; r < t.nrows && !s; r++) {
        double v[9];
        if ((s = csv_numbers(&t, r, c, 1, 9, -1, max, v, csv, err, n))) break;
        const int64_t area = zr_round_cents(v[1]);
        int64_t cost, value;
        if (!inv_cents(v[2] + v[3] + v[4], &cost) ||
            !inv_cents(inv_cost_approach(v[2], v[3], v[4], v[5], v[6], v[7], v[8]), &value) ||
            __builtin_add_overflow(res->reserve_value_cents, value, &res->reserve_value_cents)) {
            snprintf(err, n, "%s: line %zu (%s): the cost or the value exceeds %.0f yuan", csv,
                     r + 2, zr_csv_cell(&t, r, c[0]), INV_MAX_MONEY);
            s = ZR_ERR_LIMIT;
            break;
        }
        char a[32], b[32], cc[32], d[32];
        zr_csv_write_field(f, zr_csv_cell(&t, r, c[0]));
        fprintf(f, ",%s,%s,%s,%s\n", zr_fmt_scaled(a, area, 2), zr_fmt_scaled(b, cost, 2),
                zr_fmt_scaled(cc, value, 2),
                zr_fmt_scaled(d, area ? zr_muldiv_round(value, 100, area) : 0, 2));
        res->n_reserve++;
    }
    if (fclose(f) != 0 && !s) s = ZR_ERR_IO;
    zr_csv_free(&t);
    return s;
}
