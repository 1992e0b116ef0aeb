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
    int edge_pts;          /* interior points on each cell side (7 by default: 32 vertices) */
    double side_amp;       /* their offset across the side, as a share of the cell */
    double state_p;        /* chance that an open-country cell is turned state-owned; 0: none */
    const zr_control *ctl; /* the caller's progress and cancellation; borrowed */
} demo_county;

typedef struct demo_tkxs {
    const char *gdlx, *gdpdjb;
    int kcxs_1e4;
} demo_tkxs;
extern const demo_tkxs demo_tkxs_table[];
extern const size_t demo_n_tkxs;

uint64_t demo_hash(uint64_t seed, uint64_t a, uint64_t b);
double demo_unit(uint64_t seed, uint64_t a, uint64_t b);
void demo_corner(const demo_county *c, int64_t i, int64_t j, double *x, double *y);
zr_status demo_cell_poly(const demo_county *c, int64_t i, int64_t j, zr_poly *p);
zr_status demo_build_county(const zr_demo_opts *o, demo_county *c, char *err, size_t n);
/* Towns and villages over the cells; villages 0: one per 40 target parcels. */
zr_status demo_assign_regions(demo_county *c, int64_t target_parcels, int villages, char *err,
                              size_t n);
void demo_free_county(demo_county *c);

/* Land-use attributes of one cell. Strings are static or point into buf. */
typedef struct demo_attrs {
    const char *dlbm, *qsxz, *czcsxm, *gdlx, *gdpdjb, *kcdlbm, *zzsxdm, *tbxhdm;
    int kcxs_1e4;  /* -1: null */
    double xzdwkd; /* 0: null */
    int gddb;      /* 0: null */
    int group;     /* 村民小组 number for QSXZ 31 */
    int open;      /* 1: open country (farmland, forest, …), where --state-share turns
                      collective parcels state-owned */
} demo_attrs;
/* The cell's land use as the county's plan gives it. */
void demo_land_use(const demo_county *c, int64_t i, int64_t j, demo_attrs *a);
/* The same with the ownership mix applied (what is written). */
void demo_cell_attrs(const demo_county *c, int64_t i, int64_t j, demo_attrs *a);
/* Set c->state_p so that share_pct % of the parcels are state-owned; ZR_ERR_ARG (message in
 * err) when the land uses cannot give that share; ZR_ERR_CANCELLED when cancelled. */
zr_status demo_plan_ownership(demo_county *c, double share_pct, char *err, size_t n);

struct zr_store;
extern const zr_field_def demo_jzdj_fields[4];
extern const zr_field_def demo_zd_fields[8];
/* The price zones: four nested levels around the seat per use (zones 0), else zones tiled per
 * use; uses 0 means all 12. *n_zones gets the count written. */
zr_status demo_write_prices(demo_county *c, struct zr_store *st, int zones, int uses,
                            int64_t *n_zones, char *err, size_t n);
zr_status demo_write_tables(demo_county *c, const char *dir, int uses, char *err, size_t n);
#endif
