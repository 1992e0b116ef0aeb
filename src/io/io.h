/* Reading vector files through GDAL/OGR, text encodings of shapefiles, the CRS classifier and
 * compressed data files. The only folder that includes gdal.h / ogr_api.h / zlib.h. */
#ifndef ZR_IO_H
#define ZR_IO_H
#include <stddef.h>
#include <stdio.h>
#include "core/buf.h"
#include "core/feature.h"
#include "zrzy.h"

typedef struct zr_ogr zr_ogr;

/* Open a layer of a GDAL vector source. layer NULL: "DLTB" (case-insensitive), else the only
 * polygon layer. err receives a message naming the file and layer on failure. */
zr_status zr_ogr_open(const char *path, const char *layer, zr_ogr **out, char *err, size_t n);
void zr_ogr_close(zr_ogr *o);
const char *zr_ogr_driver(const zr_ogr *o);
const char *zr_ogr_layer(const zr_ogr *o);
const char *zr_ogr_encoding(const zr_ogr *o); /* "UTF-8", "GBK", … as decided */
int zr_ogr_nfields(const zr_ogr *o);
const char *zr_ogr_field(const zr_ogr *o, int i);
/* Classify the layer's CRS; ZR_ERR_CRS with a reason when unsupported or absent. */
/* The layer's extent {minx, maxx, miny, maxy} (the format's header where it has one, else a
 * scan); ZR_ERR_NOT_FOUND when the layer is empty or has none. */
zr_status zr_ogr_extent(zr_ogr *o, double env[4]);
zr_status zr_ogr_crs(zr_ogr *o, zr_crs *crs, char *err, size_t n);
/* Up to max features into b (reset first): geometries as ISO WKB, strings as UTF-8. */
zr_status zr_ogr_next(zr_ogr *o, zr_batch *b, size_t max, size_t *n_read, char *err, size_t n);

/* Classify a WKT CRS definition (WKT1 or WKT2, ESRI or OGC flavour) as one of zrzy's CRSs:
 * CGCS2000 geographic, or a 3-degree Gauss-Krüger zone with or without the zone prefix. */
zr_status zr_crs_classify_wkt(const char *wkt, zr_crs *crs, char *why, size_t n);

/* Decide the text encoding of a shapefile's DBF: the .cpg file, else the DBF language id,
 * else UTF-8 when every byte sequence is valid UTF-8, else GBK. Writes an iconv name. */
zr_status zr_shp_encoding(const char *shp_path, char *enc, size_t n);

/* Read a whole (optionally gzip-compressed) file into *data (malloc'd, NUL-terminated). */
zr_status zr_read_file(const char *path, char **data, size_t *len);
/* The data directory: $ZRZY_DATA, else the source tree's data/ (compiled in). */
const char *zr_data_dir(void);

/* A CSV table, all text: cells[r * ncols + c]; row 0 is the header, data rows 1..nrows. */
typedef struct zr_csv {
    char *text; /* owned: the file, split in place */
    const char **cells;
    size_t ncols, nrows;
} zr_csv;
/* Read path (UTF-8 or GBK, BOM, CRLF, quotes). err names the file and line on failure. */
zr_status zr_csv_read(const char *path, zr_csv *t, char *err, size_t n);
/* The same from memory: raw[0..len) (malloc'd, NUL at raw[len]; taken, also on failure) is
 * the table; path only names it in messages. */
zr_status zr_csv_parse(const char *path, char *raw, size_t len, zr_csv *t, char *err, size_t n);
/* Column index of a header name (case-insensitive), -1 when absent. */
/* The column whose header is names, or one of its alternatives "KQBH|矿区编号" (ASCII
 * case-insensitive, spaces around a header ignored); -1 when none. */
int zr_csv_col(const zr_csv *t, const char *names);
static inline const char *zr_csv_cell(const zr_csv *t, size_t row, int col) {
    return t->cells[(row + 1) * t->ncols + (size_t)col];
}
void zr_csv_free(zr_csv *t);
/* Write one CSV field, quoted (quotes doubled) when it holds a comma, quote or line end. */
void zr_csv_write_field(FILE *f, const char *s);

/* Load the shipped division list (data/division/PP.tsv.gz, one file per province): the
 * province whose 2-digit code is province, or every province when it is NULL. */
struct zr_divisions;
zr_status zr_divisions_load(struct zr_divisions *out, const char *province, char *err, size_t n);

/* The division list as lookups ask for it: a province is read on its first code. Safe to use
 * from several threads. */
typedef struct zr_division_cache zr_division_cache;
/* ZR_ERR_NOT_FOUND when the list is not installed, ZR_ERR_NOMEM when memory ran out. */
zr_status zr_division_cache_new(zr_division_cache **out);
/* The same as a pointer: NULL when not installed — and when memory ran out, which a caller that
 * then skips the division checks cannot tell: use zr_division_cache_new. */
zr_division_cache *zr_division_cache_open(void);
/* 1 when the 12-digit code is in the list, 0 when not, -1 when its province's file is
 * unreadable, -2 when memory ran out reading it (the caller then cannot tell). */
int zr_division_cache_has(zr_division_cache *c, const char *code12);
void zr_division_cache_close(zr_division_cache *c);
#endif
