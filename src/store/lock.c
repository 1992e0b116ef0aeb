/* The writer's lock file STORE.zrzy-lock: SQLite cannot say who holds a database, so a zrzy
 * writer records itself (pid, command, start time) in a file beside the store and holds an
 * open-file-description lock on it (Linux F_OFD_SETLK: two handles in one process exclude each
 * other too, and closing one descriptor does not drop another's lock). The file is removed when
 * the writer closes; a writer that finds the file it locked already unlinked or replaced
 * retries, so removal never lets two writers in. A lock left by a killed process is released by
 * the kernel with the process. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "store/store_int.h"

#ifdef F_OFD_SETLK
#define LOCK_SET F_OFD_SETLK
#define LOCK_GET F_OFD_GETLK
#else
#define LOCK_SET F_SETLK
#define LOCK_GET F_GETLK
#endif

static void lock_path(char *dst, size_t n, const char *path) {
    snprintf(dst, n, "%s.zrzy-lock", path);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The process's command line, arguments joined by spaces, into dst. */
static void own_command(char *dst, size_t n) {
    dst[0] = 0;
    FILE *f = fopen("/proc/self/cmdline", "rb");
    if (!f) return;
    size_t k = fread(dst, 1, n - 1, f);
    fclose(f);
    dst[k] = 0;
    while (k > 0 && dst[k - 1] == 0)
        k--;
    for (size_t i = 0; i < k; i++)
        if (dst[i] == 0 || dst[i] == '\n') dst[i] = ' ';
}

zr_status store_lock(zr_store *s, const char *who) {
    char lp[1100];
    lock_path(lp, sizeof lp, s->path);
    const double until = now_s() + s->busy_ms / 1000.0;
    for (;;) {
        int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return store_fail(s, ZR_ERR_IO, "%s: cannot create the lock file %s: %s", s->path, lp,
                              strerror(errno));
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, LOCK_SET, &fl) == 0) {
            /* the file locked must still be the one under the name (not removed by the writer
               that just left) */
            struct stat a, b;
            if (fstat(fd, &a) == 0 && stat(lp, &b) == 0 && a.st_ino == b.st_ino &&
                a.st_dev == b.st_dev) {
                char cmd[400], since[64], text[600];
                if (who)
                    snprintf(cmd, sizeof cmd, "%s", who);
                else
                    own_command(cmd, sizeof cmd);
                for (char *c = cmd; *c; c++) /* one line: the file is "key=value" lines */
                    if (*c == '\n' || *c == '\r') *c = ' ';
                time_t t = time(NULL);
                struct tm tm;
                gmtime_r(&t, &tm);
                strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
                const int len = snprintf(text, sizeof text, "pid=%ld\ncommand=%s\nsince=%s\n",
                                         (long)getpid(), cmd, since);
                if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len) {
                    const int e = errno;
                    close(fd);
                    return store_fail(s, ZR_ERR_IO, "%s: cannot write the lock file %s: %s",
                                      s->path, lp, strerror(e));
                }
                s->lock_fd = fd;
                return ZR_OK;
            }
            close(fd);
            continue;
        }
        const int e = errno;
        close(fd);
        if (e != EACCES && e != EAGAIN)
            return store_fail(s, ZR_ERR_IO, "%s: cannot lock %s: %s", s->path, lp, strerror(e));
        if (now_s() >= until) {
            char holder[600];
            if (!store_lock_holder(s->path, holder, sizeof holder))
                snprintf(holder, sizeof holder, "another zrzy writer");
            return store_fail(s, ZR_ERR_DB_BUSY, "%s is in use by %s (waited %.1f s)", s->path,
                              holder, s->busy_ms / 1000.0);
        }
        struct timespec d = {0, 20 * 1000 * 1000};
        nanosleep(&d, NULL);
    }
}

void store_unlock(zr_store *s) {
    if (s->lock_fd < 0) return;
    char lp[1100];
    lock_path(lp, sizeof lp, s->path);
    unlink(lp); /* still holding the lock: a waiter that opened it retries on the new name */
    close(s->lock_fd);
    s->lock_fd = -1;
}

void store_lock_sweep(const char *path) {
    char lp[1100];
    lock_path(lp, sizeof lp, path);
    int fd = open(lp, O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    /* taking the lock proves no writer holds it; a writer that opened the file meanwhile fails
       to lock it, or finds it unlinked once it has, and starts over on a new file */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, LOCK_SET, &fl) == 0) {
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(lp, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            unlink(lp);
    }
    close(fd);
}

/* The value of key in the lock file's text ("key=value" lines) into dst. */
static void field(const char *text, const char *key, char *dst, size_t n) {
    dst[0] = 0;
    const size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            const char *v = p + kl + 1, *e = strchr(v, '\n');
            const size_t len = e ? (size_t)(e - v) : strlen(v);
            snprintf(dst, n, "%.*s", (int)(len < n ? len : n - 1), v);
            return;
        }
        p = strchr(p, '\n');
        if (p) p++;
    }
}

int store_lock_holder(const char *path, char *dst, size_t n) {
    char lp[1100];
    lock_path(lp, sizeof lp, path);
    int fd = open(lp, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int held = fcntl(fd, LOCK_GET, &fl) == 0 && fl.l_type != F_UNLCK;
    char text[700] = "";
    ssize_t k = held ? pread(fd, text, sizeof text - 1, 0) : 0;
    close(fd);
    if (!held) return 0;
    text[k > 0 ? k : 0] = 0;
    char pid[32], cmd[400], since[64];
    field(text, "pid", pid, sizeof pid);
    field(text, "command", cmd, sizeof cmd);
    field(text, "since", since, sizeof since);
    if (!pid[0])
        snprintf(dst, n, "a zrzy writer that is starting");
    else
        snprintf(dst, n, "pid %s (%s), since %s", pid, cmd, since);
    return 1;
}
