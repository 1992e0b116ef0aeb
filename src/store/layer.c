/* Bulk writer, streaming reader and grouped sums over GeoPackage feature layers. */
#include "core/alloc.h"
#include "store/store_int.h"
#include "core/buf.h"
#include "geo/geo.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MULTI_ROWS 32 /* rows per INSERT statement: amortizes statement and sequence upkeep */

typedef struct pending_row {
    zr_value *vals; /* copy of the caller's values (strings still borrowed) */
    const unsigned char *blob;
    size_t blob_len;
    int64_t fid;
} pending_row;

struct zr_writer {
    zr_store *s;
    sqlite3_stmt *ins, *multi;
    int n_fields;
    char table[128];
    double env[4];
    int64_t n, next_fid;
    int has_geom;
    pending_row rows[MULTI_ROWS];
    zr_value *val_store; /* MULTI_ROWS × n_fields */
    int pending;
    store_rtree_entry *idx; /* envelopes for the bulk-loaded spatial index */
    size_t n_idx, cap_idx;
};

/* "(?, ?, …)": the parameters of one row. */
static void row_params(store_sql *q, int has_geom, int n_fields) {
    sql_put(q, has_geom ? "(?, ?" : "(?");
    for (int i = 0; i < n_fields; i++)
        sql_put(q, ", ?");
    sql_put(q, ")");
}

static zr_status writer_open(zr_store *s, const char *table, const zr_field_def *fields,
                             int n_fields, int has_geom, zr_writer **out) {
    *out = NULL;
    zr_writer *w = zr_calloc(1, sizeof *w);
    if (!w) return ZR_ERR_NOMEM;
    w->val_store =
        zr_calloc((size_t)MULTI_ROWS * (size_t)(n_fields ? n_fields : 1), sizeof(zr_value));
    if (!w->val_store) {
        free(w);
        return ZR_ERR_NOMEM;
    }
    for (int r = 0; r < MULTI_ROWS; r++)
        w->rows[r].vals = w->val_store + (size_t)r * (size_t)n_fields;
    w->s = s;
    w->n_fields = n_fields;
    w->has_geom = has_geom;
    if (strlen(table) >= sizeof w->table) {
        zr_writer_abandon(w);
        return store_fail(s, ZR_ERR_LIMIT, "%s: layer %.60s…: name too long", s->path, table);
    }
    snprintf(w->table, sizeof w->table, "%s", table);
    w->env[0] = w->env[2] = 1e300;
    w->env[1] = w->env[3] = -1e300;
    store_sql sql = {0};
    sql_put(&sql, "SELECT coalesce(max(fid), 0) + 1 FROM ");
    sql_id(&sql, NULL, table, NULL);
    int found = 0;
    w->next_fid = 1;
    zr_status st = sql_text(&sql)
                       ? store_int(s, "next fid", sql_text(&sql), &w->next_fid, &found, NULL)
                       : sql.st;
    sql_free(&sql);
    /* one statement for one row, then the same with MULTI_ROWS rows */
    store_sql one = {0}, multi = {0};
    sql_put(&one, "INSERT INTO ");
    sql_id(&one, NULL, table, NULL);
    sql_put(&one, has_geom ? " (fid, geom" : " (fid");
    for (int i = 0; i < n_fields; i++) {
        sql_put(&one, ", ");
        sql_id(&one, NULL, fields[i].name, NULL);
    }
    sql_put(&one, ") VALUES ");
    const char *head = sql_text(&one);
    if (head) sql_put(&multi, head);
    for (int r = 0; r < MULTI_ROWS; r++) {
        if (r) sql_put(&multi, ", ");
        row_params(&multi, has_geom, n_fields);
    }
    row_params(&one, has_geom, n_fields);
    if (!st) st = store_prepare(s, "prepare insert", sql_text(&one), &w->ins);
    if (!st) st = store_prepare(s, "prepare insert", sql_text(&multi), &w->multi);
    sql_free(&one);
    sql_free(&multi);
    if (st) {
        zr_writer_abandon(w);
        return st;
    }
    *out = w;
    return ZR_OK;
}

zr_status zr_writer_open(zr_store *s, const char *table, const zr_field_def *fields, int n_fields,
                         zr_writer **out) {
    return writer_open(s, table, fields, n_fields, 1, out);
}

zr_status zr_writer_open_attr(zr_store *s, const char *table, const zr_field_def *fields,
                              int n_fields, zr_writer **out) {
    return writer_open(s, table, fields, n_fields, 0, out);
}

float store_round_down(double d) {
    float f = (float)d;
    return (double)f > d ? nextafterf(f, -INFINITY) : f;
}

float store_round_up(double d) {
    float f = (float)d;
    return (double)f < d ? nextafterf(f, INFINITY) : f;
}

/* Grow the layer extent and note the feature's envelope for the spatial index. */
static zr_status env_note(zr_writer *w, int64_t fid, const unsigned char *b, size_t n) {
    double e[4];
    if (!zr_gpkg_blob_envelope(b, n, e)) return ZR_OK; /* empty: not indexed */
    if (e[0] < w->env[0]) w->env[0] = e[0];
    if (e[1] > w->env[1]) w->env[1] = e[1];
    if (e[2] < w->env[2]) w->env[2] = e[2];
    if (e[3] > w->env[3]) w->env[3] = e[3];
    store_rtree_entry *ni = zr_grow(w->idx, &w->cap_idx, w->n_idx, sizeof *ni, 4096);
    if (!ni) return ZR_ERR_NOMEM;
    w->idx = ni;
    w->idx[w->n_idx++] = (store_rtree_entry){fid, store_round_down(e[0]), store_round_up(e[1]),
                                             store_round_down(e[2]), store_round_up(e[3])};
    return ZR_OK;
}

/* Bind one row at parameter base (1-based). */
static void bind_row(zr_writer *w, sqlite3_stmt *q, int base, const pending_row *r) {
    sqlite3_bind_int64(q, base++, r->fid);
    if (w->has_geom) {
        if (r->blob)
            sqlite3_bind_blob(q, base, r->blob, (int)r->blob_len, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, base);
        base++;
    }
    for (int i = 0; i < w->n_fields; i++) {
        const zr_value *v = &r->vals[i];
        switch (v->kind) {
            case ZR_FT_TEXT:
                sqlite3_bind_text(q, base + i, v->s, -1, SQLITE_STATIC);
                break;
            case ZR_FT_REAL:
                sqlite3_bind_double(q, base + i, v->r);
                break;
            case ZR_FT_INT:
                sqlite3_bind_int64(q, base + i, v->i);
                break;
            default:
                sqlite3_bind_null(q, base + i);
        }
    }
}

zr_status zr_writer_flush(zr_writer *w) {
    if (!w->pending) return ZR_OK;
    const int per = w->n_fields + 1 + w->has_geom;
    zr_status st = ZR_OK;
    int row = 0;
    if (w->pending == MULTI_ROWS) {
        for (int r = 0; r < MULTI_ROWS; r++)
            bind_row(w, w->multi, 1 + r * per, &w->rows[r]);
        st = store_step(w->s, "insert features", w->multi, &row);
        sqlite3_reset(w->multi);
    } else {
        for (int r = 0; r < w->pending && !st; r++) {
            bind_row(w, w->ins, 1, &w->rows[r]);
            st = store_step(w->s, "insert features", w->ins, &row);
            sqlite3_reset(w->ins);
        }
    }
    w->pending = 0;
    return st;
}

zr_status zr_writer_insert(zr_writer *w, const zr_value *vals, const unsigned char *blob,
                           size_t blob_len) {
    pending_row *r = &w->rows[w->pending++];
    memcpy(r->vals, vals, sizeof *vals * (size_t)w->n_fields);
    r->blob = blob;
    r->blob_len = blob_len;
    r->fid = w->next_fid++;
    w->n++;
    zr_status st = blob ? env_note(w, r->fid, blob, blob_len) : ZR_OK;
    if (!st && w->pending == MULTI_ROWS) st = zr_writer_flush(w);
    return st;
}

void zr_writer_abandon(zr_writer *w) {
    if (!w) return;
    sqlite3_finalize(w->ins);
    sqlite3_finalize(w->multi);
    free(w->idx);
    free(w->val_store);
    free(w);
}

zr_status zr_writer_end(zr_writer *w, zr_status st) {
    if (!w) return st;
    if (st) {
        zr_writer_abandon(w);
        return st;
    }
    return zr_writer_close(w);
}

zr_status zr_writer_close(zr_writer *w) {
    if (!w) return ZR_OK;
    zr_status st = w->multi ? zr_writer_flush(w) : ZR_OK;
    sqlite3_finalize(w->ins);
    sqlite3_finalize(w->multi);
    if (!st && w->has_geom && w->multi) st = store_rtree_bulk(w->s, w->table, w->idx, w->n_idx);
    if (!st && w->n > 0 && w->has_geom)
        st = store_run(w->s, "gpkg_contents extent",
                       "UPDATE gpkg_contents SET min_x = ?, max_x = ?, min_y = ?, max_y = ?, "
                       "last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
                       "ddddt", w->env[0], w->env[1], w->env[2], w->env[3], w->table);
    free(w->idx);
    free(w->val_store);
    free(w);
    return st;
}

/* ---- reader ---- */

struct zr_reader {
    zr_store *s;
    sqlite3_stmt *q;               /* the current query: one of the three below */
    sqlite3_stmt *all, *win, *one; /* whole layer; R*Tree window; one fid (prepared lazily) */
    char *base;                    /* SELECT pk, geom, fields FROM table */
    char *base_join;               /* the same columns FROM the R*Tree CROSS JOIN the table */
    char pk[300];
    char table[128], geom_col[128], geom_type[32];
    int epsg;
    char *wkt;
    int n_cols; /* result columns: 0 = fid, 1 = geom, 2.. = fields */
    int done;   /* stepping past SQLITE_DONE would restart the query */
    char **names;
    zr_value *row; /* zr_reader_each's values, one a field */
};

static zr_status pick_table(zr_store *s, const char *want, char *table, size_t n, char *gcol,
                            char *gtype, int *srs_id) {
    sqlite3_stmt *q = NULL;
    zr_status st = store_prepare(s, "gpkg_geometry_columns",
                                 "SELECT g.table_name, g.column_name, g.geometry_type_name, "
                                 "g.srs_id FROM gpkg_geometry_columns g JOIN gpkg_contents c ON "
                                 "c.table_name = g.table_name ORDER BY g.table_name",
                                 &q);
    if (st) return st;
    int found = 0, polys = 0;
    char only[128] = "", only_col[128] = "", only_type[32] = "";
    int only_srs = 0;
    int row = 0;
    while (!(st = store_step(s, "gpkg_geometry_columns", q, &row)) && row) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        const char *c = (const char *)sqlite3_column_text(q, 1);
        const char *ty = (const char *)sqlite3_column_text(q, 2);
        if (!t || !c || !ty) continue;
        if (strlen(t) >= 128 || strlen(c) >= 128 || strlen(ty) >= 32) {
            if (want && !zr_strieq(t, want)) continue;
            sqlite3_finalize(q);
            return store_fail(s, ZR_ERR_LIMIT, "%s: layer %.60s…: name too long", s->path, t);
        }
        int is_poly = zr_strieq(ty, "POLYGON") || zr_strieq(ty, "MULTIPOLYGON") ||
                      zr_strieq(ty, "GEOMETRY") || zr_strieq(ty, "MULTISURFACE");
        int match = want ? zr_strieq(t, want) : zr_strieq(t, "DLTB");
        if (match) {
            snprintf(table, n, "%s", t);
            snprintf(gcol, 128, "%s", c);
            snprintf(gtype, 32, "%s", ty);
            *srs_id = sqlite3_column_int(q, 3);
            found = 1;
            break;
        }
        if (is_poly) {
            polys++;
            snprintf(only, sizeof only, "%s", t);
            snprintf(only_col, sizeof only_col, "%s", c);
            snprintf(only_type, sizeof only_type, "%s", ty);
            only_srs = sqlite3_column_int(q, 3);
        }
    }
    sqlite3_finalize(q);
    if (st) return st;
    if (found) return ZR_OK;
    if (!want && polys == 1) {
        snprintf(table, n, "%s", only);
        snprintf(gcol, 128, "%s", only_col);
        snprintf(gtype, 32, "%s", only_type);
        *srs_id = only_srs;
        return ZR_OK;
    }
    if (want) return store_fail(s, ZR_ERR_NOT_FOUND, "%s: no feature layer '%s'", s->path, want);
    return store_fail(s, ZR_ERR_NOT_FOUND,
                      "%s: no layer DLTB and %d polygon layers to choose from (use --layer)",
                      s->path, polys);
}

zr_status zr_reader_open(zr_store *s, const char *table, zr_reader **out) {
    return zr_reader_open_cols(s, table, NULL, out);
}

static int wanted(const char *const *want, const char *name) {
    if (!want) return 1;
    for (; *want; want++)
        if (zr_strieq(*want, name)) return 1;
    return 0;
}

/* "SELECT <pk>, <geom>, <fields…>" with each column as alias.name (alias NULL: none). */
static void select_cols(store_sql *q, const zr_reader *r, const char *alias) {
    const char *const cols[2] = {r->pk, r->geom_col};
    sql_put(q, "SELECT ");
    for (int i = 0; i < 2 + r->n_cols; i++) {
        if (i) sql_put(q, ", ");
        if (alias) sql_put(q, alias);
        sql_id(q, NULL, i < 2 ? cols[i] : r->names[i - 2], NULL);
    }
}

zr_status zr_reader_open_cols(zr_store *s, const char *table, const char *const *want,
                              zr_reader **out) {
    *out = NULL;
    zr_reader *r = zr_calloc(1, sizeof *r);
    if (!r) return ZR_ERR_NOMEM;
    r->s = s;
    int srs_id = 0;
    sqlite3_stmt *q = NULL;
    int row = 0;
    zr_status st =
        pick_table(s, table, r->table, sizeof r->table, r->geom_col, r->geom_type, &srs_id);
    if (!st)
        st = store_prepare(s, "gpkg_spatial_ref_sys",
                           "SELECT organization, organization_coordsys_id, definition FROM "
                           "gpkg_spatial_ref_sys WHERE srs_id = ?",
                           &q);
    if (!st) {
        sqlite3_bind_int(q, 1, srs_id);
        st = store_step(s, "gpkg_spatial_ref_sys", q, &row);
    }
    if (!st && row) {
        const char *org = (const char *)sqlite3_column_text(q, 0);
        const char *def = (const char *)sqlite3_column_text(q, 2);
        if (org && zr_strieq(org, "EPSG")) r->epsg = sqlite3_column_int(q, 1);
        if (def && !(r->wkt = zr_strdup(def))) st = ZR_ERR_NOMEM;
    }
    sqlite3_finalize(q);
    q = NULL;
    /* the primary key (the INTEGER PRIMARY KEY column) and the wanted fields, from table_info */
    snprintf(r->pk, sizeof r->pk, "rowid");
    if (!st) st = store_prepare(s, "table_info", "SELECT name, pk FROM pragma_table_info(?)", &q);
    if (!st) sqlite3_bind_text(q, 1, r->table, -1, SQLITE_STATIC);
    while (!st && !(st = store_step(s, "table_info", q, &row)) && row) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (!name) continue;
        if (strlen(name) >= sizeof r->pk) {
            st = store_fail(s, ZR_ERR_LIMIT, "%s: layer %s: column %.60s…: name too long", s->path,
                            r->table, name);
            break;
        }
        if (sqlite3_column_int(q, 1) == 1) {
            snprintf(r->pk, sizeof r->pk, "%s", name);
            continue;
        }
        if (zr_strieq(name, r->geom_col) || !wanted(want, name)) continue;
        char **nn = zr_realloc(r->names, sizeof *nn * (size_t)(r->n_cols + 1));
        if (!nn) {
            st = ZR_ERR_NOMEM; /* never a layer with columns missing */
            break;
        }
        r->names = nn;
        if (!(r->names[r->n_cols] = zr_strdup(name))) {
            st = ZR_ERR_NOMEM;
            break;
        }
        r->n_cols++;
    }
    sqlite3_finalize(q);
    if (st == ZR_ERR_NOMEM)
        store_fail(s, st, "%s: layer %s: out of memory reading its columns", s->path, r->table);
    if (st) goto fail;
    {
        store_sql all = {0}, join = {0};
        select_cols(&all, r, NULL);
        sql_put(&all, " FROM ");
        sql_id(&all, NULL, r->table, NULL);
        const char *base = sql_text(&all);
        r->base = base ? zr_strdup(base) : NULL;
        sql_put(&all, " ORDER BY ");
        sql_id(&all, NULL, r->pk, NULL);
        /* the window query walks the R*Tree and fetches each row by its key: no IN list to
           materialise, no sort (the caller orders what it needs) */
        select_cols(&join, r, "l.");
        sql_put(&join, " FROM ");
        char suffix[160];
        snprintf(suffix, sizeof suffix, "_%s", r->geom_col);
        sql_id(&join, "rtree_", r->table, suffix);
        sql_put(&join, " AS r CROSS JOIN ");
        sql_id(&join, NULL, r->table, NULL);
        sql_put(&join, " AS l ON l.");
        sql_id(&join, NULL, r->pk, NULL);
        sql_put(&join, " = r.id");
        const char *bj = sql_text(&join);
        r->base_join = bj ? zr_strdup(bj) : NULL;
        if (!r->base || !r->base_join || !sql_text(&all))
            st = store_fail(s, ZR_ERR_NOMEM, "%s: layer %s: out of memory", s->path, r->table);
        else
            st = store_prepare(s, "read layer", sql_text(&all), &r->all);
        sql_free(&all);
        sql_free(&join);
        r->q = r->all;
        if (st) goto fail;
    }
    *out = r;
    return ZR_OK;
fail:
    zr_reader_close(r);
    return st;
}

int zr_reader_nfields(const zr_reader *r) {
    return r->n_cols;
}
const char *zr_reader_field(const zr_reader *r, int i) {
    return r->names[i];
}
const char *zr_reader_table(const zr_reader *r) {
    return r->table;
}
const char *zr_reader_geom_type(const zr_reader *r) {
    return r->geom_type;
}
int zr_reader_epsg(const zr_reader *r) {
    return r->epsg;
}
const char *zr_reader_srs_wkt(const zr_reader *r) {
    return r->wkt;
}

/* Column col of the current row as a value; text is SQLite's (valid until the next step).
 * Returns the text's length in bytes, or -1 when SQLite is out of memory. */
static int column_value(sqlite3_stmt *q, int col, zr_value *v) {
    switch (sqlite3_column_type(q, col)) {
        case SQLITE_INTEGER:
            v->kind = ZR_FT_INT;
            v->i = sqlite3_column_int64(q, col);
            v->r = (double)v->i;
            return 0;
        case SQLITE_FLOAT:
            v->kind = ZR_FT_REAL;
            v->r = sqlite3_column_double(q, col);
            return 0;
        case SQLITE_TEXT:
        case SQLITE_BLOB:
            v->kind = ZR_FT_TEXT;
            v->s = (const char *)sqlite3_column_text(q, col);
            return v->s ? sqlite3_column_bytes(q, col) : -1;
        default:
            v->kind = ZR_FT_NULL;
            return 0;
    }
}

/* Step to the next row: 1 a row, 0 done, -1 an error. */
static int next_row(zr_reader *r) {
    if (r->done) return 0;
    const int rc = sqlite3_step(r->q);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) r->done = 1;
    return rc == SQLITE_DONE ? 0 : -1;
}

zr_status zr_reader_each(zr_reader *r, size_t max, zr_row_fn fn, void *ctx, size_t *n_read) {
    *n_read = 0;
    const int nf = r->n_cols;
    if (!r->row && !(r->row = zr_calloc((size_t)(nf > 0 ? nf : 1), sizeof *r->row)))
        return ZR_ERR_NOMEM;
    while (*n_read < max) {
        const int row = next_row(r);
        if (row < 0) return store_db_fail(r->s, "read feature");
        if (!row) break;
        zr_feature f = {sqlite3_column_int64(r->q, 0), r->row, NULL, 0};
        if (sqlite3_column_type(r->q, 1) == SQLITE_BLOB) {
            f.geom = sqlite3_column_blob(r->q, 1);
            f.geom_len = (size_t)sqlite3_column_bytes(r->q, 1);
        }
        for (int i = 0; i < nf; i++)
            if (column_value(r->q, i + 2, &r->row[i]) < 0) return ZR_ERR_NOMEM;
        zr_status st = fn(ctx, &f, 1);
        if (st) return st;
        (*n_read)++;
    }
    return ZR_OK;
}

zr_status zr_reader_next(zr_reader *r, zr_batch *b, size_t max, size_t *n_read) {
    *n_read = 0;
    zr_batch_reset(b);
    b->geom_is_gpkg = 1;
    while (*n_read < max) {
        const int row = next_row(r);
        if (row < 0) return store_db_fail(r->s, "read feature");
        if (!row) break;
        zr_feature *f;
        zr_status st = zr_batch_add(b, sqlite3_column_int64(r->q, 0), &f);
        if (!st && sqlite3_column_type(r->q, 1) == SQLITE_BLOB)
            st = zr_batch_set_geom(b, f, sqlite3_column_blob(r->q, 1),
                                   (size_t)sqlite3_column_bytes(r->q, 1));
        for (int i = 0; !st && i < r->n_cols && i < b->n_fields; i++) {
            const int len = column_value(r->q, i + 2, &f->v[i]);
            if (len < 0) st = ZR_ERR_NOMEM;
            if (!st && f->v[i].kind == ZR_FT_TEXT)
                st = zr_batch_set_text(b, &f->v[i], f->v[i].s, (size_t)len);
        }
        if (st) return st;
        (*n_read)++;
    }
    return ZR_OK;
}

zr_status zr_reader_window(zr_reader *r, const double env[4]) {
    if (!r->win) {
        store_sql q = {0};
        sql_put(&q, r->base_join);
        sql_put(&q, " WHERE r.minx <= ?2 AND r.maxx >= ?1 AND r.miny <= ?4 AND r.maxy >= ?3");
        zr_status st = store_prepare(r->s, "R*Tree window", sql_text(&q), &r->win);
        sql_free(&q);
        if (st == ZR_ERR_DB) /* prepared only when the index exists */
            return store_fail(r->s, ZR_ERR_NOT_FOUND, "%s: layer %s has no R*Tree index",
                              r->s->path, r->table);
        if (st) return st;
    }
    sqlite3_reset(r->win);
    for (int k = 0; k < 4; k++)
        sqlite3_bind_double(r->win, k + 1, env[k]);
    r->q = r->win;
    r->done = 0;
    return ZR_OK;
}

zr_status zr_reader_fid(zr_reader *r, int64_t fid) {
    if (!r->one) {
        store_sql q = {0};
        sql_put(&q, r->base);
        sql_put(&q, " WHERE ");
        sql_id(&q, NULL, r->pk, NULL);
        sql_put(&q, " = ?");
        zr_status st = store_prepare(r->s, "read by fid", sql_text(&q), &r->one);
        sql_free(&q);
        if (st) return st;
    }
    sqlite3_reset(r->one);
    sqlite3_bind_int64(r->one, 1, fid);
    r->q = r->one;
    r->done = 0;
    return ZR_OK;
}

void zr_reader_close(zr_reader *r) {
    if (!r) return;
    sqlite3_finalize(r->all);
    sqlite3_finalize(r->win);
    sqlite3_finalize(r->one);
    free(r->base);
    free(r->base_join);
    for (int i = 0; i < r->n_cols; i++)
        free(r->names[i]);
    free(r->names);
    free(r->wkt);
    free(r->row);
    free(r);
}

/* 1 when the query's one row holds a proper envelope (minx, maxx, miny, maxy). */
static int extent_query(zr_store *s, const char *sql, const char *bind, double env[4]) {
    sqlite3_stmt *q = NULL;
    int row = 0;
    if (!sql || store_prepare(s, "extent", sql, &q)) return 0;
    if (bind) sqlite3_bind_text(q, 1, bind, -1, SQLITE_STATIC);
    int ok = !store_step(s, "extent", q, &row) && row;
    for (int k = 0; ok && k < 4; k++) {
        ok = sqlite3_column_type(q, k) != SQLITE_NULL;
        env[k] = sqlite3_column_double(q, k);
    }
    sqlite3_finalize(q);
    return ok && env[1] >= env[0] && env[3] >= env[2];
}

zr_status zr_reader_extent(zr_reader *r, double env[4]) {
    store_sql b = {0};
    sql_put(&b, "SELECT min(minx), max(maxx), min(miny), max(maxy) FROM ");
    char suffix[160];
    snprintf(suffix, sizeof suffix, "_%s", r->geom_col);
    sql_id(&b, "rtree_", r->table, suffix);
    const int ok = extent_query(r->s,
                                "SELECT min_x, max_x, min_y, max_y FROM gpkg_contents "
                                "WHERE lower(table_name) = lower(?)",
                                r->table, env) ||
                   extent_query(r->s, sql_text(&b), NULL, env);
    sql_free(&b);
    return ok ? ZR_OK : ZR_ERR_NOT_FOUND;
}

/* ---- queries ---- */

zr_status zr_store_layers(zr_store *s, zr_layer_info **out, int *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    zr_status st =
        store_prepare(s, "gpkg_contents",
                      "SELECT c.table_name, coalesce(g.geometry_type_name, ''), "
                      "coalesce(c.srs_id, 0) FROM gpkg_contents c LEFT JOIN "
                      "gpkg_geometry_columns g ON g.table_name = c.table_name ORDER BY 1",
                      &q);
    if (st) return st;
    zr_layer_info *v = NULL;
    int cnt = 0, row = 0;
    while (!(st = store_step(s, "gpkg_contents", q, &row)) && row) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (!name) continue;
        if (strlen(name) >= sizeof v->table) {
            st = store_fail(s, ZR_ERR_LIMIT, "%s: layer %.60s…: name too long", s->path, name);
            break;
        }
        zr_layer_info *nv = zr_realloc(v, sizeof *nv * (size_t)(cnt + 1));
        if (!nv) {
            st = store_fail(s, ZR_ERR_NOMEM, "%s: out of memory listing layers", s->path);
            break;
        }
        v = nv;
        zr_layer_info *li = &v[cnt++];
        snprintf(li->table, sizeof li->table, "%s", name);
        snprintf(li->geom_type, sizeof li->geom_type, "%s",
                 (const char *)sqlite3_column_text(q, 1));
        li->srs_id = sqlite3_column_int(q, 2);
        li->count = -1;
    }
    sqlite3_finalize(q);
    for (int i = 0; i < cnt && !st; i++) {
        store_sql c = {0};
        sql_put(&c, "SELECT count(*) FROM ");
        sql_id(&c, NULL, v[i].table, NULL);
        int found = 0;
        st = sql_text(&c) ? store_int(s, "count features", sql_text(&c), &v[i].count, &found, NULL)
                          : c.st;
        sql_free(&c);
        if (st && st != ZR_ERR_NOMEM) { /* a registered table that cannot be counted */
            v[i].count = -1;
            st = ZR_OK;
        }
    }
    if (st) {
        free(v);
        return st;
    }
    *out = v;
    *n = cnt;
    return ZR_OK;
}

zr_status zr_store_group_sum(zr_store *s, const char *table, const char *key_expr,
                             const char *value_expr, zr_group_fn fn, void *ctx) {
    store_sql g = {0};
    sql_put(&g, "SELECT ");
    sql_put(&g, key_expr); /* zrzy's own fragments (store.h) */
    sql_put(&g, " AS k, count(*), sum(CAST(round(");
    sql_put(&g, value_expr);
    sql_put(&g, " * 100) AS INTEGER)) FROM ");
    sql_id(&g, NULL, table, NULL);
    sql_put(&g, " GROUP BY k ORDER BY k");
    sqlite3_stmt *q = NULL;
    zr_status st = sql_text(&g) ? store_prepare(s, "group sum", sql_text(&g), &q) : g.st;
    sql_free(&g);
    int row = 1;
    while (!st && !(st = store_step(s, "group sum", q, &row)) && row) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        st = fn(ctx, k ? k : "", sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2));
    }
    sqlite3_finalize(q);
    return st;
}
