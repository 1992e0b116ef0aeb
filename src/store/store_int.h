/* Internals shared by the store's files. */
#ifndef ZR_STORE_INT_H
#define ZR_STORE_INT_H
#include <sqlite3.h>
#include <stdarg.h>
#include "core/buf.h"
#include "store/store.h"

struct zr_store {
    sqlite3 *db;
    int created;
    char path[1024];
    char err[1024];
};

zr_status store_fail(zr_store *s, zr_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
zr_status store_db_fail(zr_store *s, const char *what);
zr_status store_exec(zr_store *s, const char *sql);
const char *store_ident(char *dst, size_t n, const char *name);
zr_status store_rtree_triggers(zr_store *s, const char *table);

/* One entry of a spatial index: a feature id and its envelope as outward-rounded floats. */
typedef struct store_rtree_entry {
    int64_t id;
    float minx, maxx, miny, maxy;
} store_rtree_entry;
/* Create rtree_<table>_geom and fill it by STR bulk loading, writing the R*Tree's node, rowid
 * and parent tables directly (SQLite's rtree format); then its triggers. Sorts e in place. */
zr_status store_rtree_bulk(zr_store *s, const char *table, store_rtree_entry *e, size_t n);
#endif
