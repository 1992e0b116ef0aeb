/* Publishing an import's files all or nothing.
 *
 * A new store is built under a temporary name beside it (DIR/.NAME.zrzy-new-PID.TID) and renamed
 * into place only when complete, so no half-made GeoPackage ever carries the store's name. The
 * report is written to an unnamed file (Linux O_TMPFILE; a named temporary elsewhere) and put in
 * place just before the store's commit; the previous report stays open so that a failure after
 * that point can put it back. Temporary names carry the PID of their process: the next import
 * beside them removes those whose process no longer runs. */
#ifndef ZR_IMPORT_PUBLISH_H
#define ZR_IMPORT_PUBLISH_H
#include <stddef.h>
#include <stdio.h>
#include "zrzy.h"

/* DIR/.NAME.zrzy-KIND-PID.TID for path DIR/NAME into out; -1 when it does not fit. */
int imp_temp_name(const char *path, const char *kind, char *out, size_t n);
/* Remove DIR/.NAME.zrzy-KIND-PID.TID and its companions (SQLite's -journal, -wal, -shm; the
 * store's .zrzy-lock) for every PID that no longer runs. */
void imp_sweep(const char *path, const char *kind);
/* Remove a temporary store and its companions (-journal, -wal, -shm, .zrzy-lock). */
void imp_store_discard(const char *tmp);
/* Move the complete store tmp to path, refusing to replace a file that appeared there
 * meanwhile; the folder is synced. On failure tmp is left for the caller to discard. */
zr_status imp_store_publish(const char *tmp, const char *path, char *err, size_t n);

typedef struct imp_report {
    char path[1024]; /* where the report goes */
    char tmp[1100];  /* a named temporary, when O_TMPFILE is not available; else empty */
    FILE *f;         /* the new report, written by the caller */
    int old_fd;      /* the report it replaced, kept open until close; -1 when none */
    int published;   /* 1 once the new report is at path */
} imp_report;

/* Start a report at path (nothing appears at path yet). */
zr_status imp_report_open(imp_report *r, const char *path, char *err, size_t n);
/* Flush and sync the report and put it at path, keeping the old one open. */
zr_status imp_report_publish(imp_report *r, char *err, size_t n);
/* After a failure that followed imp_report_publish: put the old report back (or remove the new
 * one when there was none). No-op when the report was not published. */
zr_status imp_report_restore(imp_report *r, char *err, size_t n);
/* Close everything; an unpublished report leaves nothing behind. */
void imp_report_close(imp_report *r);
#endif
