/* Internals of the quality-check engine (质检). */
#ifndef ZR_QC_INT_H
#define ZR_QC_INT_H
#include <pthread.h>
#include <stdint.h>
#include "codes/division.h"
#include "core/buf.h"
#include "geo/geo.h"
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

/* One parcel in memory. Strings are owned by the qc_data string pool. */
typedef struct qc_parcel {
    const char *bsm, *dlbm, *dlmc, *qsxz, *zldwdm, *qsdwdm, *kcdlbm, *gdlx, *gdpdjb, *czcsxm;
    int has_tbmj, has_kcmj, has_tbdlmj, has_kcxs, has_xzdwkd;
    int64_t tbmj, kcmj, tbdlmj; /* stated, 0.01 m² */
    int64_t kcxs;               /* 1e-4 */
    double xzdwkd;
    int64_t fid;
    zr_poly poly; /* arrays in the qc_data arena */
    double env[4];
    int64_t area; /* official area, 0.01 m² (-1: not computable) */
    int valid;    /* G01 passed */
} qc_parcel;

typedef struct qc_village {
    char code[13];
    int64_t dcmj, jsmj; /* 0.01 m²; jsmj -1 when absent */
    int has_dcmj;
} qc_village;

typedef struct qc_finding {
    int rule;
    const char *bsm, *other;
    double x, y;
    int64_t area;    /* 0.01 m², -1 when not an area finding */
    char *message;   /* owned */
    zr_poly *region; /* owned, optional: overlap/gap geometry */
} qc_finding;

typedef struct qc_data {
    const char *path, *layer;
    zr_crs crs;
    qc_parcel *p;
    size_t n;
    qc_village *v;
    size_t n_v;
    zr_poly *vpoly; /* the boundary layer's polygons (n_v of them), NULL when none */
    zr_divisions div;
    int have_div;
    struct zr_arena *arena; /* strings and the parcels' coordinates */
} qc_data;

typedef struct qc_findings {
    qc_finding *f;
    size_t n, cap;
    struct zr_arena *arena; /* copies of the findings' BSMs */
    pthread_mutex_t mu;
} qc_findings;

/* Record a finding (thread-safe). message is formatted. */
void qc_add(qc_findings *fs, int rule, const char *bsm, const char *other, double x, double y,
            int64_t area, zr_poly *region, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

zr_status qc_load(qc_data *d, const char *path, const char *layer, const char *boundary, char *err,
                  size_t n);
void qc_data_free(qc_data *d);

void qc_attribute_rules(const qc_data *d, const qc_catalogue *cat, qc_findings *fs, int threads);
void qc_geometry_rules(qc_data *d, const qc_catalogue *cat, qc_findings *fs, int threads);
zr_status qc_topology_rules(qc_data *d, const qc_catalogue *cat, qc_findings *fs, char *err,
                            size_t n);
void qc_sum_rules(const qc_data *d, const qc_catalogue *cat, qc_findings *fs);

/* A representative point of a parcel (first vertex when GEOS cannot say). */
void qc_parcel_point(const qc_parcel *p, double *x, double *y);
#endif
