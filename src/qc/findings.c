/* Findings, recorded from any thread. They are held in memory up to a limit; past it the held
 * ones are sorted and written to a temporary file (a run), so memory stays bounded however many
 * findings a layer has. They are read back in errors.csv order by a k-way merge of the runs.
 * Counts per rule and the parcels named by severity-1 findings are kept as findings arrive. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/feature.h"
#include "core/buf.h"
#include "qc/qc_int.h"

#define DEFAULT_SPILL ((size_t)1 << 18)

static int cmp_str(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "");
}

int qc_finding_cmp(const qc_finding *a, const qc_finding *b) {
    int c;
    if (a->rule != b->rule) return a->rule - b->rule;
    if ((c = cmp_str(a->bsm, b->bsm))) return c;
    if ((c = cmp_str(a->other, b->other))) return c;
    if (a->x != b->x) return a->x < b->x ? -1 : 1;
    if (a->y != b->y) return a->y < b->y ? -1 : 1;
    return cmp_str(a->message, b->message);
}

static int cmp_finding(const void *a, const void *b) {
    return qc_finding_cmp(a, b);
}

zr_status qc_findings_init(qc_findings *fs, const qc_catalogue *cat, size_t spill_at) {
    memset(fs, 0, sizeof *fs);
    fs->cat = cat;
    fs->spill_at = spill_at ? spill_at : DEFAULT_SPILL;
    pthread_mutex_init(&fs->mu, NULL);
    return (fs->arena = zr_arena_new(1 << 16)) ? ZR_OK : ZR_ERR_NOMEM;
}

void qc_findings_free(qc_findings *fs) {
    for (size_t i = 0; i < fs->n_runs; i++)
        fclose(fs->runs[i]);
    free(fs->runs);
    free(fs->f);
    free(fs->sev1);
    zr_arena_free(fs->arena);
    pthread_mutex_destroy(&fs->mu);
    memset(fs, 0, sizeof *fs);
}

/* ---- runs: rule i32, area i64, x, y f64, then bsm, other, message as u16 length (0xFFFF: NULL)
 * and bytes ---- */

static int put_str(FILE *f, const char *s) {
    const size_t n = s ? strlen(s) : 0;
    const uint16_t len = s ? (uint16_t)(n < 0xFFFE ? n : 0xFFFE) : 0xFFFF;
    return fwrite(&len, 2, 1, f) == 1 && (!s || fwrite(s, 1, len, f) == len);
}

static int get_str(FILE *f, char *buf, size_t cap, const char **out) {
    uint16_t len;
    if (fread(&len, 2, 1, f) != 1) return 0;
    if (len == 0xFFFF) {
        *out = NULL;
        return 1;
    }
    if ((size_t)len + 1 > cap || fread(buf, 1, len, f) != len) return 0;
    buf[len] = 0;
    *out = buf;
    return 1;
}

/* Sort the held findings and write them as a run; the caller holds the mutex. */
static zr_status spill(qc_findings *fs) {
    qsort(fs->f, fs->n, sizeof *fs->f, cmp_finding);
    FILE *t = tmpfile();
    FILE **nr = t ? zr_realloc(fs->runs, (fs->n_runs + 1) * sizeof *nr) : NULL;
    if (!nr) {
        if (t) fclose(t);
        return ZR_ERR_IO;
    }
    fs->runs = nr;
    int ok = 1;
    for (size_t i = 0; ok && i < fs->n; i++) {
        const qc_finding *x = &fs->f[i];
        const int32_t rule = x->rule;
        ok = fwrite(&rule, 4, 1, t) == 1 && fwrite(&x->area, 8, 1, t) == 1 &&
             fwrite(&x->x, 8, 1, t) == 1 && fwrite(&x->y, 8, 1, t) == 1 && put_str(t, x->bsm) &&
             put_str(t, x->other) && put_str(t, x->message);
    }
    if (!ok || fflush(t) != 0) {
        fclose(t);
        return ZR_ERR_IO;
    }
    rewind(t);
    fs->runs[fs->n_runs++] = t;
    fs->n = 0;
    zr_arena_reset(fs->arena);
    return ZR_OK;
}

static void note_sev1(qc_findings *fs, const char *name) {
    if (!name || !*name) return;
    uint64_t *ns = zr_grow(fs->sev1, &fs->cap_sev1, fs->n_sev1, sizeof *ns, 1024);
    if (!ns) {
        fs->st = ZR_ERR_NOMEM;
        return;
    }
    fs->sev1 = ns;
    fs->sev1[fs->n_sev1++] = zr_str_hash(name);
}

static void add_v(qc_findings *fs, int rule, const char *bsm, const char *other, double x, double y,
                  int64_t area, const char *fmt, va_list ap) {
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    pthread_mutex_lock(&fs->mu);
    qc_finding *nf = zr_grow(fs->f, &fs->cap, fs->n, sizeof *nf, 1024);
    if (!nf) {
        fs->st = ZR_ERR_NOMEM;
        pthread_mutex_unlock(&fs->mu);
        return;
    }
    fs->f = nf;
    qc_finding f = {rule, NULL, NULL, x, y, area, zr_arena_strndup(fs->arena, msg, strlen(msg))};
    if (bsm) f.bsm = zr_arena_strndup(fs->arena, bsm, strlen(bsm));
    if (other) f.other = zr_arena_strndup(fs->arena, other, strlen(other));
    if (!f.message || (bsm && !f.bsm) || (other && !f.other)) {
        fs->st = ZR_ERR_NOMEM;
        pthread_mutex_unlock(&fs->mu);
        return;
    }
    fs->f[fs->n++] = f;
    fs->total++;
    fs->count[rule]++;
    if (fs->cat->rules[rule].severity == 1) {
        if (rule == R_M03)
            fs->sev1_unit = 1; /* a unit's error, not a parcel's */
        else
            note_sev1(fs, bsm);
        note_sev1(fs, other);
    }
    if (fs->n >= fs->spill_at && !fs->st) fs->st = spill(fs);
    pthread_mutex_unlock(&fs->mu);
}

void qc_add(qc_findings *fs, int rule, const char *bsm, const char *other, double x, double y,
            int64_t area, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_v(fs, rule, bsm, other, x, y, area, fmt, ap);
    va_end(ap);
}

void qc_add_parcel(qc_findings *fs, int rule, const qc_parcel *p, int64_t area, const char *fmt,
                   ...) {
    double x, y;
    qc_parcel_point(p, &x, &y);
    va_list ap;
    va_start(ap, fmt);
    add_v(fs, rule, p->bsm, NULL, x, y, area, fmt, ap);
    va_end(ap);
}

void qc_findings_fail(qc_findings *fs, zr_status s, const char *fmt, ...) {
    pthread_mutex_lock(&fs->mu);
    if (!fs->st) {
        fs->st = s;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(fs->why, sizeof fs->why, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&fs->mu);
}

static int cmp_u64(const void *a, const void *b) {
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int64_t qc_findings_sev1_parcels(qc_findings *fs) {
    if (!fs->n_sev1) return 0;
    qsort(fs->sev1, fs->n_sev1, sizeof *fs->sev1, cmp_u64);
    int64_t k = 1;
    for (size_t i = 1; i < fs->n_sev1; i++)
        k += fs->sev1[i] != fs->sev1[i - 1];
    return k;
}

/* ---- reading back in order ---- */

typedef struct {
    FILE *f;
    qc_finding cur;
    char bsm[0x10000], other[0x10000], msg[0x10000];
} run_reader;

/* The next finding of a run: 1 read, 0 the run has ended cleanly, -1 a failed or short read
 * (the run is damaged: the findings after it would be lost). */
static int run_next(run_reader *r) {
    int32_t rule;
    if (fread(&rule, 4, 1, r->f) != 1) return feof(r->f) && !ferror(r->f) ? 0 : -1;
    r->cur.rule = rule;
    const int ok = rule >= 0 && rule < R_COUNT && fread(&r->cur.area, 8, 1, r->f) == 1 &&
                   fread(&r->cur.x, 8, 1, r->f) == 1 && fread(&r->cur.y, 8, 1, r->f) == 1 &&
                   get_str(r->f, r->bsm, sizeof r->bsm, &r->cur.bsm) &&
                   get_str(r->f, r->other, sizeof r->other, &r->cur.other) &&
                   get_str(r->f, r->msg, sizeof r->msg, &r->cur.message);
    return ok ? 1 : -1;
}

static void sift(run_reader **h, size_t n, size_t i) {
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < n && qc_finding_cmp(&h[l]->cur, &h[m]->cur) < 0) m = l;
        if (r < n && qc_finding_cmp(&h[r]->cur, &h[m]->cur) < 0) m = r;
        if (m == i) return;
        run_reader *t = h[i];
        h[i] = h[m], h[m] = t;
        i = m;
    }
}

zr_status qc_findings_each(qc_findings *fs, qc_finding_fn fn, void *ctx) {
    if (fs->st) return fs->st;
    if (!fs->n_runs) { /* all in memory */
        if (fs->n) qsort(fs->f, fs->n, sizeof *fs->f, cmp_finding);
        zr_status s = ZR_OK;
        for (size_t i = 0; i < fs->n && !s; i++)
            s = fn(ctx, &fs->f[i]);
        return s;
    }
    zr_status s = fs->n ? spill(fs) : ZR_OK;
    const size_t k = fs->n_runs;
    run_reader *rd = s ? NULL : zr_calloc(k, sizeof *rd);
    run_reader **heap = rd ? zr_malloc(k * sizeof *heap) : NULL;
    if (!s && !heap) s = ZR_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; !s && i < k; i++) {
        rewind(fs->runs[i]);
        rd[i].f = fs->runs[i];
        const int got = run_next(&rd[i]);
        if (got < 0) s = ZR_ERR_IO;
        if (got > 0) heap[n++] = &rd[i];
    }
    for (size_t i = n; !s && i-- > 0;)
        sift(heap, n, i);
    while (!s && n) {
        run_reader *top = heap[0];
        s = fn(ctx, &top->cur);
        const int got = s ? 1 : run_next(top);
        if (got < 0) s = ZR_ERR_IO; /* a damaged run ends the pass as a failure, not as done */
        if (!got) heap[0] = heap[--n];
        if (!s) sift(heap, n, 0);
    }
    free(heap);
    free(rd);
    return s;
}
