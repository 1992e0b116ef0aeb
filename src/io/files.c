/* Whole-file reads (plain or gzip) and the data directory. */
#include "io/io.h"
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

const char *zr_data_dir(void) {
    const char *d = getenv("ZRZY_DATA");
    return d && *d ? d : ZR_DATA_DIR;
}

zr_status zr_divisions_load(struct zr_divisions *out, char *err, size_t n) {
    char path[1100], *data = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/division/divisions.tsv.gz", zr_data_dir());
    zr_status s = zr_read_file(path, &data, &len);
    if (s) {
        snprintf(err, n, "%s: cannot read the division list (set ZRZY_DATA?)", path);
        return s;
    }
    s = zr_divisions_parse(data, len, out);
    if (s) snprintf(err, n, "%s: malformed division list", path);
    return s;
}
