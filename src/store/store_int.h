/* Internals shared by the store's files. */
#ifndef ZR_STORE_INT_H
#define ZR_STORE_INT_H
#include <sqlite3.h>
#include <stdarg.h>
#include "core/buf.h"
#include "store/store.h"

struct zr_store {
    sqlite3 *db;
    int created;     /* zr_store_open made the file */
    int mode;        /* ZR_STORE_READ, _WRITE or _CREATE */
    int lock_fd;     /* the writer's lock file (store_lock), OFD-locked; -1 when none */
    int durable;     /* the open transaction commits with synchronous=FULL */
    int busy_ms;     /* busy timeout */
    int schema;      /* zrzy schema version found at open (after migrations for writers) */
    int deliverable; /* zr_store_opts.deliverable: no switch to WAL at close */
    char path[1024];
    char err[1024];
};

/* ---- errors ---- */
zr_status store_fail(zr_store *s, zr_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The status an SQLite result code stands for: BUSY/LOCKED → ZR_ERR_DB_BUSY, FULL/IOERR →
 * ZR_ERR_IO, NOMEM → ZR_ERR_NOMEM, CONSTRAINT → ZR_ERR_CONSTRAINT, the rest ZR_ERR_DB. */
zr_status store_status_of(int rc);
/* Fail with the connection's last error: "PATH: what: sqlite3_errmsg", or for a busy store
 * "PATH is in use by …" naming the writer recorded in its lock file. */
zr_status store_db_fail(zr_store *s, const char *what);

/* ---- statements: the one way store code talks SQL ----
 * SQL text is zrzy's own (constants, or built with store_sql from constants and identifiers
 * quoted by sql_id); values are bound, never spliced. */
/* Run constant SQL (one or more statements, no parameters). */
zr_status store_exec(zr_store *s, const char *sql);
/* Prepare one statement; *q NULL on failure. what names the statement in the error. */
zr_status store_prepare(zr_store *s, const char *what, const char *sql, sqlite3_stmt **q);
/* Step q: ZR_OK and *row = 1 with a row, *row = 0 at the end; else the error (q is not
 * finalized). */
zr_status store_step(zr_store *s, const char *what, sqlite3_stmt *q, int *row);
/* Bind values to q from types, one character a value: 't' text (const char *, NULL binds
 * NULL), 'i' int, 'I' int64_t, 'd' double, 'b' blob (const void *, int length). Strings and
 * blobs are copied only when the statement needs them after the caller's (SQLITE_TRANSIENT). */
zr_status store_bindv(zr_store *s, sqlite3_stmt *q, const char *types, va_list ap);
/* Prepare, bind, step to the end and finalize. */
zr_status store_run(zr_store *s, const char *what, const char *sql, const char *types, ...);
/* Prepare, bind, step once and finalize: *found = 1 and *v the first column of the first row,
 * *found = 0 (and *v untouched) when there is none. */
zr_status store_int(zr_store *s, const char *what, const char *sql, int64_t *v, int *found,
                    const char *types, ...);

/* ---- SQL text from trusted parts and quoted identifiers ---- */
typedef struct store_sql {
    zr_buf b;
    zr_status st; /* sticky: ZR_ERR_NOMEM once an append failed */
} store_sql;
/* Append trusted text (zrzy's own SQL, never a user string). */
void sql_put(store_sql *q, const char *text);
/* Append trusted text by printf: for numbers and zrzy's own words only. */
void sql_putf(store_sql *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append one identifier, quoted (double quotes, inner ones doubled): prefix, name and suffix
 * (prefix/suffix may be NULL) form one name, so sql_id(q, "rtree_", t, "_geom") quotes the
 * R*Tree table of layer t. */
void sql_id(store_sql *q, const char *prefix, const char *name, const char *suffix);
/* The text so far (NUL-terminated), or NULL after an allocation failure. */
const char *sql_text(store_sql *q);
void sql_free(store_sql *q);

/* ---- schema versions (schema.c) ---- */
typedef struct store_migration {
    int version;      /* the schema version the step brings the store to: 1, 2, … in order */
    const char *name; /* what it does, for errors and docs */
    const char *sql;  /* the step's SQL (constant) */
} store_migration;
/* The schema version recorded in the store (0 when none: a GeoPackage not written by zrzy, or
 * by a zrzy before versions). */
zr_status store_schema_version(zr_store *s, int *v);
/* Bring the store from its version up to the last of steps[0..n), each step in one transaction
 * (with the version row); refuses a store newer than the last step. */
zr_status store_migrate(zr_store *s, const store_migration *steps, int n);
/* The same with the shipped steps (ZR_STORE_SCHEMA). */
zr_status store_migrate_all(zr_store *s);
/* Refuse (ZR_ERR_SCHEMA) a store whose version is above known. */
zr_status store_check_version(zr_store *s, int v, int known);

/* ---- the writer's lock file (lock.c) ---- */
/* Take PATH.zrzy-lock for writing (an open-file-description lock, so two handles in one
 * process exclude each other too), waiting up to s->busy_ms; record pid, who and the time in
 * it. ZR_ERR_DB_BUSY naming the holder when it stays taken. */
zr_status store_lock(zr_store *s, const char *who);
/* Release and remove the lock file. */
void store_unlock(zr_store *s);
/* Remove a lock file left by a writer that was killed (one no process holds). */
void store_lock_sweep(const char *path);
/* "pid N (COMMAND), since TIME" of the writer holding the lock of path, into dst; 0 when no
 * zrzy writer holds it. */
int store_lock_holder(const char *path, char *dst, size_t n);

zr_status store_rtree_triggers(zr_store *s, const char *table);

/* One entry of a spatial index: a feature id and its envelope as outward-rounded floats. */
typedef struct store_rtree_entry {
    int64_t id;
    float minx, maxx, miny, maxy;
} store_rtree_entry;
/* Create rtree_<table>_geom and fill it by STR bulk loading, writing the R*Tree's node, rowid
 * and parent tables directly (SQLite's rtree format); then its triggers. Sorts e in place. */
zr_status store_rtree_bulk(zr_store *s, const char *table, store_rtree_entry *e, size_t n);
/* A double rounded down / up to a float (the R*Tree's outward rounding). */
float store_round_down(double d);
float store_round_up(double d);
#endif
