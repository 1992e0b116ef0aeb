/* zrzy import: survey parcels (DLTB) and, when present, villages (XZQ) into a GeoPackage store,
 * with official ellipsoidal areas, all or nothing (docs/decisions/0009-import-all-or-nothing.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/alloc.h"
#include "core/control.h"
#include "codes/codes.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "core/text.h"
#include "geo/geo.h"
#include "import/pipeline.h"
#include "import/publish.h"
#include "source/source.h"

typedef struct zr_import {
    char err[sizeof((zr_error *)0)->message];
} zr_import;

static zr_status fail(zr_import *imp, zr_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static zr_status fail(zr_import *imp, zr_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(imp->err, sizeof imp->err, fmt, ap);
    va_end(ap);
    return st;
}

/* ---- attribute mapping ---- */

/* The largest standard schema import maps (DLTB or XZQ). */
enum {
    MAP_MAX =
        (int)ZR_DLTB_NFIELDS > (int)ZR_XZQ_NFIELDS ? (int)ZR_DLTB_NFIELDS : (int)ZR_XZQ_NFIELDS
};

typedef struct {
    const zr_field_def *fields;
    int n_fields;
    int map[MAP_MAX]; /* standard field → source column, -1 when absent */
} field_map;

static zr_status map_fields(zr_import *imp, const zr_source *src, const zr_field_def *fields, int n,
                            const int *required, int n_req, field_map *m) {
    if (n < 0 || n > MAP_MAX)
        return fail(imp, ZR_ERR_LIMIT, "%s: layer %s: a schema of %d fields (at most %d)",
                    src->path, src->layer, n, MAP_MAX);
    m->fields = fields;
    m->n_fields = n;
    for (int i = 0; i < n; i++) {
        m->map[i] = -1;
        for (int k = 0; k < zr_source_nfields(src); k++)
            if (zr_strieq(fields[i].name, zr_source_field(src, k))) {
                m->map[i] = k;
                break;
            }
    }
    for (int r = 0; r < n_req; r++)
        if (m->map[required[r]] < 0)
            return fail(imp, ZR_ERR_SCHEMA, "%s: layer %s: required field %s is missing", src->path,
                        src->layer, fields[required[r]].name);
    return ZR_OK;
}

/* Convert a source value to the standard field's type. *bad = 1 when a number is unreadable. */
static void convert(zr_batch *b, const zr_value *in, const zr_field_def *fd, zr_value *out,
                    int *bad) {
    *out = (zr_value){0};
    if (in->kind == ZR_FT_NULL) return;
    char tmp[64];
    switch (fd->type) {
        case ZR_FT_TEXT:
            if (in->kind == ZR_FT_TEXT) {
                out->kind = ZR_FT_TEXT;
                out->s = in->s;
                /* shapefiles pad text with blanks; an all-blank value is null */
                size_t len = strlen(in->s);
                while (len && in->s[len - 1] == ' ')
                    len--;
                if (len == 0) {
                    out->kind = ZR_FT_NULL;
                } else if (in->s[len]) {
                    if (zr_batch_set_text(b, out, in->s, len)) out->kind = ZR_FT_NULL;
                }
            } else {
                if (in->kind == ZR_FT_INT)
                    snprintf(tmp, sizeof tmp, "%lld", (long long)in->i);
                else
                    snprintf(tmp, sizeof tmp, "%.15g", in->r);
                if (zr_batch_set_text(b, out, tmp, strlen(tmp))) out->kind = ZR_FT_NULL;
            }
            return;
        case ZR_FT_REAL:
        case ZR_FT_INT: {
            double v;
            if (in->kind == ZR_FT_TEXT) {
                char *end;
                const char *p = in->s;
                while (*p == ' ')
                    p++;
                if (!*p) return; /* blank: null */
                errno = 0;
                v = strtod(p, &end);
                while (*end == ' ')
                    end++;
                if (*end || errno) {
                    *bad = 1;
                    return;
                }
            } else {
                v = in->kind == ZR_FT_INT ? (double)in->i : in->r;
            }
            out->kind = fd->type;
            out->r = v;
            out->i = (int64_t)v;
            if (fd->type == ZR_FT_INT && in->kind == ZR_FT_INT) out->i = in->i;
            return;
        }
        default:
            return;
    }
}

static const char *val_text(const zr_value *v, char *buf, size_t n) {
    if (v->kind == ZR_FT_TEXT) return v->s;
    if (v->kind == ZR_FT_INT) return zr_fmt(buf, n, "%lld", (long long)v->i);
    if (v->kind == ZR_FT_REAL) return zr_fmt(buf, n, "%.15g", v->r);
    return "";
}

/* ---- text that is not UTF-8 ---- */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 when the byte starts none. */
static size_t utf8_seq(const unsigned char *p, size_t n) {
    const size_t k = p[0] < 0x80             ? 1
                     : (p[0] & 0xE0) == 0xC0 ? 2
                     : (p[0] & 0xF0) == 0xE0 ? 3
                     : (p[0] & 0xF8) == 0xF0 ? 4
                                             : 0;
    return k && k <= n && zr_utf8_valid(p, k) ? k : 0;
}

/* s with each byte that starts no valid sequence written as replacement (NUL-terminated). */
static zr_status utf8_rewrite(const char *s, const char *replacement, zr_buf *out) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    zr_buf_reset(out);
    zr_status st = ZR_OK;
    while (n && !st) {
        const size_t k = utf8_seq(p, n);
        if (k) {
            st = zr_buf_append(out, p, k);
            p += k, n -= k;
        } else {
            st = replacement ? zr_buf_append(out, replacement, strlen(replacement))
                             : zr_buf_printf(out, "\\x%02X", *p);
            p++, n--;
        }
    }
    if (!st) st = zr_buf_append(out, "", 1);
    return st;
}

/* ---- the report ---- */

static void report_row(FILE *f, const char *bsm, const char *field, const char *stated,
                       const char *computed) {
    zr_csv_write_field(f, bsm);
    fputc(',', f);
    zr_csv_write_field(f, field);
    fputc(',', f);
    zr_csv_write_field(f, stated);
    fputc(',', f);
    zr_csv_write_field(f, computed);
    fputc('\n', f);
}

/* ---- one layer ---- */

typedef enum { KIND_DLTB, KIND_XZQ } layer_kind;

typedef struct {
    zr_import *imp;
    const zr_import_opts *o;
    zr_store *store;
    FILE *report;
    zr_import_result *res;
    int threads;
    double t0;
    zr_buf text, shown;   /* a repaired text value; one shown with \xNN escapes */
    char first_diff[300]; /* the first stated area that differs, for --strict's message */
} import_ctx;

/* Progress no more than about once a second, apart from a phase's first and last call. */
typedef struct {
    const zr_control *ctl;
    const char *phase;
    double next;
} ticker;

static void tick(ticker *t, int64_t done, int64_t total, int force) {
    if (!t->ctl || !t->ctl->progress) return;
    const double now = zr_now();
    if (!force && now < t->next) return;
    zr_progress(t->ctl, t->phase, done, total);
    t->next = now + 1.0;
}

/* The text values of feature i that are not UTF-8: refused under --strict, else stored with
 * U+FFFD for each bad byte and listed in the report. */
static zr_status fix_text(import_ctx *c, const zr_source *src, const field_map *m, zr_batch *b,
                          zr_feature *f, const char *bsm) {
    for (int k = 0; k < m->n_fields; k++) {
        const int col = m->map[k];
        if (col < 0 || f->v[col].kind != ZR_FT_TEXT ||
            zr_utf8_valid((const unsigned char *)f->v[col].s, strlen(f->v[col].s)))
            continue;
        if (utf8_rewrite(f->v[col].s, NULL, &c->shown) != ZR_OK) return ZR_ERR_NOMEM;
        if (c->o->strict)
            return fail(c->imp, ZR_ERR_CONTENT,
                        "%s: layer %s: feature fid=%lld BSM=%s: field %s: text is not valid "
                        "UTF-8 (%s)",
                        src->path, src->layer, (long long)f->fid, bsm, m->fields[k].name,
                        (const char *)c->shown.data);
        if (utf8_rewrite(f->v[col].s, "\xEF\xBF\xBD", &c->text) != ZR_OK ||
            zr_batch_set_text(b, &f->v[col], (const char *)c->text.data, c->text.len - 1) != ZR_OK)
            return ZR_ERR_NOMEM;
        report_row(c->report, bsm, m->fields[k].name, (const char *)c->shown.data,
                   (const char *)c->text.data);
        c->res->n_text_repaired++;
    }
    return ZR_OK;
}

/* Import one layer. *skipped = 1 (nothing written) for a villages layer without features. */
static zr_status import_layer(import_ctx *c, zr_source *src, layer_kind kind, int64_t *count,
                              int64_t *area_sum, int *skipped) {
    zr_import *imp = c->imp;
    static const int dltb_req[] = {ZR_DLTB_BSM, ZR_DLTB_DLBM, ZR_DLTB_QSXZ, ZR_DLTB_ZLDWDM};
    static const int xzq_req[] = {ZR_XZQ_XZQDM};
    const zr_field_def *fields = kind == KIND_DLTB ? zr_dltb_fields : zr_xzq_fields;
    const int nf = kind == KIND_DLTB ? ZR_DLTB_NFIELDS : ZR_XZQ_NFIELDS;
    const char *table = kind == KIND_DLTB ? "DLTB" : "XZQ";
    *skipped = 0;
    field_map m;
    zr_status st = kind == KIND_DLTB ? map_fields(imp, src, fields, nf, dltb_req, 4, &m)
                                     : map_fields(imp, src, fields, nf, xzq_req, 1, &m);
    if (st) return st;
    const int bsm_col = m.map[0];
    const int srs_id = src->crs.epsg;
    ticker tk = {&c->o->ctl, kind == KIND_DLTB ? "read" : "villages", 0};

    zr_writer *w = NULL;
    imp_pipe *pipe = NULL;
    imp_slot *slot = NULL;
    zr_value *vals = zr_calloc((size_t)nf, sizeof *vals);
    unsigned char *text_cols = zr_calloc((size_t)zr_source_nfields(src) + 1, 1);
    if (!vals || !text_cols) {
        st = fail(imp, ZR_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < nf; k++)
        if (m.map[k] >= 0 && fields[k].type == ZR_FT_TEXT) text_cols[m.map[k]] = 1;
    tick(&tk, 0, 0, 1);
    if ((st = imp_pipe_start(src, srs_id, c->threads, &c->o->ctl, text_cols, &pipe))) {
        fail(imp, st, "%s: layer %s: cannot start reading (%s)", src->path, src->layer,
             zr_status_str(st));
        goto done;
    }
    for (int first = 1;; first = 0) {
        slot = imp_pipe_next(pipe);
        if (slot->st == ZR_ERR_CANCELLED) {
            st = fail(imp, ZR_ERR_CANCELLED, "import cancelled");
            goto done;
        }
        if (slot->st) {
            st = fail(imp, slot->st == ZR_ERR_NOMEM ? slot->st : ZR_ERR_IMPORT, "%s", slot->err);
            goto done;
        }
        if (first && !slot->got) {
            if (kind == KIND_XZQ) { /* no villages: the store keeps those it has */
                *skipped = 1;
                goto done;
            }
            if (!c->o->allow_empty) {
                st = fail(imp, ZR_ERR_CONTENT,
                          "%s: layer %s: no parcels; importing it would empty the store's DLTB "
                          "(refused; --allow-empty imports an empty layer)",
                          src->path, src->layer);
                goto done;
            }
        }
        if (first) {
            if ((st = zr_store_create_layer(c->store, table, fields, nf, srs_id,
                                            kind == KIND_DLTB ? "地类图斑" : "行政区")) ||
                (st = zr_writer_open(c->store, table, fields, nf, &w))) {
                fail(imp, st, "%s", zr_store_errmsg(c->store));
                goto done;
            }
        }
        if (!slot->got) break;
        zr_batch *bp = &slot->b;
        for (size_t i = 0; i < slot->got; i++) {
            if ((i & 1023) == 1023 && zr_cancelled(&c->o->ctl)) {
                st = fail(imp, ZR_ERR_CANCELLED, "import cancelled");
                goto done;
            }
            zr_feature *f = &bp->f[i];
            const imp_geom *r = &slot->geom[i];
            char bsmbuf[64];
            const char *bsm = bsm_col >= 0 ? val_text(&f->v[bsm_col], bsmbuf, sizeof bsmbuf) : "";
            if (r->bad_text) {
                if (bsm_col >= 0 && f->v[bsm_col].kind == ZR_FT_TEXT &&
                    !zr_utf8_valid((const unsigned char *)bsm, strlen(bsm))) {
                    if (utf8_rewrite(bsm, NULL, &c->shown) ||
                        !(bsm = zr_arena_strndup(bp->arena, (const char *)c->shown.data,
                                                 c->shown.len - 1))) {
                        st = fail(imp, ZR_ERR_NOMEM, "out of memory");
                        goto done;
                    }
                }
                if ((st = fix_text(c, src, &m, bp, f, bsm))) {
                    if (st == ZR_ERR_NOMEM) fail(imp, st, "out of memory");
                    goto done;
                }
            }
            if (r->st) {
                st = r->st == ZR_ERR_NOMEM ? ZR_ERR_NOMEM : ZR_ERR_GEOM_INVALID;
                fail(imp, st, "%s: layer %s: feature fid=%lld BSM=%s: field geometry: %s",
                     src->path, src->layer, (long long)f->fid, *bsm ? bsm : "(empty)", r->why);
                goto done;
            }
            for (int k = 0; k < nf; k++) {
                int bad = 0;
                if (m.map[k] >= 0)
                    convert(bp, &f->v[m.map[k]], &fields[k], &vals[k], &bad);
                else
                    vals[k] = (zr_value){0};
                if (bad) {
                    if (c->o->strict) {
                        st = fail(imp, ZR_ERR_CONTENT,
                                  "%s: layer %s: feature fid=%lld BSM=%s: field %s: not a number",
                                  src->path, src->layer, (long long)f->fid, bsm, fields[k].name);
                        goto done;
                    }
                    report_row(c->report, bsm, fields[k].name, "unreadable number", "");
                }
            }
            if (kind == KIND_DLTB) {
                if (vals[ZR_DLTB_YSDM].kind == ZR_FT_NULL)
                    vals[ZR_DLTB_YSDM] = (zr_value){.kind = ZR_FT_TEXT, .s = ZR_YSDM_DLTB};
                if (c->o->year && vals[ZR_DLTB_SJNF].kind == ZR_FT_NULL)
                    vals[ZR_DLTB_SJNF] = (zr_value){.kind = ZR_FT_INT, .i = c->o->year};
                if (!r->area_ok) {
                    if (c->o->strict) {
                        st = fail(imp, ZR_ERR_CONTENT,
                                  "%s: layer %s: feature fid=%lld BSM=%s: field geometry: a "
                                  "coordinate is not finite or is beyond 1e9; area not computable",
                                  src->path, src->layer, (long long)f->fid, bsm);
                        goto done;
                    }
                    report_row(c->report, bsm, "TBMJ",
                               val_text(&vals[ZR_DLTB_TBMJ], bsmbuf, sizeof bsmbuf),
                               "not computable");
                    c->res->n_area_diffs++;
                } else {
                    const int64_t tbmj = r->area_cents;
                    int64_t kcxs = 0;
                    if (vals[ZR_DLTB_KCXS].kind != ZR_FT_NULL) {
                        const double x = vals[ZR_DLTB_KCXS].r;
                        /* a deduction coefficient is a share of the parcel: outside [0, 1) it
                           would give a negative KCMJ or a TBDLMJ above TBMJ (refused always) */
                        if (!(x >= 0 && x < 1)) {
                            st = fail(imp, ZR_ERR_CONTENT,
                                      "%s: layer %s: feature fid=%lld BSM=%s: field KCXS: %g is "
                                      "not a deduction coefficient (0 to below 1)",
                                      src->path, src->layer, (long long)f->fid, bsm, x);
                            goto done;
                        }
                        kcxs = zr_double_scaled(x, 4);
                    }
                    const int64_t kcmj = zr_muldiv_round(tbmj, kcxs, 10000);
                    const int64_t computed[3] = {tbmj, kcmj, tbmj - kcmj};
                    static const int idx[3] = {ZR_DLTB_TBMJ, ZR_DLTB_KCMJ, ZR_DLTB_TBDLMJ};
                    int differs = 0;
                    for (int k = 0; k < 3; k++) {
                        zr_value *v = &vals[idx[k]];
                        if (v->kind != ZR_FT_NULL && zr_round_cents(v->r) != computed[k]) {
                            char a[32], bb[32];
                            report_row(c->report, bsm, fields[idx[k]].name,
                                       zr_fmt_scaled(a, zr_round_cents(v->r), 2),
                                       zr_fmt_scaled(bb, computed[k], 2));
                            if (!c->first_diff[0])
                                snprintf(c->first_diff, sizeof c->first_diff,
                                         "fid=%lld BSM=%s: field %s: stated %s, computed %s",
                                         (long long)f->fid, bsm, fields[idx[k]].name, a, bb);
                            differs = 1;
                        }
                        *v = (zr_value){.kind = ZR_FT_REAL, .r = (double)computed[k] / 100.0};
                    }
                    c->res->n_area_diffs += differs;
                    *area_sum += tbmj;
                }
            } else {
                if (vals[ZR_XZQ_YSDM].kind == ZR_FT_NULL)
                    vals[ZR_XZQ_YSDM] = (zr_value){.kind = ZR_FT_TEXT, .s = ZR_YSDM_XZQ};
                if (r->area_ok && vals[ZR_XZQ_JSMJ].kind == ZR_FT_NULL)
                    vals[ZR_XZQ_JSMJ] =
                        (zr_value){.kind = ZR_FT_REAL, .r = (double)r->area_cents / 100.0};
            }
            if ((st = zr_writer_insert(w, vals, r->blob, r->blob_len))) {
                fail(imp, st, "%s", zr_store_errmsg(c->store));
                goto done;
            }
            (*count)++;
        }
        if ((st = zr_writer_flush(w))) { /* the slot's memory goes back to the reader */
            fail(imp, st, "%s", zr_store_errmsg(c->store));
            goto done;
        }
        imp_pipe_release(pipe, slot);
        slot = NULL;
        if (zr_cancelled(&c->o->ctl)) {
            st = fail(imp, ZR_ERR_CANCELLED, "import cancelled");
            goto done;
        }
        tick(&tk, *count, 0, 0);
    }
    tick(&tk, *count, *count, 1);
    if (kind == KIND_DLTB) {
        tk.phase = "index";
        tick(&tk, 0, *count, 1);
    }
done : {
    /* on failure pending rows point into the slots freed below: abandoned, not written */
    const zr_status s2 = zr_writer_end(w, st);
    if (!st && s2) st = fail(imp, s2, "%s", zr_store_errmsg(c->store));
}
    if (!st && kind == KIND_DLTB) tick(&tk, *count, *count, 1);
    if (slot) imp_pipe_release(pipe, slot);
    imp_pipe_stop(pipe);
    free(vals);
    free(text_cols);
    return st;
}

static void default_report_path(const char *store, char *out, size_t n) {
    size_t len = strlen(store);
    if (len > 5 && zr_strieq(store + len - 5, ".gpkg")) len -= 5;
    snprintf(out, n, "%.*s.import-report.csv", (int)(len > 1000 ? 1000 : len), store);
}

/* Register crs in the store. */
static zr_status add_srs(zr_import *imp, zr_store *store, const zr_crs *crs) {
    char *wkt = NULL, name[160];
    zr_crs_name(crs, name, sizeof name);
    zr_status st = zr_crs_wkt(crs->epsg, &wkt);
    if (st)
        return fail(imp, st, "EPSG:%d: no definition to register (%s)", crs->epsg,
                    zr_status_str(st));
    st = zr_store_ensure_srs(store, crs->epsg, name, wkt);
    free(wkt);
    if (st) fail(imp, st, "%s", zr_store_errmsg(store));
    return st;
}

static zr_status set_meta(zr_import *imp, zr_store *store, const char *key, const char *value) {
    zr_status st = zr_store_meta_set(store, key, value);
    if (st) fail(imp, st, "%s", zr_store_errmsg(store));
    return st;
}

static zr_status import_run(zr_import *imp, const zr_import_opts *o, zr_import_result *res) {
    memset(res, 0, sizeof *res);
    imp->err[0] = 0;
    if (!o->store || !o->source) return fail(imp, ZR_ERR_ARG, "store and source are required");
    import_ctx c = {imp,      o,   NULL, NULL, res, o->threads > 0 ? o->threads : zr_ncpu(),
                    zr_now(), {0}, {0},  ""};
    if (c.threads > 64) c.threads = 64;
    zr_progress(&o->ctl, "open", 0, 0);
    if (zr_cancelled(&o->ctl)) return fail(imp, ZR_ERR_CANCELLED, "import cancelled");
    zr_source src = {0}, xzq = {0};
    imp_report rep = {.old_fd = -1};
    int have_xzq = 0, is_new = 0;
    char err[1536] = "", tmp_store[1200] = "";
    struct stat ss, sd;
    const int store_exists = stat(o->store, &sd) == 0;
    if (store_exists && stat(o->source, &ss) == 0 && ss.st_dev == sd.st_dev &&
        ss.st_ino == sd.st_ino)
        return fail(imp, ZR_ERR_ARG, "%s: the store cannot be the file it imports from", o->store);
    /* leftovers of imports that were killed */
    imp_sweep(o->store, "new");
    if (o->report_path)
        snprintf(res->report_path, sizeof res->report_path, "%s", o->report_path);
    else
        default_report_path(o->store, res->report_path, sizeof res->report_path);
    imp_sweep(res->report_path, "report");
    struct stat sr;
    if (!strcmp(res->report_path, o->store) || !strcmp(res->report_path, o->source) ||
        (stat(res->report_path, &sr) == 0 &&
         ((store_exists && sr.st_dev == sd.st_dev && sr.st_ino == sd.st_ino) ||
          (stat(o->source, &ss) == 0 && sr.st_dev == ss.st_dev && sr.st_ino == ss.st_ino))))
        return fail(imp, ZR_ERR_ARG, "%s: the report cannot be the store or the source",
                    res->report_path);

    zr_status st = zr_source_open(&src, o->source, o->layer, err, sizeof err);
    if (st) return fail(imp, st == ZR_ERR_NOMEM ? st : ZR_ERR_IMPORT, "%s", err);
    if ((st = zr_source_crs(&src, err, sizeof err))) {
        fail(imp, st, "%s", err);
        goto out;
    }
    /* villages travel with the parcels when the source has them */
    if (!zr_strieq(src.layer, "XZQ") &&
        zr_source_open(&xzq, o->source, "XZQ", err, sizeof err) == ZR_OK) {
        have_xzq = 1;
        if ((st = zr_source_crs(&xzq, err, sizeof err))) {
            fail(imp, st, "%s", err);
            goto out;
        }
    }
    if ((st = imp_report_open(&rep, res->report_path, err, sizeof err))) {
        fail(imp, st, "%s", err);
        goto out;
    }
    c.report = rep.f;
    fputs("BSM,FIELD,STATED,COMPUTED\n", c.report);

    /* a new store is built under a temporary name and appears whole or not at all */
    if (zr_cancelled(&o->ctl)) {
        st = fail(imp, ZR_ERR_CANCELLED, "import cancelled");
        goto out;
    }
    const char *target = o->store;
    if (!store_exists) {
        if (imp_temp_name(o->store, "new", tmp_store, sizeof tmp_store) != 0) {
            st = fail(imp, ZR_ERR_ARG, "%s: the store's path is too long", o->store);
            goto out;
        }
        imp_store_discard(tmp_store);
        target = tmp_store;
        is_new = 1;
    }
    if ((st = zr_store_open(target, is_new ? ZR_STORE_CREATE : ZR_STORE_WRITE, &c.store))) {
        if (is_new)
            fail(imp, st, "%s: cannot create the store: %s", o->store, zr_store_errmsg(c.store));
        else
            fail(imp, st, "%s", zr_store_errmsg(c.store));
        goto out;
    }
    if (zr_cancelled(&o->ctl)) {
        st = fail(imp, ZR_ERR_CANCELLED, "import cancelled");
        goto out;
    }
    if ((st = zr_store_begin(c.store))) {
        fail(imp, st, "%s", zr_store_errmsg(c.store));
        goto out;
    }
    if ((st = add_srs(imp, c.store, &src.crs))) goto out;
    int skipped = 0;
    if ((st = import_layer(&c, &src, KIND_DLTB, &res->n_parcels, &res->total_tbmj_cents, &skipped)))
        goto out;
    if (have_xzq) {
        if (xzq.crs.epsg != src.crs.epsg && (st = add_srs(imp, c.store, &xzq.crs))) goto out;
        int64_t dummy = 0;
        if ((st = import_layer(&c, &xzq, KIND_XZQ, &res->n_xzq, &dummy, &skipped))) goto out;
        if (!skipped && (st = set_meta(imp, c.store, "xzq.source", xzq.path))) goto out;
    }
    if (o->strict && res->n_area_diffs) {
        st = fail(imp, ZR_ERR_CONTENT,
                  "%s: layer %s: %lld parcels state areas that differ from the ellipsoidal areas, "
                  "the first: feature %s; refused under --strict (without it they are imported "
                  "and listed in the report)",
                  src.path, src.layer, (long long)res->n_area_diffs,
                  c.first_diff[0] ? c.first_diff : "(a coordinate is not finite)");
        goto out;
    }
    {
        char v[64];
        if ((st = set_meta(imp, c.store, "dltb.source", src.path)) ||
            (st = set_meta(imp, c.store, "dltb.epsg", zr_fmt(v, sizeof v, "%d", src.crs.epsg))) ||
            (st = set_meta(imp, c.store, "dltb.year",
                           o->year ? zr_fmt(v, sizeof v, "%d", o->year) : NULL)))
            goto out;
    }
    if (zr_cancelled(&o->ctl)) {
        st = fail(imp, ZR_ERR_CANCELLED, "import cancelled");
        goto out;
    }
    /* the report is in place before the commit; a failure from here on puts the old one back */
    zr_progress(&o->ctl, "report", 0, 0);
    if ((st = imp_report_publish(&rep, err, sizeof err))) {
        fail(imp, st, "%s", err);
        goto out;
    }
    zr_progress(&o->ctl, "commit", 0, 0);
    if (zr_cancelled(&o->ctl)) { /* the last point of return: after the commit the run is done */
        st = fail(imp, ZR_ERR_CANCELLED, "import cancelled");
        goto out;
    }
    if ((st = zr_store_commit(c.store))) {
        fail(imp, st, "%s", zr_store_errmsg(c.store));
        goto out;
    }
    if (is_new) {
        zr_store_close(c.store);
        c.store = NULL;
        if ((st = imp_store_publish(tmp_store, o->store, err, sizeof err))) {
            fail(imp, st, "%s", err);
            goto out;
        }
    }
    res->epsg = src.crs.epsg;
out:
    if (c.store) {
        if (st) zr_store_rollback(c.store);
        zr_store_close(c.store);
    }
    if (st && is_new) imp_store_discard(tmp_store);
    if (st && imp_report_restore(&rep, err, sizeof err) != ZR_OK) {
        /* the store is as it was; say what did change */
        const size_t len = strlen(imp->err);
        snprintf(imp->err + len, sizeof imp->err - len, "; %s", err);
    }
    imp_report_close(&rep);
    zr_source_close(&src);
    zr_source_close(&xzq);
    zr_buf_free(&c.text);
    zr_buf_free(&c.shown);
    res->seconds = zr_now() - c.t0;
    return st;
}

zr_status zr_import_run(const zr_import_opts *o, zr_import_result *r, zr_error *e) {
    zr_import imp = {""};
    zr_import_result tmp;
    zr_status s = o && r ? import_run(&imp, o, &tmp) : ZR_ERR_ARG;
    if (!s) *r = tmp;
    return zr_error_finish(e, s, imp.err);
}
