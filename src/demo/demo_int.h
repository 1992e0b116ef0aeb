/* Internals of the synthetic county generator. */
#ifndef ZR_DEMO_INT_H
#define ZR_DEMO_INT_H
#include <stdint.h>
#include "codes/division.h"
#include "core/feature.h"
#include "geo/geo.h"
#include "zrzy.h"

typedef struct demo_town {
    const zr_division *div;
    int64_t seed_cell;
    int n_villages;
} demo_town;

typedef struct demo_village {
    const zr_division *div;
    int town;
    int64_t seed_cell;
    char name[128];
} demo_village;

typedef struct demo_county {
    uint64_t seed;
    char county[7], county_name[64];
    zr_divisions div;
    size_t n_towns_all, n_villages_all, n_towns, n_villages;
    demo_town *towns;
    demo_village *villages;
    zr_crs crs;
    double cell, ra, rb, ph1, ph2, x0, y0; /* x0, y0: grid origin in projected metres */
    int64_t cols, rows, n_cells;
    unsigned char *in;     /* cols × rows: 1 when the cell is in the county */
    int32_t *cell_village; /* village index per cell, -1 outside */
} demo_county;

typedef struct demo_tkxs {
    const char *gdlx, *gdpdjb;
    int kcxs_1e4;
} demo_tkxs;
extern const demo_tkxs demo_tkxs_table[];
extern const size_t demo_n_tkxs;

typedef struct demo_opts_int demo_opts_int;

uint64_t demo_hash(uint64_t seed, uint64_t a, uint64_t b);
double demo_unit(uint64_t seed, uint64_t a, uint64_t b);
void demo_corner(const demo_county *c, int64_t i, int64_t j, double *x, double *y);
zr_status demo_cell_poly(const demo_county *c, int64_t i, int64_t j, zr_poly *p);
zr_status demo_build_county(const zr_demo_opts *o, demo_county *c, char *err, size_t n);
zr_status demo_assign_regions(demo_county *c, int64_t target_parcels);
void demo_free_county(demo_county *c);

/* Land-use attributes of one cell. Strings are static or point into buf. */
typedef struct demo_attrs {
    const char *dlbm, *qsxz, *czcsxm, *gdlx, *gdpdjb, *kcdlbm, *zzsxdm, *tbxhdm;
    int kcxs_1e4;  /* -1: null */
    double xzdwkd; /* 0: null */
    int gddb;      /* 0: null */
    int group;     /* 村民小组 number for QSXZ 31 */
} demo_attrs;
void demo_land_use(const demo_county *c, int64_t i, int64_t j, demo_attrs *a);

struct zr_store;
extern const zr_field_def demo_jzdj_fields[4];
extern const zr_field_def demo_zd_fields[8];
zr_status demo_write_prices(demo_county *c, struct zr_store *st, char *err, size_t n);
zr_status demo_write_tables(demo_county *c, const char *dir, char *err, size_t n);
#endif
