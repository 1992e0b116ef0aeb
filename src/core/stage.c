/* Staged output folders (stage.h). */
#include "core/stage.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(p) != 0 && errno != ENOENT ? -1 : 0;
}

int zr_remove_tree(const char *path) {
    struct stat sb;
    if (lstat(path, &sb) != 0) return errno == ENOENT ? 0 : -1;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Split dir into parent folder and last name. */
static int split(const char *dir, char *parent, size_t np, char *name, size_t nn) {
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (!len || len >= 1024) return -1;
    const char *slash = memrchr(dir, '/', len);
    const char *base = slash ? slash + 1 : dir;
    const size_t blen = len - (size_t)(base - dir);
    if (!blen || (blen == 1 && base[0] == '.') || (blen == 2 && !memcmp(base, "..", 2))) return -1;
    if (!slash)
        snprintf(parent, np, ".");
    else if (slash == dir)
        snprintf(parent, np, "/");
    else
        snprintf(parent, np, "%.*s", (int)(slash - dir), dir);
    snprintf(name, nn, "%.*s", (int)blen, base);
    return 0;
}

/* Remove PARENT/.NAME.zrzy-stage-PID folders whose process is gone. */
static void sweep_stale(const char *parent, const char *name) {
    DIR *d = opendir(parent);
    if (!d) return;
    char prefix[300];
    const int pl = snprintf(prefix, sizeof prefix, ".%s.zrzy-stage-", name);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (pl <= 0 || (size_t)pl >= sizeof prefix || strncmp(e->d_name, prefix, (size_t)pl) != 0)
            continue;
        char *end = NULL;
        const long pid = strtol(e->d_name + pl, &end, 10);
        if (end && *end == '-') strtol(end + 1, &end, 10); /* the run's sequence number */
        if (!end || *end || pid <= 0) continue;
        if (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) continue;
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", parent, e->d_name);
        zr_remove_tree(p);
    }
    closedir(d);
}

zr_status zr_stage_begin(zr_stage *st, const char *dir, char *err, size_t n) {
    char parent[1024], name[256];
    if (!dir || split(dir, parent, sizeof parent, name, sizeof name) != 0) {
        snprintf(err, n, "%s: not a usable results folder (name a folder, not . or ..)",
                 dir ? dir : "(none)");
        return ZR_ERR_ARG;
    }
    struct stat sb;
    if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        snprintf(err, n, "%s: exists and is not a folder", dir);
        return ZR_ERR_ARG;
    }
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    size_t len = strlen(st->dir);
    while (len > 1 && st->dir[len - 1] == '/')
        st->dir[--len] = 0;
    sweep_stale(parent, name);
    /* pid and a sequence number: two runs of one process (a server) never share a stage */
    static atomic_uint seq;
    snprintf(st->path, sizeof st->path, "%s/.%s.zrzy-stage-%ld-%u", parent, name, (long)getpid(),
             atomic_fetch_add(&seq, 1));
    zr_remove_tree(st->path);
    if (mkdir(st->path, 0777) != 0) {
        snprintf(err, n, "%s: cannot create a folder beside it (%s)", dir, strerror(errno));
        st->path[0] = 0;
        return errno == ENOSPC ? ZR_ERR_IO : errno == ENOENT ? ZR_ERR_NOT_FOUND : ZR_ERR_IO;
    }
    return ZR_OK;
}

const char *zr_stage_file(const zr_stage *st, const char *name, char *buf, size_t n) {
    snprintf(buf, n, "%s/%s", st->path, name);
    return buf;
}

static int is_ours(const char *name, const char *const *ours) {
    for (; ours && *ours; ours++)
        if (!strcmp(name, *ours)) return 1;
    return 0;
}

/* Hard-link the old folder's foreign regular files and links into the stage (the old folder
 * keeps them too until it is removed: nothing of the user's is ever only in the stage). */
static int carry_over(const zr_stage *st, const char *const *ours) {
    DIR *d = opendir(st->dir);
    if (!d) return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_ours(e->d_name, ours))
            continue;
        char a[1400], b[1700];
        snprintf(a, sizeof a, "%s/%s", st->dir, e->d_name);
        snprintf(b, sizeof b, "%s/%s", st->path, e->d_name);
        struct stat sb;
        if (lstat(a, &sb) != 0) continue;
        if (access(b, F_OK) == 0) continue; /* written by this run */
        if (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)) rc = linkat(AT_FDCWD, a, AT_FDCWD, b, 0);
    }
    closedir(d);
    return rc;
}

/* After the swap: move the user's folders from the old tree into the new results folder.
 * Returns the number that could not be moved. */
static int move_folders_back(const char *old, const char *dir, const char *const *ours) {
    DIR *d = opendir(old);
    if (!d) return 0;
    struct dirent *e;
    int bad = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_ours(e->d_name, ours))
            continue;
        char a[1600], b[1400];
        snprintf(a, sizeof a, "%s/%s", old, e->d_name);
        snprintf(b, sizeof b, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(a, &sb) != 0 || !S_ISDIR(sb.st_mode)) continue;
        if (rename(a, b) != 0) bad++;
    }
    closedir(d);
    return bad;
}

/* Remove the old results tree, unless a folder of the user's could not be moved out of it: then
 * keep it under a name no sweep touches. */
static void retire_old(const char *old, const zr_stage *st, const char *const *ours) {
    if (move_folders_back(old, st->dir, ours) == 0) {
        zr_remove_tree(old);
        return;
    }
    char kept[1500];
    snprintf(kept, sizeof kept, "%s.zrzy-kept-%ld", st->dir, (long)getpid());
    if (rename(old, kept) != 0) return; /* left where it is: never deleted */
}

static void sync_dir(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

zr_status zr_stage_publish(zr_stage *st, const char *const *ours, char *err, size_t n) {
    if (carry_over(st, ours) != 0) {
        snprintf(err, n, "%s: cannot carry its other files over (%s)", st->dir, strerror(errno));
        zr_stage_abort(st);
        return ZR_ERR_IO;
    }
    sync_dir(st->path);
    struct stat sb;
    const int exists = stat(st->dir, &sb) == 0;
    int rc;
    if (!exists) {
        rc = rename(st->path, st->dir);
    } else {
        rc = renameat2(AT_FDCWD, st->path, AT_FDCWD, st->dir, RENAME_EXCHANGE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            /* no atomic exchange here: move the old folder aside, then the stage in */
            char old[1500];
            snprintf(old, sizeof old, "%s.old", st->path);
            zr_remove_tree(old);
            rc = rename(st->dir, old);
            if (!rc && (rc = rename(st->path, st->dir)) != 0) {
                const int e = errno;
                rename(old, st->dir);
                errno = e;
            }
            if (!rc) retire_old(old, st, ours);
        } else if (!rc) {
            retire_old(st->path, st, ours); /* the stage's name now holds the old results */
        }
    }
    if (rc != 0) {
        snprintf(err, n, "%s: cannot put the results in place (%s)", st->dir, strerror(errno));
        zr_stage_abort(st);
        return ZR_ERR_IO;
    }
    char parent[1024], name[256];
    if (split(st->dir, parent, sizeof parent, name, sizeof name) == 0) sync_dir(parent);
    st->path[0] = 0;
    return ZR_OK;
}

void zr_stage_abort(zr_stage *st) {
    if (st->path[0]) zr_remove_tree(st->path);
    st->path[0] = 0;
}
