#include "core/alloc.h"
#include "codes/division.h"
#include <stdlib.h>
#include <string.h>

zr_status zr_divisions_parse(char *text, size_t len, zr_divisions *out) {
    memset(out, 0, sizeof *out);
    out->text = text;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    out->e = zr_malloc((lines + 1) * sizeof *out->e);
    if (!out->e) return ZR_ERR_NOMEM;
    char *p = text, *end = text + len;
    int sorted = 1;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        *nl = 0;
        if (nl > p && nl[-1] == '\r') nl[-1] = 0;
        char *tab = strchr(p, '\t');
        if (tab && tab - p == 12) {
            *tab = 0;
            out->e[out->n] = (zr_division){p, tab + 1};
            if (out->n && strcmp(out->e[out->n - 1].code, p) >= 0) sorted = 0;
            out->n++;
        }
        p = nl + 1;
    }
    if (!sorted) return ZR_ERR_ARG;
    return out->n ? ZR_OK : ZR_ERR_ARG;
}

void zr_divisions_free(zr_divisions *d) {
    free(d->e);
    free(d->text);
    memset(d, 0, sizeof *d);
}

static size_t lower_bound(const zr_divisions *d, const char *key, size_t klen) {
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strncmp(d->e[mid].code, key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const zr_division *zr_divisions_find(const zr_divisions *d, const char *code12) {
    if (!code12 || strlen(code12) != 12) return NULL;
    size_t i = lower_bound(d, code12, 12);
    return i < d->n && !strcmp(d->e[i].code, code12) ? &d->e[i] : NULL;
}

void zr_divisions_range(const zr_divisions *d, const char *prefix, size_t *first, size_t *n) {
    size_t k = strlen(prefix);
    size_t a = lower_bound(d, prefix, k), b = a;
    while (b < d->n && !strncmp(d->e[b].code, prefix, k))
        b++;
    *first = a;
    *n = b - a;
}

int zr_division_level(const char *c) {
    if (!strcmp(c + 2, "0000000000")) return 1;
    if (!strcmp(c + 4, "00000000")) return 2;
    if (!strcmp(c + 6, "000000")) return 3;
    if (!strcmp(c + 9, "000")) return 4;
    return 5;
}
