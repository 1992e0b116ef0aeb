/* The summary tables: rows by unit (county, towns, villages) × class × land class and a 合计 row
 * per unit, accumulated parcel by parcel in a hash table (memory by the number of rows, not of
 * parcels); every total is the integer sum of the rows below it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fixed.h"
#include "inventory/inv_int.h"
#include "report/report.h"

struct inv_summary {
    sum_row *r;
    size_t n, cap;
    uint32_t *slot; /* row index + 1; 0 empty */
    size_t nslot;   /* a power of two, at least twice n */
};

zr_status inv_summary_new(inv_summary **out) {
    inv_summary *s = zr_calloc(1, sizeof *s);
    if (s) s->nslot = 1024, s->slot = zr_calloc(s->nslot, sizeof *s->slot);
    if (!s || !s->slot) {
        inv_summary_free(s);
        return ZR_ERR_NOMEM;
    }
    *out = s;
    return ZR_OK;
}

void inv_summary_free(inv_summary *s) {
    if (!s) return;
    free(s->r);
    free(s->slot);
    free(s);
}

static zr_status grow(inv_summary *s) {
    const size_t ns = s->nslot * 2;
    uint32_t *slot = zr_calloc(ns, sizeof *slot);
    if (!slot) return ZR_ERR_NOMEM;
    for (size_t i = 0; i < s->n; i++) {
        size_t h = zr_str_hash(s->r[i].key) & (ns - 1);
        while (slot[h])
            h = (h + 1) & (ns - 1);
        slot[h] = (uint32_t)(i + 1);
    }
    free(s->slot);
    s->slot = slot, s->nslot = ns;
    return ZR_OK;
}

/* Add (count 1, area, value) to the row of key[0..klen); a new row is filled from the parts. */
static zr_status add_row(inv_summary *s, const char *key, size_t klen, int level, const char *code,
                         size_t code_len, const char *cls, const char *dlbm, const inv_parcel *p) {
    size_t h = zr_str_hash(key) & (s->nslot - 1);
    for (; s->slot[h]; h = (h + 1) & (s->nslot - 1)) {
        sum_row *r = &s->r[s->slot[h] - 1];
        if (!memcmp(r->key, key, klen + 1)) {
            /* exact sums, refused rather than wrapped */
            if (__builtin_add_overflow(r->count, 1, &r->count) ||
                __builtin_add_overflow(r->area, p->tbdlmj, &r->area) ||
                __builtin_add_overflow(r->value, p->value, &r->value))
                return ZR_ERR_LIMIT;
            return ZR_OK;
        }
    }
    sum_row *nr = zr_grow(s->r, &s->cap, s->n, sizeof *nr, 256);
    if (!nr) return ZR_ERR_NOMEM;
    s->r = nr;
    if (s->n >= UINT32_MAX - 1) return ZR_ERR_LIMIT;
    sum_row *x = &s->r[s->n];
    memset(x, 0, sizeof *x);
    memcpy(x->key, key, klen + 1);
    x->level = level;
    memcpy(x->code, code, code_len);
    snprintf(x->cls, sizeof x->cls, "%s", cls);
    snprintf(x->dlbm, sizeof x->dlbm, "%s", dlbm);
    x->count = 1, x->area = p->tbdlmj, x->value = p->value;
    s->slot[h] = (uint32_t)++s->n;
    return s->n * 2 > s->nslot ? grow(s) : ZR_OK;
}

/* Append at most max bytes of src to key at *k. */
static void put(char *key, size_t *k, const char *src, size_t max) {
    const size_t n = strnlen(src, max);
    memcpy(key + *k, src, n);
    *k += n;
}

zr_status inv_summary_add(inv_summary *s, const inv_parcel *p) {
    static const int lens[3] = {6, 9, 12};
    /* the fields as the rows keep them: class ≤ 15 bytes, land class ≤ 5 */
    const size_t cls_len = strnlen(p->cls, 15), dlbm_len = strnlen(p->dlbm, 5);
    zr_status st = ZR_OK;
    for (int l = 0; l < 3 && !st; l++) {
        const size_t code_len = strnlen(p->zldwdm, (size_t)lens[l]);
        for (int total = 0; total < 2 && !st; total++) {
            /* "LEVEL|CODE|0合计|" or "LEVEL|CODE|1CLASS|DLBM": 合计 sorts first in its unit */
            char key[96];
            size_t k = 0;
            key[k++] = (char)('1' + l);
            key[k++] = '|';
            put(key, &k, p->zldwdm, code_len);
            key[k++] = '|';
            key[k++] = total ? '0' : '1';
            put(key, &k, total ? "合计" : p->cls, total ? 15 : cls_len);
            key[k++] = '|';
            if (!total) put(key, &k, p->dlbm, dlbm_len);
            key[k] = 0;
            st = add_row(s, key, k, l + 1, p->zldwdm, code_len, total ? "合计" : p->cls,
                         total ? "" : p->dlbm, p);
        }
    }
    return st;
}

static int cmp_row(const void *a, const void *b) {
    return strcmp(((const sum_row *)a)->key, ((const sum_row *)b)->key);
}

sum_row *inv_summary_rows(inv_summary *s, size_t *n) {
    qsort(s->r, s->n, sizeof *s->r, cmp_row);
    memset(s->slot, 0, s->nslot * sizeof *s->slot); /* the order changed: no more adds */
    *n = s->n;
    return s->r;
}

static const char *level_name(int l) {
    return l == 1 ? "县" : l == 2 ? "乡" : "村";
}

zr_status inv_write_summary_csv(const char *path, const sum_row *r, size_t n) {
    FILE *f = fopen(path, "w");
    if (!f) return ZR_ERR_IO;
    fputs("LEVEL,CODE,CLASS,DLBM,COUNT,AREA,VALUE\n", f);
    for (size_t i = 0; i < n; i++) {
        char a[32], v[32];
        fprintf(f, "%s,%s,%s,%s,%lld,%s,%s\n", level_name(r[i].level), r[i].code, r[i].cls,
                r[i].dlbm, (long long)r[i].count, zr_fmt_scaled(a, r[i].area, 2),
                zr_fmt_scaled(v, r[i].value, 2));
    }
    int e = ferror(f);
    return fclose(f) == 0 && !e ? ZR_OK : ZR_ERR_IO;
}

/* 强制调平: display units of 0.01 公顷 (= 10,000 × 0.01 m²) and 0.01 万元 (= 10,000 × 0.01
 * yuan). The county total is rounded half-up; each level's units are apportioned (largest
 * remainder) to sum to the unit above, and each unit's rows to its total, so every displayed
 * total is the sum of the displayed rows. */
zr_status inv_balance(sum_row *r, size_t n, int64_t *disp_area, int64_t *disp_value) {
    /* room for any unit's children or rows: at most n */
    size_t *kids = zr_malloc((n ? n : 1) * sizeof *kids);
    double *w = zr_malloc((n ? n : 1) * sizeof *w);
    int64_t *out = zr_malloc((n ? n : 1) * sizeof *out);
    zr_status s = kids && w && out ? ZR_OK : ZR_ERR_NOMEM;
    for (int pass = 0; pass < 2 && !s; pass++) {
        int64_t *disp = pass ? disp_value : disp_area;
        for (size_t i = 0; i < n; i++)
            disp[i] = -1;
        /* unit totals, top-down */
        for (int level = 1; level <= 3 && !s; level++) {
            for (size_t i = 0; i < n && !s; i++) {
                if (r[i].level != level || strcmp(r[i].cls, "合计")) continue;
                if (level == 1) {
                    const int64_t ex = pass ? r[i].value : r[i].area;
                    disp[i] = zr_muldiv_round(ex, 1, 10000);
                }
                if (level == 3) continue;
                /* children: totals of the next level whose code starts with this code */
                size_t nk = 0;
                for (size_t k = 0; k < n; k++)
                    if (r[k].level == level + 1 && !strcmp(r[k].cls, "合计") &&
                        !strncmp(r[k].code, r[i].code, strlen(r[i].code))) {
                        kids[nk] = k;
                        w[nk++] = (double)(pass ? r[k].value : r[k].area);
                    }
                if (!nk) continue;
                if ((s = zr_apportion(disp[i], w, nk, out))) break;
                for (size_t k = 0; k < nk; k++)
                    disp[kids[k]] = out[k];
            }
        }
        /* rows within each unit */
        for (size_t i = 0; i < n && !s; i++) {
            if (strcmp(r[i].cls, "合计")) continue;
            size_t j = i + 1;
            while (j < n && r[j].level == r[i].level && !strcmp(r[j].code, r[i].code))
                j++;
            const size_t nr = j - i - 1;
            if (!nr) continue;
            for (size_t k = 0; k < nr; k++)
                w[k] = (double)(pass ? r[i + 1 + k].value : r[i + 1 + k].area);
            s = zr_apportion(disp[i] < 0 ? 0 : disp[i], w, nr, out);
            for (size_t k = 0; !s && k < nr; k++)
                disp[i + 1 + k] = out[k];
        }
    }
    free(kids), free(w), free(out);
    return s;
}

zr_status inv_write_summary_xlsx(const char *path, const sum_row *r, size_t n, const int64_t *da,
                                 const int64_t *dv) {
    zr_status s = ZR_OK;
    enum { NC = 7 };
    const char *headers[NC] = {"级别",   "单位代码",   "资源类",    "地类编码",
                               "图斑数", "面积(公顷)", "价值(万元)"};
    static const int numeric[NC] = {0, 0, 0, 0, 1, 1, 1};
    char(*buf)[3][32] = zr_malloc((n ? n : 1) * sizeof *buf);
    const char **cells = zr_malloc((n ? n : 1) * NC * sizeof *cells);
    if (!s && (!buf || !cells)) s = ZR_ERR_NOMEM;
    for (size_t i = 0; !s && i < n; i++) {
        snprintf(buf[i][0], 32, "%lld", (long long)r[i].count);
        zr_fmt_scaled(buf[i][1], da[i], 2);
        zr_fmt_scaled(buf[i][2], dv[i], 2);
        const char *row[NC] = {level_name(r[i].level),
                               r[i].code,
                               r[i].cls,
                               r[i].dlbm,
                               buf[i][0],
                               buf[i][1],
                               buf[i][2]};
        memcpy(&cells[i * NC], row, sizeof row);
    }
    const char *meta[1] = {
        "面积以公顷、价值以万元计，保留两位小数，已强制调平（合计等于各行之和）"};
    zr_report_doc doc = {
        "全民所有土地资源资产清查汇总表", meta, 1, headers, NC, cells, n, numeric, NULL, NULL};
    if (!s) s = zr_report_xlsx(path, "汇总表", &doc);
    free(buf), free(cells);
    return s;
}
