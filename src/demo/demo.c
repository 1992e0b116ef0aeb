/* zrzy demo-data: a deterministic synthetic county. Parcels tessellate an irregular county of
 * 1,000–2,000 km² on a jittered grid whose shared edges carry shared vertices (no gaps, no
 * overlaps, ≈32 vertices a parcel). Towns and villages are the county's real ones from the
 * division list; land classes follow rivers, roads, towns and village settlements. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/alloc.h"
#include "core/control.h"
#include "codes/codes.h"
#include "codes/division.h"
#include "core/fixed.h"
#include "demo/demo_int.h"
#include "geo/geos_ops.h"
#include "io/io.h"
#include "store/store.h"

#define EDGE_PTS     7   /* interior points on each cell side by default (32 vertices) */
#define MAX_EDGE_PTS 249 /* keys 3000 + k and 4000 + k must not meet */

uint64_t demo_hash(uint64_t seed, uint64_t a, uint64_t b) {
    uint64_t z = seed * 0x9E3779B97F4A7C15ull ^
                 (a + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
                 (b + 0x85EBCA77C2B2AE63ull) * 0x94D049BB133111EBull;
    z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9ull;
    z ^= z >> 27;
    z *= 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double demo_unit(uint64_t seed, uint64_t a, uint64_t b) {
    return (double)(demo_hash(seed, a, b) >> 11) * (1.0 / 9007199254740992.0);
}

/* Capital of each province: the default centre of a county there (override with --lon/--lat). */
static const struct {
    const char *code;
    double lon, lat;
} province_centres[] = {
    {"11", 116.40, 39.90}, {"12", 117.20, 39.08}, {"13", 114.51, 38.04}, {"14", 112.55, 37.87},
    {"15", 111.75, 40.84}, {"21", 123.43, 41.80}, {"22", 125.32, 43.82}, {"23", 126.53, 45.80},
    {"31", 121.47, 31.23}, {"32", 118.80, 32.06}, {"33", 120.15, 30.27}, {"34", 117.23, 31.82},
    {"35", 119.30, 26.08}, {"36", 115.86, 28.68}, {"37", 117.00, 36.65}, {"41", 113.63, 34.75},
    {"42", 114.31, 30.59}, {"43", 112.94, 28.23}, {"44", 113.26, 23.13}, {"45", 108.37, 22.82},
    {"46", 110.35, 20.02}, {"50", 106.55, 29.56}, {"51", 104.07, 30.57}, {"52", 106.63, 26.65},
    {"53", 102.83, 24.88}, {"54", 91.14, 29.65},  {"61", 108.94, 34.34}, {"62", 103.83, 36.06},
    {"63", 101.78, 36.62}, {"64", 106.23, 38.49}, {"65", 87.62, 43.83},
};

/* The county's 田坎系数 table (GDLX × GDPDJB → KCXS); written to the TKXS table as data. */
const demo_tkxs demo_tkxs_table[] = {
    {"TT", "2", 680}, {"TT", "3", 1195}, {"TT", "4", 1886}, {"TT", "5", 2557},
    {"PD", "2", 432}, {"PD", "3", 758},  {"PD", "4", 1210}, {"PD", "5", 1644},
};
const size_t demo_n_tkxs = sizeof demo_tkxs_table / sizeof demo_tkxs_table[0];

/* "王庄村民委员会" → "王庄村", "袁庄新村村民委员会" → "袁庄新村", "金谷社区居民委员会" →
 * "金谷社区". */
static void clean_village_name(const char *in, char *out, size_t n) {
    static const char *const suffix[] = {"村民委员会", "居民委员会", "村委会", "居委会"};
    snprintf(out, n, "%s", in);
    size_t len = strlen(out);
    for (size_t i = 0; i < 4; i++) {
        const size_t k = strlen(suffix[i]);
        if (len > k && !strcmp(out + len - k, suffix[i])) {
            out[len - k] = 0;
            len -= k;
            const int village = suffix[i][0] == "村"[0] && !strncmp(suffix[i], "村", 3);
            if (village && (len < 3 || strcmp(out + len - 3, "村")))
                snprintf(out + len, n - len, "村");
            break;
        }
    }
}

/* ---- the grid ---- */

/* Jittered corner (i, j) in local metres. */
void demo_corner(const demo_county *c, int64_t i, int64_t j, double *x, double *y) {
    const double s = c->cell;
    *x = (double)i * s + (demo_unit(c->seed, 1000 + (uint64_t)i, (uint64_t)j) - 0.5) * 0.30 * s;
    *y = (double)j * s + (demo_unit(c->seed, 2000 + (uint64_t)i, (uint64_t)j) - 0.5) * 0.30 * s;
}

/* Append the side from corner a to corner b (exclusive of b), with interior points shared by
 * both cells that own the side: the offset depends on the side, not on the direction walked. */
static zr_status side(const demo_county *c, zr_poly *p, int64_t ai, int64_t aj, int64_t bi,
                      int64_t bj) {
    double ax, ay;
    demo_corner(c, ai, aj, &ax, &ay);
    zr_status s = zr_poly_add_point(p, c->x0 + ax, c->y0 + ay);
    /* interior points are computed from the side's canonical start (lower corner) so both
       cells sharing the side get bit-identical coordinates */
    const int horizontal = aj == bj;
    const int forward = horizontal ? ai < bi : aj < bj;
    const int64_t ki = forward ? ai : bi, kj = forward ? aj : bj;
    const int64_t li = forward ? bi : ai, lj = forward ? bj : aj;
    double kx, ky, lx, ly;
    demo_corner(c, ki, kj, &kx, &ky);
    demo_corner(c, li, lj, &lx, &ly);
    const double dx = lx - kx, dy = ly - ky, len = sqrt(dx * dx + dy * dy);
    const double nx = -dy / len, ny = dx / len;
    const int m = c->edge_pts;
    for (int k = 1; k <= m && !s; k++) {
        const int kk = forward ? k : m + 1 - k;
        const double t = (double)kk / (m + 1);
        const double off = (demo_unit(c->seed, (uint64_t)(horizontal ? 3000 : 4000) + (uint64_t)kk,
                                      (uint64_t)ki * 1000003u + (uint64_t)kj) -
                            0.5) *
                           c->side_amp * c->cell;
        s = zr_poly_add_point(p, c->x0 + (kx + t * dx + off * nx),
                              c->y0 + (ky + t * dy + off * ny));
    }
    return s;
}

zr_status demo_cell_poly(const demo_county *c, int64_t i, int64_t j, zr_poly *p) {
    zr_poly_clear(p);
    zr_status s = zr_poly_begin_polygon(p);
    if (!s) s = zr_poly_begin_ring(p);
    if (!s) s = side(c, p, i, j, i + 1, j); /* counter-clockwise: south, east, north, west */
    if (!s) s = side(c, p, i + 1, j, i + 1, j + 1);
    if (!s) s = side(c, p, i + 1, j + 1, i, j + 1);
    if (!s) s = side(c, p, i, j + 1, i, j);
    if (!s) s = zr_poly_add_point(p, p->xy[0], p->xy[1]);
    if (!s) s = zr_poly_finish(p);
    return s;
}

static int inside_county(const demo_county *c, double u, double v) {
    /* an ellipse with a wavy rim; u, v in metres from the centre */
    const double th = atan2(v / c->rb, u / c->ra);
    const double rim = 1 + 0.07 * sin(3 * th + c->ph1) + 0.04 * sin(7 * th + c->ph2);
    const double r = sqrt((u / c->ra) * (u / c->ra) + (v / c->rb) * (v / c->rb));
    return r < rim;
}

zr_status demo_build_county(const zr_demo_opts *o, demo_county *c, char *err, size_t n) {
    memset(c, 0, sizeof *c);
    c->ctl = &o->ctl;
    c->seed = o->seed ? o->seed : 1;
    const char *county = o->county ? o->county : "371521";
    if (strlen(county) != 6 || strspn(county, "0123456789") != 6) {
        snprintf(err, n, "county code '%s' is not 6 digits", county);
        return ZR_ERR_ARG;
    }
    snprintf(c->county, sizeof c->county, "%s", county);
    zr_status s = zr_divisions_load(&c->div, county, err, n);
    if (s) return s;
    if (zr_cancelled(c->ctl)) return ZR_ERR_CANCELLED;
    char code12[13];
    snprintf(code12, sizeof code12, "%s000000", county);
    const zr_division *cd = zr_divisions_find(&c->div, code12);
    if (!cd) {
        snprintf(err, n, "county %s is not in the division list (data/division/EDITION)", county);
        return ZR_ERR_ARG;
    }
    snprintf(c->county_name, sizeof c->county_name, "%s", cd->name);
    /* towns and villages */
    size_t first, cnt;
    zr_divisions_range(&c->div, county, &first, &cnt);
    for (size_t k = first; k < first + cnt; k++) {
        int lvl = zr_division_level(c->div.e[k].code);
        if (lvl == 4) c->n_towns_all++;
        if (lvl == 5) c->n_villages_all++;
    }
    if (!c->n_villages_all) {
        snprintf(err, n, "county %s has no villages in the division list", county);
        return ZR_ERR_ARG;
    }
    /* centre and CRS */
    double lon = o->lon, lat = o->lat;
    if (lon == 0 || lat == 0) {
        for (size_t k = 0; k < sizeof province_centres / sizeof province_centres[0]; k++)
            if (!strncmp(province_centres[k].code, county, 2)) {
                lon = province_centres[k].lon, lat = province_centres[k].lat;
            }
        if (lon == 0) {
            snprintf(err, n, "no centre known for province %.2s: give --lon and --lat", county);
            return ZR_ERR_ARG;
        }
    }
    if (o->zone && (o->zone < 25 || o->zone > 45)) {
        snprintf(err, n, "zone %d is not a 3-degree zone of China (25-45)", o->zone);
        return ZR_ERR_ARG;
    }
    const int zone = o->zone ? o->zone : (int)floor(lon / 3 + 0.5);
    if (zone < 25 || zone > 45) {
        snprintf(err, n, "longitude %g is outside 3-degree zones 25-45", lon);
        return ZR_ERR_ARG;
    }
    if (o->offset != 0) {
        if (!(fabs(o->offset) <= 3)) {
            snprintf(err, n, "offset %g from the central meridian is more than 3 degrees",
                     o->offset);
            return ZR_ERR_ARG;
        }
        lon = 3.0 * zone + o->offset;
    } else if (!(fabs(lon - 3.0 * zone) <= 3)) {
        snprintf(err, n, "longitude %g is more than 3 degrees from zone %d's meridian (%d)", lon,
                 zone, 3 * zone);
        return ZR_ERR_ARG;
    }
    if (!(lat > 3 && lat < 54)) {
        snprintf(err, n, "latitude %g is outside China (3-54)", lat);
        return ZR_ERR_ARG;
    }
    if (o->vertices && (o->vertices < 4 || o->vertices > 4 + 4 * MAX_EDGE_PTS)) {
        snprintf(err, n, "vertices %d: a parcel has 4 to %d", o->vertices, 4 + 4 * MAX_EDGE_PTS);
        return ZR_ERR_ARG;
    }
    c->edge_pts = o->vertices ? (o->vertices - 4 + 2) / 4 : EDGE_PTS;
    /* the offsets across a side keep the default's steepness (no folds near the corners) */
    c->side_amp = c->edge_pts <= EDGE_PTS ? 0.12 : 0.12 * (EDGE_PTS + 1) / (c->edge_pts + 1);
    zr_crs_from_epsg(4488 + zone, &c->crs);
    double cx, cy;
    zr_gk_forward(c->crs.lon0, lon, lat, &cx, &cy);
    cx += zone * 1e6;
    /* size: 1,000–2,000 km², an ellipse 1.3:1 with a wavy rim */
    const double area = (o->km2 > 0 ? o->km2 : 1000 + 1000 * demo_unit(c->seed, 7, 7)) * 1e6;
    c->cell = sqrt(area / (double)o->parcels);
    c->rb = sqrt(area / (1.3 * M_PI));
    c->ra = 1.3 * c->rb;
    c->ph1 = 6.283 * demo_unit(c->seed, 8, 1);
    c->ph2 = 6.283 * demo_unit(c->seed, 8, 2);
    c->cols = (int64_t)ceil(2 * c->ra * 1.12 / c->cell) + 2;
    c->rows = (int64_t)ceil(2 * c->rb * 1.12 / c->cell) + 2;
    c->x0 = floor(cx - c->cols * c->cell / 2);
    c->y0 = floor(cy - c->rows * c->cell / 2);
    c->in = zr_calloc((size_t)(c->cols * c->rows), 1);
    if (!c->in) return ZR_ERR_NOMEM;
    for (int64_t j = 0; j < c->rows; j++) {
        if (zr_cancelled(c->ctl)) return ZR_ERR_CANCELLED;
        for (int64_t i = 0; i < c->cols; i++) {
            const double u = (i + 0.5) * c->cell - c->cols * c->cell / 2;
            const double v = (j + 0.5) * c->cell - c->rows * c->cell / 2;
            if (inside_county(c, u, v)) {
                c->in[j * c->cols + i] = 1;
                c->n_cells++;
            }
        }
    }
    return ZR_OK;
}

void demo_free_county(demo_county *c) {
    free(c->in);
    free(c->cell_village);
    free(c->towns);
    free(c->villages);
    zr_divisions_free(&c->div);
}

/* ---- towns and villages: two-level nearest-seed regions over the cells ---- */

static int64_t pick_cell(const demo_county *c, uint64_t key) {
    for (uint64_t t = 0;; t++) {
        int64_t i = (int64_t)(demo_hash(c->seed, key, t) % (uint64_t)c->cols);
        int64_t j = (int64_t)(demo_hash(c->seed, key + 77, t) % (uint64_t)c->rows);
        if (c->in[j * c->cols + i]) return j * c->cols + i;
    }
}

zr_status demo_assign_regions(demo_county *c, int64_t target_parcels, int villages, char *err,
                              size_t n) {
    size_t first, cnt;
    zr_divisions_range(&c->div, c->county, &first, &cnt);
    size_t max_v = (size_t)(target_parcels / 40);
    if (max_v < 4) max_v = 4;
    if (villages > 0) {
        if ((size_t)villages > c->n_villages_all) {
            snprintf(err, n, "county %s has %zu villages in the division list, not %d", c->county,
                     c->n_villages_all, villages);
            return ZR_ERR_ARG;
        }
        max_v = (size_t)villages;
    }
    const size_t use_v = c->n_villages_all < max_v ? c->n_villages_all : max_v;
    c->villages = zr_calloc(use_v, sizeof *c->villages);
    c->towns = zr_calloc(c->n_towns_all + 1, sizeof *c->towns);
    if (!c->villages || !c->towns) return ZR_ERR_NOMEM;
    /* take every k-th village so that all towns are represented */
    const double step = (double)c->n_villages_all / (double)use_v;
    size_t vi = 0, seen = 0;
    int town = -1;
    char town_code[13] = "";
    for (size_t k = first; k < first + cnt && vi < use_v; k++) {
        const zr_division *d = &c->div.e[k];
        int lvl = zr_division_level(d->code);
        if (lvl == 4) {
            town++;
            c->towns[town].div = d;
            snprintf(town_code, sizeof town_code, "%s", d->code);
        } else if (lvl == 5) {
            if ((size_t)((double)vi * step) == seen && town >= 0 &&
                !strncmp(d->code, town_code, 9)) {
                c->villages[vi].div = d;
                c->villages[vi].town = town;
                c->towns[town].n_villages++;
                vi++;
            }
            seen++;
        }
    }
    c->n_villages = vi;
    c->n_towns = (size_t)(town + 1);
    if (!c->n_villages) {
        snprintf(err, n, "county %s: cannot place villages", c->county);
        return ZR_ERR_ARG;
    }
    /* seeds: towns that have villages get a cell each; villages a cell inside their town */
    for (size_t t = 0; t < c->n_towns; t++)
        c->towns[t].seed_cell = pick_cell(c, 50000 + t);
    c->cell_village = zr_malloc((size_t)(c->cols * c->rows) * sizeof *c->cell_village);
    if (!c->cell_village) return ZR_ERR_NOMEM;
    int32_t *cell_town = zr_malloc((size_t)(c->cols * c->rows) * sizeof *cell_town);
    if (!cell_town) return ZR_ERR_NOMEM;
    for (int64_t k = 0; k < c->cols * c->rows; k++) {
        if (k % c->cols == 0 && zr_cancelled(c->ctl)) {
            free(cell_town);
            return ZR_ERR_CANCELLED;
        }
        cell_town[k] = -1;
        c->cell_village[k] = -1;
        if (!c->in[k]) continue;
        const int64_t i = k % c->cols, j = k / c->cols;
        double best = 1e300;
        for (size_t t = 0; t < c->n_towns; t++) {
            if (!c->towns[t].n_villages) continue;
            const int64_t si = c->towns[t].seed_cell % c->cols,
                          sj = c->towns[t].seed_cell / c->cols;
            const double d = (double)((i - si) * (i - si) + (j - sj) * (j - sj));
            if (d < best) best = d, cell_town[k] = (int32_t)t;
        }
    }
    /* a village seed is a random cell of its town (distinct per village) */
    for (size_t v = 0; v < c->n_villages; v++) {
        if (zr_cancelled(c->ctl)) {
            free(cell_town);
            return ZR_ERR_CANCELLED;
        }
        const int t = c->villages[v].town;
        int64_t cell = -1;
        for (uint64_t tries = 0; tries < 100000 && cell < 0; tries++) {
            int64_t k = pick_cell(c, 90000 + v * 131 + tries * 7);
            if (cell_town[k] != t) continue;
            int clash = 0;
            for (size_t u = 0; u < v && !clash; u++)
                clash = c->villages[u].seed_cell == k;
            if (!clash) cell = k;
        }
        if (cell < 0) cell = c->towns[t].seed_cell; /* a town smaller than its village count */
        c->villages[v].seed_cell = cell;
    }
    for (int64_t k = 0; k < c->cols * c->rows; k++) {
        if (k % c->cols == 0 && zr_cancelled(c->ctl)) {
            free(cell_town);
            return ZR_ERR_CANCELLED;
        }
        if (cell_town[k] < 0) continue;
        const int64_t i = k % c->cols, j = k / c->cols;
        double best = 1e300;
        for (size_t v = 0; v < c->n_villages; v++) {
            if (c->villages[v].town != cell_town[k]) continue;
            const int64_t si = c->villages[v].seed_cell % c->cols,
                          sj = c->villages[v].seed_cell / c->cols;
            const double d = (double)((i - si) * (i - si) + (j - sj) * (j - sj));
            if (d < best) best = d, c->cell_village[k] = (int32_t)v;
        }
    }
    free(cell_town);
    for (size_t v = 0; v < c->n_villages; v++)
        clean_village_name(c->villages[v].div->name, c->villages[v].name,
                           sizeof c->villages[v].name);
    return ZR_OK;
}
