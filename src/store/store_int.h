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
#endif
