/* Publishing an import's files all or nothing (publish.h). */
#include "import/publish.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* path's folder ("." when none) and last name. -1 when either does not fit. */
static int split(const char *path, char *dir, size_t nd, char *name, size_t nn) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int a;
    if (!slash)
        a = snprintf(dir, nd, ".");
    else if (slash == path)
        a = snprintf(dir, nd, "/");
    else
        a = snprintf(dir, nd, "%.*s", (int)(slash - path), path);
    const int b = snprintf(name, nn, "%s", base);
    return a < 0 || (size_t)a >= nd || b <= 0 || (size_t)b >= nn ? -1 : 0;
}

int imp_temp_name(const char *path, const char *kind, char *out, size_t n) {
    char dir[1024], name[256];
    if (split(path, dir, sizeof dir, name, sizeof name) != 0) return -1;
    /* the thread too: one process (the server) may run several imports at once */
    const int k =
        snprintf(out, n, "%s/.%s.zrzy-%s-%ld.%ld", dir, name, kind, (long)getpid(), (long)gettid());
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

void imp_sweep(const char *path, const char *kind) {
    char dir[1024], name[256], prefix[320];
    if (split(path, dir, sizeof dir, name, sizeof name) != 0) return;
    const int pl = snprintf(prefix, sizeof prefix, ".%s.zrzy-%s-", name, kind);
    if (pl <= 0 || (size_t)pl >= sizeof prefix) return;
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, (size_t)pl) != 0) continue;
        char *end = NULL;
        errno = 0;
        const long pid = strtol(e->d_name + pl, &end, 10);
        if (errno || end == e->d_name + pl || pid <= 0) continue;
        if (*end == '.')
            while (*++end >= '0' && *end <= '9') {
            }
        if (*end && *end != '-' && *end != '.') continue; /* companions: -journal, .zrzy-lock … */
        /* alive (or not ours to signal): keep it */
        if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char p[1400];
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < sizeof p) unlink(p);
    }
    closedir(d);
}

void imp_store_discard(const char *tmp) {
    static const char *const companions[] = {"", "-journal", "-wal", "-shm", ".zrzy-lock"};
    for (size_t i = 0; i < sizeof companions / sizeof companions[0]; i++) {
        char p[1200];
        if ((size_t)snprintf(p, sizeof p, "%s%s", tmp, companions[i]) < sizeof p) unlink(p);
    }
}

/* fsync the folder holding path, so a rename in it is durable. */
static int sync_dir_of(const char *path) {
    char dir[1024], name[256];
    if (split(path, dir, sizeof dir, name, sizeof name) != 0) return -1;
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    const int rc = fsync(fd);
    close(fd);
    return rc;
}

zr_status imp_store_publish(const char *tmp, const char *path, char *err, size_t n) {
    char wal[1200];
    struct stat sb;
    /* a write-ahead log left beside the closed store holds pages the file lacks */
    snprintf(wal, sizeof wal, "%s-wal", tmp);
    if (stat(wal, &sb) == 0 && sb.st_size > 0) {
        snprintf(err, n, "%s: the new store could not be completed (its log %s was not merged)",
                 path, wal);
        return ZR_ERR_IO;
    }
    int rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
        /* a file system without RENAME_NOREPLACE: a hard link refuses to replace as well */
        rc = link(tmp, path);
        if (rc == 0) unlink(tmp);
    }
    if (rc != 0) {
        const int e = errno;
        snprintf(err, n, "%s: cannot put the new store in place: %s", path,
                 e == EEXIST ? "a file of that name appeared during the import" : strerror(e));
        return ZR_ERR_IO;
    }
    if (sync_dir_of(path) != 0) {
        snprintf(err, n, "%s: the new store is in place but its folder could not be synced: %s",
                 path, strerror(errno));
        return ZR_ERR_IO;
    }
    return ZR_OK;
}

/* ---- the report ---- */

/* An unnamed file in path's folder; falls back to the named temporary tmp (created). */
static int open_unnamed(const char *path, char *tmp, size_t nt) {
    char dir[1024], name[256];
    tmp[0] = 0;
    if (split(path, dir, sizeof dir, name, sizeof name) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return -1;
#endif
    if (imp_temp_name(path, "report", tmp, nt) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) tmp[0] = 0;
    return fd;
}

/* Sync fd's file and move it to path (replacing): through a named link when it is unnamed. */
static int put_in_place(int fd, char *tmp, size_t nt, const char *path) {
    if (fsync(fd) != 0) return -1;
    if (!tmp[0]) {
        char proc[64];
        if (imp_temp_name(path, "report", tmp, nt) != 0) {
            errno = ENAMETOOLONG;
            return -1;
        }
        unlink(tmp);
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) != 0 &&
            linkat(fd, "", AT_FDCWD, tmp, AT_EMPTY_PATH) != 0) {
            tmp[0] = 0;
            return -1;
        }
    }
    if (rename(tmp, path) != 0) {
        const int e = errno;
        unlink(tmp);
        tmp[0] = 0;
        errno = e;
        return -1;
    }
    tmp[0] = 0;
    return sync_dir_of(path);
}

zr_status imp_report_open(imp_report *r, const char *path, char *err, size_t n) {
    memset(r, 0, sizeof *r);
    r->old_fd = -1;
    snprintf(r->path, sizeof r->path, "%s", path);
    const int fd = open_unnamed(path, r->tmp, sizeof r->tmp);
    if (fd < 0 || !(r->f = fdopen(fd, "w"))) {
        snprintf(err, n, "%s: cannot write the import report: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        if (r->tmp[0]) unlink(r->tmp);
        r->tmp[0] = 0;
        return ZR_ERR_IO;
    }
    return ZR_OK;
}

zr_status imp_report_publish(imp_report *r, char *err, size_t n) {
    if (fflush(r->f) != 0 || ferror(r->f)) {
        snprintf(err, n, "%s: cannot write the import report: %s", r->path, strerror(errno));
        return ZR_ERR_IO;
    }
    r->old_fd = open(r->path, O_RDONLY | O_CLOEXEC);
    if (r->old_fd < 0 && errno != ENOENT) {
        snprintf(err, n, "%s: cannot read the previous import report: %s", r->path,
                 strerror(errno));
        return ZR_ERR_IO;
    }
    if (put_in_place(fileno(r->f), r->tmp, sizeof r->tmp, r->path) != 0) {
        snprintf(err, n, "%s: cannot write the import report: %s", r->path, strerror(errno));
        return ZR_ERR_IO;
    }
    r->published = 1;
    return ZR_OK;
}

zr_status imp_report_restore(imp_report *r, char *err, size_t n) {
    if (!r->published) return ZR_OK;
    r->published = 0;
    if (r->old_fd < 0) {
        if (unlink(r->path) == 0 || errno == ENOENT) return ZR_OK;
        snprintf(err, n, "%s: cannot remove the report of the failed import: %s", r->path,
                 strerror(errno));
        return ZR_ERR_IO;
    }
    /* the old report's inode lives on through old_fd: copy it back under its name */
    char tmp[1100];
    const int fd = open_unnamed(r->path, tmp, sizeof tmp);
    int ok = fd >= 0;
    char buf[65536];
    off_t off = 0;
    while (ok) {
        const ssize_t got = pread(r->old_fd, buf, sizeof buf, off);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            ok = got == 0;
            break;
        }
        for (ssize_t done = 0; ok && done < got;) {
            const ssize_t w = write(fd, buf + done, (size_t)(got - done));
            if (w < 0 && errno == EINTR) continue;
            ok = w > 0;
            if (ok) done += w;
        }
        off += got;
    }
    if (ok) ok = put_in_place(fd, tmp, sizeof tmp, r->path) == 0;
    const int e = errno;
    if (fd >= 0) close(fd);
    if (tmp[0]) unlink(tmp);
    if (ok) return ZR_OK;
    snprintf(err, n, "%s: cannot put back the previous import report: %s", r->path, strerror(e));
    return ZR_ERR_IO;
}

void imp_report_close(imp_report *r) {
    if (r->f) fclose(r->f);
    r->f = NULL;
    if (r->tmp[0]) unlink(r->tmp);
    r->tmp[0] = 0;
    if (r->old_fd >= 0) close(r->old_fd);
    r->old_fd = -1;
}
