/* zr_verify_run: check a store's invariants. A table of named checks, run in order on one
 * read-only handle; each reports findings (check, table, fid, BSM, field, expected vs found).
 * A check that meets a damaged file records that as a finding and the next check runs. To add
 * a check (the register's journal chain), write its function and add one line to `checks`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/control.h"
#include "core/fixed.h"
#include "geo/geo.h"
#include "store/store_int.h"

typedef struct verify_ctx {
    zr_store *s;
    const zr_verify_opts *o;
    zr_verify_result *r;
    size_t cap;
    int64_t max;
    const char *check; /* the running check's name */
} verify_ctx;

/* Record a finding of the running check. Only ZR_ERR_NOMEM fails. */
static zr_status found(verify_ctx *c, const char *table, int64_t fid, const char *bsm,
                       const char *field, const char *expected, const char *was, const char *fmt,
                       ...) __attribute__((format(printf, 8, 9)));
static zr_status found(verify_ctx *c, const char *table, int64_t fid, const char *bsm,
                       const char *field, const char *expected, const char *was, const char *fmt,
                       ...) {
    zr_verify_result *r = c->r;
    r->n_findings++;
    if (r->n_kept >= c->max) return ZR_OK;
    zr_verify_finding *f = zr_grow(r->findings, &c->cap, (size_t)r->n_kept, sizeof *f, 16);
    if (!f) return ZR_ERR_NOMEM;
    r->findings = f;
    f = &r->findings[r->n_kept++];
    memset(f, 0, sizeof *f);
    snprintf(f->check, sizeof f->check, "%s", c->check);
    snprintf(f->table, sizeof f->table, "%s", table ? table : "");
    f->fid = fid;
    snprintf(f->bsm, sizeof f->bsm, "%s", bsm ? bsm : "");
    snprintf(f->field, sizeof f->field, "%s", field ? field : "");
    snprintf(f->expected, sizeof f->expected, "%s", expected ? expected : "");
    snprintf(f->found, sizeof f->found, "%s", was ? was : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return ZR_OK;
}

/* A check's failure to read the store: damage (ZR_ERR_DB) is a finding, the rest end the run. */
static zr_status read_failed(verify_ctx *c, zr_status st, const char *table) {
    if (st != ZR_ERR_DB && st != ZR_ERR_SCHEMA && st != ZR_ERR_NOT_FOUND) return st;
    return found(c, table, -1, NULL, NULL, NULL, NULL, "cannot be read: %s", zr_store_errmsg(c->s));
}

/* ---- integrity: PRAGMA integrity_check ---- */
static zr_status check_integrity(verify_ctx *c) {
    sqlite3_stmt *q = NULL;
    int row = 0;
    zr_status st = store_prepare(c->s, "integrity_check", "PRAGMA integrity_check(100)", &q);
    while (!st && !(st = store_step(c->s, "integrity_check", q, &row)) && row) {
        const char *m = (const char *)sqlite3_column_text(q, 0);
        if (m && strcmp(m, "ok")) st = found(c, "", -1, NULL, NULL, NULL, NULL, "%s", m);
    }
    sqlite3_finalize(q);
    return st ? read_failed(c, st, "") : ZR_OK;
}

/* ---- gpkg: the GeoPackage's identity and its registered tables ---- */
static zr_status check_gpkg(verify_ctx *c) {
    int64_t id = 0;
    int f = 0;
    zr_status st = store_int(c->s, "application_id", "PRAGMA application_id", &id, &f, NULL);
    if (st) return read_failed(c, st, "");
    if (id != 0x47504B47) {
        char e[24];
        snprintf(e, sizeof e, "0x%08llx", (unsigned long long)id);
        st = found(c, "", -1, NULL, "application_id", "0x47504b47", e,
                   "the file is not marked as a GeoPackage ('GPKG')");
    }
    static const char *const base[3] = {"gpkg_spatial_ref_sys", "gpkg_contents",
                                        "gpkg_geometry_columns"};
    for (int i = 0; i < 3 && !st; i++)
        if (!zr_store_has_table(c->s, base[i]))
            st = found(c, base[i], -1, NULL, NULL, NULL, NULL, "a GeoPackage table is missing");
    if (st || !zr_store_has_table(c->s, "gpkg_contents")) return st;
    sqlite3_stmt *q = NULL;
    int row = 0;
    st = store_prepare(c->s, "gpkg_contents",
                       "SELECT table_name FROM gpkg_contents c WHERE NOT EXISTS (SELECT 1 FROM "
                       "sqlite_master m WHERE m.type IN ('table', 'view') AND m.name = "
                       "c.table_name) ORDER BY 1",
                       &q);
    while (!st && !(st = store_step(c->s, "gpkg_contents", q, &row)) && row)
        st = found(c, (const char *)sqlite3_column_text(q, 0), -1, NULL, NULL, NULL, NULL,
                   "registered in gpkg_contents but the table does not exist");
    sqlite3_finalize(q);
    if (st == ZR_ERR_NOMEM) return st;
    return st ? read_failed(c, st, "gpkg_contents") : ZR_OK;
}

/* The R*Tree virtual tables of the file, into a malloc'd array of malloc'd names. */
static zr_status rtree_tables(zr_store *s, char ***out, int *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    int row = 0;
    zr_status st = store_prepare(s, "sqlite_master",
                                 "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                 "sql LIKE 'CREATE VIRTUAL TABLE%USING rtree%' ORDER BY name",
                                 &q);
    char **v = NULL;
    int k = 0;
    while (!st && !(st = store_step(s, "sqlite_master", q, &row)) && row) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        char **nv = zr_realloc(v, sizeof *nv * (size_t)(k + 1));
        if (!nv || !name || !(nv[k] = zr_strdup(name))) {
            if (nv) v = nv;
            st = ZR_ERR_NOMEM;
            break;
        }
        v = nv;
        k++;
    }
    sqlite3_finalize(q);
    if (st) {
        for (int i = 0; i < k; i++)
            free(v[i]);
        free(v);
        return st;
    }
    *out = v;
    *n = k;
    return ZR_OK;
}

static void free_names(char **v, int n) {
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- rtree: SQLite's rtreecheck() on every R*Tree ---- */
static zr_status check_rtree(verify_ctx *c) {
    char **names = NULL;
    int n = 0;
    zr_status st = rtree_tables(c->s, &names, &n);
    if (st) return read_failed(c, st, "");
    for (int i = 0; i < n && !st; i++) {
        sqlite3_stmt *q = NULL;
        int row = 0;
        st = store_prepare(c->s, "rtreecheck", "SELECT rtreecheck(?)", &q);
        if (!st) sqlite3_bind_text(q, 1, names[i], -1, SQLITE_STATIC);
        if (!st) st = store_step(c->s, "rtreecheck", q, &row);
        const char *m = !st && row ? (const char *)sqlite3_column_text(q, 0) : NULL;
        /* one finding a line of its report */
        for (const char *p = m; !st && p && *p && strcmp(m, "ok");) {
            const char *e = strchr(p, '\n');
            const int len = e ? (int)(e - p) : (int)strlen(p);
            st = found(c, names[i], -1, NULL, NULL, NULL, NULL, "%.*s", len, p);
            p = e ? e + 1 : NULL;
        }
        sqlite3_finalize(q);
        if (st) st = read_failed(c, st, names[i]);
    }
    free_names(names, n);
    return st;
}

/* The feature layers with an R*Tree: (table, geometry column) pairs. */
typedef struct indexed_layer {
    char table[128], geom[128];
} indexed_layer;

static zr_status indexed_layers(zr_store *s, indexed_layer **out, int *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    int row = 0, k = 0;
    indexed_layer *v = NULL;
    zr_status st = store_prepare(s, "gpkg_geometry_columns",
                                 "SELECT g.table_name, g.column_name FROM gpkg_geometry_columns g "
                                 "JOIN sqlite_master m ON m.type = 'table' AND m.name = 'rtree_' "
                                 "|| g.table_name || '_' || g.column_name ORDER BY 1",
                                 &q);
    while (!st && !(st = store_step(s, "gpkg_geometry_columns", q, &row)) && row) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        const char *g = (const char *)sqlite3_column_text(q, 1);
        if (!t || !g || strlen(t) >= sizeof v->table || strlen(g) >= sizeof v->geom) continue;
        indexed_layer *nv = zr_realloc(v, sizeof *nv * (size_t)(k + 1));
        if (!nv) {
            st = ZR_ERR_NOMEM;
            break;
        }
        v = nv;
        snprintf(v[k].table, sizeof v[k].table, "%s", t);
        snprintf(v[k].geom, sizeof v[k].geom, "%s", g);
        k++;
    }
    sqlite3_finalize(q);
    if (st) {
        free(v);
        return st;
    }
    *out = v;
    *n = k;
    return ZR_OK;
}

/* 1 when the table has a column of that name (case-insensitive). */
static int has_column(zr_store *s, const char *table, const char *col) {
    int64_t one = 0;
    int f = 0;
    return !store_int(s, "table_info",
                      "SELECT 1 FROM pragma_table_info(?) WHERE lower(name) = lower(?)", &one, &f,
                      "tt", table, col) &&
           f;
}

/* The envelope of a geometry blob from its coordinates (not its header): polygons parsed,
 * points read; other types fall back to the header's envelope. 0 when empty or unreadable. */
static int geom_envelope(const unsigned char *b, size_t n, zr_poly *p, double env[4]) {
    char why[64];
    int empty = 0;
    if (zr_gpkg_blob_to_poly(b, n, p, &empty, why, sizeof why) == ZR_OK) {
        if (empty || !p->n_pts || p->nonfinite) return 0;
        zr_poly_envelope(p, env);
        return 1;
    }
    return zr_gpkg_blob_envelope(b, n, env);
}

/* A box side holds the envelope side within the R*Tree's float rounding: lo ≤ v and lo is at
 * most two floats below the nearest float under v (SQLite rounds outward by up to one step). */
static int side_ok(float got, double v, int low) {
    if (low) {
        if ((double)got > v) return 0;
        const float f = store_round_down(v);
        return got >= nextafterf(nextafterf(f, -INFINITY), -INFINITY);
    }
    if ((double)got < v) return 0;
    const float f = store_round_up(v);
    return got <= nextafterf(nextafterf(f, INFINITY), INFINITY);
}

/* ---- rtree-box: each feature's R*Tree entry holds its geometry's envelope, tightly ---- */
static zr_status check_boxes_of(verify_ctx *c, const indexed_layer *L) {
    static const char *const side[4] = {"minx", "maxx", "miny", "maxy"};
    const int bsm = has_column(c->s, L->table, "BSM");
    char suffix[160];
    snprintf(suffix, sizeof suffix, "_%s", L->geom);
    store_sql t = {0};
    sql_put(&t, "SELECT l.rowid, l.");
    sql_id(&t, NULL, L->geom, NULL);
    sql_put(&t, ", r.id, r.minx, r.maxx, r.miny, r.maxy, ");
    if (bsm)
        sql_put(&t, "l.\"BSM\"");
    else
        sql_put(&t, "NULL");
    sql_put(&t, " FROM ");
    sql_id(&t, NULL, L->table, NULL);
    sql_put(&t, " AS l LEFT JOIN ");
    sql_id(&t, "rtree_", L->table, suffix);
    sql_put(&t, " AS r ON r.id = l.rowid ORDER BY l.rowid");
    sqlite3_stmt *q = NULL;
    zr_status st = store_prepare(c->s, "R*Tree boxes", sql_text(&t), &q);
    sql_free(&t);
    zr_poly p = {0};
    int row = 0;
    int64_t done = 0;
    while (!st && !(st = store_step(c->s, "R*Tree boxes", q, &row)) && row) {
        if ((++done & 4095) == 0) {
            if (zr_cancelled(&c->o->ctl)) {
                st = ZR_ERR_CANCELLED;
                break;
            }
            zr_progress(&c->o->ctl, "rtree-box", done, 0);
        }
        const int64_t fid = sqlite3_column_int64(q, 0);
        const char *b = (const char *)sqlite3_column_text(q, 7);
        double env[4];
        const unsigned char *g = sqlite3_column_blob(q, 1);
        const int gl = sqlite3_column_bytes(q, 1);
        const int has_env = g && gl > 0 && geom_envelope(g, (size_t)gl, &p, env);
        c->r->n_indexed++;
        if (sqlite3_column_type(q, 2) == SQLITE_NULL) {
            if (has_env)
                st = found(c, L->table, fid, b, NULL, "an R*Tree entry", "none",
                           "the feature is missing from the R*Tree");
            continue;
        }
        if (!has_env) {
            st = found(c, L->table, fid, b, NULL, "no R*Tree entry", "an entry",
                       "an empty or unreadable geometry has an R*Tree entry");
            continue;
        }
        for (int k = 0; k < 4 && !st; k++) {
            const float got = (float)sqlite3_column_double(q, 3 + k);
            if (side_ok(got, env[k], k % 2 == 0)) continue;
            char e[48], f[48];
            snprintf(e, sizeof e, "%.9g", env[k]);
            snprintf(f, sizeof f, "%.9g", (double)got);
            st = found(c, L->table, fid, b, side[k], e, f,
                       "the R*Tree box does not match the geometry's envelope");
        }
    }
    sqlite3_finalize(q);
    zr_poly_free(&p);
    if (st == ZR_ERR_NOMEM || st == ZR_ERR_CANCELLED) return st;
    if (st) return read_failed(c, st, L->table);
    /* entries for rows that do not exist */
    store_sql o = {0};
    sql_put(&o, "SELECT r.id FROM ");
    sql_id(&o, "rtree_", L->table, suffix);
    sql_put(&o, " AS r WHERE NOT EXISTS (SELECT 1 FROM ");
    sql_id(&o, NULL, L->table, NULL);
    sql_put(&o, " AS l WHERE l.rowid = r.id)");
    st = store_prepare(c->s, "R*Tree orphans", sql_text(&o), &q);
    sql_free(&o);
    while (!st && !(st = store_step(c->s, "R*Tree orphans", q, &row)) && row)
        st = found(c, L->table, sqlite3_column_int64(q, 0), NULL, NULL, "no entry", "an entry",
                   "the R*Tree has an entry for a feature that does not exist");
    sqlite3_finalize(q);
    if (st == ZR_ERR_NOMEM) return st;
    return st ? read_failed(c, st, L->table) : ZR_OK;
}

static zr_status check_boxes(verify_ctx *c) {
    if (!zr_store_has_table(c->s, "gpkg_geometry_columns")) return ZR_OK; /* gpkg names it */
    indexed_layer *v = NULL;
    int n = 0;
    zr_status st = indexed_layers(c->s, &v, &n);
    if (st) return read_failed(c, st, "");
    for (int i = 0; i < n && !st; i++)
        st = check_boxes_of(c, &v[i]);
    free(v);
    return st;
}

/* ---- area: TBMJ, KCMJ, TBDLMJ of every DLTB parcel (DESIGN §4.1) ---- */
enum { A_BSM, A_TBMJ, A_KCXS, A_KCMJ, A_TBDLMJ, A_N };
static const char *const area_cols[A_N + 1] = {"BSM", "TBMJ", "KCXS", "KCMJ", "TBDLMJ", NULL};

typedef struct area_ctx {
    verify_ctx *c;
    const char *table;
    int col[A_N]; /* reader column of each, -1 when absent */
    zr_crs crs;
    zr_poly poly;
    zr_buf scratch;
} area_ctx;

static const char *text_of(const zr_value *v, char *buf, size_t n) {
    if (v->kind == ZR_FT_TEXT && v->s) return v->s;
    if (v->kind == ZR_FT_INT) return snprintf(buf, n, "%lld", (long long)v->i), buf;
    if (v->kind == ZR_FT_REAL) return snprintf(buf, n, "%.17g", v->r), buf;
    return "";
}

static zr_status area_row(void *ctx, const zr_feature *f, int geom_is_gpkg) {
    area_ctx *a = ctx;
    verify_ctx *c = a->c;
    char bb[48], why[160];
    const char *bsm = a->col[A_BSM] >= 0 ? text_of(&f->v[a->col[A_BSM]], bb, sizeof bb) : "";
    c->r->n_parcels++;
    zr_status st = zr_geom_to_poly(geom_is_gpkg, f->geom, f->geom_len, &a->poly, why, sizeof why);
    if (st == ZR_ERR_NOMEM) return st;
    if (st)
        return found(c, a->table, f->fid, bsm, "geometry", NULL, NULL,
                     "the geometry is unreadable: %s", why);
    int64_t kcxs4 = 0;
    const zr_value *kx = a->col[A_KCXS] >= 0 ? &f->v[a->col[A_KCXS]] : NULL;
    if (kx && (kx->kind == ZR_FT_REAL || kx->kind == ZR_FT_INT)) kcxs4 = zr_double_scaled(kx->r, 4);
    int64_t want[3];
    st = zr_parcel_areas(&a->poly, &a->crs, kcxs4, &a->scratch, want);
    if (st == ZR_ERR_NOMEM) return st;
    if (st)
        return found(c, a->table, f->fid, bsm, "TBMJ", NULL, NULL,
                     "the area is not computable: a coordinate is not finite or is beyond 1e9");
    static const int which[3] = {A_TBMJ, A_KCMJ, A_TBDLMJ};
    for (int k = 0; k < 3; k++) {
        const zr_value *v = &f->v[a->col[which[k]]];
        char e[48], g[48];
        zr_fmt_scaled(e, want[k], 2);
        if (v->kind != ZR_FT_REAL && v->kind != ZR_FT_INT) {
            st = found(c, a->table, f->fid, bsm, area_cols[which[k]], e, "NULL",
                       "the stored value is missing");
        } else if (!isfinite(v->r) || fabs(v->r) > 9e13 || zr_round_cents(v->r) != want[k]) {
            if (isfinite(v->r) && fabs(v->r) <= 9e13)
                zr_fmt_scaled(g, zr_round_cents(v->r), 2);
            else
                snprintf(g, sizeof g, "%g", v->r);
            st = found(c, a->table, f->fid, bsm, area_cols[which[k]], e, g,
                       k == 0   ? "TBMJ differs from the geometry's ellipsoidal area"
                       : k == 1 ? "KCMJ differs from round(TBMJ × KCXS, 2)"
                                : "TBDLMJ differs from TBMJ − KCMJ");
        }
        if (st) return st;
    }
    return ZR_OK;
}

static zr_status check_areas(verify_ctx *c) {
    if (!zr_store_has_table(c->s, "DLTB")) return ZR_OK; /* not a survey store */
    zr_reader *r = NULL;
    area_ctx a = {c, "DLTB", {-1, -1, -1, -1, -1}, {0}, {0}, {0}};
    zr_status st = zr_reader_open_cols(c->s, "DLTB", area_cols, &r);
    if (st) return read_failed(c, st, "DLTB");
    a.table = zr_reader_table(r);
    for (int i = 0; i < zr_reader_nfields(r); i++)
        for (int k = 0; k < A_N; k++)
            if (zr_strieq(zr_reader_field(r, i), area_cols[k])) a.col[k] = i;
    for (int k = A_TBMJ; k < A_N && !st; k++)
        if (a.col[k] < 0 && k != A_KCXS)
            st = found(c, a.table, -1, NULL, area_cols[k], NULL, NULL,
                       "the layer has no field %s: areas not verifiable", area_cols[k]);
    int missing = 0;
    for (int k = A_TBMJ; k < A_N; k++)
        missing |= a.col[k] < 0 && k != A_KCXS;
    if (!st && !missing && zr_crs_from_epsg(zr_reader_epsg(r), &a.crs) != ZR_OK) {
        char e[24];
        snprintf(e, sizeof e, "EPSG:%d", zr_reader_epsg(r));
        st = found(c, a.table, -1, NULL, "geometry", "a CGCS2000 CRS", e,
                   "the layer's CRS is not one zrzy computes official areas in");
        missing = 1;
    }
    size_t got = 0;
    int64_t done = 0;
    while (!st && !missing) {
        if (zr_cancelled(&c->o->ctl)) {
            st = ZR_ERR_CANCELLED;
            break;
        }
        st = zr_reader_each(r, 4096, area_row, &a, &got);
        if (st || !got) break;
        done += (int64_t)got;
        zr_progress(&c->o->ctl, "area", done, 0);
    }
    zr_reader_close(r);
    zr_poly_free(&a.poly);
    zr_buf_free(&a.scratch);
    if (st == ZR_ERR_NOMEM || st == ZR_ERR_CANCELLED) return st;
    return st ? read_failed(c, st, "DLTB") : ZR_OK;
}

/* The checks, in order. One line each: name, what it checks (docs/store.md), function. */
static const struct {
    const char *name;
    const char *what;
    zr_status (*fn)(verify_ctx *);
} checks[] = {
    {"integrity", "PRAGMA integrity_check: the file's B-trees, pages and indexes", check_integrity},
    {"gpkg", "application_id 'GPKG', the GeoPackage tables, every registered table exists",
     check_gpkg},
    {"rtree", "rtreecheck() on every R*Tree: its nodes, parents and rowids agree", check_rtree},
    {"rtree-box", "every feature's R*Tree box holds its geometry's envelope (float rounding)",
     check_boxes},
    {"area", "DLTB: TBMJ = ellipsoidal area, KCMJ = round(TBMJ × KCXS, 2), TBDLMJ = TBMJ − KCMJ",
     check_areas},
};

static zr_status verify(const zr_verify_opts *o, zr_verify_result *r, char *err, size_t n) {
    zr_store *s = NULL;
    zr_status st = o->store ? zr_store_open(o->store, ZR_STORE_READ, &s) : ZR_ERR_ARG;
    if (st) {
        snprintf(err, n, "%s", s ? zr_store_errmsg(s) : "verify: no store given");
        zr_store_close(s);
        return st;
    }
    verify_ctx c = {s, o, r, 0, o->max_findings > 0 ? o->max_findings : 1000, NULL};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0] && !st; i++) {
        c.check = checks[i].name;
        zr_progress(&o->ctl, checks[i].name, 0, 0);
        st = checks[i].fn(&c);
        r->n_checks++;
    }
    if (st == ZR_ERR_CANCELLED)
        snprintf(err, n, "%s: verify cancelled", o->store);
    else if (st)
        snprintf(err, n, "%s: %s", o->store, s->err[0] ? s->err : zr_status_str(st));
    zr_store_close(s);
    return st;
}

zr_status zr_verify_run(const zr_verify_opts *o, zr_verify_result *r, zr_error *e) {
    zr_verify_result tmp = {0};
    char err[sizeof e->message] = "";
    zr_status s = o && r ? verify(o, &tmp, err, sizeof err) : ZR_ERR_ARG;
    if (!s)
        *r = tmp;
    else
        free(tmp.findings);
    return zr_error_finish(e, s, err);
}

void zr_verify_result_free(zr_verify_result *r) {
    if (!r) return;
    free(r->findings);
    r->findings = NULL;
    r->n_kept = 0;
}
