/* Internals of the quality-check engine (质检). */
#ifndef ZR_QC_INT_H
#define ZR_QC_INT_H
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include "codes/division.h"
#include "core/control.h"
#include "core/buf.h"
#include "geo/geo.h"
#include "io/io.h"
#include "qc/parcel.h"
#include "zrzy.h"

enum {
    R_G01,
    R_G02,
    R_T01,
    R_T02,
    R_T03,
    R_A01,
    R_A02,
    R_A03,
    R_A04,
    R_A05,
    R_A06,
    R_A07,
    R_A08,
    R_M01,
    R_M02,
    R_M03,
    R_S01,
    R_COUNT
};
_Static_assert(R_COUNT <= ZR_CHECK_MAX_RULES, "zr_check_result.rules[] holds every rule");

typedef struct qc_rule {
    char id[8];
    char name[96];
    int severity;
    double tolerance;
    int enabled;
    char description[256];
} qc_rule;

typedef struct qc_catalogue {
    char version[64];
    qc_rule rules[R_COUNT];
} qc_catalogue;

/* Parse catalogue text (see data/qc/rules.tsv) over *cat: rows update the rules they name. */
zr_status qc_catalogue_parse(const char *text, size_t len, qc_catalogue *cat, char *err, size_t n);
zr_status qc_catalogue_load(const char *override_path, qc_catalogue *cat, char *err, size_t n);

typedef struct qc_village {
    char code[13];
    int64_t dcmj, jsmj; /* 0.01 m²; jsmj -1 when absent */
    int has_dcmj;
} qc_village;

typedef struct qc_finding {
    int rule;
    const char *bsm, *other;
    double x, y;
    int64_t area; /* 0.01 m², -1 when not an area finding */
    const char *message;
} qc_finding;

/* A04: each parcel's BSM hash and fid; duplicates are resolved after the stream. */
typedef struct qc_bsm_key {
    uint64_t h;
    int64_t fid;
} qc_bsm_key;

struct qc_sums;
struct zr_source;

typedef struct qc_data {
    const char *path, *layer;
    zr_crs crs;
    qc_parcel *p;     /* held mode: every parcel; tiled mode: the chunk being checked */
    qc_parcel *p_res; /* held mode: the reserved array the chunks fill (munmap'd at the end) */
    size_t p_res_cap, p_res_used;
    size_t n;
    int64_t n_total; /* parcels read */
    qc_village *v;
    size_t n_v;
    zr_poly *vpoly;           /* the boundary layer's polygons (n_v of them), NULL when none */
    zr_division_cache *div;   /* NULL: the list is not installed, A08 is skipped */
    struct zr_arena **arenas; /* held mode: the chunks' strings and coordinates */
    size_t n_arenas;
    struct zr_source *src; /* the parcel layer */
    int tiled;             /* 1: parcels streamed, topology by R*Tree tiles */
    int64_t tile_parcels;
    qc_bsm_key *keys;
    size_t n_keys, cap_keys;
    double valid_env[4]; /* tiled mode: the valid parcels' extent (min > max while none) */
    int64_t *invalid;    /* tiled mode: fids failing G01, sorted after the stream */
    size_t n_invalid, cap_invalid;
    struct qc_sums *sums;     /* M03 accumulators */
    struct qc_fetcher *fetch; /* parcels found again by fid or window */
    struct qc_edges *edges;   /* held mode, one a worker: the edges that survived their chunk */
    int n_edge_acc;
    int edges_direct;     /* the layer is not in spatial order: edges listed, counted at the end */
    char layer_name[256]; /* the parcel layer's table */
    int threads;
    size_t chunk_rows;     /* parcels a chunk */
    const zr_control *ctl; /* the caller's progress and cancellation (borrowed) */
} qc_data;

/* 1 once the run's caller raised its cancellation flag. */
static inline int qc_cancelled(const qc_data *d) {
    return zr_cancelled(d->ctl);
}
typedef struct qc_fetcher qc_fetcher;

/* The findings (findings.c): held in memory up to spill_at, then sorted into runs on temporary
 * files, so memory is bounded whatever their number. */
typedef struct qc_findings {
    qc_finding *f; /* held; strings in arena */
    size_t n, cap;
    struct zr_arena *arena;
    pthread_mutex_t mu;
    const qc_catalogue *cat;
    size_t spill_at;
    FILE **runs;
    size_t n_runs;
    int64_t total, count[R_COUNT];
    uint64_t *sev1; /* hashes of the parcels named by severity-1 findings */
    size_t n_sev1, cap_sev1;
    int sev1_unit; /* a severity-1 finding about a unit (M03) */
    zr_status st;  /* the first failure to record (out of memory, a run not written) */
    char why[512]; /* what failed, when a rule said (qc_findings_fail) */
} qc_findings;

zr_status qc_findings_init(qc_findings *fs, const qc_catalogue *cat, size_t spill_at);
void qc_findings_free(qc_findings *fs);
/* Record a finding (thread-safe). message is formatted. */
void qc_add(qc_findings *fs, int rule, const char *bsm, const char *other, double x, double y,
            int64_t area, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
/* A finding about parcel p, located at a point of it (computed only now). */
void qc_add_parcel(qc_findings *fs, int rule, const qc_parcel *p, int64_t area, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));
/* A rule could not decide (out of memory, an unreadable code list): the run fails with s and
 * the message, the first such failure kept (thread-safe). */
void qc_findings_fail(qc_findings *fs, zr_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* errors.csv order: rule, BSM, other BSM, x, y, message. */
int qc_finding_cmp(const qc_finding *a, const qc_finding *b);
/* Every finding in that order (once recording is over); fn's failure stops the walk. */
typedef zr_status (*qc_finding_fn)(void *ctx, const qc_finding *f);
zr_status qc_findings_each(qc_findings *fs, qc_finding_fn fn, void *ctx);
/* Distinct parcels named by severity-1 findings (by 64-bit name hash). */
int64_t qc_findings_sev1_parcels(qc_findings *fs);

/* Open the parcel layer and load the boundary layer and the division list; choose held or tiled
 * mode (tile_parcels, or memory). The parcels are not read yet. d is cleared but for d->ctl. */
zr_status qc_open(qc_data *d, const char *path, const char *layer, const char *boundary,
                  int64_t tile_parcels, char *err, size_t n);
/* Read every parcel in chunks (a reader thread parses the next while the rules run on this one)
 * and run the per-parcel rules (G01, G02, A01–A08, M01, M02, S01), the M03 sums and the A04
 * keys. Held mode keeps the parcels in d->p for the topology. */
zr_status qc_stream(qc_data *d, const qc_catalogue *cat, qc_findings *fs, int threads, char *err,
                    size_t n);
void qc_data_free(qc_data *d);

/* 1 when the closed ring v[0..n) (x, y pairs, last = first) is certainly simple: no
 * self-intersection or touch, no spike, no repeated point. 0: not certain (GEOS decides). */
int qc_ring_surely_simple(const double *v, size_t n);

/* The parcel layer's fields the check reads (NULL-terminated), in the stream's order. */
extern const char *const qc_parcel_fields[];

/* A04: empty BSMs of the chunk now; duplicates at the end (qc_bsm_finish). */
zr_status qc_bsm_add(qc_data *d, const qc_catalogue *cat, qc_findings *fs);
zr_status qc_bsm_finish(qc_data *d, const qc_catalogue *cat, qc_findings *fs);
/* The parcel with this fid, read back (tiled mode) or found (held mode); its strings and
 * coordinates live until qc_fetch_reset. NULL when absent. */
const qc_parcel *qc_fetch(qc_data *d, int64_t fid);
void qc_fetch_reset(qc_data *d);
void qc_fetch_free(qc_data *d);
/* Tiled mode: a connection of its own on the layer (one per thread). qc_win_read gives the
 * parcels whose R*Tree envelope meets env, in fid order, parsed into arena a (BSM, geometry,
 * envelope, validity); *out is malloc'd. */
struct zr_arena;
typedef struct qc_win qc_win;
zr_status qc_win_open(const qc_data *d, qc_win **out);
zr_status qc_win_read(qc_win *w, const qc_data *d, const double env[4], struct zr_arena *a,
                      qc_parcel **out, size_t *n);
void qc_win_close(qc_win *w);
/* The same into the fetch cache (valid until qc_fetch_reset); up to max pointers. */
zr_status qc_window_cached(qc_data *d, const double env[4], const qc_parcel **out, size_t max,
                           size_t *n);
/* 1 when fid failed G01 (tiled mode). */
int qc_is_invalid(const qc_data *d, int64_t fid);
zr_status qc_topology_rules(qc_data *d, const qc_catalogue *cat, qc_findings *fs, char *err,
                            size_t n);

/* M03: accumulate the chunk's parcels; the findings at the end. */
zr_status qc_sums_begin(qc_data *d);
void qc_sums_add(qc_data *d);
void qc_sums_finish(qc_data *d, const qc_catalogue *cat, qc_findings *fs);
void qc_sums_free(qc_data *d);

/* Held mode's edges, chunk by chunk (topo.c): size the workers' tables for the chunk in
 * d->p[0..d->n); count the valid parcels of [b, e) into worker w's table (after G01); keep
 * what did not cancel and empty the tables. */
typedef struct qc_edges qc_edges;
zr_status qc_edges_prepare(qc_data *d, int workers);
void qc_edges_range(qc_data *d, size_t b, size_t e, int w);
zr_status qc_edges_flush(qc_data *d);
void qc_edges_free(qc_data *d);
#endif
