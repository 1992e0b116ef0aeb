/* zrzy import: survey parcels (DLTB) and, when present, villages (XZQ) into a GeoPackage store,
 * with official ellipsoidal areas, all or nothing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/alloc.h"
#include "core/control.h"
#include "codes/codes.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "geo/geo.h"
#include "import/pipeline.h"
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

typedef struct {
    const zr_field_def *fields;
    int n_fields;
    int map[64]; /* standard field → source column, -1 when absent */
} field_map;

static zr_status map_fields(zr_import *imp, const zr_source *src, const zr_field_def *fields, int n,
                            const int *required, int n_req, field_map *m) {
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
} import_ctx;

static zr_status import_layer(import_ctx *c, zr_source *src, layer_kind kind, int64_t *count,
                              int64_t *area_sum) {
    zr_import *imp = c->imp;
    static const int dltb_req[] = {ZR_DLTB_BSM, ZR_DLTB_DLBM, ZR_DLTB_QSXZ, ZR_DLTB_ZLDWDM};
    static const int xzq_req[] = {ZR_XZQ_XZQDM};
    const zr_field_def *fields = kind == KIND_DLTB ? zr_dltb_fields : zr_xzq_fields;
    const int nf = kind == KIND_DLTB ? ZR_DLTB_NFIELDS : ZR_XZQ_NFIELDS;
    const char *table = kind == KIND_DLTB ? "DLTB" : "XZQ";
    field_map m;
    zr_status st = kind == KIND_DLTB ? map_fields(imp, src, fields, nf, dltb_req, 4, &m)
                                     : map_fields(imp, src, fields, nf, xzq_req, 1, &m);
    if (st) return st;
    const int bsm_col = m.map[0];
    const int srs_id = src->crs.epsg;

    zr_writer *w = NULL;
    imp_pipe *pipe = NULL;
    imp_slot *slot = NULL;
    zr_value *vals = zr_calloc((size_t)nf, sizeof *vals);
    if (!vals) {
        st = ZR_ERR_NOMEM;
        goto done;
    }
    if ((st = zr_store_create_layer(c->store, table, fields, nf, srs_id,
                                    kind == KIND_DLTB ? "地类图斑" : "行政区")) ||
        (st = zr_writer_open(c->store, table, fields, nf, &w))) {
        fail(imp, st, "%s", zr_store_errmsg(c->store));
        goto done;
    }
    if ((st = imp_pipe_start(src, srs_id, c->threads, &pipe))) goto done;
    double next_progress = zr_now() + 2.0;
    for (;;) {
        slot = imp_pipe_next(pipe);
        if (slot->st) {
            st = fail(imp, slot->st == ZR_ERR_NOMEM ? slot->st : ZR_ERR_IMPORT, "%s", slot->err);
            goto done;
        }
        if (!slot->got) break;
        zr_batch *bp = &slot->b;
        for (size_t i = 0; i < slot->got; i++) {
            const zr_feature *f = &bp->f[i];
            const imp_geom *r = &slot->geom[i];
            char bsmbuf[64];
            const char *bsm = bsm_col >= 0 ? val_text(&f->v[bsm_col], bsmbuf, sizeof bsmbuf) : "";
            if (r->st) {
                st = r->st == ZR_ERR_NOMEM ? ZR_ERR_NOMEM : ZR_ERR_GEOM_INVALID;
                fail(imp, st, "%s: layer %s: feature fid=%lld BSM=%s: field geometry: %s",
                     src->path, src->layer, (long long)f->fid, *bsm ? bsm : "(empty)", r->why);
                goto done;
            }
            int bad = 0;
            for (int k = 0; k < nf; k++) {
                int bad1 = 0;
                if (m.map[k] >= 0)
                    convert(bp, &f->v[m.map[k]], &fields[k], &vals[k], &bad1);
                else
                    vals[k] = (zr_value){0};
                if (bad1) {
                    bad = 1;
                    if (c->o->strict) {
                        st = fail(imp, ZR_ERR_CONTENT,
                                  "%s: layer %s: feature fid=%lld BSM=%s: field %s: not a number",
                                  src->path, src->layer, (long long)f->fid, bsm, fields[k].name);
                        goto done;
                    }
                    fprintf(c->report, "%s,%s,unreadable number,\n", bsm, fields[k].name);
                }
            }
            (void)bad;
            if (kind == KIND_DLTB) {
                if (vals[ZR_DLTB_YSDM].kind == ZR_FT_NULL)
                    vals[ZR_DLTB_YSDM] = (zr_value){.kind = ZR_FT_TEXT, .s = ZR_YSDM_DLTB};
                if (c->o->year && vals[ZR_DLTB_SJNF].kind == ZR_FT_NULL)
                    vals[ZR_DLTB_SJNF] = (zr_value){.kind = ZR_FT_INT, .i = c->o->year};
                if (!r->area_ok) {
                    if (c->o->strict) {
                        st = fail(imp, ZR_ERR_CONTENT,
                                  "%s: layer %s: feature fid=%lld BSM=%s: field geometry: a "
                                  "coordinate is not a finite number; area not computable",
                                  src->path, src->layer, (long long)f->fid, bsm);
                        goto done;
                    }
                    fprintf(c->report, "%s,TBMJ,%s,not computable\n", bsm,
                            val_text(&vals[ZR_DLTB_TBMJ], bsmbuf, sizeof bsmbuf));
                    c->res->n_area_diffs++;
                } else {
                    const int64_t tbmj = r->area_cents;
                    int64_t kcxs = 0;
                    if (vals[ZR_DLTB_KCXS].kind != ZR_FT_NULL)
                        kcxs = zr_double_scaled(vals[ZR_DLTB_KCXS].r, 4);
                    const int64_t kcmj = zr_muldiv_round(tbmj, kcxs, 10000);
                    const int64_t computed[3] = {tbmj, kcmj, tbmj - kcmj};
                    static const int idx[3] = {ZR_DLTB_TBMJ, ZR_DLTB_KCMJ, ZR_DLTB_TBDLMJ};
                    int differs = 0;
                    for (int k = 0; k < 3; k++) {
                        zr_value *v = &vals[idx[k]];
                        if (v->kind != ZR_FT_NULL && zr_round_cents(v->r) != computed[k]) {
                            char a[32], bb[32];
                            fprintf(c->report, "%s,%s,%s,%s\n", bsm, fields[idx[k]].name,
                                    zr_fmt_scaled(a, zr_round_cents(v->r), 2),
                                    zr_fmt_scaled(bb, computed[k], 2));
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
        if (c->o->ctl.progress && zr_now() > next_progress) {
            zr_progress(&c->o->ctl, table, *count, 0);
            next_progress = zr_now() + 2.0;
        }
    }
done : {
    /* on failure pending rows point into the slots freed below: abandoned, not written */
    const zr_status s2 = zr_writer_end(w, st);
    if (!st && s2) st = fail(imp, s2, "%s", zr_store_errmsg(c->store));
}
    if (slot) imp_pipe_release(pipe, slot);
    imp_pipe_stop(pipe);
    free(vals);
    return st;
}

static void default_report_path(const char *store, char *out, size_t n) {
    size_t len = strlen(store);
    if (len > 5 && zr_strieq(store + len - 5, ".gpkg")) len -= 5;
    snprintf(out, n, "%.*s.import-report.csv", (int)(len > 1000 ? 1000 : len), store);
}

static zr_status import_run(zr_import *imp, const zr_import_opts *o, zr_import_result *res) {
    memset(res, 0, sizeof *res);
    imp->err[0] = 0;
    if (!o->store || !o->source) return fail(imp, ZR_ERR_ARG, "store and source are required");
    import_ctx c = {imp, o, NULL, NULL, res, o->threads > 0 ? o->threads : zr_ncpu(), zr_now()};
    if (c.threads > 64) c.threads = 64;
    zr_source src = {0}, xzq = {0};
    int have_xzq = 0;
    char err[1536] = "", tmp_report[1100] = "";
    char *rs = realpath(o->source, NULL), *rd = realpath(o->store, NULL);
    int same = rs && rd && !strcmp(rs, rd);
    free(rs);
    free(rd);
    if (same)
        return fail(imp, ZR_ERR_ARG, "%s: the store cannot be the file it imports from", o->store);
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
    if (o->report_path)
        snprintf(res->report_path, sizeof res->report_path, "%s", o->report_path);
    else
        default_report_path(o->store, res->report_path, sizeof res->report_path);
    snprintf(tmp_report, sizeof tmp_report, "%s.tmp%ld", res->report_path, (long)getpid());
    if (!(c.report = fopen(tmp_report, "w"))) {
        st = fail(imp, ZR_ERR_IO, "%s: cannot write the import report", tmp_report);
        goto out;
    }
    fputs("BSM,FIELD,STATED,COMPUTED\n", c.report);

    if ((st = zr_store_open(o->store, ZR_STORE_CREATE, &c.store))) {
        fail(imp, st, "%s", zr_store_errmsg(c.store));
        goto out;
    }
    if ((st = zr_store_begin(c.store))) {
        fail(imp, st, "%s", zr_store_errmsg(c.store));
        goto out;
    }
    char *wkt = NULL;
    char name[160];
    zr_crs_name(&src.crs, name, sizeof name);
    if ((st = zr_crs_wkt(src.crs.epsg, &wkt))) {
        fail(imp, st, "EPSG:%d: no definition to register (%s)", src.crs.epsg, zr_status_str(st));
        goto out;
    }
    st = zr_store_ensure_srs(c.store, src.crs.epsg, name, wkt);
    free(wkt);
    if (st) {
        fail(imp, st, "%s", zr_store_errmsg(c.store));
        goto out;
    }
    if ((st = import_layer(&c, &src, KIND_DLTB, &res->n_parcels, &res->total_tbmj_cents))) goto out;
    if (have_xzq) {
        if (xzq.crs.epsg != src.crs.epsg) {
            zr_crs_name(&xzq.crs, name, sizeof name);
            if ((st = zr_crs_wkt(xzq.crs.epsg, &wkt)) == ZR_OK) {
                st = zr_store_ensure_srs(c.store, xzq.crs.epsg, name, wkt);
                free(wkt);
            }
            if (st) {
                fail(imp, st, "EPSG:%d: cannot register", xzq.crs.epsg);
                goto out;
            }
        }
        int64_t dummy = 0;
        if ((st = import_layer(&c, &xzq, KIND_XZQ, &res->n_xzq, &dummy))) goto out;
    }
    if (o->strict && res->n_area_diffs) {
        st = fail(imp, ZR_ERR_CONTENT,
                  "%s: layer %s: %lld parcels state areas that differ from the ellipsoidal areas "
                  "(see %s); refused under --strict",
                  src.path, src.layer, (long long)res->n_area_diffs, res->report_path);
        goto out;
    }
    {
        char v[64];
        zr_store_meta_set(c.store, "dltb.source", src.path);
        zr_store_meta_set(c.store, "dltb.epsg", zr_fmt(v, sizeof v, "%d", src.crs.epsg));
        if (o->year) zr_store_meta_set(c.store, "dltb.year", zr_fmt(v, sizeof v, "%d", o->year));
    }
    if ((st = zr_store_commit(c.store))) {
        fail(imp, st, "%s", zr_store_errmsg(c.store));
        goto out;
    }
    res->epsg = src.crs.epsg;
out:
    if (c.store) {
        int created = zr_store_created(c.store);
        if (st) zr_store_rollback(c.store);
        zr_store_close(c.store);
        if (st && created) {
            unlink(o->store);
            char j[1100];
            snprintf(j, sizeof j, "%s-journal", o->store);
            unlink(j);
        }
    }
    if (c.report) {
        fclose(c.report);
        if (st)
            unlink(tmp_report);
        else if (rename(tmp_report, res->report_path) != 0)
            st = fail(imp, ZR_ERR_IO, "%s: cannot write the import report", res->report_path);
    }
    zr_source_close(&src);
    zr_source_close(&xzq);
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
