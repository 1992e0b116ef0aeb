/* The synthetic county's price system and rights: price zones (JZDJ) by land use and level,
 * the price index and 容积率 tables, use-right parcels (ZD) and mineral reserves, for
 * zrzy inventory. Written beside county.gpkg; all deterministic for the seed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codes/codes.h"
#include "demo/demo_int.h"
#include "store/store.h"

const zr_field_def demo_jzdj_fields[4] = {{"TDYT", ZR_FT_TEXT, 2, 0},
                                          {"JB", ZR_FT_INT, 2, 0},
                                          {"JG", ZR_FT_REAL, 12, 2},
                                          {"JZRQ", ZR_FT_TEXT, 10, 0}};
const zr_field_def demo_zd_fields[8] = {
    {"ZDDM", ZR_FT_TEXT, 19, 0}, {"QLR", ZR_FT_TEXT, 100, 0},    {"TDYT", ZR_FT_TEXT, 2, 0},
    {"GYFS", ZR_FT_TEXT, 2, 0},  {"SYQQSRQ", ZR_FT_TEXT, 10, 0}, {"SYQJSRQ", ZR_FT_TEXT, 10, 0},
    {"RJL", ZR_FT_REAL, 6, 2},   {"HTJK", ZR_FT_REAL, 15, 2}};

/* Land uses with a price system here, their level-1 price (yuan/m²) and valuation date. */
static const struct {
    const char *tdyt;
    double price;
    const char *date;
} uses[] = {
    {"01", 62.00, "2022-01-01"},   {"02", 55.00, "2022-01-01"},   {"03", 21.00, "2022-01-01"},
    {"04", 12.00, "2022-01-01"},   {"05", 1460.00, "2021-01-01"}, {"06", 420.00, "2021-01-01"},
    {"07", 1180.00, "2021-01-01"}, {"08", 610.00, "2021-01-01"},  {"09", 380.00, "2021-01-01"},
    {"10", 300.00, "2021-01-01"},  {"11", 18.00, "2022-01-01"},   {"00", 25.00, "2022-01-01"},
};

static zr_status square_ring(zr_poly *p, double cx, double cy, double h) {
    zr_status s = zr_poly_begin_ring(p);
    const double pts[5][2] = {
        {cx - h, cy - h}, {cx + h, cy - h}, {cx + h, cy + h}, {cx - h, cy + h}, {cx - h, cy - h}};
    for (int i = 0; i < 5 && !s; i++)
        s = zr_poly_add_point(p, pts[i][0], pts[i][1]);
    return s;
}

static zr_status hole_ring(zr_poly *p, double cx, double cy, double h) {
    zr_status s = zr_poly_begin_ring(p);
    const double pts[5][2] = {
        {cx - h, cy - h}, {cx - h, cy + h}, {cx + h, cy + h}, {cx + h, cy - h}, {cx - h, cy - h}};
    for (int i = 0; i < 5 && !s; i++)
        s = zr_poly_add_point(p, pts[i][0], pts[i][1]);
    return s;
}

zr_status demo_write_prices(demo_county *c, zr_store *st, char *err, size_t n) {
    zr_status s =
        zr_store_create_layer(st, "JZDJ", demo_jzdj_fields, 4, c->crs.epsg, "清查价格分区");
    zr_writer *w = NULL;
    if (!s) s = zr_writer_open(st, "JZDJ", demo_jzdj_fields, 4, &w);
    zr_poly p = {0};
    zr_buf blob = {0};
    /* four nested levels around the county seat; the outer one reaches past the county */
    const int64_t seat = c->towns[0].seed_cell;
    const double cx0 = c->x0 + (double)(seat % c->cols) * c->cell;
    const double cy0 = c->y0 + (double)(seat / c->cols) * c->cell;
    const double outer = (double)(c->cols > c->rows ? c->cols : c->rows) * c->cell * 1.5;
    for (size_t u = 0; u < sizeof uses / sizeof uses[0] && !s; u++) {
        /* each use's rings sit a little differently, so zones cut parcels in varied ways */
        const double cx = cx0 + (demo_unit(c->seed, 800, u) - 0.5) * 3000;
        const double cy = cy0 + (demo_unit(c->seed, 801, u) - 0.5) * 3000;
        const double half[4] = {1800, 4200, 9000, outer};
        for (int jb = 1; jb <= 4 && !s; jb++) {
            zr_poly_clear(&p);
            s = zr_poly_begin_polygon(&p);
            if (!s) s = square_ring(&p, cx, cy, half[jb - 1]);
            if (!s && jb > 1) s = hole_ring(&p, cx, cy, half[jb - 2]);
            if (!s) s = zr_poly_finish(&p);
            static const double factor[4] = {1.0, 0.78, 0.61, 0.47};
            const double jg = round(uses[u].price * factor[jb - 1] * 100) / 100;
            zr_value v[4] = {{ZR_FT_TEXT, 0, 0, uses[u].tdyt},
                             {ZR_FT_INT, jb, 0, NULL},
                             {ZR_FT_REAL, 0, jg, NULL},
                             {ZR_FT_TEXT, 0, 0, uses[u].date}};
            zr_buf_reset(&blob);
            if (!s) s = zr_poly_to_gpkg_blob(&p, c->crs.epsg, &blob);
            if (!s) s = zr_writer_insert(w, v, blob.data, blob.len);
            if (!s) s = zr_writer_flush(w);
        }
    }
    zr_status s2 = w ? zr_writer_close(w) : ZR_OK;
    if (!s) s = s2;
    if (s) snprintf(err, n, "JZDJ: %s", zr_store_errmsg(st));
    zr_poly_free(&p);
    zr_buf_free(&blob);
    return s;
}

zr_status demo_write_tables(demo_county *c, const char *dir, char *err, size_t n) {
    char path[1100];
    snprintf(path, sizeof path, "%s/price_index.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, n, "%s: cannot write", path);
        return ZR_ERR_IO;
    }
    fputs("TDYT,RQ,ZS\n", f);
    for (size_t u = 0; u < sizeof uses / sizeof uses[0]; u++) {
        const double g = 0.02 + 0.04 * demo_unit(c->seed, 810, u); /* yearly growth */
        fprintf(f, "%s,2021-01-01,%.2f\n", uses[u].tdyt, 100.0);
        fprintf(f, "%s,2022-01-01,%.2f\n", uses[u].tdyt, round(100 * (1 + g) * 100) / 100);
        fprintf(f, "%s,2023-12-31,%.2f\n", uses[u].tdyt, round(100 * pow(1 + g, 3) * 100) / 100);
    }
    if (fclose(f)) return ZR_ERR_IO;
    snprintf(path, sizeof path, "%s/far.csv", dir);
    if (!(f = fopen(path, "w"))) return ZR_ERR_IO;
    fputs("TDYT,JB,RJL,K\n", f);
    static const char *const built[] = {"05", "07"};
    for (int b = 0; b < 2; b++)
        for (int jb = 1; jb <= 4; jb++) {
            static const double rjl[5] = {0.5, 1.0, 1.5, 2.0, 3.0};
            static const double k[5] = {0.72, 0.86, 1.00, 1.12, 1.30};
            for (int i = 0; i < 5; i++)
                fprintf(f, "%s,%d,%.2f,%.4f\n", built[b], jb, rjl[i], k[i]);
        }
    if (fclose(f)) return ZR_ERR_IO;
    snprintf(path, sizeof path, "%s/minerals.csv", dir);
    if (!(f = fopen(path, "w"))) return ZR_ERR_IO;
    fputs("KQBH,KZ,BYZYCL,DW,X,Y,JG,CSL,K,ZXL,NX\n", f);
    static const char *const kinds[3][2] = {
        {"建筑用砂", "万立方米"}, {"水泥用灰岩", "万吨"}, {"地热", "万立方米"}};
    for (int m = 0; m < 3; m++) {
        const int64_t cell = c->villages[(size_t)m % c->n_villages].seed_cell;
        fprintf(f, "C%s%04d,%s,%.2f,%s,%.2f,%.2f,%.2f,%.2f,%.4f,%.2f,%d\n", c->county, m + 1,
                kinds[m][0], 120.0 + 80 * m, kinds[m][1],
                c->x0 + (double)(cell % c->cols) * c->cell,
                c->y0 + (double)(cell / c->cols) * c->cell, 35.0 + 20 * m, 12.0 + 3 * m,
                0.04 + 0.01 * m, 0.08, 10 + 5 * m);
    }
    if (fclose(f)) return ZR_ERR_IO;
    snprintf(path, sizeof path, "%s/reserve.csv", dir);
    if (!(f = fopen(path, "w"))) return ZR_ERR_IO;
    fputs("DKBH,DKMJ,QDF,KFF,SF,LXL,ZQ,LRL,ZZL\n", f);
    for (int k = 0; k < 4; k++) {
        const double mj = 20000 + 15000 * demo_unit(c->seed, 820, (uint64_t)k);
        fprintf(f, "CB%s%03d,%.2f,%.2f,%.2f,%.2f,0.0435,%.1f,0.10,0.15\n", c->county, k + 1, mj,
                mj * 210, mj * 95, mj * 18, 1.5 + k * 0.5);
    }
    return fclose(f) ? ZR_ERR_IO : ZR_OK;
}
