/* The store's one statement helper and identifier quoting, and its error mapping: every SQL
 * statement of src/store goes through these (prepare, bind, step, finalize with the text of
 * sqlite3_errmsg; identifiers quoted by sql_id; values bound, never spliced). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "store/store_int.h"

zr_status store_fail(zr_store *s, zr_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return st;
}

zr_status store_status_of(int rc) {
    switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
            return ZR_OK;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return ZR_ERR_DB_BUSY;
        case SQLITE_CONSTRAINT:
            return ZR_ERR_CONSTRAINT;
        case SQLITE_FULL:
        case SQLITE_IOERR:
            return ZR_ERR_IO;
        case SQLITE_NOMEM:
            return ZR_ERR_NOMEM;
        default:
            return ZR_ERR_DB;
    }
}

static zr_status fail_rc(zr_store *s, int rc, const char *what, const char *msg) {
    zr_status st = store_status_of(rc);
    if (st == ZR_OK) st = ZR_ERR_DB;
    if (st == ZR_ERR_DB_BUSY) {
        char who[600];
        /* our own lock file names us: then the holder is another program */
        if (s->lock_fd < 0 && store_lock_holder(s->path, who, sizeof who))
            return store_fail(s, st, "%s is in use by %s (%s: waited %.1f s)", s->path, who, what,
                              s->busy_ms / 1000.0);
        return store_fail(s, st,
                          "%s is in use by another program, not a zrzy writer (a reader's long "
                          "transaction, or a GIS editing it) (%s: waited %.1f s): %s",
                          s->path, what, s->busy_ms / 1000.0, msg);
    }
    if (st == ZR_ERR_IO)
        return store_fail(s, st, "%s: %s: %s (is the disk full?)", s->path, what, msg);
    return store_fail(s, st, "%s: %s: %s", s->path, what, msg);
}

zr_status store_db_fail(zr_store *s, const char *what) {
    return fail_rc(s, sqlite3_extended_errcode(s->db), what, sqlite3_errmsg(s->db));
}

zr_status store_exec(zr_store *s, const char *sql) {
    if (!s->db) return store_fail(s, ZR_ERR_ARG, "%s: the store is not open", s->path);
    char *msg = NULL;
    const int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    zr_status st = ZR_OK;
    if (rc != SQLITE_OK) {
        char what[64];
        snprintf(what, sizeof what, "%.40s%s", sql, strlen(sql) > 40 ? "…" : "");
        st = fail_rc(s, rc, what, msg ? msg : sqlite3_errstr(rc));
    }
    sqlite3_free(msg);
    return st;
}

zr_status store_prepare(zr_store *s, const char *what, const char *sql, sqlite3_stmt **q) {
    *q = NULL;
    if (!s->db) return store_fail(s, ZR_ERR_ARG, "%s: the store is not open", s->path);
    if (!sql) return store_fail(s, ZR_ERR_NOMEM, "%s: %s: out of memory", s->path, what);
    if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK) {
        zr_status st = store_db_fail(s, what);
        sqlite3_finalize(*q);
        *q = NULL;
        return st;
    }
    return ZR_OK;
}

zr_status store_step(zr_store *s, const char *what, sqlite3_stmt *q, int *row) {
    *row = 0;
    const int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *row = 1;
        return ZR_OK;
    }
    if (rc == SQLITE_DONE) return ZR_OK;
    return fail_rc(s, sqlite3_extended_errcode(s->db), what, sqlite3_errmsg(s->db));
}

zr_status store_bindv(zr_store *s, sqlite3_stmt *q, const char *types, va_list ap) {
    int rc = SQLITE_OK;
    for (int i = 0; types && types[i] && rc == SQLITE_OK; i++) {
        switch (types[i]) {
            case 't': {
                const char *t = va_arg(ap, const char *);
                rc = t ? sqlite3_bind_text(q, i + 1, t, -1, SQLITE_TRANSIENT)
                       : sqlite3_bind_null(q, i + 1);
                break;
            }
            case 'i':
                rc = sqlite3_bind_int(q, i + 1, va_arg(ap, int));
                break;
            case 'I':
                rc = sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t));
                break;
            case 'd':
                rc = sqlite3_bind_double(q, i + 1, va_arg(ap, double));
                break;
            case 'b': {
                const void *p = va_arg(ap, const void *);
                const int n = va_arg(ap, int);
                rc = sqlite3_bind_blob(q, i + 1, p, n, SQLITE_TRANSIENT);
                break;
            }
            default:
                return store_fail(s, ZR_ERR_ARG, "%s: bad bind type '%c'", s->path, types[i]);
        }
    }
    return rc == SQLITE_OK ? ZR_OK : store_db_fail(s, "bind");
}

zr_status store_run(zr_store *s, const char *what, const char *sql, const char *types, ...) {
    sqlite3_stmt *q = NULL;
    zr_status st = store_prepare(s, what, sql, &q);
    if (!st) {
        va_list ap;
        va_start(ap, types);
        st = store_bindv(s, q, types, ap);
        va_end(ap);
    }
    for (int row = 1; !st && row;)
        st = store_step(s, what, q, &row);
    sqlite3_finalize(q);
    return st;
}

zr_status store_int(zr_store *s, const char *what, const char *sql, int64_t *v, int *found,
                    const char *types, ...) {
    sqlite3_stmt *q = NULL;
    int row = 0;
    *found = 0;
    zr_status st = store_prepare(s, what, sql, &q);
    if (!st) {
        va_list ap;
        va_start(ap, types);
        st = store_bindv(s, q, types, ap);
        va_end(ap);
    }
    if (!st) st = store_step(s, what, q, &row);
    if (!st && row && sqlite3_column_type(q, 0) != SQLITE_NULL) {
        *v = sqlite3_column_int64(q, 0);
        *found = 1;
    }
    sqlite3_finalize(q);
    return st;
}

/* ---- SQL text ---- */

void sql_put(store_sql *q, const char *text) {
    if (!q->st) q->st = zr_buf_append(&q->b, text, strlen(text));
}

void sql_putf(store_sql *q, const char *fmt, ...) {
    if (q->st) return;
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    const int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        q->st = ZR_ERR_ARG;
        return;
    }
    if ((size_t)n < sizeof small) {
        q->st = zr_buf_append(&q->b, small, (size_t)n);
        return;
    }
    if ((q->st = zr_buf_reserve(&q->b, (size_t)n + 1))) return;
    va_start(ap, fmt);
    vsnprintf((char *)q->b.data + q->b.len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    q->b.len += (size_t)n;
}

static void id_part(store_sql *q, const char *p) {
    for (; p && *p && !q->st; p++) {
        if (*p == '"') q->st = zr_buf_append(&q->b, "\"", 1);
        if (!q->st) q->st = zr_buf_append(&q->b, p, 1);
    }
}

void sql_id(store_sql *q, const char *prefix, const char *name, const char *suffix) {
    sql_put(q, "\"");
    id_part(q, prefix);
    id_part(q, name);
    id_part(q, suffix);
    sql_put(q, "\"");
}

const char *sql_text(store_sql *q) {
    if (q->st) return NULL;
    if ((q->st = zr_buf_reserve(&q->b, 1))) return NULL;
    q->b.data[q->b.len] = 0;
    return (const char *)q->b.data;
}

void sql_free(store_sql *q) {
    zr_buf_free(&q->b);
    q->st = ZR_OK;
}
