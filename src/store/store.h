/* The GeoPackage store (OGC GeoPackage 1.3 over SQLite). The only folder that includes
 * sqlite3.h. Feature layers are real GPKG layers with R*Tree indexes, so QGIS and GDAL open the
 * file as it is. Errors: detail text on the handle (zr_store_errmsg). */
#ifndef ZR_STORE_H
#define ZR_STORE_H
#include <stdint.h>
#include "core/feature.h"
#include "zrzy.h"

typedef struct zr_store zr_store;

enum { ZR_STORE_READ = 0, ZR_STORE_WRITE = 1, ZR_STORE_CREATE = 2 };
/* The zrzy schema version this build writes (docs/store.md): the number of migration steps. */
#define ZR_STORE_SCHEMA 1

typedef struct zr_store_opts {
    int busy_ms;     /* how long to wait for another writer; 0: 5000 */
    const char *who; /* the command recorded in the lock file; NULL: this process's command line */
    /* A results file handed on (errors.gpkg, inventory.gpkg): a created file keeps the rollback
     * journal, so it opens from read-only media and as a single file, with no -wal or -shm. */
    int deliverable;
} zr_store_opts;

/* Open path. READ: read-only; WRITE: must exist; CREATE: created (as an empty GeoPackage)
 * when absent. A file that is not a GeoPackage/SQLite database is ZR_ERR_DB; a store written
 * by a newer zrzy schema is ZR_ERR_SCHEMA.
 * Writers (WRITE, CREATE) take the lock file PATH.zrzy-lock for their lifetime (a second writer
 * waits busy_ms, then fails with ZR_ERR_DB_BUSY naming the holder's pid, command and start
 * time), switch an existing store to WAL and migrate it to ZR_STORE_SCHEMA. A created file is
 * built with the rollback journal (it has no readers yet) and switched to WAL when closed.
 * Readers never write: no lock file, no migration, no memory mapping (a file replaced while it
 * is read fails with an error, not SIGBUS); a rollback journal left hot by a killed writer of
 * an old store is rolled back first when the file is writable.
 * *out is set even on failure (for zr_store_errmsg); close it. */
zr_status zr_store_open(const char *path, int mode, zr_store **out);
zr_status zr_store_open_ex(const char *path, int mode, const zr_store_opts *opts, zr_store **out);
void zr_store_close(zr_store *s);
const char *zr_store_errmsg(const zr_store *s);
/* 1 when zr_store_open created the file. */
int zr_store_created(const zr_store *s);
/* The zrzy schema version of the open store (0: a GeoPackage zrzy has not written to). */
int zr_store_schema(const zr_store *s);

/* BEGIN IMMEDIATE: bulk work (imports, outputs) with synchronous=NORMAL — in WAL mode a crash
 * or power loss may lose the last commits but never corrupts or half-applies one. */
zr_status zr_store_begin(zr_store *s);
/* A transaction that records legal facts (the register): synchronous=FULL, so its commit is on
 * disk when zr_store_commit returns. */
zr_status zr_store_begin_durable(zr_store *s);
zr_status zr_store_commit(zr_store *s);
void zr_store_rollback(zr_store *s);

/* Register an SRS row (organization EPSG) if missing. */
zr_status zr_store_ensure_srs(zr_store *s, int epsg, const char *name, const char *wkt);

/* Create (replacing any existing) feature layer `table` with a MULTIPOLYGON column `geom`,
 * the given fields, an R*Tree spatial index and its maintenance triggers. */
zr_status zr_store_create_layer(zr_store *s, const char *table, const zr_field_def *fields,
                                int n_fields, int srs_id, const char *description);
/* The same with another geometry type ("POINT", "MULTIPOLYGON", …). */
zr_status zr_store_create_layer_type(zr_store *s, const char *table, const char *geom_type,
                                     const zr_field_def *fields, int n_fields, int srs_id,
                                     const char *description);
/* 1 when the store has a table of that name. */
int zr_store_has_table(zr_store *s, const char *table);
/* Drop a layer and its metadata rows and index. Missing is not an error. */
zr_status zr_store_drop_layer(zr_store *s, const char *table);

/* A feature view (replacing any of that name): the rows of layer `table` that satisfy `where`
 * (a trusted SQL fragment from zrzy's own code, never user input), registered so that GDAL and
 * QGIS list it as a layer of its own. */
zr_status zr_store_create_view(zr_store *s, const char *view, const char *table, const char *where,
                               const char *description);
/* Create (replacing) a plain attribute table registered as 'attributes' in gpkg_contents. */
zr_status zr_store_create_attr_table(zr_store *s, const char *table, const zr_field_def *fields,
                                     int n_fields, const char *description);

/* ---- bulk writer ---- */
typedef struct zr_writer zr_writer;
zr_status zr_writer_open(zr_store *s, const char *table, const zr_field_def *fields, int n_fields,
                         zr_writer **out);
zr_status zr_writer_open_attr(zr_store *s, const char *table, const zr_field_def *fields,
                              int n_fields, zr_writer **out);
/* vals[0..n_fields) in the layer's field order; blob: GeoPackage geometry blob (NULL for an
 * attribute table, whose writer must be opened with zr_writer_open_attr). Rows are written in
 * groups: the strings vals point to and the blob must stay valid until the next
 * zr_writer_flush or zr_writer_close (vals itself is copied). */
zr_status zr_writer_insert(zr_writer *w, const zr_value *vals, const unsigned char *blob,
                           size_t blob_len);
/* Free without writing pending rows or the index (the caller rolls back). */
void zr_writer_abandon(zr_writer *w);
/* End a writer given the caller's status so far: close it when st is ZR_OK (returning the
 * close's status), abandon it otherwise (returning st). NULL w returns st. */
zr_status zr_writer_end(zr_writer *w, zr_status st);
/* Write the pending rows now. */
zr_status zr_writer_flush(zr_writer *w);
/* Flush, build the spatial index, update the layer's extent in gpkg_contents, free. */
zr_status zr_writer_close(zr_writer *w);

/* ---- streaming reader ---- */
typedef struct zr_reader zr_reader;
/* Open a feature layer; table NULL picks "DLTB" (case-insensitive) or the only polygon layer.
 * The reader yields every column but the primary key and geometry, as found. */
zr_status zr_reader_open(zr_store *s, const char *table, zr_reader **out);
/* The same, yielding only the columns named in want (NULL-terminated; case-insensitive). */
zr_status zr_reader_open_cols(zr_store *s, const char *table, const char *const *want,
                              zr_reader **out);
int zr_reader_nfields(const zr_reader *r);
const char *zr_reader_field(const zr_reader *r, int i);
const char *zr_reader_table(const zr_reader *r);
const char *zr_reader_geom_type(const zr_reader *r);
/* EPSG code of the layer's SRS when organization is EPSG, else 0; WKT definition (borrowed). */
int zr_reader_epsg(const zr_reader *r);
const char *zr_reader_srs_wkt(const zr_reader *r);
/* Append up to max features to b (after a reset); *n_read = 0 at the end. Geometries are
 * GeoPackage blobs (b->geom_is_gpkg = 1). */
zr_status zr_reader_next(zr_reader *r, zr_batch *b, size_t max, size_t *n_read);
/* The next rows (at most max) handed to fn one at a time, nothing copied: the feature's text
 * and its GeoPackage blob point into SQLite's memory and last only for the call. fn's failure
 * stops the walk and is returned. */
typedef zr_status (*zr_row_fn)(void *ctx, const zr_feature *f, int geom_is_gpkg);
zr_status zr_reader_each(zr_reader *r, size_t max, zr_row_fn fn, void *ctx, size_t *n_read);
void zr_reader_close(zr_reader *r);
/* Restart the reader on the features whose R*Tree envelope meets env {minx, maxx, miny, maxy}
 * (in the R*Tree's order); ZR_ERR_NOT_FOUND when the layer has no R*Tree. */
zr_status zr_reader_window(zr_reader *r, const double env[4]);
/* Restart the reader on the one feature with this fid (none when absent). */
zr_status zr_reader_fid(zr_reader *r, int64_t fid);
/* The layer's extent {minx, maxx, miny, maxy}: from its R*Tree when it has one, else from
 * gpkg_contents. ZR_ERR_NOT_FOUND when neither knows it. */
zr_status zr_reader_extent(zr_reader *r, double env[4]);

/* ---- queries used by info and reports ---- */
typedef struct zr_layer_info {
    char table[128];
    char geom_type[32];
    int srs_id;
    int64_t count;
} zr_layer_info;
/* Feature layers in gpkg_contents. *out malloc'd; free(). */
zr_status zr_store_layers(zr_store *s, zr_layer_info **out, int *n);
/* Rows of (key, count, Σ value) for SELECT key_expr, count(*), sum(value_expr) FROM table GROUP
 * BY 1 ORDER BY 1. key_expr/value_expr are trusted SQL fragments from zrzy's own code, never
 * user input. value is summed as exact integers: round(value_expr × 100). */
typedef zr_status (*zr_group_fn)(void *ctx, const char *key, int64_t count, int64_t cents);
zr_status zr_store_group_sum(zr_store *s, const char *table, const char *key_expr,
                             const char *value_expr, zr_group_fn fn, void *ctx);
/* Key/value metadata of zrzy (table zrzy_meta). */
zr_status zr_store_meta_set(zr_store *s, const char *key, const char *value);
#endif
