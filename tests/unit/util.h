/* Helpers shared by the test programs: scratch folders, file bytes, a generated county. */
#ifndef ZR_TEST_UTIL_H
#define ZR_TEST_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "zrzy.h"

/* The engines through their zr_error, the message copied into err[n] (tests print it). */
#define ZR_TEST_ENGINE_(name, fn, opts_t, res_t)                                   \
    static inline zr_status name(const opts_t *o, res_t *r, char *err, size_t n) { \
        zr_error e;                                                                \
        zr_status s = fn(o, r, &e);                                                \
        size_t k = n < sizeof e.message ? n : sizeof e.message;                    \
        if (k) memcpy(err, e.message, k), err[k - 1] = 0;                          \
        return s;                                                                  \
    }
ZR_TEST_ENGINE_(t_check_run, zr_check_run, zr_check_opts, zr_check_result)
ZR_TEST_ENGINE_(t_inventory_run, zr_inventory_run, zr_inventory_opts, zr_inventory_result)
ZR_TEST_ENGINE_(t_demo_generate, zr_demo_generate, zr_demo_opts, zr_demo_result)
ZR_TEST_ENGINE_(t_import_run, zr_import_run, zr_import_opts, zr_import_result)

/* $ZRZY_TMP/<name>, created; returns a static buffer. */
static inline const char *tmp_dir(const char *name) {
    static char buf[1024];
    const char *base = getenv("ZRZY_TMP");
    if (!base) base = "/tmp/zrzy-test";
    char cmd[2200];
    snprintf(buf, sizeof buf, "%s/%s", base, name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", buf, buf);
    if (system(cmd) != 0) return NULL;
    return buf;
}

/* Whole file into malloc'd memory; NULL when absent. */
static inline unsigned char *file_bytes(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    *n = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

static inline int copy_file(const char *from, const char *to) {
    size_t n;
    unsigned char *b = file_bytes(from, &n);
    if (!b) return -1;
    FILE *f = fopen(to, "wb");
    int ok = f && fwrite(b, 1, n, f) == n;
    if (f) fclose(f);
    free(b);
    return ok ? 0 : -1;
}

static inline int file_exists(const char *p) {
    return access(p, F_OK) == 0;
}
#endif
