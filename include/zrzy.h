/* zrzy — natural-resource registry and inventory. The public interface.
 *
 * Every fallible call returns a zr_status and writes results through out-parameters; on failure
 * the out-parameters are left untouched. Engines share one contract (docs/architecture.md):
 *   zr_status zr_X_run(const zr_X_opts *, zr_X_result *, zr_error *);
 * with a zr_control in the options for progress and cancellation. */
#ifndef ZRZY_H
#define ZRZY_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdatomic.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ZRZY_VERSION "0.1.0"

/* Result of every fallible zr_* call. Values are stable: never renumber. */
typedef enum zr_status {
    ZR_OK = 0,
    ZR_ERR_NOMEM = 1,        /* an allocation failed */
    ZR_ERR_ARG = 2,          /* caller passed an invalid argument */
    ZR_ERR_GEOM_INVALID = 3, /* input geometry unreadable or of the wrong type */
    ZR_ERR_GEOS = 4,         /* GEOS raised an exception */
    ZR_ERR_DB = 5,           /* SQLite error */
    ZR_ERR_DB_BUSY = 6,      /* SQLITE_BUSY/LOCKED after the busy timeout */
    ZR_ERR_CONSTRAINT = 7,   /* UNIQUE/FK/CHECK violated */
    ZR_ERR_NOT_FOUND = 8,    /* file, layer or field not found */
    ZR_ERR_IO = 9,           /* reading or writing a file failed */
    ZR_ERR_IMPORT = 10,      /* the source is structurally unusable */
    ZR_ERR_LIMIT = 11,       /* a size or count limit was exceeded */
    ZR_ERR_CRS = 12,         /* unknown or unsupported coordinate reference system */
    ZR_ERR_SCHEMA = 13,      /* a required field is missing or has the wrong type */
    ZR_ERR_CONTENT = 14,     /* a content defect refused under --strict */
    ZR_ERR_CANCELLED = 15,   /* the caller's cancellation flag was raised */
    ZR_STATUS_END            /* sentinel: one past the last status */
} zr_status;

/* Static text for a status; never NULL, never to be freed. */
const char *zr_status_str(zr_status s);

/* ---- The engine contract -------------------------------------------------------------------- */

/* Why a call failed: its status and one line naming file, layer, feature (BSM) and field where
 * they apply. Written only on failure; status is ZR_OK and message empty after success. */
typedef struct zr_error {
    zr_status status;
    char message[2048];
} zr_error;

/* Progress: phase is a static lower-case word ("read", "rules", "topology", "outputs", …);
 * done and total count the phase's units (total 0 when unknown). Called only on the thread
 * that called zr_X_run, never concurrently with itself for one run. */
typedef void (*zr_progress_fn)(void *user, const char *phase, int64_t done, int64_t total);

/* Progress and cancellation for one run; all fields may be zero. An engine polls *cancel
 * between batches (at least every 100 ms of work) and, once it is non-zero, stops with
 * ZR_ERR_CANCELLED, removing everything it had staged: no output appears. */
typedef struct zr_control {
    zr_progress_fn progress;
    void *user;
#ifdef __cplusplus
    const volatile int *cancel;
#else
    const atomic_int *cancel;
#endif
} zr_control;

/* ---- Ellipsoidal area (国土调查 formula, CGCS2000) --------------------------------------- */

/* Area in m² of the ellipsoidal trapezoid between latitudes b1, b2 and a longitude span dl
 * (all radians), by the series formula of 国土调查办发〔2008〕32号 with CGCS2000 constants. */
double zr_area_trapezoid(double b1, double b2, double dl);

/* Signed area (m², counter-clockwise positive) of one ring given as n (lon, lat) pairs in
 * degrees; the ring may be open or closed. */
double zr_area_ring_lonlat(const double *lonlat, size_t n);

/* Inverse 3-degree Gauss-Krüger (CGCS2000, k0 = 1, false easting 500 000 m after any zone
 * prefix is removed) of easting x, northing y around central meridian lon0 (degrees).
 * Writes longitude and latitude in degrees. Krüger series to n^6: well under 1 mm. */
void zr_gk_inverse(double lon0, double x, double y, double *lon, double *lat);
/* Forward projection, the inverse of zr_gk_inverse. */
void zr_gk_forward(double lon0, double lon, double lat, double *x, double *y);

/* Round half-up (away from zero) to 0.01, returned as an integer count of hundredths. */
int64_t zr_round_cents(double v);

/* ---- Coordinate reference systems --------------------------------------------------------- */

/* The CRSs zrzy stores survey data in. */
typedef struct zr_crs {
    int epsg;     /* 4490; 4513–4554 (3-degree zones); 4491–4512 (6-degree zones) */
    int zone;     /* zone number: 3-degree 25–45, 6-degree 13–23; 0 for geographic */
    int width;    /* zone width in degrees, 3 or 6; 0 for geographic */
    int prefixed; /* 1 when eastings carry the zone number × 1e6 */
    double lon0;  /* central meridian, degrees; 0 for geographic */
} zr_crs;

/* Fill crs from an EPSG code; ZR_ERR_CRS when zrzy does not support it. */
zr_status zr_crs_from_epsg(int epsg, zr_crs *crs);

/* ---- Import ------------------------------------------------------------------------------- */

typedef struct zr_import_opts {
    const char *store;       /* GeoPackage path; created when absent */
    const char *source;      /* GeoPackage, Shapefile, OpenFileGDB or GeoJSON */
    const char *layer;       /* source layer; NULL: DLTB, else the only polygon layer */
    int year;                /* SJNF for parcels without one; 0: leave */
    int strict;              /* refuse content defects too */
    const char *report_path; /* CSV of stated≠computed areas; NULL: beside the store */
    int threads;             /* 0: all cores */
    zr_control ctl;
} zr_import_opts;

typedef struct zr_import_result {
    int64_t n_parcels;
    int64_t total_tbmj_cents; /* Σ TBMJ in 0.01 m² */
    int64_t n_area_diffs;     /* parcels whose stated TBMJ/KCMJ/TBDLMJ differ */
    int64_t n_xzq;            /* villages (XZQ) copied from the source, if it had them */
    double seconds;
    int epsg;
    char report_path[1024];
} zr_import_result;

/* Load opts->source into opts->store, all or nothing: on any error the store is left
 * byte-identical (or absent, when it did not exist). */
zr_status zr_import_run(const zr_import_opts *opts, zr_import_result *res, zr_error *err);

/* ---- Quality check (质检) ------------------------------------------------------------------ */

typedef struct zr_check_opts {
    const char *source;     /* a store or any importable file */
    const char *layer;      /* default DLTB */
    const char *boundary;   /* boundary layer in the same file; NULL: XZQ when present */
    const char *rules_path; /* overrides of the shipped catalogue; NULL: none */
    const char *out_dir;    /* errors.csv, errors.gpkg, report.xlsx, report.pdf */
    double allowed_rate;    /* allowed 一类错误图斑 rate, percent; default 3 */
    int threads;            /* 0: all cores */
    /* Topology by tiles of about this many parcels through the layer's R*Tree, the parcels
     * streamed and not held (bounded memory). 0: only when the layer would not fit in memory.
     * Needs a GeoPackage source. The findings are the same either way. */
    int64_t tile_parcels;
    /* Findings held in memory before they are sorted into runs on temporary files (so memory
     * stays bounded whatever their number). 0: 262,144. */
    int64_t findings_held;
    /* Parcels read and checked together (a chunk; held mode cancels edges within it). 0: 8192.
     * The findings are the same for any size. */
    int64_t chunk_rows;
    zr_control ctl;
} zr_check_opts;

typedef struct zr_check_result {
    int64_t n_parcels, n_findings;
    int64_t n_sev1;         /* severity-1 findings */
    int64_t n_sev1_parcels; /* distinct parcels with a severity-1 finding (一类错误图斑) */
    double rate;            /* n_sev1_parcels / n_parcels, percent */
    int passed;             /* rate ≤ allowed rate and no severity-1 finding outside parcels */
    double seconds;
    char version[64]; /* rule catalogue version */
    char input_sha256[65];
} zr_check_result;

/* Run the rule catalogue over a layer; writes the outputs into out_dir (created). Unusable
 * input is ZR_ERR_IMPORT / _SCHEMA / _CRS / _NOT_FOUND with the reason in err. */
zr_status zr_check_run(const zr_check_opts *o, zr_check_result *r, zr_error *err);

/* ---- Asset inventory (全民所有自然资源资产清查) ------------------------------------------- */

typedef struct zr_inventory_opts {
    const char *parcels;     /* store or file with DLTB */
    const char *layer;       /* default DLTB */
    const char *prices;      /* store or file with the price zones */
    const char *price_layer; /* default JZDJ */
    const char *price_index; /* CSV TDYT,RQ,ZS */
    const char *far;         /* optional CSV TDYT,JB,RJL,K */
    const char *rights;      /* optional store or file with layer ZD */
    const char *minerals;    /* optional CSV (docs/inventory.md) */
    const char *reserve;     /* optional CSV of reserve land (储备土地), valued by cost */
    const char *base_date;   /* default 2023-12-31 */
    const char *out_dir;
    int threads;
    int no_pdf;     /* 1: skip report.pdf */
    int batch_rows; /* parcel rows read per batch; 0: 16,384 */
    zr_control ctl;
} zr_inventory_opts;

typedef struct zr_inventory_result {
    int64_t n_parcels, n_state, n_valued, n_pieces, n_rights, n_minerals, n_reserve;
    int64_t area_cents, value_cents; /* Σ TBDLMJ, Σ VALUE of the state-owned parcels */
    double seconds;
} zr_inventory_result;

/* Value the state-owned parcels, rights and minerals; write the tables, layers and report.
 * The parcels stream (memory bounded by a batch). Every output is written as NAME.part and
 * renamed when the whole run has succeeded; on failure the .part files are removed and earlier
 * results in out_dir are left as they were. */
zr_status zr_inventory_run(const zr_inventory_opts *o, zr_inventory_result *r, zr_error *err);

/* ---- Synthetic county --------------------------------------------------------------------- */

typedef struct zr_demo_opts {
    const char *out_dir; /* writes out_dir/county.gpkg and the price tables (created) */
    int64_t parcels;     /* target parcel count; default 20 000 */
    const char *county;  /* 6-digit county code; default 371521 */
    uint64_t seed;       /* default 1 */
    double lon, lat;     /* county centre; 0: from the province table */
    double km2;          /* county area; 0: 1,000–2,000 km² by seed */
    /* The county's shape; every zero keeps the eastern default, so a default county is the same
     * bytes as before these options existed (docs/cli.md, decision 0013). */
    int vertices;       /* vertices of a parcel's ring, 4 + 4k (rounded); 0: 32 */
    int price_zones;    /* JZDJ zones tiled over the county, split among the uses; 0: four
                         * nested levels around the county seat for each use */
    int price_uses;     /* land uses with a price system, 1–12; 0: 12 */
    double state_share; /* percent of parcels state-owned (open country turned state-owned);
                         * 0: as the land uses fall (≈12 %) */
    int villages;       /* villages used; 0: one per 40 parcels, at most the county's */
    int zone;           /* 3-degree Gauss-Krüger zone 25–45; 0: that of the centre's longitude */
    double offset;      /* when non-zero, the centre's longitude is the zone's central meridian
                         * + offset degrees (|offset| ≤ 3) */
    zr_control ctl;     /* polled once per grid row, per village and per price zone */
} zr_demo_opts;

typedef struct zr_demo_result {
    int64_t n_parcels, n_villages;
    int64_t n_state;       /* state-owned parcels (QSXZ 10, 20) */
    int64_t n_price_zones; /* JZDJ features */
    int epsg;
    char path[1024];
} zr_demo_result;

/* Write a deterministic synthetic county into opts->out_dir (created when absent): the files
 * are written into a stage inside out_dir and renamed into place when all are complete; other
 * files in out_dir are left alone. On failure or cancellation nothing in out_dir changes. */
zr_status zr_demo_generate(const zr_demo_opts *opts, zr_demo_result *res, zr_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ZRZY_H */
