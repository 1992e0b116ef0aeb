/* Geometry core: polygons as coordinate arrays, WKB and GeoPackage blobs, ellipsoidal area,
 * Gauss-Krüger, CRS lookup. The only folder that includes geos_c.h and proj.h. */
#ifndef ZR_GEO_H
#define ZR_GEO_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "zrzy.h"

#define ZR_CGCS2000_A  6378137.0
#define ZR_CGCS2000_RF 298.257222101

static inline void sincos_(double x, double *s, double *c) {
    *s = sin(x);
    *c = cos(x);
}

/* A polygon or multipolygon: rings of (x, y) pairs. Polygon p owns rings
 * [poly_start[p], poly_start[p+1]); its first ring is the shell. Ring r owns points
 * [ring_start[r], ring_start[r+1]). All arrays owned; reuse one zr_poly across features. */
/* No CRS zrzy supports has a coordinate beyond this (prefixed Gauss-Krüger eastings stay
 * below 4.6e7 m, northings below 1e7 m): a larger one is a defect, like NaN or Inf. */
#define ZR_COORD_MAX 1e9

typedef struct zr_poly {
    double *xy;
    size_t n_pts, cap_pts;
    uint32_t *ring_start;
    size_t n_rings, cap_rings;
    uint32_t *poly_start;
    size_t n_polys, cap_polys;
    int nonfinite; /* 1 when a coordinate is NaN, ±Inf or beyond ±ZR_COORD_MAX */
    int fixed_xy;  /* xy is the caller's memory of cap_pts doubles: never reallocated or freed
                      (more points are ZR_ERR_LIMIT) */
} zr_poly;

void zr_poly_clear(zr_poly *p);
void zr_poly_free(zr_poly *p);
zr_status zr_poly_add_point(zr_poly *p, double x, double y);
zr_status zr_poly_begin_ring(zr_poly *p);
zr_status zr_poly_begin_polygon(zr_poly *p);
/* Close the bookkeeping after the last ring (called by the parsers). */
zr_status zr_poly_finish(zr_poly *p);
static inline size_t zr_poly_ring_len(const zr_poly *p, size_t r) {
    return p->ring_start[r + 1] - p->ring_start[r];
}

/* Parse ISO/OGC WKB (either byte order; 2D, Z, M, ZM; Polygon or MultiPolygon) into p.
 * ZR_ERR_GEOM_INVALID with a reason in why[0..whylen) otherwise. */
zr_status zr_wkb_to_poly(const unsigned char *wkb, size_t n, zr_poly *p, char *why, size_t whylen);
/* The header of a GeoPackage geometry blob (GeoPackage 1.3 §2.1.3): "GP", version, flags, srs_id,
 * the optional envelope, then the WKB at wkb_off. */
typedef struct zr_gpkg_header {
    int32_t srs_id;
    int empty;      /* the empty-geometry flag */
    int env_kind;   /* 0 none, 1 xy, 2 xyz, 3 xym, 4 xyzm */
    double env[4];  /* minx, maxx, miny, maxy when env_kind > 0 */
    size_t wkb_off; /* where the WKB starts (≤ the blob's length) */
} zr_gpkg_header;
/* The one parser of that header (every reader of blobs uses it). ZR_ERR_GEOM_INVALID with a
 * reason in why[0..whylen) (why may be NULL) for a blob that is not one, is truncated, or uses
 * the extended-type flag; h is written only on success. */
zr_status zr_gpkg_header_parse(const unsigned char *blob, size_t n, zr_gpkg_header *h, char *why,
                               size_t whylen);
/* A blob's envelope {minx, maxx, miny, maxy}: from its header, or for a point blob without one
 * from the point itself. 0 when it has none (empty, or no envelope and not a point). */
int zr_gpkg_blob_envelope(const unsigned char *blob, size_t n, double env[4]);
/* Parse a GeoPackage geometry blob (header + WKB). *empty is set for the empty flag. */
zr_status zr_gpkg_blob_to_poly(const unsigned char *blob, size_t n, zr_poly *p, int *empty,
                               char *why, size_t whylen);
/* A feature's geometry (GeoPackage blob when is_gpkg, else WKB; NULL when absent) into p;
 * missing and empty geometries are ZR_ERR_GEOM_INVALID with a reason. */
zr_status zr_geom_to_poly(int is_gpkg, const unsigned char *g, size_t n, zr_poly *p, char *why,
                          size_t whylen);
/* Append p as a GeoPackage blob (little-endian, xy envelope, 2D MultiPolygon) to out. */
zr_status zr_poly_to_gpkg_blob(const zr_poly *p, int32_t srs_id, zr_buf *out);
/* 1 when blob[0..n) is byte for byte what zr_poly_to_gpkg_blob(p, srs_id) would append (so a
 * GeoPackage source's blob can be stored as it is, without writing it again). */
int zr_poly_gpkg_blob_same(const zr_poly *p, int32_t srs_id, const unsigned char *blob, size_t n);
/* Append p as little-endian 2D MultiPolygon WKB. */
zr_status zr_poly_to_wkb(const zr_poly *p, zr_buf *out);
void zr_poly_envelope(const zr_poly *p, double env[4]); /* minx, maxx, miny, maxy */

/* 1 when (x, y) is inside p (even-odd over all rings; points on an edge count as inside). */
int zr_poly_contains(const zr_poly *p, double x, double y);
/* Planar signed area of ring r (counter-clockwise positive). */
double zr_ring_planar_area(const zr_poly *p, size_t r);
/* GeoPackage blob of a point. */
zr_status zr_point_to_gpkg_blob(double x, double y, int32_t srs_id, zr_buf *out);

/* Official ellipsoidal area (m², unrounded) of p stored in crs into *area. Exterior rings minus
 * holes. scratch: caller-owned buffer reused across calls (used only for rings of more than 256
 * points). ZR_ERR_GEOM_INVALID when a coordinate is not finite, ZR_ERR_NOMEM when scratch
 * cannot grow. */
zr_status zr_poly_area_checked(const zr_poly *p, const zr_crs *crs, zr_buf *scratch, double *area);
/* The same as a value: NAN when zr_poly_area_checked fails — for a coordinate that is not
 * finite, and also when memory ran out (rings of more than 256 points): callers that must tell
 * the two apart use zr_poly_area_checked. */
double zr_poly_area(const zr_poly *p, const zr_crs *crs, zr_buf *scratch);

/* The official areas of one DLTB parcel (DESIGN §4.1), in 0.01 m²: out[0] TBMJ, p's ellipsoidal
 * area rounded half-up; out[1] KCMJ = round(TBMJ × KCXS, 2) with KCXS given as kcxs4 (KCXS ×
 * 10⁴, as zr_double_scaled(KCXS, 4) reads it); out[2] TBDLMJ = TBMJ − KCMJ. ZR_ERR_GEOM_INVALID
 * when the area is not computable (a coordinate not finite), ZR_ERR_NOMEM when scratch cannot
 * grow; out untouched then. */
zr_status zr_parcel_areas(const zr_poly *p, const zr_crs *crs, int64_t kcxs4, zr_buf *scratch,
                          int64_t out[3]);

/* Internal: radians-based pieces (gk.c, area.c). */
void geo_gk_init(void);
void geo_area_init(void);
void geo_gk_inverse_rad(double x_fe, double y, double *dlon, double *lat);
double geo_ring_area_rad(const double *lon, const double *lat, size_t n);
/* The same for a ring given as longitudes and latitude offsets from the φ0 of a local
 * expansion, with the coefficients geo_area_local_coeffs derives from sin φ0, cos φ0. */
void geo_area_local_coeffs(double s0, double c0, double p1[5], double p3[3]);
double geo_ring_area_local(const double *lon, const double *dlat, size_t n, const double p1[5],
                           const double p3[3]);

/* The inverse projection as Taylor polynomials around one reference point (gk.c): exact to the
 * last bit of a double for points within GEO_GK_LOCAL_MAX_R × A (≈ 1.9 km) of it. */
#define GEO_GK_LOCAL_MAX_R 3e-4
typedef struct geo_gk_local {
    double x0, y0, inv_a; /* reference (easting − false easting, northing), 1 / A */
    double ar[4], ai[4];  /* Taylor coefficients of ψ + iλ in Δζ, degrees 1..4 */
    double b[4];          /* Taylor coefficients of φ in Δψ, degrees 1..4 */
    double lam0, phi0;    /* the reference point's Δλ and φ */
    double p1[5], p3[3];  /* the area bracket's expansion around φ0 (area.c) */
} geo_gk_local;
void geo_gk_local_init(geo_gk_local *L, double x_fe0, double y0);
/* Radians (Δλ from the central meridian, φ − φ0) of n points (x, y) with false easting fe.
 * 0 when a point lies beyond the expansion's reach: then the values are not exact and the
 * caller takes the full series. */
int geo_gk_local_ring(const geo_gk_local *L, const double *xy, size_t n, double fe, double *lon,
                      double *dlat);

/* WKT (OGC WKT 1, as GeoPackage's gpkg_spatial_ref_sys wants) of a supported EPSG code,
 * written from its parameters — the same bytes as PROJ's database gives (test_geo). Caller
 * frees *out. */
zr_status zr_crs_wkt(int epsg, char **out);
/* Human-readable CRS name ("CGCS2000 / 3-degree Gauss-Kruger zone 39"). Static text. */
const char *zr_crs_name(const zr_crs *crs, char *buf, size_t n);
#endif
