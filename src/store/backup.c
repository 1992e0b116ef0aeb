/* zr_backup_run: an online, consistent copy of a store through SQLite's backup API. The source
 * is read in one read transaction held across the backup's steps, so the copy is one commit's
 * state whatever a writer does meanwhile (and in WAL mode the writer goes on). The copy is built
 * under a temporary name, made durable, and renamed into place. */
#include <signal.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/alloc.h"
#include "core/control.h"
#include "store/store_int.h"

#define STEP_PAGES 64 /* pages per step: 4 MiB of 64 KiB pages between cancellation polls */

/* The message of a failure (vsnprintf: paths are long, the message is cut to fit). */
static void say(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The canonical path of p, which may not exist yet (then its folder's, plus its name). */
static int canonical(const char *p, char *out) {
    if (realpath(p, out)) return 1;
    char a[PATH_MAX], b[PATH_MAX], d[PATH_MAX];
    const size_t n = strlen(p);
    if (n >= PATH_MAX) return 0;
    memcpy(a, p, n + 1);
    memcpy(b, p, n + 1);
    if (!realpath(dirname(a), d)) return 0;
    const char *base = basename(b);
    const size_t dl = strlen(d), bl = strlen(base);
    if (dl + bl + 2 > PATH_MAX) return 0;
    memcpy(out, d, dl);
    out[dl] = '/';
    memcpy(out + dl + 1, base, bl + 1);
    return 1;
}

static zr_status fsync_path(const char *p, int is_dir) {
    int fd = open(p, (is_dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) return ZR_ERR_IO;
    const int rc = fsync(fd);
    close(fd);
    return rc == 0 || is_dir ? ZR_OK : ZR_ERR_IO; /* some file systems refuse directory fsync */
}

static void remove_tmp(const char *tmp) {
    char j[PATH_MAX + 48];
    unlink(tmp);
    say(j, sizeof j, "%s-journal", tmp);
    unlink(j);
}

/* Remove DEST.zrzy-tmpPID (and its journal) left by backups whose process is gone (kill -9). */
static void sweep_dead_tmps(const char *dest) {
    char folder[PATH_MAX];
    say(folder, sizeof folder, "%s", dest);
    char *slash = strrchr(folder, '/');
    const char *base = slash ? slash + 1 : dest;
    if (slash)
        *slash = 0;
    else
        say(folder, sizeof folder, ".");
    char prefix[PATH_MAX];
    const int pl = snprintf(prefix, sizeof prefix, "%s.zrzy-tmp", base);
    DIR *d = opendir(folder[0] ? folder : "/");
    if (!d || pl <= 0 || (size_t)pl >= sizeof prefix) {
        if (d) closedir(d);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, (size_t)pl) != 0) continue;
        char *end = NULL;
        const long pid = strtol(e->d_name + pl, &end, 10);
        if (pid <= 0 || !end || (*end && strcmp(end, "-journal") != 0)) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* still running */
        char p[PATH_MAX * 2 + 8];
        snprintf(p, sizeof p, "%s/%s", folder[0] ? folder : "", e->d_name);
        unlink(p);
    }
    closedir(d);
}

static zr_status backup(const zr_backup_opts *o, zr_backup_result *res, char *err, size_t n) {
    const double t0 = now_s();
    char src_real[PATH_MAX], dst_real[PATH_MAX];
    if (!o->store || !o->dest) {
        say(err, n, "backup: a store and a destination are needed");
        return ZR_ERR_ARG;
    }
    if (!canonical(o->store, src_real)) {
        say(err, n, "%s: no such file", o->store);
        return ZR_ERR_NOT_FOUND;
    }
    if (!canonical(o->dest, dst_real)) {
        say(err, n, "%s: its folder does not exist", o->dest);
        return ZR_ERR_NOT_FOUND;
    }
    struct stat a, b;
    if (!strcmp(src_real, dst_real) || (stat(o->store, &a) == 0 && stat(o->dest, &b) == 0 &&
                                        a.st_dev == b.st_dev && a.st_ino == b.st_ino)) {
        say(err, n, "%s: the destination is the store itself; nothing was written", o->dest);
        return ZR_ERR_ARG;
    }
    size_t sl = strlen(src_real);
    if (!strncmp(dst_real, src_real, sl) &&
        (!strcmp(dst_real + sl, "-wal") || !strcmp(dst_real + sl, "-shm") ||
         !strcmp(dst_real + sl, "-journal") || !strcmp(dst_real + sl, ".zrzy-lock"))) {
        say(err, n, "%s: the destination is one of the store's own files", o->dest);
        return ZR_ERR_ARG;
    }
    zr_store *s = NULL;
    zr_status st = zr_store_open(o->store, ZR_STORE_READ, &s);
    if (!st && !zr_store_has_table(s, "gpkg_contents"))
        st = store_fail(s, ZR_ERR_DB,
                        "%s: not a GeoPackage (no gpkg_contents); nothing was written", o->store);
    if (st) {
        say(err, n, "%s", zr_store_errmsg(s));
        zr_store_close(s);
        return st;
    }
    char tmp[PATH_MAX + 32];
    if (strlen(o->dest) >= PATH_MAX) {
        zr_store_close(s);
        say(err, n, "%.200s…: path too long", o->dest);
        return ZR_ERR_ARG;
    }
    say(tmp, sizeof tmp, "%s.zrzy-tmp%ld", o->dest, (long)getpid());
    remove_tmp(tmp);
    sweep_dead_tmps(o->dest);
    sqlite3 *dst = NULL;
    sqlite3_backup *bk = NULL;
    int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        say(err, n, "%s: cannot create: %s", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
        st = rc == SQLITE_NOMEM ? ZR_ERR_NOMEM : ZR_ERR_IO;
        goto done;
    }
    /* one snapshot for all steps: a reader's open holds its read transaction (gpkg.c
       open_read), the backup steps inside it */
    if ((st = store_exec(s, "SELECT count(*) FROM sqlite_master"))) {
        say(err, n, "%s", zr_store_errmsg(s));
        goto done;
    }
    bk = sqlite3_backup_init(dst, "main", s->db, "main");
    if (!bk) {
        st = store_status_of(sqlite3_errcode(dst));
        say(err, n, "%s: backup: %s", o->store, sqlite3_errmsg(dst));
        goto done;
    }
    do {
        if (zr_cancelled(&o->ctl)) {
            st = ZR_ERR_CANCELLED;
            say(err, n, "%s: backup cancelled; nothing was written", o->dest);
            goto done;
        }
        rc = sqlite3_backup_step(bk, STEP_PAGES);
        const int total = sqlite3_backup_pagecount(bk);
        zr_progress(&o->ctl, "copy", total - sqlite3_backup_remaining(bk), total);
    } while (rc == SQLITE_OK);
    if (rc != SQLITE_DONE) {
        /* the source's error sits on the source connection, the destination's on dst */
        const int src_rc = sqlite3_errcode(s->db);
        const int which = (src_rc & 0xff) != SQLITE_OK && (src_rc & 0xff) != SQLITE_DONE &&
                          (src_rc & 0xff) != SQLITE_ROW;
        st = store_status_of(rc);
        if (!st) st = ZR_ERR_DB;
        /* the connection's message can be "not an error" once the step's failure was reported
           through rc alone: then the result code's own text */
        const char *msg = which ? sqlite3_errmsg(s->db) : sqlite3_errmsg(dst);
        if (!msg || !strcmp(msg, "not an error")) msg = sqlite3_errstr(rc);
        say(err, n, "%s: backup to %s: %s%s", o->store, tmp, msg,
            st == ZR_ERR_IO ? " (is the disk full?)" : "");
        goto done;
    }
    res->pages = sqlite3_backup_pagecount(bk);
    sqlite3_backup_finish(bk);
    bk = NULL;
    store_exec(s, "COMMIT");
    /* a single self-contained file: the rollback journal (the source's WAL flag was copied) */
    char *msg = NULL;
    rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        st = store_status_of(rc);
        say(err, n, "%s: %s", tmp, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        goto done;
    }
    int64_t page_size = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(dst, "PRAGMA page_size", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        page_size = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    res->bytes = res->pages * page_size;
    rc = sqlite3_close(dst);
    dst = NULL;
    if (rc != SQLITE_OK || fsync_path(tmp, 0)) {
        st = ZR_ERR_IO;
        say(err, n, "%s: cannot write it to disk (is the disk full?)", tmp);
        goto done;
    }
    if (rename(tmp, o->dest) != 0) {
        st = ZR_ERR_IO;
        say(err, n, "%s: cannot rename %s into place: %s", o->dest, tmp, strerror(errno));
        goto done;
    }
    char d[PATH_MAX];
    memcpy(d, dst_real, strlen(dst_real) + 1);
    fsync_path(dirname(d), 1);
    res->seconds = now_s() - t0;
done:
    if (bk) sqlite3_backup_finish(bk);
    if (dst) sqlite3_close(dst);
    if (s->db && !sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    zr_store_close(s);
    if (st) remove_tmp(tmp);
    return st;
}

zr_status zr_backup_run(const zr_backup_opts *o, zr_backup_result *r, zr_error *e) {
    zr_backup_result tmp = {0};
    char err[sizeof e->message] = "";
    zr_status s = o && r ? backup(o, &tmp, err, sizeof err) : ZR_ERR_ARG;
    if (!s) *r = tmp;
    return zr_error_finish(e, s, err);
}
