/* A vector source for every engine: a GeoPackage read directly through the store (the fast
 * path), or any other format through GDAL/OGR. */
#ifndef ZR_SOURCE_H
#define ZR_SOURCE_H
#include "core/feature.h"
#include "io/io.h"
#include "store/store.h"

typedef struct zr_source {
    zr_store *gpkg; /* fast path */
    zr_reader *rd;
    zr_ogr *ogr; /* every other format */
    char path[1024], layer[256], driver[64], encoding[32];
    zr_crs crs;
    zr_batch *each; /* zr_source_each's batch for OGR sources */
} zr_source;

/* Open layer (NULL: default choice) of path; err names file and layer on failure. */
zr_status zr_source_open(zr_source *s, const char *path, const char *layer, char *err, size_t n);
/* Open the layer of that name; a shapefile (one layer, named after its file) is taken whatever
 * its name when the caller asked for a default name (named = 0). */
zr_status zr_source_open_default(zr_source *s, const char *path, const char *layer, int named,
                                 char *err, size_t n);
/* The same, reading only the named fields (NULL-terminated list) where the format allows. */
zr_status zr_source_open_cols(zr_source *s, const char *path, const char *layer,
                              const char *const *want, char *err, size_t n);
int zr_source_nfields(const zr_source *s);
const char *zr_source_field(const zr_source *s, int i);
/* The index of field name (ASCII case-insensitive), -1 when the layer has none. */
int zr_source_col(const zr_source *s, const char *name);
/* The layer's CRS, classified; ZR_ERR_CRS with a reason. */
zr_status zr_source_crs(zr_source *s, char *err, size_t n);
/* The GeoPackage behind a source (NULL for OGR sources), for queries of its own. */
zr_store *zr_source_store(zr_source *s);
/* The layer's extent {minx, maxx, miny, maxy}; ZR_ERR_NOT_FOUND when unknown. */
zr_status zr_source_extent(zr_source *s, double env[4]);
zr_status zr_source_next(zr_source *s, zr_batch *b, size_t max, size_t *n_read, char *err,
                         size_t n);
/* The next features (at most max) handed to fn one at a time: from a GeoPackage without a
 * copy (valid only during the call), from GDAL through a batch. */
zr_status zr_source_each(zr_source *s, size_t max, zr_row_fn fn, void *ctx, size_t *n_read,
                         char *err, size_t n);
void zr_source_close(zr_source *s);
/* Start a new GeoPackage of results at path (any old file replaced): open, begin a transaction
 * and register crs. The caller creates layers, commits and closes. */
zr_status zr_output_gpkg_begin(const char *path, const zr_crs *crs, zr_store **out);

/* 1 when path is a SQLite/GeoPackage file (by its header bytes). */
int zr_is_gpkg(const char *path);
#endif
