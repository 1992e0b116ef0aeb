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

/* ---- Process configuration -----------------------------------------------------------------
 * Set once at start-up, before the first run (as sqlite3_config is): the library itself reads
 * no environment. The zrzy command sets them from ZRZY_DATA and ZRZY_GDAL (docs/cli.md). */

/* The data folder (rule catalogue, division list). NULL: the folder zrzy was built with.
 * ZR_ERR_ARG when the path is too long. */
zr_status zr_config_data_dir(const char *dir);
/* The GDAL library to load (a soname or a path) for sources that are not GeoPackages. NULL: the
 * soname zrzy was built against. Has no effect once GDAL has been loaded. */
zr_status zr_config_gdal(const char *library);

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

/* Round half-up (away from zero) to 0.01, returned as an integer count of hundredths; INT64_MIN
 * (never a plausible amount) when v is NaN, ±Inf or beyond ±2^62 hundredths. */
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
    int allow_empty;         /* accept a parcel layer without features (else ZR_ERR_CONTENT) */
    const char *report_path; /* CSV of stated≠computed areas; NULL: beside the store */
    int threads;             /* 0: all cores */
    zr_control ctl;          /* phases: open, read, index, villages, report, commit */
} zr_import_opts;

typedef struct zr_import_result {
    int64_t n_parcels;
    int64_t total_tbmj_cents; /* Σ TBMJ in 0.01 m² */
    int64_t n_area_diffs;     /* parcels whose stated TBMJ/KCMJ/TBDLMJ differ */
    int64_t n_text_repaired;  /* text values not valid UTF-8, stored with U+FFFD (report) */
    int64_t n_xzq;            /* villages (XZQ) copied from the source, if it had them */
    double seconds;
    int epsg;
    char report_path[1024];
} zr_import_result;

/* Load opts->source into opts->store, all or nothing: on any error or cancellation the store
 * and the report are left byte-identical (or absent, when they did not exist), and no
 * temporary file remains. A new store is built under a temporary name and renamed into place;
 * the report is in place before the store's commit and put back if the commit fails. */
zr_status zr_import_run(const zr_import_opts *opts, zr_import_result *res, zr_error *err);

/* ---- Quality check (质检) ------------------------------------------------------------------ */

/* One finding, as one row of errors.csv. Every pointer is borrowed: valid only during the
 * call that hands the finding over. */
typedef struct zr_check_finding {
    const char *rule;      /* "G01", "T01", … (the catalogue's id) */
    int severity;          /* 1 (一类错误), 2 or 3 */
    const char *bsm;       /* the parcel's BSM ("" when it has none); M03: the unit's code */
    const char *other_bsm; /* the other parcel (T01, T02), NULL when none */
    double x, y;           /* a point of the finding, in the layer's CRS */
    int has_area;          /* area below is meaningful */
    int64_t area;          /* 0.01 m²: overlap, gap, outside, difference, … */
    const char *message;
} zr_check_finding;

/* Receives the findings one at a time in errors.csv order (rule, BSM, other BSM, x, y,
 * message), on the thread that called zr_check_run, after every rule has run and before the
 * outputs are published. A status other than ZR_OK stops the run with that status (nothing is
 * published). If the run fails later (an output that cannot be written, a cancellation), the
 * findings received must be discarded: zr_check_run's status is what counts. */
typedef zr_status (*zr_check_finding_fn)(void *user, const zr_check_finding *f);

typedef struct zr_check_opts {
    const char *source;     /* a store or any importable file */
    const char *layer;      /* default DLTB */
    const char *boundary;   /* boundary layer in the same file; NULL: XZQ when present */
    const char *rules_path; /* overrides of the shipped catalogue; NULL: none */
    /* errors.csv, errors.gpkg, report.xlsx, report.pdf, staged and published together with
     * one rename: a failed or cancelled run leaves an earlier folder as it was. NULL (only
     * with on_finding): no files, the results only as data. */
    const char *out_dir;
    double allowed_rate; /* allowed 一类错误图斑 rate, percent; default 3 */
    int threads;         /* 0: all cores */
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
    zr_check_finding_fn on_finding; /* NULL: none; see zr_check_finding_fn */
    void *finding_user;             /* passed to on_finding */
    /* Progress phases, in order: "open" (boundary and division list), "rules" (done: parcels
     * read and checked), "duplicates" (A04 across the layer), "edges", "faces" (done: faces
     * examined, of total), "outputs" (done: findings written, of total). */
    zr_control ctl;
} zr_check_opts;

#define ZR_CHECK_MAX_RULES 32

/* One rule of the catalogue as run, with its number of findings (report.xlsx's rows). */
typedef struct zr_check_rule_summary {
    char id[8];
    char name[96];
    int severity;
    double tolerance;
    int enabled;
    int64_t findings;
} zr_check_rule_summary;

typedef struct zr_check_result {
    int64_t n_parcels, n_findings;
    int64_t n_sev1;         /* severity-1 findings */
    int64_t n_sev1_parcels; /* distinct parcels with a severity-1 finding (一类错误图斑) */
    double rate;            /* n_sev1_parcels / n_parcels, percent */
    int passed;             /* rate ≤ allowed rate and no severity-1 finding outside parcels */
    double seconds;
    char version[64]; /* rule catalogue version */
    char input_sha256[65];
    int n_rules;                                     /* entries of rules[] in use */
    zr_check_rule_summary rules[ZR_CHECK_MAX_RULES]; /* in catalogue order (G01 … S01) */
} zr_check_result;

/* Run the rule catalogue over a layer; the findings go to opts->on_finding and to the files in
 * out_dir (staged, then published with one rename), the summary to *r. Unusable input is
 * ZR_ERR_IMPORT / _SCHEMA / _CRS / _NOT_FOUND with the reason in err; a raised cancellation
 * flag ZR_ERR_CANCELLED within about 100 ms of work. On failure nothing is published and *r is
 * untouched. Runs on different sources may go on at once on threads of one process. */
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
    int batch_rows; /* parcel rows read per batch; 0: 4,096 */
    zr_control ctl;
} zr_inventory_opts;

/* One row of the summary tables (summary.csv, summary.xlsx): a unit (level 1 county 县, 2 town
 * 乡, 3 village 村) × resource class × land class, or the unit's total (cls "合计", dlbm ""),
 * which comes first in its unit and is the exact sum of the unit's other rows. */
typedef struct zr_inventory_row {
    int level;     /* 1, 2 or 3 */
    char code[13]; /* the unit: the first 6, 9 or 12 characters of ZLDWDM */
    char cls[16];  /* 农用地 建设用地 未利用地 森林 草原 湿地 其他, or 合计 */
    char dlbm[6];  /* land class; "" on 合计 rows */
    int64_t count; /* state-owned parcels */
    int64_t area_cents;  /* Σ TBDLMJ, 0.01 m² */
    int64_t value_cents; /* Σ VALUE, 0.01 yuan */
    int64_t area_disp;   /* 0.01 公顷 as summary.xlsx shows it (forced balancing) */
    int64_t value_disp;  /* 0.01 万元 as summary.xlsx shows it (forced balancing) */
} zr_inventory_row;

typedef struct zr_inventory_result {
    int64_t n_parcels, n_state, n_valued, n_pieces, n_rights, n_minerals, n_reserve;
    int64_t area_cents, value_cents; /* Σ TBDLMJ, Σ VALUE of the state-owned parcels */
    int64_t rights_equity_cents;     /* Σ SYZQYGSZ of rights.csv, 0.01 yuan */
    int64_t minerals_value_cents;    /* Σ VALUE of minerals.csv */
    int64_t reserve_value_cents;     /* Σ VALUE of reserve.csv */
    /* The summary rows in the order of summary.csv (county, towns, villages; each unit's 合计
     * first): owned by the result, freed by zr_inventory_result_free. rows[0] is the county's
     * 合计 when n_rows > 0. */
    zr_inventory_row *rows;
    size_t n_rows;
    double seconds;
} zr_inventory_result;

/* Value the state-owned parcels, rights and minerals; write the tables, layers and report.
 * The parcels stream (memory bounded by a batch). The outputs are written into a staging
 * folder beside out_dir and swapped in with one rename when the whole run has succeeded; on
 * failure or cancellation (ZR_ERR_CANCELLED, polled per parcel and between every step) the
 * stage is removed and out_dir is left exactly as it was. Progress phases, in order: "open"
 * (inputs, price zones), "parcels" (done = parcel rows read), "summary", "rights", "commit"
 * (inventory.gpkg), "minerals", "reserve", "report" (waiting for report.pdf, written on a
 * thread of its own from "summary" on; cairo's PDF cannot be interrupted), "hash" (waiting for
 * the inputs' SHA-256), "publish". On success *r holds the counts, totals and rows; release the
 * rows with zr_inventory_result_free. */
zr_status zr_inventory_run(const zr_inventory_opts *o, zr_inventory_result *r, zr_error *err);

/* Free the rows of a result (r->rows = NULL, r->n_rows = 0); r itself is the caller's. */
void zr_inventory_result_free(zr_inventory_result *r);

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

/* ---- Store maintenance: backup and verify (docs/store.md) --------------------------------- */

typedef struct zr_backup_opts {
    const char *store; /* the GeoPackage store to copy */
    const char *dest;  /* the copy: written as DEST.zrzy-tmp<pid>, renamed into place when whole */
    zr_control ctl;
} zr_backup_opts;

typedef struct zr_backup_result {
    int64_t pages, bytes;
    double seconds;
} zr_backup_result;

/* Copy a store through SQLite's online backup API: one read snapshot, so the copy is the store
 * as of one commit even while a writer works (in WAL mode the writer is not held up). The copy
 * is a single file in rollback-journal mode. Refuses dest naming the store itself. */
zr_status zr_backup_run(const zr_backup_opts *opts, zr_backup_result *res, zr_error *err);

/* One failed invariant. */
typedef struct zr_verify_finding {
    char check[24];    /* the check's name: integrity, rtree, rtree-box, area, … */
    char table[128];   /* the table concerned ("" for the whole file) */
    int64_t fid;       /* the feature, or -1 */
    char bsm[40];      /* its BSM when the table has one */
    char field[24];    /* the field compared (TBMJ, KCMJ, TBDLMJ, minx, …) or "" */
    char expected[48]; /* what the invariant gives, "" when not a comparison */
    char found[48];    /* what the store holds */
    char detail[256];  /* the rest, in words */
} zr_verify_finding;

typedef struct zr_verify_opts {
    const char *store;
    int64_t max_findings; /* findings kept in the result (all are counted); 0: 1000 */
    zr_control ctl;
} zr_verify_opts;

typedef struct zr_verify_result {
    int n_checks;                /* checks run */
    int64_t n_findings;          /* failures found (may exceed n_kept) */
    int64_t n_kept;              /* findings[0..n_kept) */
    zr_verify_finding *findings; /* owned: zr_verify_result_free */
    int64_t n_parcels;           /* DLTB parcels whose areas were checked */
    int64_t n_indexed;           /* features whose R*Tree box was checked */
} zr_verify_result;

/* Check a store: PRAGMA integrity_check, rtreecheck() on every R*Tree, every feature's R*Tree
 * box against its geometry's envelope, and every DLTB parcel's TBMJ, KCMJ and TBDLMJ against
 * what its geometry and KCXS give (DESIGN §4.1). ZR_OK when the checks ran, whatever they
 * found (n_findings); a failure only when the store cannot be read at all. */
zr_status zr_verify_run(const zr_verify_opts *opts, zr_verify_result *res, zr_error *err);
void zr_verify_result_free(zr_verify_result *res);

#ifdef __cplusplus
}
#endif
#endif /* ZRZY_H */
