/* Operations through GEOS. One zr_geos per thread. */
#ifndef ZR_GEO_GEOS_OPS_H
#define ZR_GEO_GEOS_OPS_H
#include "geo/geo.h"

typedef struct zr_geos zr_geos;
zr_status zr_geos_open(zr_geos **out);
void zr_geos_close(zr_geos *g);
const char *zr_geos_errmsg(const zr_geos *g);
/* Union of polygons that form a coverage (shared edges, no overlaps), into out. */
zr_status zr_geos_coverage_union(zr_geos *g, const zr_poly *const *parts, size_t n, zr_poly *out);
/* OGC validity of p; why receives GEOS's reason when invalid. */
zr_status zr_geos_is_valid(zr_geos *g, const zr_poly *p, int *valid, char *why, size_t n);
/* Union of polygons: coverage union, falling back to the general union when they overlap. */
zr_status zr_geos_union(zr_geos *g, const zr_poly *const *parts, size_t n, zr_poly *out);
/* Polygonal part of a − b, a ∩ b. */
zr_status zr_geos_difference(zr_geos *g, const zr_poly *a, const zr_poly *b, zr_poly *out);
zr_status zr_geos_intersection(zr_geos *g, const zr_poly *a, const zr_poly *b, zr_poly *out);
/* Faces of the arrangement of n segments (x1 y1 x2 y2 each): noded, then polygonized.
 * *faces: malloc'd array of n_faces polygons; free each with zr_poly_free, then free(). */
zr_status zr_geos_faces(zr_geos *g, const double *seg, size_t n, zr_poly **faces, size_t *n_faces);
/* A point guaranteed inside p. */
zr_status zr_geos_interior_point(zr_geos *g, const zr_poly *p, double *x, double *y);
#endif
