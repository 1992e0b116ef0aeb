/* STR bulk loading of a GeoPackage spatial index (SQLite R*Tree module). SQLite inserts one
 * entry at a time with splits (≈0.8 s per 100k); packing the tree and writing its shadow tables
 * takes a fraction of that and gives fuller, less overlapping nodes. Format, from SQLite's
 * rtree.c: node blobs of a fixed size (the root's length); bytes 0-1 the depth (root only),
 * 2-3 the cell count, then cells of a 64-bit id and 4 floats, all big-endian. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "store/store_int.h"

static int cmp_x(const void *a, const void *b) {
    const store_rtree_entry *p = a, *q = b;
    float cp = p->minx + p->maxx, cq = q->minx + q->maxx;
    return cp < cq ? -1 : cp > cq ? 1 : (p->id > q->id) - (p->id < q->id);
}

static int cmp_y(const void *a, const void *b) {
    const store_rtree_entry *p = a, *q = b;
    float cp = p->miny + p->maxy, cq = q->miny + q->maxy;
    return cp < cq ? -1 : cp > cq ? 1 : (p->id > q->id) - (p->id < q->id);
}

/* Order entries so that consecutive runs of m form STR-packed nodes. */
static void str_sort(store_rtree_entry *e, size_t n, size_t m) {
    if (n <= m) return;
    qsort(e, n, sizeof *e, cmp_x);
    const size_t leaves = (n + m - 1) / m;
    const size_t slices = (size_t)ceil(sqrt((double)leaves));
    const size_t per_slice = ((leaves + slices - 1) / slices) * m;
    for (size_t at = 0; at < n; at += per_slice)
        qsort(e + at, n - at < per_slice ? n - at : per_slice, sizeof *e, cmp_y);
}

static void put_be64(unsigned char *d, uint64_t v) {
    for (int i = 7; i >= 0; i--, v >>= 8)
        d[i] = (unsigned char)v;
}

static void put_bef(unsigned char *d, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    d[0] = (unsigned char)(u >> 24), d[1] = (unsigned char)(u >> 16),
    d[2] = (unsigned char)(u >> 8), d[3] = (unsigned char)u;
}

typedef struct {
    zr_store *s;
    sqlite3_stmt *node, *rowid, *parent;
    int node_size;
    unsigned char *blob;
} writer_ctx;

static zr_status put_node(writer_ctx *w, int64_t nodeno, int depth, const store_rtree_entry *e,
                          size_t n) {
    memset(w->blob, 0, (size_t)w->node_size);
    w->blob[0] = (unsigned char)(depth >> 8), w->blob[1] = (unsigned char)depth;
    w->blob[2] = (unsigned char)(n >> 8), w->blob[3] = (unsigned char)n;
    for (size_t i = 0; i < n; i++) {
        unsigned char *c = w->blob + 4 + 24 * i;
        put_be64(c, (uint64_t)e[i].id);
        put_bef(c + 8, e[i].minx), put_bef(c + 12, e[i].maxx);
        put_bef(c + 16, e[i].miny), put_bef(c + 20, e[i].maxy);
    }
    sqlite3_bind_int64(w->node, 1, nodeno);
    sqlite3_bind_blob(w->node, 2, w->blob, w->node_size, SQLITE_STATIC);
    int row = 0;
    zr_status st = store_step(w->s, "write R*Tree node", w->node, &row);
    sqlite3_reset(w->node);
    return st;
}

static zr_status link(writer_ctx *w, sqlite3_stmt *q, int64_t a, int64_t b) {
    sqlite3_bind_int64(q, 1, a);
    sqlite3_bind_int64(q, 2, b);
    int row = 0;
    zr_status st = store_step(w->s, "write R*Tree links", q, &row);
    sqlite3_reset(q);
    return st;
}

/* Prepare statement text: prefix, the R*Tree's table of layer `table` named with suffix
 * ("rtree_<table>_geom<suffix>", quoted), then rest. */
static zr_status prep(zr_store *s, const char *prefix, const char *table, const char *suffix,
                      const char *rest, sqlite3_stmt **q) {
    store_sql t = {0};
    sql_put(&t, prefix);
    sql_id(&t, "rtree_", table, suffix);
    sql_put(&t, rest);
    zr_status st = store_prepare(s, "R*Tree tables", sql_text(&t), q);
    sql_free(&t);
    return st;
}

zr_status store_rtree_bulk(zr_store *s, const char *table, store_rtree_entry *e, size_t n) {
    store_sql cr = {0};
    sql_put(&cr, "CREATE VIRTUAL TABLE ");
    sql_id(&cr, "rtree_", table, "_geom");
    sql_put(&cr, " USING rtree(id, minx, maxx, miny, maxy)");
    zr_status st = sql_text(&cr) ? store_exec(s, sql_text(&cr)) : cr.st;
    sql_free(&cr);
    if (st) return st;
    writer_ctx w = {s, NULL, NULL, NULL, 0, NULL};
    sqlite3_stmt *q = NULL;
    int row = 0;
    st = prep(s, "SELECT length(data) FROM ", table, "_geom_node", " WHERE nodeno = 1", &q);
    if (!st) st = store_step(s, "R*Tree root", q, &row);
    if (!st && row) w.node_size = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    q = NULL; /* finalized: a later failure must not finalize it again */
    if (st) return st;
    const size_t m = w.node_size > 4 ? (size_t)(w.node_size - 4) / 24 : 0;
    if (m < 4) return store_fail(s, ZR_ERR_DB, "%s: unexpected R*Tree node size", s->path);
    if (n == 0) return store_rtree_triggers(s, table); /* the empty root is already there */

    /* levels: entries → leaves → … → one root; every level is STR-packed */
    store_rtree_entry *level = e, *next = NULL;
    size_t count = n;
    int64_t *first_node = NULL; /* node number of the first node of each level */
    int depth = 0;
    int64_t next_nodeno = 2; /* 1 is the root */
    w.blob = zr_malloc((size_t)w.node_size);
    if (!w.blob) st = store_fail(s, ZR_ERR_NOMEM, "%s: out of memory", s->path);
    if (!st) st = prep(s, "DELETE FROM ", table, "_geom_node", "", &q);
    if (!st) st = store_step(s, "R*Tree root", q, &row);
    sqlite3_finalize(q);
    q = NULL;
    if (!st)
        st = prep(s, "INSERT INTO ", table, "_geom_node", " (nodeno, data) VALUES (?, ?)", &w.node);
    if (!st)
        st = prep(s, "INSERT INTO ", table, "_geom_rowid", " (rowid, nodeno) VALUES (?, ?)",
                  &w.rowid);
    if (!st)
        st = prep(s, "INSERT INTO ", table, "_geom_parent", " (nodeno, parentnode) VALUES (?, ?)",
                  &w.parent);
    (void)first_node;
    while (!st) {
        str_sort(level, count, m);
        const size_t nodes = (count + m - 1) / m;
        const int is_root = nodes == 1;
        int64_t base = is_root ? 1 : next_nodeno;
        if (!is_root) next_nodeno += (int64_t)nodes;
        next = is_root ? NULL : zr_malloc(nodes * sizeof *next);
        if (!is_root && !next) {
            st = ZR_ERR_NOMEM;
            break;
        }
        for (size_t k = 0; k < nodes && !st; k++) {
            const store_rtree_entry *c = level + k * m;
            const size_t nc = count - k * m < m ? count - k * m : m;
            const int64_t nodeno = base + (int64_t)k;
            st = put_node(&w, nodeno, is_root ? depth : 0, c, nc);
            for (size_t i = 0; i < nc && !st; i++)
                st = depth == 0 ? link(&w, w.rowid, c[i].id, nodeno)
                                : link(&w, w.parent, c[i].id, nodeno);
            if (!is_root) {
                store_rtree_entry u = {nodeno, c[0].minx, c[0].maxx, c[0].miny, c[0].maxy};
                for (size_t i = 1; i < nc; i++) {
                    if (c[i].minx < u.minx) u.minx = c[i].minx;
                    if (c[i].maxx > u.maxx) u.maxx = c[i].maxx;
                    if (c[i].miny < u.miny) u.miny = c[i].miny;
                    if (c[i].maxy > u.maxy) u.maxy = c[i].maxy;
                }
                next[k] = u;
            }
        }
        if (level != e) free(level);
        level = next;
        count = nodes;
        depth++;
        if (is_root) break;
    }
    if (level != e) free(level);
    sqlite3_finalize(w.node);
    sqlite3_finalize(w.rowid);
    sqlite3_finalize(w.parent);
    free(w.blob);
    return st ? st : store_rtree_triggers(s, table);
}
