/* One parcel of the check: its attributes, its geometry and what can be said of it alone. The
 * leaf of the qc module: it depends on core and geo only, and every other qc file may use it. */
#ifndef ZR_QC_PARCEL_H
#define ZR_QC_PARCEL_H
#include <stdint.h>
#include "core/buf.h"
#include "core/feature.h"
#include "geo/geo.h"

/* A parcel larger than this (vertices, polygon parts) is a G01 finding and takes no part in the
 * topology: the work on each parcel stays bounded whatever one hostile geometry holds. */
#define QC_MAX_PARCEL_POINTS 262144
#define QC_MAX_PARCEL_PARTS  16384

/* One parcel in memory. Strings are owned by the qc_data string pool. */
typedef struct qc_parcel {
    const char *bsm, *dlbm, *dlmc, *qsxz, *zldwdm, *qsdwdm, *kcdlbm, *gdlx, *gdpdjb, *czcsxm;
    int has_tbmj, has_kcmj, has_tbdlmj, has_kcxs, has_xzdwkd;
    int64_t tbmj, kcmj, tbdlmj; /* stated, 0.01 m² */
    int64_t kcxs;               /* 1e-4 */
    double xzdwkd;
    int64_t fid;
    uint64_t pt0; /* the number of its first vertex: vertices are numbered in layer order (held
                     mode) or tile order (tiled mode), so edge tables refer to points by number */
    zr_poly poly; /* arrays in the qc_data arena */
    double env[4];
    int64_t area;           /* official area, 0.01 m² (-1: not computable) */
    int valid;              /* G01 passed */
    const char *geom_error; /* the geometry could not be read (missing, empty, not a polygon):
                               a G01 finding; the parcel has no coordinates */
} qc_parcel;

/* A feature's geometry into parcel p, in arena a: its coordinates and envelope, or — when it
 * cannot be read (missing, empty, not a polygon) — the reason in p->geom_error, which G01
 * reports. scratch is the caller's, reused from feature to feature. Fails on memory only. */
zr_status qc_parcel_geometry(zr_arena *a, int is_gpkg, const zr_feature *f, zr_poly *scratch,
                             qc_parcel *p);

/* The ellipsoidal area of p (m²; NaN for non-finite coordinates). ZR_ERR_NOMEM when the scratch
 * cannot be had — which zr_poly_area alone would also answer with NaN. */
zr_status qc_poly_area(const zr_poly *p, const zr_crs *crs, zr_buf *scratch, double *area);

/* A point of the parcel where its findings are drawn: its envelope's centre when inside it,
 * else its first vertex; (0, 0) without coordinates. */
void qc_parcel_point(const qc_parcel *p, double *x, double *y);
#endif
