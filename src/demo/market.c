/* The synthetic county's price system and rights: price zones (JZDJ) by land use and level,
 * the price index and 容积率 tables, use-right parcels (ZD) and mineral reserves, for
 * zrzy inventory. Written beside county.gpkg; all deterministic for the seed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codes/codes.h"
#include "core/control.h"
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
#define N_USES ((int)(sizeof uses / sizeof uses[0]))
static const double level_factor[4] = {1.0, 0.78, 0.61, 0.47};

/* With fewer than all uses priced, the uses a county prices first: the urban ones, then
 * farmland, forest, grassland, roads and water (indices into uses[]). */
static const int use_priority[N_USES] = {4, 6, 5, 7, 0, 2, 3, 9, 10, 1, 8, 11};

/* 1 when uses[u] has a price system in a county that prices n_uses uses (0: all). */
static int use_priced(int u, int n_uses) {
    if (n_uses <= 0 || n_uses >= N_USES) return 1;
    for (int k = 0; k < n_uses; k++)
        if (use_priority[k] == u) return 1;
    return 0;
}

static zr_status rect_ring(zr_poly *p, double x0, double y0, double x1, double y1) {
    zr_status s = zr_poly_begin_ring(p);
    const double pts[5][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
    for (int i = 0; i < 5 && !s; i++)
        s = zr_poly_add_point(p, pts[i][0], pts[i][1]);
    return s;
}

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

static zr_status put_zone(zr_writer *w, const demo_county *c, zr_poly *p, zr_buf *blob, int u,
                          int jb) {
    const double jg = round(uses[u].price * level_factor[jb - 1] * 100) / 100;
    zr_value v[4] = {{ZR_FT_TEXT, 0, 0, uses[u].tdyt},
                     {ZR_FT_INT, jb, 0, NULL},
                     {ZR_FT_REAL, 0, jg, NULL},
                     {ZR_FT_TEXT, 0, 0, uses[u].date}};
    zr_buf_reset(blob);
    zr_status s = zr_poly_to_gpkg_blob(p, c->crs.epsg, blob);
    if (!s) s = zr_writer_insert(w, v, blob->data, blob->len);
    if (!s) s = zr_writer_flush(w);
    return s;
}

/* Four nested square levels around the county seat for each use (the eastern default). */
static zr_status nested_zones(demo_county *c, zr_writer *w, int n_uses, int64_t *n_zones) {
    zr_poly p = {0};
    zr_buf blob = {0};
    zr_status s = ZR_OK;
    const int64_t seat = c->towns[0].seed_cell;
    const double cx0 = c->x0 + (double)(seat % c->cols) * c->cell;
    const double cy0 = c->y0 + (double)(seat / c->cols) * c->cell;
    const double outer = (double)(c->cols > c->rows ? c->cols : c->rows) * c->cell * 1.5;
    for (int u = 0; u < N_USES && !s; u++) {
        if (!use_priced(u, n_uses)) continue;
        if (zr_cancelled(c->ctl)) s = ZR_ERR_CANCELLED;
        /* each use's rings sit a little differently, so zones cut parcels in varied ways */
        const double cx = cx0 + (demo_unit(c->seed, 800, (uint64_t)u) - 0.5) * 3000;
        const double cy = cy0 + (demo_unit(c->seed, 801, (uint64_t)u) - 0.5) * 3000;
        const double half[4] = {1800, 4200, 9000, outer};
        for (int jb = 1; jb <= 4 && !s; jb++) {
            zr_poly_clear(&p);
            s = zr_poly_begin_polygon(&p);
            if (!s) s = square_ring(&p, cx, cy, half[jb - 1]);
            if (!s && jb > 1) s = hole_ring(&p, cx, cy, half[jb - 2]);
            if (!s) s = zr_poly_finish(&p);
            if (!s) s = put_zone(w, c, &p, &blob, u, jb);
            if (!s) ++*n_zones;
        }
    }
    zr_poly_free(&p);
    zr_buf_free(&blob);
    return s;
}

/* Each priced use's zones tile the county's extent: rows of jittered height, each row cut into
 * jittered columns; a zone's level (1–4) grows with its centre's distance from the county
 * seat. Neighbours share their cut coordinates exactly: no gaps, no overlaps within a use. */
static zr_status tiled_zones(demo_county *c, zr_writer *w, int zones, int n_uses,
                             int64_t *n_zones) {
    const int k_uses = n_uses <= 0 || n_uses > N_USES ? N_USES : n_uses;
    zr_poly p = {0};
    zr_buf blob = {0};
    double *ys = NULL, *xs = NULL;
    zr_status s = ZR_OK;
    const double pad = 2 * c->cell;
    const double X0 = c->x0 - pad, Y0 = c->y0 - pad;
    const double W = (double)c->cols * c->cell + 2 * pad, H = (double)c->rows * c->cell + 2 * pad;
    const int64_t seat = c->towns[0].seed_cell;
    const double sx = c->x0 + ((double)(seat % c->cols) + 0.5) * c->cell;
    const double sy = c->y0 + ((double)(seat / c->cols) + 0.5) * c->cell;
    const double reach = 0.5 * sqrt(W * W + H * H);
    int rank = 0;
    for (int u = 0; u < N_USES && !s; u++) {
        if (!use_priced(u, n_uses)) continue;
        const int m = zones / k_uses + (rank < zones % k_uses);
        rank++;
        int rows = (int)floor(sqrt((double)m * H / W) + 0.5);
        if (rows < 1) rows = 1;
        if (rows > m) rows = m;
        free(ys);
        ys = zr_malloc((size_t)(rows + 1) * sizeof *ys);
        free(xs);
        xs = zr_malloc((size_t)(m / rows + 2) * sizeof *xs);
        if (!ys || !xs) {
            s = ZR_ERR_NOMEM;
            break;
        }
        for (int r = 0; r <= rows; r++) {
            const double jit =
                r == 0 || r == rows
                    ? 0
                    : (demo_unit(c->seed, 840 + (uint64_t)u, (uint64_t)r) - 0.5) * 0.5;
            ys[r] = Y0 + H * ((double)r + jit) / rows;
        }
        for (int r = 0; r < rows && !s; r++) {
            if (zr_cancelled(c->ctl)) {
                s = ZR_ERR_CANCELLED;
                break;
            }
            const int cols = m / rows + (r < m % rows);
            for (int q = 0; q <= cols; q++) {
                const double jit =
                    q == 0 || q == cols
                        ? 0
                        : (demo_unit(c->seed, 860 + (uint64_t)u, (uint64_t)(r * 4096 + q)) - 0.5) *
                              0.5;
                xs[q] = X0 + W * ((double)q + jit) / cols;
            }
            for (int q = 0; q < cols && !s; q++) {
                const double mx = 0.5 * (xs[q] + xs[q + 1]) - sx,
                             my = 0.5 * (ys[r] + ys[r + 1]) - sy;
                int jb = 1 + (int)(4 * sqrt(mx * mx + my * my) / reach);
                if (jb > 4) jb = 4;
                zr_poly_clear(&p);
                s = zr_poly_begin_polygon(&p);
                if (!s) s = rect_ring(&p, xs[q], ys[r], xs[q + 1], ys[r + 1]);
                if (!s) s = zr_poly_finish(&p);
                if (!s) s = put_zone(w, c, &p, &blob, u, jb);
                if (!s) ++*n_zones;
            }
        }
    }
    free(ys);
    free(xs);
    zr_poly_free(&p);
    zr_buf_free(&blob);
    return s;
}

zr_status demo_write_prices(demo_county *c, zr_store *st, int zones, int n_uses, int64_t *n_zones,
                            char *err, size_t n) {
    *n_zones = 0;
    zr_status s =
        zr_store_create_layer(st, "JZDJ", demo_jzdj_fields, 4, c->crs.epsg, "清查价格分区");
    zr_writer *w = NULL;
    if (!s) s = zr_writer_open(st, "JZDJ", demo_jzdj_fields, 4, &w);
    if (!s)
        s = zones > 0 ? tiled_zones(c, w, zones, n_uses, n_zones)
                      : nested_zones(c, w, n_uses, n_zones);
    s = zr_writer_end(w, s);
    if (s == ZR_ERR_CANCELLED)
        snprintf(err, n, "cancelled");
    else if (s)
        snprintf(err, n, "JZDJ: %s", zr_store_errmsg(st));
    return s;
}

static zr_status io_fail(const char *path, char *err, size_t n) {
    snprintf(err, n, "%s: cannot write (%s)", path, strerror(errno));
    return ZR_ERR_IO;
}

zr_status demo_write_tables(demo_county *c, const char *dir, int n_uses, char *err, size_t n) {
    char path[1100];
    snprintf(path, sizeof path, "%s/price_index.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f) return io_fail(path, err, n);
    fputs("TDYT,RQ,ZS\n", f);
    for (int u = 0; u < N_USES; u++) {
        if (!use_priced(u, n_uses)) continue;
        const double g = 0.02 + 0.04 * demo_unit(c->seed, 810, (uint64_t)u); /* yearly growth */
        fprintf(f, "%s,2021-01-01,%.2f\n", uses[u].tdyt, 100.0);
        fprintf(f, "%s,2022-01-01,%.2f\n", uses[u].tdyt, round(100 * (1 + g) * 100) / 100);
        fprintf(f, "%s,2023-12-31,%.2f\n", uses[u].tdyt, round(100 * pow(1 + g, 3) * 100) / 100);
    }
    if (fclose(f)) return io_fail(path, err, n);
    snprintf(path, sizeof path, "%s/far.csv", dir);
    if (!(f = fopen(path, "w"))) return io_fail(path, err, n);
    fputs("TDYT,JB,RJL,K\n", f);
    static const char *const built[] = {"05", "07"};
    for (int b = 0; b < 2; b++)
        for (int jb = 1; jb <= 4; jb++) {
            static const double rjl[5] = {0.5, 1.0, 1.5, 2.0, 3.0};
            static const double k[5] = {0.72, 0.86, 1.00, 1.12, 1.30};
            for (int i = 0; i < 5; i++)
                fprintf(f, "%s,%d,%.2f,%.4f\n", built[b], jb, rjl[i], k[i]);
        }
    if (fclose(f)) return io_fail(path, err, n);
    snprintf(path, sizeof path, "%s/minerals.csv", dir);
    if (!(f = fopen(path, "w"))) return io_fail(path, err, n);
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
    if (fclose(f)) return io_fail(path, err, n);
    snprintf(path, sizeof path, "%s/reserve.csv", dir);
    if (!(f = fopen(path, "w"))) return io_fail(path, err, n);
    fputs("DKBH,DKMJ,QDF,KFF,SF,LXL,ZQ,LRL,ZZL\n", f);
    for (int k = 0; k < 4; k++) {
        const double mj = 20000 + 15000 * demo_unit(c->seed, 820, (uint64_t)k);
        fprintf(f, "CB%s%03d,%.2f,%.2f,%.2f,%.2f,0.0435,%.1f,0.10,0.15\n", c->county, k + 1, mj,
                mj * 210, mj * 95, mj * 18, 1.5 + k * 0.5);
    }
    return fclose(f) ? io_fail(path, err, n) : ZR_OK;
}
