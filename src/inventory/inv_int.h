/* Internals of the asset inventory engine. */
#ifndef ZR_INV_INT_H
#define ZR_INV_INT_H
#include <stdint.h>
#include "core/buf.h"
#include "core/feature.h"
#include "geo/geo.h"
#include "zrzy.h"

typedef struct inv_parcel {
    int64_t fid;
    const char *bsm, *dlbm, *zldwdm;
    char tdyt[3];
    const char *cls;     /* resource class */
    int64_t tbdlmj;      /* 0.01 m² */
    int64_t value;       /* 0.01 yuan */
    zr_poly poly;        /* parsed by the valuation (inv_valuer_run) */
    size_t g_off, g_len; /* the geometry blob in the batch's geoms */
    double env[4];
    struct inv_piece *pieces; /* owned; room for cap_pieces */
    size_t n_pieces, cap_pieces;
} inv_parcel;

typedef struct inv_zone {
    char tdyt[3], jzrq[11];
    int jb;
    int64_t jg;    /* 0.01 yuan/m² at JZRQ */
    int64_t price; /* 0.01 yuan/m² at the base date */
    int64_t fid;
    zr_poly poly;
    double env[4];
} inv_zone;

typedef struct inv_piece {
    size_t parcel;
    int zone;      /* -1: the part of the parcel no zone covers (value 0) */
    int64_t area;  /* 0.01 m², shares of TBDLMJ that sum exactly */
    int64_t value; /* area × price before the parcel-level rounding, in 1e-4 yuan */
    zr_poly poly;  /* only when the parcel is split */
} inv_piece;

/* The price zones (whole) and one batch of state-owned parcels (the parcels stream through in
 * batches, so memory is bounded by the batch, not the layer). */
typedef struct inv_data {
    zr_crs crs;
    inv_parcel *p; /* the batch: p[0..n); p[0..live) hold memory reused by the next batches */
    size_t n, cap, live;
    inv_zone *z;
    size_t nz;
    struct zr_arena *arena; /* the batch's strings; reset between batches */
    zr_buf geoms;           /* the batch's geometry blobs as read (GeoPackage when geom_is_gpkg,
                               else WKB); reset between batches */
    int geom_is_gpkg;
    const char *path, *layer; /* the parcel source, for messages (borrowed from its reader) */
    const zr_control *ctl;    /* the run's cancellation flag (the valuation polls it) */
} inv_data;

/* Ranges of the inputs that decide money; beyond them an input is refused, never wrapped or
 * clamped (docs/inventory.md, decision 0011). */
#define INV_MAX_PRICE 1e6  /* JG and the price after 期日修正, yuan/m² */
#define INV_MAX_INDEX 1e6  /* a price index ZS */
#define INV_MAX_AREA  1e12 /* TBDLMJ and any area, m² (10⁶ km²: more than any county) */
#define INV_MAX_MONEY 1e13 /* any one amount, yuan (10 万亿) */
#define INV_MAX_YEARS 1000 /* evaluation and development periods, years */

/* yuan → 0.01 yuan rounded half-up when finite and |yuan| ≤ INV_MAX_MONEY; 0 otherwise. */
int inv_cents(double yuan, int64_t *out);
/* NULL when every coordinate of p is finite and where a feature of crs can lie (within 10⁶ m
 * of the central meridian, northings −10⁶…10⁷ m; degrees for a geographic CRS); else why
 * not (static text). */
const char *inv_coords_check(const zr_crs *crs, const zr_poly *p);

const char *inv_class(const char *dlbm);

/* The parcel layer, read in batches; only 全民所有 parcels (QSXZ 10, 20) are kept. */
typedef struct inv_reader {
    struct zr_source *src;
    int c_bsm, c_dlbm, c_qsxz, c_zl, c_tbdlmj;
} inv_reader;
/* Open the layer and check its fields; d->crs is set from it. */
zr_status inv_parcels_open(inv_reader *r, inv_data *d, const char *path, const char *layer,
                           char *err, size_t n);
/* Read up to max rows into d->p[0..d->n) (the state-owned ones; the previous batch must have been
 * cleared); *rows is the number of rows read, 0 at the end. Attributes are checked here, the
 * geometry is copied as it is and parsed by the valuation, in parallel. Errors name file, layer,
 * feature (fid, BSM) and field. */
zr_status inv_parcels_next(inv_reader *r, inv_data *d, size_t max, size_t *rows, char *err,
                           size_t n);
/* The layer's extent, NULL when unknown. */
zr_status inv_parcels_extent(inv_reader *r, double env[4]);
void inv_parcels_close(inv_reader *r);
/* Empty the batch (its parcels' memory is kept for the next one) and reset its arena. */
void inv_batch_clear(inv_data *d);
/* Free every parcel's memory (the batch and what it kept). */
void inv_parcels_free(inv_data *d);

zr_status inv_load_zones(inv_data *d, const char *path, const char *layer, const char *index_path,
                         const char *base_date, char *err, size_t n);

struct zr_geos;
/* Room a thread reuses from parcel to parcel: candidate zones, piece weights and shares; after
 * a failure of inv_value_parcel, the zone and the reason. */
typedef struct inv_scratch {
    int *cand;
    double *weights;
    int64_t *shares;
    size_t cap;
    int fail_zone; /* the zone whose overlay failed, -1 when none */
    char why[256];
} inv_scratch;
void inv_scratch_free(inv_scratch *sc);
zr_status inv_value_parcel(const inv_data *d, struct zr_geos *g, inv_scratch *sc, inv_parcel *p,
                           size_t i);
/* Value every parcel of the batch on up to `threads` threads (GEOS contexts and scratch kept
 * between batches). A failure names the first parcel (in layer order) that failed: file, layer,
 * fid, BSM, field and reason. ZR_ERR_CANCELLED when d->ctl's flag is raised (polled per
 * parcel). */
typedef struct inv_valuer inv_valuer;
zr_status inv_valuer_open(int threads, inv_valuer **out);
zr_status inv_valuer_run(inv_valuer *v, inv_data *d, char *err, size_t n);
void inv_valuer_close(inv_valuer *v);

struct zr_store;
/* The other assets (assets.c): rights.csv + the CQ layer in the open transaction of cq (the
 * results GeoPackage, named gpkg_path in messages); minerals.csv; reserve.csv. Counts and totals go
 * into res; every amount is range-checked (ZR_ERR_LIMIT), every input refused naming file, line or
 * feature, and field. */
zr_status inv_value_rights(inv_data *d, const zr_inventory_opts *o, const char *base,
                           const char *out_path, struct zr_store *cq, const char *gpkg_path,
                           zr_inventory_result *res, char *err, size_t n);
zr_status inv_value_minerals(const char *csv, const char *out_path, zr_inventory_result *res,
                             char *err, size_t n);
zr_status inv_value_reserve(const char *csv, const char *out_path, zr_inventory_result *res,
                            char *err, size_t n);

/* 年期修正 Y = [1 − (1+r)^−m] / [1 − (1+r)^−n] (m remaining years, n the legal maximum). */
double inv_term_factor(double r, double m, double n);
/* 所有者权益系数 by 供应方式 (STANDARDS §5.3): 6 → 1; 1, 7 → 0.4; 3 (租赁) → (20 − GYNX +
 * YSYNX)/20; otherwise (N − GYNX + YSYNX)/N with N the legal maximum term of the use. Clamped to
 * [0, 1]. */
double inv_owner_coefficient(const char *gyfs, const char *tdyt, double gynx, double ysynx);
/* Legal maximum term: 住宅 07 70, 商服 05 40, others 50 years. */
int inv_legal_term(const char *tdyt);
/* 收入权益法: Σ_{t=1..n} SI × K / (1+i)^t, in yuan. */
double inv_income_rights(double si, double k, double i, int n);
/* 成本逼近法 (reserve land): acquisition cost qdf, development cost kff and taxes sf (yuan),
 * interest rate i over a development period of n years (acquisition cost accrues over n,
 * development and taxes over n/2), profit rate on the three costs, value-added rate on the cost
 * price. Returns the value in yuan. */
double inv_cost_approach(double qdf, double kff, double sf, double i, double n, double profit,
                         double added);
/* A CSV cell as a number: spaces and thousands separators (1,234.50) ignored; 0 when not. */
int inv_number(const char *cell, double *v);
/* A calendar date as YYYY-MM-DD from YYYY-MM-DD, YYYY/M/D, YYYY.MM.DD or YYYYMMDD, with any
 * time of day after it (as Excel and OGR write dates); 0 when it is not a real date. */
int inv_date_norm(const char *s, char out[11]);
/* Years between two dates (any form inv_date_norm takes; days / 365.2425); NAN when malformed. */
double inv_years_between(const char *from, const char *to);
/* 容积率修正 K by linear interpolation in the (TDYT, JB) rows, clamped at the ends; 1 when the
 * table has no row for them. */
struct zr_csv;
double inv_far_factor(const struct zr_csv *far, const char *tdyt, int jb, double rjl);
/* A row of the summary tables: unit (level 1 county, 2 town, 3 village) × class × land class,
 * or the unit's 合计 row (class "合计", first in its unit). */
typedef struct sum_row {
    char key[96];
    int level;
    char code[13], cls[16], dlbm[6];
    int64_t count, area, value; /* 0.01 m², 0.01 yuan */
} sum_row;
typedef struct inv_summary inv_summary;
zr_status inv_summary_new(inv_summary **out);
/* ZR_ERR_LIMIT when a sum would not fit in 64 bits. */
zr_status inv_summary_add(inv_summary *s, const inv_parcel *p);
/* The rows sorted (合计 first in each unit); no adds after this. Owned by s. */
sum_row *inv_summary_rows(inv_summary *s, size_t *n);
void inv_summary_free(inv_summary *s);
zr_status inv_write_summary_csv(const char *path, const sum_row *r, size_t n);
/* The XLSX in 公顷 / 万元: da, dv the display values inv_balance gives. */
zr_status inv_write_summary_xlsx(const char *path, const sum_row *r, size_t n, const int64_t *da,
                                 const int64_t *dv);
/* Display values in 0.01 公顷 and 0.01 万元 with forced balancing (强制调平), top-down. */
zr_status inv_balance(sum_row *r, size_t n, int64_t *disp_area, int64_t *disp_value);
#endif
