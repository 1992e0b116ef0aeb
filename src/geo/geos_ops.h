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
#endif
