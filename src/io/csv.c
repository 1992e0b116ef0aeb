/* CSV tables as people make them: UTF-8 or GBK, with or without a BOM, CRLF or LF, quoted
 * fields with doubled quotes, a header row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/text.h"
#include "io/io.h"

void zr_csv_free(zr_csv *t) {
    if (!t) return;
    free(t->cells);
    free(t->text);
    memset(t, 0, sizeof *t);
}

/* Header cell equals name[0..n) (ASCII case-insensitively), spaces around it ignored. */
static int header_is(const char *cell, const char *name, size_t n) {
    while (*cell == ' ')
        cell++;
    size_t len = strlen(cell);
    while (len && cell[len - 1] == ' ')
        len--;
    if (len != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char a = cell[i], b = name[i];
        if (a >= 'a' && a <= 'z') a = (char)(a - 32);
        if (b >= 'a' && b <= 'z') b = (char)(b - 32);
        if (a != b) return 0;
    }
    return 1;
}

int zr_csv_col(const zr_csv *t, const char *names) {
    for (const char *a = names; *a;) {
        const char *bar = strchr(a, '|');
        const size_t n = bar ? (size_t)(bar - a) : strlen(a);
        for (size_t c = 0; c < t->ncols; c++)
            if (header_is(t->cells[c], a, n)) return (int)c;
        a += n + (bar != NULL);
    }
    return -1;
}

zr_status zr_csv_read(const char *path, zr_csv *t, char *err, size_t n) {
    memset(t, 0, sizeof *t);
    char *raw = NULL;
    size_t len = 0;
    const zr_status rs = zr_read_file(path, &raw, &len);
    if (rs == ZR_ERR_NOMEM) {
        snprintf(err, n, "%s: out of memory reading the table", path);
        return rs;
    }
    if (rs) {
        snprintf(err, n, "%s: cannot read", path);
        return ZR_ERR_NOT_FOUND;
    }
    return zr_csv_parse(path, raw, len, t, err, n);
}

zr_status zr_csv_parse(const char *path, char *raw, size_t len, zr_csv *t, char *err, size_t n) {
    memset(t, 0, sizeof *t);
    char *s = raw;
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3, len -= 3;
    if (!zr_utf8_valid((const unsigned char *)s, len)) { /* Excel in a Chinese locale: GBK */
        zr_recoder *r = NULL;
        zr_buf b = {0};
        zr_status rs = zr_recoder_open("GB18030", &r);
        if (!rs) rs = zr_recode(r, s, len, &b);
        zr_recoder_close(r);
        if (rs) {
            zr_buf_free(&b);
            free(raw);
            if (rs == ZR_ERR_NOMEM) {
                snprintf(err, n, "%s: out of memory converting from GBK", path);
                return rs;
            }
            snprintf(err, n, "%s: text is neither UTF-8 nor GBK", path);
            return ZR_ERR_IMPORT;
        }
        free(raw);
        raw = (char *)b.data;
        s = raw;
        len = b.len;
    }
    t->text = raw;
    /* split in place: fields end at ',' or a line end; quotes are removed */
    size_t cap = 64, cells = 0, cols = 0, row_cells = 0;
    t->cells = zr_malloc(cap * sizeof *t->cells);
    if (!t->cells) {
        zr_csv_free(t);
        snprintf(err, n, "%s: out of memory", path);
        return ZR_ERR_NOMEM;
    }
    char *p = s, *end = s + len;
    int line = 1;
    while (p < end) {
        char *w = p, *field = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (p >= end) {
                    snprintf(err, n, "%s: line %d: unterminated quoted field", path, line);
                    zr_csv_free(t);
                    return ZR_ERR_IMPORT;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n') line++;
                *w++ = *p++;
            }
        } else {
            while (p < end && *p != ',' && *p != '\n' && *p != '\r')
                *w++ = *p++;
        }
        const char delim = p < end ? *p : '\n';
        if (delim != ',' && delim != '\n' && delim != '\r') {
            snprintf(err, n, "%s: line %d: text after a quoted field", path, line);
            zr_csv_free(t);
            return ZR_ERR_IMPORT;
        }
        if (p < end && *p == '\r') { /* CR LF, or a lone CR (old Mac files) */
            p++;
            if (p < end && *p == '\n') p++;
        } else if (p < end) { /* ',' or LF */
            p++;
        }
        *w = 0;
        while (w > field && w[-1] == ' ')
            *--w = 0;
        if (cells == cap) {
            cap *= 2;
            const char **nc = zr_realloc(t->cells, cap * sizeof *nc);
            if (!nc) {
                zr_csv_free(t);
                snprintf(err, n, "%s: out of memory", path);
                return ZR_ERR_NOMEM;
            }
            t->cells = nc;
        }
        t->cells[cells++] = field;
        row_cells++;
        if (delim != ',') {                    /* end of a row */
            if (row_cells == 1 && !field[0]) { /* blank line */
                cells--;
            } else if (!cols) {
                cols = row_cells;
            } else if (row_cells != cols) {
                snprintf(err, n, "%s: line %d: %zu fields, the header has %zu", path, line,
                         row_cells, cols);
                zr_csv_free(t);
                return ZR_ERR_IMPORT;
            }
            row_cells = 0;
            line++;
        }
    }
    if (!cols) {
        snprintf(err, n, "%s: empty table", path);
        zr_csv_free(t);
        return ZR_ERR_IMPORT;
    }
    t->ncols = cols;
    t->nrows = cells / cols - 1;
    return ZR_OK;
}

void zr_csv_write_field(FILE *f, const char *s) {
    if (!s) return;
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
