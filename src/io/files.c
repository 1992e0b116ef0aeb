/* Whole-file reads (plain or gzip) and the data directory. */
#include "core/alloc.h"
#include "io/io.h"
#include <sys/stat.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "codes/division.h"
#include "core/buf.h"

zr_status zr_read_file(const char *path, char **data, size_t *len) {
    *data = NULL;
    *len = 0;
    gzFile gz = gzopen(path, "rb"); /* reads plain files transparently */
    if (!gz) return ZR_ERR_IO;
    zr_buf b = {0};
    zr_status s = ZR_OK;
    for (;;) {
        if ((s = zr_buf_reserve(&b, 1 << 20))) break;
        int got = gzread(gz, b.data + b.len, 1 << 20);
        if (got < 0) {
            s = ZR_ERR_IO;
            break;
        }
        if (got == 0) break;
        b.len += (size_t)got;
    }
    gzclose(gz);
    if (!s) s = zr_buf_append(&b, "", 0);
    if (s) {
        zr_buf_free(&b);
        return s;
    }
    *data = (char *)b.data;
    *len = b.len;
    return ZR_OK;
}

static char data_dir[1024]; /* zr_config_data_dir; empty: ZR_DATA_DIR */

zr_status zr_config_data_dir(const char *dir) {
    if (dir && strlen(dir) >= sizeof data_dir) return ZR_ERR_ARG;
    snprintf(data_dir, sizeof data_dir, "%s", dir ? dir : "");
    return ZR_OK;
}

const char *zr_data_dir(void) {
    return data_dir[0] ? data_dir : ZR_DATA_DIR;
}

static void province_path(char *path, size_t n, const char *pp) {
    snprintf(path, n, "%s/division/%.2s.tsv.gz", zr_data_dir(), pp);
}

zr_status zr_divisions_load(struct zr_divisions *out, const char *province, char *err, size_t n) {
    memset(out, 0, sizeof *out);
    char path[1100];
    zr_buf all = {0};
    zr_status s = ZR_OK;
    int files = 0;
    for (int k = 10; k <= 99 && !s; k++) {
        char pp[3];
        snprintf(pp, sizeof pp, "%02d", k);
        if (province && strncmp(province, pp, 2)) continue;
        province_path(path, sizeof path, pp);
        struct stat st;
        if (stat(path, &st) != 0) continue; /* no such province */
        char *data = NULL;
        size_t len = 0;
        if ((s = zr_read_file(path, &data, &len))) break;
        files++;
        s = zr_buf_append(&all, data, len); /* files end in a line end, or get one */
        if (!s && len && data[len - 1] != '\n') s = zr_buf_append(&all, "\n", 1);
        free(data);
    }
    if (!s && !files) {
        province_path(path, sizeof path, province ? province : "PP");
        snprintf(err, n, "%s: cannot read the division list (set ZRZY_DATA?)", path);
        zr_buf_free(&all);
        return ZR_ERR_NOT_FOUND;
    }
    if (!s) s = zr_buf_append(&all, "", 0); /* a terminating NUL, not counted */
    if (s) {
        snprintf(err, n, "%s: cannot read the division list", path);
        zr_buf_free(&all);
        return s;
    }
    s = zr_divisions_parse((char *)all.data, all.len, out);
    if (s) snprintf(err, n, "%s/division: malformed division list", zr_data_dir());
    return s;
}

struct zr_division_cache {
    pthread_mutex_t mu;
    unsigned char state[100]; /* 0 not read, 1 read, 2 unreadable; written under mu */
    zr_divisions prov[100];
};

zr_status zr_division_cache_new(zr_division_cache **out) {
    *out = NULL;
    char path[1100];
    snprintf(path, sizeof path, "%s/division/EDITION", zr_data_dir());
    struct stat st;
    if (stat(path, &st) != 0) return ZR_ERR_NOT_FOUND;
    zr_division_cache *c = zr_calloc(1, sizeof *c);
    if (!c) return ZR_ERR_NOMEM;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return ZR_ERR_NOMEM;
    }
    *out = c;
    return ZR_OK;
}

zr_division_cache *zr_division_cache_open(void) {
    zr_division_cache *c;
    return zr_division_cache_new(&c) == ZR_OK ? c : NULL;
}

int zr_division_cache_has(zr_division_cache *c, const char *code12) {
    if (!code12 || strspn(code12, "0123456789") != 12 || code12[12]) return 0;
    const int k = (code12[0] - '0') * 10 + (code12[1] - '0');
    int st = __atomic_load_n(&c->state[k], __ATOMIC_ACQUIRE);
    if (!st) {
        pthread_mutex_lock(&c->mu);
        if (!(st = c->state[k])) {
            char path[1100], err[1200];
            struct stat sb;
            province_path(path, sizeof path, code12);
            if (stat(path, &sb) != 0) /* a province the list does not have: no codes */
                st = 1;
            else
                switch (zr_divisions_load(&c->prov[k], code12, err, sizeof err)) {
                    case ZR_OK:
                        st = 1;
                        break;
                    case ZR_ERR_NOMEM:
                        st = 3;
                        break;
                    default:
                        st = 2;
                }
            __atomic_store_n(&c->state[k], (unsigned char)st, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&c->mu);
    }
    if (st >= 2) return st == 3 ? -2 : -1;
    return c->prov[k].n && zr_divisions_find(&c->prov[k], code12) != NULL;
}

void zr_division_cache_close(zr_division_cache *c) {
    if (!c) return;
    for (int k = 0; k < 100; k++)
        zr_divisions_free(&c->prov[k]);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
