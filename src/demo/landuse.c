/* Land use of a synthetic cell: rivers, roads, towns and village settlements first, then
 * farmland, forest and the rest in proportions typical of a North China plain county. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "codes/codes.h"
#include "core/control.h"
#include "demo/demo_int.h"

static double cell_dist(const demo_county *c, int64_t i, int64_t j, int64_t cell) {
    const int64_t si = cell % c->cols, sj = cell / c->cols;
    return sqrt((double)((i - si) * (i - si) + (j - sj) * (j - sj))) * c->cell;
}

static const char *tkxs_level(const demo_county *c, int64_t i, int64_t j) {
    /* a hilly quarter of the county: slope grows towards one corner */
    const double u = (double)i / (double)c->cols, v = (double)j / (double)c->rows;
    const double h =
        u + v - 1.2 + 0.25 * (demo_unit(c->seed, 600 + (uint64_t)i, (uint64_t)j) - 0.5);
    if (h < 0.1) return "1";
    if (h < 0.3) return "2";
    if (h < 0.45) return "3";
    if (h < 0.6) return "4";
    return "5";
}

void demo_land_use(const demo_county *c, int64_t i, int64_t j, demo_attrs *a) {
    memset(a, 0, sizeof *a);
    a->kcxs_1e4 = -1;
    const uint64_t s = c->seed;
    const double r = demo_unit(s, 500 + (uint64_t)i, (uint64_t)j);
    const double x = (double)i * c->cell, y = (double)j * c->cell;
    /* a river meandering west to east */
    const double span = (double)c->rows * c->cell;
    const double river_y =
        span * (0.45 + 0.12 * sin(x / (span * 0.35) + 6.283 * demo_unit(s, 9, 1)));
    const double dr = fabs(y - river_y);
    if (dr < 0.6 * c->cell) {
        a->dlbm = "1101", a->qsxz = "10", a->xzdwkd = 0;
        return;
    }
    if (dr < 1.6 * c->cell) {
        a->dlbm = r < 0.5 ? "1106" : "0301", a->qsxz = "10";
        return;
    }
    /* a highway every ~40 cells, a railway once */
    if (j % 41 == 17) {
        a->dlbm = "1003", a->qsxz = "20", a->czcsxm = NULL, a->xzdwkd = 24.0;
        return;
    }
    if (i == c->cols / 3) {
        a->dlbm = "1001", a->qsxz = "20", a->xzdwkd = 18.0;
        return;
    }
    const int32_t v = c->cell_village[j * c->cols + i];
    const demo_village *vil = &c->villages[v];
    const demo_town *town = &c->towns[vil->town];
    /* the town seat: a built-up area around the town's seed */
    const double town_r = (town == &c->towns[0] ? 2600.0 : 900.0) *
                          (0.8 + 0.4 * demo_unit(s, 11, (uint64_t)vil->town));
    const char *czc = town == &c->towns[0] ? "201" : "202";
    if (cell_dist(c, i, j, town->seed_cell) < town_r) {
        a->qsxz = "20", a->czcsxm = czc;
        if (r < 0.40)
            a->dlbm = "0701";
        else if (r < 0.55)
            a->dlbm = "05H1";
        else if (r < 0.68)
            a->dlbm = "0601", a->czcsxm = czc[2] == '1' ? "201" : "202";
        else if (r < 0.78)
            a->dlbm = "08H2";
        else if (r < 0.84)
            a->dlbm = "08H1";
        else if (r < 0.92)
            a->dlbm = "1004";
        else if (r < 0.96)
            a->dlbm = "0810";
        else
            a->dlbm = "0809";
        return;
    }
    /* the village settlement around the village's seed */
    if (cell_dist(c, i, j, vil->seed_cell) < 350.0 + 150.0 * demo_unit(s, 12, (uint64_t)v)) {
        a->qsxz = "30", a->czcsxm = "203";
        if (r < 0.78)
            a->dlbm = "0702";
        else if (r < 0.88)
            a->dlbm = "1004";
        else if (r < 0.94)
            a->dlbm = "0601", a->czcsxm = "203A", a->qsxz = "40";
        else
            a->dlbm = "08H2";
        return;
    }
    /* open country */
    a->open = 1;
    a->qsxz = r < 0.93 ? "30" : "31";
    a->group = 1 + (int)(demo_hash(s, 13, (uint64_t)(i * 7 + j)) % 9);
    const double q = demo_unit(s, 700 + (uint64_t)i, (uint64_t)j);
    if (q < 0.50)
        a->dlbm = "0103";
    else if (q < 0.68)
        a->dlbm = "0102";
    else if (q < 0.71)
        a->dlbm = "0101";
    else if (q < 0.75)
        a->dlbm = "0201";
    else if (q < 0.81)
        a->dlbm = "0301", a->qsxz = q < 0.78 ? "10" : a->qsxz;
    else if (q < 0.82)
        a->dlbm = "0305";
    else if (q < 0.84)
        a->dlbm = "0307";
    else if (q < 0.88)
        a->dlbm = "1006", a->xzdwkd = 3.0 + (int)(q * 1000) % 4;
    else if (q < 0.91)
        a->dlbm = "1107", a->xzdwkd = 2.0 + (int)(q * 1000) % 5;
    else if (q < 0.93)
        a->dlbm = "1104";
    else if (q < 0.95)
        a->dlbm = "1202";
    else if (q < 0.965)
        a->dlbm = "0404";
    else if (q < 0.972)
        a->dlbm = "1201", a->czcsxm = "203";
    else if (q < 0.978)
        a->dlbm = "0602", a->czcsxm = "204", a->qsxz = "20";
    else if (q < 0.981)
        a->dlbm = "09", a->czcsxm = "205", a->qsxz = "10";
    else if (q < 0.986)
        a->dlbm = "1103", a->qsxz = "10";
    else if (q < 0.990)
        a->dlbm = "1207";
    else if (q < 0.994)
        a->dlbm = "0204";
    else
        a->dlbm = "0103";
    if (a->dlbm[0] == '0' && a->dlbm[1] == '1') {
        a->gdpdjb = tkxs_level(c, i, j);
        a->gddb = 5 + (int)(demo_hash(s, 14, (uint64_t)(i * 31 + j)) % 5);
        a->zzsxdm = q < 0.62 ? "LS" : "FLS";
        a->kcxs_1e4 = 0;
        if (a->gdpdjb[0] != '1') {
            a->gdlx = demo_unit(s, 15, (uint64_t)(i * 17 + j)) < 0.6 ? "TT" : "PD";
            for (size_t k = 0; k < demo_n_tkxs; k++)
                if (!strcmp(demo_tkxs_table[k].gdlx, a->gdlx) &&
                    !strcmp(demo_tkxs_table[k].gdpdjb, a->gdpdjb))
                    a->kcxs_1e4 = demo_tkxs_table[k].kcxs_1e4;
            a->kcdlbm = "1203";
        }
    }
}

/* ---- the ownership mix ---- */

void demo_cell_attrs(const demo_county *c, int64_t i, int64_t j, demo_attrs *a) {
    demo_land_use(c, i, j, a);
    if (c->state_p <= 0 || !a->open || zr_qsxz_is_state(a->qsxz)) return;
    const uint64_t cell = (uint64_t)(j * c->cols + i);
    if (demo_unit(c->seed, 16, cell) >= c->state_p) return;
    /* state land in open country: state farms, forest and grassland farms hold a use right
       (20); the rest is held by the state itself (10) */
    a->qsxz = demo_unit(c->seed, 17, cell) < 0.5 ? "20" : "10";
    a->group = 0;
}

zr_status demo_plan_ownership(demo_county *c, double share_pct, char *err, size_t n) {
    c->state_p = 0;
    if (share_pct <= 0) return ZR_OK;
    int64_t total = 0, state = 0, open = 0;
    for (int64_t j = 0; j < c->rows; j++) {
        if (zr_cancelled(c->ctl)) return ZR_ERR_CANCELLED;
        for (int64_t i = 0; i < c->cols; i++) {
            const int64_t k = j * c->cols + i;
            if (!c->in[k] || c->cell_village[k] < 0) continue;
            demo_attrs a;
            demo_land_use(c, i, j, &a);
            total++;
            if (zr_qsxz_is_state(a.qsxz))
                state++;
            else if (a.open)
                open++;
        }
    }
    const double want = share_pct / 100 * (double)total;
    const double lo = total ? 100.0 * (double)state / (double)total : 0;
    const double hi = total ? 100.0 * (double)(state + open) / (double)total : 0;
    if (want < (double)state || want > (double)(state + open) || !open) {
        snprintf(err, n,
                 "a state-owned share of %g %% is outside what this county's land uses give "
                 "(%.1f-%.1f %%)",
                 share_pct, lo, hi);
        return ZR_ERR_ARG;
    }
    c->state_p = (want - (double)state) / (double)open;
    return ZR_OK;
}
