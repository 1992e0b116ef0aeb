/* Topology rules without pairwise tests (T01 overlaps, T02 gaps, T03 outside the boundary).
 *
 * Every ring is oriented (shells counter-clockwise, holes clockwise) and its edges counted in a
 * hash table. In a clean coverage each inner edge appears once in each direction; those pairs
 * cancel. The remaining "loose" edges — the outline, and the rims of gaps and overlaps — are
 * noded and polygonized; the number of parcels covering each face (found at an interior point
 * through a grid index) is constant over the face: 0 is a gap, ≥ 2 an overlap. Exact GEOS work
 * is spent only on those faces and on the outline against the boundary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "geo/geos_ops.h"
#include "core/feature.h"
#include "qc/qc_int.h"
#include "source/source.h"

/* Edges are identified by a 64-bit hash of their canonical end points (lower end first), so a
 * table slot is 16 bytes and a county's edges fit in cache-friendly memory. Two different edges
 * sharing a hash (odds ≈ n²/2⁶⁵, 3·10⁻⁷ for 3 million edges) would pair up wrongly; the second
 * pass re-derives coordinates from the parcels, so a collision can hide a defect but never
 * invent one. */
typedef struct {
    uint64_t h; /* 0: empty */
    /* bits 1–47: the first occurrence's start vertex as a point number (qc_parcel.pt0 plus
     * the vertex's index; the boundary's vertices are numbered after the parcels'), bit 0 set
     * when the end is the previous vertex; bits 48–63: the net count of the canonical
     * direction, a saturating int16. Numbers, not addresses: they mean the same on any
     * address-space layout (5-level paging gives 56-bit user addresses). */
    uint64_t rc;
} edge;

#define REF_MASK   ((UINT64_C(1) << 48) - 1)
#define MAX_POINTS (UINT64_C(1) << 47) /* point numbers a table can refer to */

/* Where point numbers lead back to coordinates: parcels in ascending pt0, then the boundary
 * polygons, numbered from vbase (vprefix[i]: points before polygon i). */
typedef struct {
    const qc_parcel *p;
    size_t n;
    const zr_poly *v;
    size_t nv;
    uint64_t vbase;
    const uint64_t *vprefix; /* nv + 1 */
} point_space;

/* The coordinates of point number k (x, y; the next vertex follows). */
static const double *point_at(const point_space *ps, uint64_t k) {
    if (ps->nv && k >= ps->vbase) {
        size_t lo = 0, hi = ps->nv; /* the last polygon starting at or before k */
        while (hi - lo > 1) {
            const size_t mid = lo + (hi - lo) / 2;
            if (ps->vprefix[mid] <= k - ps->vbase)
                lo = mid;
            else
                hi = mid;
        }
        return ps->v[lo].xy + 2 * (k - ps->vbase - ps->vprefix[lo]);
    }
    size_t lo = 0, hi = ps->n; /* the last parcel starting at or before k */
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo) / 2;
        if (ps->p[mid].pt0 <= k)
            lo = mid;
        else
            hi = mid;
    }
    return ps->p[lo].poly.xy + 2 * (k - ps->p[lo].pt0);
}

static int edge_count(const edge *e) {
    return (int)(int16_t)(uint16_t)(e->rc >> 48);
}

typedef struct {
    edge *t;
    size_t cap;
} edge_table;

/* A vertex's 64-bit hash, from its exact coordinates; an edge's key mixes its two end points'
 * hashes in canonical order (lower point first), so each vertex of a ring is hashed once. */
static uint64_t vertex_hash(const double *p) {
    uint64_t h = 0x9E3779B97F4A7C15ull, u;
    memcpy(&u, &p[0], 8);
    h = (h ^ u) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    memcpy(&u, &p[1], 8);
    h = (h ^ u) * 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
}

static uint64_t edge_key(uint64_t first, uint64_t second) {
    uint64_t h = (first ^ (second * 0x94D049BB133111EBull)) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return h ? h : 1;
}

__extension__ typedef unsigned __int128 u128;

/* The slot where probing for h starts (fast range reduction). */
static size_t home(const edge_table *et, uint64_t h) {
    return (size_t)(((u128)h * et->cap) >> 64);
}

static edge *slot(edge_table *et, uint64_t h) {
    for (size_t i = home(et, h);; i = i + 1 == et->cap ? 0 : i + 1)
        if (et->t[i].h == h || et->t[i].h == 0) return &et->t[i];
}

/* Count n occurrences (a net count, itself possibly saturated) of edge h into et. A new slot
 * keeps ref, the first occurrence's start vertex, and is listed in used when given. A saturated
 * count stays: it can no longer reach 0, so the edge is reported loose. */
static void edge_put(edge_table *et, uint64_t h, uint64_t ref, int n, size_t *used,
                     size_t *n_used) {
    edge *e = slot(et, h);
    if (!e->h) {
        e->h = h, e->rc = ref & REF_MASK;
        if (used) used[(*n_used)++] = (size_t)(e - et->t);
    }
    int c = edge_count(e);
    if (c == INT16_MAX || c == INT16_MIN) return;
    if (n == INT16_MAX || n == INT16_MIN)
        c = n;
    else
        c = c + n >= INT16_MAX ? INT16_MAX : c + n <= INT16_MIN ? INT16_MIN : c + n;
    e->rc = (e->rc & REF_MASK) | ((uint64_t)(uint16_t)(int16_t)c << 48);
}

/* ---- a uniform grid over parcel envelopes ---- */

typedef struct {
    double x0, y0, cell;
    size_t nx, ny;
    size_t *start; /* nx*ny + 1 */
    uint32_t *item;
} grid;

static zr_status grid_build(grid *g, const qc_data *d) {
    memset(g, 0, sizeof *g);
    double env[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (size_t i = 0; i < d->n; i++) {
        const double *e = d->p[i].env;
        if (!d->p[i].valid || !(e[0] <= e[1])) continue; /* only valid parcels are looked up */
        env[0] = fmin(env[0], e[0]), env[1] = fmax(env[1], e[1]);
        env[2] = fmin(env[2], e[2]), env[3] = fmax(env[3], e[3]);
    }
    if (!(env[0] <= env[1])) env[0] = env[1] = env[2] = env[3] = 0;
    const double w = env[1] - env[0], h = env[3] - env[2];
    double cell = sqrt((w * h) / (double)(d->n ? d->n : 1)) * 2;
    if (!(cell > 0)) cell = 1;
    g->x0 = env[0], g->y0 = env[2], g->cell = cell;
    /* valid parcels have finite coordinates, so w and h are finite; the cell count is compared
       as a double before any size_t product, and degenerate spreads cap the grid */
    if (!isfinite(w) || !isfinite(h)) return ZR_ERR_LIMIT;
    if ((w / cell + 1) * (h / cell + 1) > 4.0 * (double)d->n + 16)
        g->cell = cell = fmax(w, h) / 1024 + 1e-9;
    g->nx = (size_t)(w / cell) + 1, g->ny = (size_t)(h / cell) + 1;
    g->start = zr_calloc(g->nx * g->ny + 1, sizeof *g->start);
    if (!g->start) return ZR_ERR_NOMEM;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < d->n; i++) {
            const qc_parcel *p = &d->p[i];
            if (!p->valid) continue;
            size_t i0 = (size_t)((p->env[0] - g->x0) / g->cell),
                   i1 = (size_t)((p->env[1] - g->x0) / g->cell);
            size_t j0 = (size_t)((p->env[2] - g->y0) / g->cell),
                   j1 = (size_t)((p->env[3] - g->y0) / g->cell);
            if (i1 >= g->nx) i1 = g->nx - 1;
            if (j1 >= g->ny) j1 = g->ny - 1;
            for (size_t j = j0; j <= j1; j++)
                for (size_t k = i0; k <= i1; k++) {
                    if (pass == 0)
                        g->start[j * g->nx + k + 1]++;
                    else
                        g->item[g->start[j * g->nx + k]++] = (uint32_t)i;
                }
        }
        if (pass == 0) {
            for (size_t c = 0; c < g->nx * g->ny; c++)
                g->start[c + 1] += g->start[c];
            g->item = zr_malloc((g->start[g->nx * g->ny] + 1) * sizeof *g->item);
            if (!g->item) return ZR_ERR_NOMEM;
        } else {
            for (size_t c = g->nx * g->ny; c > 0; c--)
                g->start[c] = g->start[c - 1];
            g->start[0] = 0;
        }
    }
    return ZR_OK;
}

/* Parcels containing (x, y): up to max indices into out; returns the count found. */
static size_t grid_covering(const grid *g, const qc_data *d, double x, double y, uint32_t *out,
                            size_t max) {
    if (x < g->x0 || y < g->y0) return 0;
    size_t i = (size_t)((x - g->x0) / g->cell), j = (size_t)((y - g->y0) / g->cell);
    if (i >= g->nx || j >= g->ny) return 0;
    size_t n = 0;
    for (size_t k = g->start[j * g->nx + i]; k < g->start[j * g->nx + i + 1]; k++) {
        const qc_parcel *p = &d->p[g->item[k]];
        if (x < p->env[0] || x > p->env[1] || y < p->env[2] || y > p->env[3]) continue;
        if (zr_poly_contains(&p->poly, x, y)) {
            if (n < max) out[n] = g->item[k];
            n++;
        }
    }
    return n;
}

/* ---- which parcels cover a point: the grid (held mode) or the R*Tree (tiled mode) ---- */

typedef struct {
    qc_data *d;
    grid gr; /* held mode */
    zr_status st;
} cover;

/* fids of the valid parcels containing (x, y): up to max into out; returns the count found. */
static size_t cover_at(cover *c, double x, double y, int64_t *out, size_t max) {
    qc_data *d = c->d;
    if (!d->tiled) {
        uint32_t hit[16];
        const size_t k = grid_covering(&c->gr, d, x, y, hit, 16);
        for (size_t i = 0; i < k && i < 16 && i < max; i++)
            out[i] = d->p[hit[i]].fid;
        return k;
    }
    const double env[4] = {x, x, y, y};
    const qc_parcel *ps[256];
    size_t np = 0, k = 0;
    zr_status s = qc_window_cached(d, env, ps, 256, &np);
    if (s && !c->st) c->st = s;
    for (size_t i = 0; i < np; i++) {
        const qc_parcel *p = ps[i];
        if (!p->valid || x < p->env[0] || x > p->env[1] || y < p->env[2] || y > p->env[3]) continue;
        if (zr_poly_contains(&p->poly, x, y)) {
            if (k < max) out[k] = p->fid;
            k++;
        }
    }
    /* the same order as the grid's: by position in the layer, which is fid order */
    for (size_t i = 1; i < k && i < max; i++)
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            const int64_t t = out[j];
            out[j] = out[j - 1], out[j - 1] = t;
        }
    return k;
}

/* Pairs of numbers: overlapping parcels (fid, fid) and areas outside the boundary (fid, 0.01
 * m²), gathered face by face. */
typedef struct {
    int64_t a, b;
} i64_pair;

typedef struct {
    i64_pair *v;
    size_t n, cap;
} pair_list;

static zr_status push_pair(pair_list *l, int64_t a, int64_t b) {
    i64_pair *nv = zr_grow(l->v, &l->cap, l->n, sizeof *nv, 64);
    if (!nv) return ZR_ERR_NOMEM;
    l->v = nv;
    l->v[l->n++] = (i64_pair){a, b};
    return ZR_OK;
}

static int cmp_pair(const void *pa, const void *pb) {
    const i64_pair *p = pa, *q = pb;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

/* Rim edges of a gap probed for its neighbours: every edge up to this many, else evenly spaced
 * ones, so a gap with a rim of millions of vertices costs as much as one of a few hundred. */
#define GAP_PROBES 256

/* Parcels adjacent to polygon gap: the two sharing the longest stretches of its rim. */
static void gap_neighbours(cover *cv, const zr_poly *gap, const char **a, const char **b) {
    *a = *b = NULL;
    const size_t edges = gap->n_pts > gap->n_rings ? gap->n_pts - gap->n_rings : 0;
    const size_t step = edges > GAP_PROBES ? (edges + GAP_PROBES - 1) / GAP_PROBES : 1;
    size_t at = 0;
    double best[2] = {0, 0};
    int idx[2] = {-1, -1};
    const double eps = cv->d->crs.epsg == 4490 ? 1e-8 : 1e-3;
    /* a handful of candidates accumulate shared length */
    int64_t cand[64];
    double len[64];
    size_t nc = 0;
    for (size_t r = 0; r < gap->n_rings; r++) {
        const double *v = gap->xy + 2 * gap->ring_start[r];
        const size_t n = zr_poly_ring_len(gap, r);
        for (size_t k = 0; k + 1 < n; k++) {
            if (at++ % step) continue;
            const double dx = v[2 * k + 2] - v[2 * k], dy = v[2 * k + 3] - v[2 * k + 1];
            const double l = hypot(dx, dy);
            if (!(l > 0)) continue;
            const double mx = (v[2 * k] + v[2 * k + 2]) / 2, my = (v[2 * k + 1] + v[2 * k + 3]) / 2;
            for (int side = -1; side <= 1; side += 2) {
                const double px = mx - side * dy / l * eps, py = my + side * dx / l * eps;
                int64_t hit[4];
                if (cover_at(cv, px, py, hit, 4) == 1) {
                    size_t c = 0;
                    while (c < nc && cand[c] != hit[0])
                        c++;
                    if (c == nc && nc < 64) cand[nc] = hit[0], len[nc++] = 0;
                    if (c < nc) len[c] += l;
                }
            }
        }
    }
    /* equal stretches: the first met along the gap's ring (GEOS gives the same ring for the
       same loose edges, which both modes hand it in the same order) */
    for (size_t c = 0; c < nc; c++) {
        if (len[c] > best[0]) {
            best[1] = best[0], idx[1] = idx[0];
            best[0] = len[c], idx[0] = (int)c;
        } else if (len[c] > best[1]) {
            best[1] = len[c], idx[1] = (int)c;
        }
    }
    const qc_parcel *pa = idx[0] >= 0 ? qc_fetch(cv->d, cand[idx[0]]) : NULL;
    const qc_parcel *pb = idx[1] >= 0 ? qc_fetch(cv->d, cand[idx[1]]) : NULL;
    *a = pa ? pa->bsm : NULL;
    *b = pb ? pb->bsm : NULL;
}

/* Emit (pass 1) or count (pass 0) the oriented ring edges of polys; sign +1 or −1 into the
 * table; in pass 1, the edges whose net count is not zero go to *seg (once each). */
typedef struct {
    double *seg;
    size_t n, cap;
} seg_list;

static zr_status push_seg(seg_list *l, const double *a, const double *b) {
    double *ns = zr_grow(l->seg, &l->cap, l->n, 4 * sizeof *ns, 4096); /* 4 doubles a segment */
    if (!ns) return ZR_ERR_NOMEM;
    l->seg = ns;
    memcpy(l->seg + 4 * l->n, a, 2 * sizeof *a);
    memcpy(l->seg + 4 * l->n + 2, b, 2 * sizeof *b);
    l->n++;
    return ZR_OK;
}

/* Tiles own the edges whose lower end point (the canonical first) falls in them, so an edge and
 * its twin always meet in the same tile. */
typedef struct {
    double x0, y0, w, h;
    int nx, ny;
} tiling;

static int tile_of(const tiling *t, const double *p) {
    int ix = (int)floor((p[0] - t->x0) / t->w), iy = (int)floor((p[1] - t->y0) / t->h);
    ix = ix < 0 ? 0 : ix >= t->nx ? t->nx - 1 : ix;
    iy = iy < 0 ? 0 : iy >= t->ny ? t->ny - 1 : iy;
    return iy * t->nx + ix;
}

struct qc_edges;
typedef struct {
    edge_table *et;
    int sign;            /* +1 parcels, −1 boundary */
    size_t *used;        /* non-NULL: the slots first taken are listed here */
    size_t n_used;       /* (room for et->cap of them) */
    const tiling *tiles; /* NULL: every edge counts */
    int tile;
    int parts, part;         /* parts 2: only the edges whose hash's low bit is part */
    struct qc_edges *direct; /* non-NULL: occurrences listed, not counted in et */
} edge_ctx;

static void push_occurrence(struct qc_edges *a, uint64_t h, uint64_t ref, int d);

/* Count a group of edges whose slots were prefetched: first occurrences keep a reference. */
static void count_group(edge_ctx *c, const uint64_t *gr, const uint64_t *gh, const int *gf,
                        int ng) {
    for (int j = 0; j < ng; j++) {
        if (c->direct) {
            push_occurrence(c->direct, gh[j], gr[j], gf[j] ? c->sign : -c->sign);
            continue;
        }
        edge_put(c->et, gh[j], gr[j], gf[j] ? c->sign : -c->sign, c->used, &c->n_used);
    }
}

/* Count every oriented edge of p (shells counter-clockwise, holes clockwise): an edge a→b
 * counts +sign in its canonical direction, −sign in the opposite one. Edges go through in
 * groups: hashes and slots first, the slots prefetched, then the counts — the table is far
 * larger than the caches, and this hides most of its latency. */
static zr_status count_poly(edge_ctx *c, const zr_poly *p, uint64_t pt0) {
    enum { G = 16 };
    edge_table *et = c->et;
    uint64_t gr[G], gh[G];
    int gf[G], ng = 0;
    if (pt0 + p->n_pts > MAX_POINTS) return ZR_ERR_LIMIT; /* see edge.rc */
    for (size_t gi = 0; gi < p->n_polys; gi++)
        for (size_t r = p->poly_start[gi]; r < p->poly_start[gi + 1]; r++) {
            const int rev = (r == p->poly_start[gi]) != (zr_ring_planar_area(p, r) > 0);
            const size_t m = zr_poly_ring_len(p, r);
            const double *v = p->xy + 2 * p->ring_start[r];
            const uint64_t ring0 = (pt0 + p->ring_start[r]) << 1; /* v[0]'s number, shifted */
            uint64_t hk = m ? vertex_hash(v) : 0;                 /* v[k]'s hash, carried along */
            for (size_t k = 0; k + 1 < m; k++) {
                const uint64_t hn = vertex_hash(v + 2 * k + 2);
                const uint64_t ha = rev ? hn : hk, hb = rev ? hk : hn;
                hk = hn;
                const double *a = v + 2 * (rev ? k + 1 : k), *b = v + 2 * (rev ? k : k + 1);
                if (a[0] == b[0] && a[1] == b[1]) continue;
                const int forward = a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
                const uint64_t h = forward ? edge_key(ha, hb) : edge_key(hb, ha);
                if (c->parts > 1 && (int)(h & 1) != c->part) continue;
                if (c->tiles && tile_of(c->tiles, forward ? a : b) != c->tile) continue;
                if (!c->direct) __builtin_prefetch(&et->t[home(et, h)], 1);
                /* a's point number (v[k + rev]), and whether b is the vertex before it (rev) */
                gr[ng] = ring0 + 2 * (uint64_t)(k + (size_t)rev) + (uint64_t)rev;
                gh[ng] = h, gf[ng] = forward;
                if (++ng < G && k + 2 < m) continue;
                count_group(c, gr, gh, gf, ng);
                ng = 0;
            }
            count_group(c, gr, gh, gf, ng); /* the last edges were skipped */
            ng = 0;
        }
    return ZR_OK;
}

static int inside_boundary(const qc_data *d, double x, double y) {
    for (size_t i = 0; i < d->n_v; i++) {
        double env[4];
        const zr_poly *p = &d->vpoly[i];
        if (!p->n_pts) continue;
        zr_poly_envelope(p, env);
        if (x >= env[0] && x <= env[1] && y >= env[2] && y <= env[3] && zr_poly_contains(p, x, y))
            return 1;
    }
    return 0;
}

/* The loose edges of one table: one segment per edge whose net count is not zero, read back
 * from its first occurrence (copied: the parcels may go away after this). */
static zr_status collect_loose(const edge_table *et, const point_space *ps, seg_list *segs) {
    zr_status s = ZR_OK;
    for (size_t i = 0; i < et->cap && !s; i++) {
        const edge *e = &et->t[i];
        if (!e->h || !edge_count(e)) continue;
        const double *a = point_at(ps, (e->rc & REF_MASK) >> 1);
        s = push_seg(segs, a, (e->rc & 1) ? a - 2 : a + 2);
    }
    return s;
}

/* Held mode counts edges chunk by chunk as the parcels stream by: each worker counts the edges
 * of the parcels it checked (after G01) in a table of its own, reused from chunk to chunk, and
 * at the end of the chunk keeps only what did not cancel — the rims of its parcels and any
 * defect. Survey layers are stored in spatial order (by village, by BSM), so most edges meet
 * their twin among the parcels checked with them; in any order the result is the same, only
 * the survivors are more. */
struct qc_edges {
    edge_table t; /* this worker's table, empty between chunks */
    size_t *used; /* its taken slots (t.cap of room) */
    size_t n_used;
    edge *surv; /* survivors: hash, first reference, net count */
    size_t n_surv, cap_surv;
    edge *occ[2]; /* direct mode: every edge occurrence (count ±1), by the hash's low bit */
    size_t n_occ[2], cap_occ[2];
    zr_status st;
};

static void push_occurrence(qc_edges *a, uint64_t h, uint64_t ref, int d) {
    const int k = (int)(h & 1);
    if (a->st) return;
    edge *no = zr_grow(a->occ[k], &a->cap_occ[k], a->n_occ[k], sizeof *no, 65536);
    if (!no) {
        a->st = ZR_ERR_NOMEM;
        return;
    }
    a->occ[k] = no;
    a->occ[k][a->n_occ[k]++] = (edge){h, ref | ((uint64_t)(uint16_t)(int16_t)d << 48)};
}

/* Make room in a's table for `more` new edges: past 70 % full it doubles, its edges moved. */
static zr_status edges_reserve(qc_edges *a, size_t more) {
    if ((a->n_used + more) * 10 <= a->t.cap * 7) return ZR_OK;
    size_t cap = a->t.cap ? a->t.cap : 4096;
    while ((a->n_used + more) * 10 > cap * 7)
        cap *= 2;
    edge_table nt = {zr_big_calloc(cap * sizeof(edge)), cap};
    size_t *nu = zr_malloc(cap * sizeof *nu);
    if (!nt.t || !nu) {
        if (nt.t) zr_big_free(nt.t, cap * sizeof(edge));
        free(nu);
        return ZR_ERR_NOMEM;
    }
    for (size_t u = 0; u < a->n_used; u++) {
        const edge *e = &a->t.t[a->used[u]];
        edge *x = slot(&nt, e->h);
        *x = *e;
        nu[u] = (size_t)(x - nt.t);
    }
    if (a->t.t) zr_big_free(a->t.t, a->t.cap * sizeof(edge));
    free(a->used);
    a->t = nt, a->used = nu;
    return ZR_OK;
}

zr_status qc_edges_prepare(qc_data *d, int workers) {
    if (!d->edges) {
        if (!(d->edges = zr_calloc((size_t)workers, sizeof *d->edges))) return ZR_ERR_NOMEM;
        d->n_edge_acc = workers;
    }
    /* a worker's share of the chunk's edges, about half of them distinct; a table grows if a
       worker takes more (edges_reserve) */
    size_t n_edges = 0;
    for (size_t i = 0; i < d->n; i++)
        n_edges += d->p[i].poly.n_pts;
    for (int w = 0; w < d->n_edge_acc; w++) {
        qc_edges *a = &d->edges[w];
        if (a->st) return a->st;
        if ((a->st = edges_reserve(a, n_edges / (size_t)d->n_edge_acc / 2))) return a->st;
    }
    return ZR_OK;
}

void qc_edges_range(qc_data *d, size_t b, size_t e, int w) {
    qc_edges *a = &d->edges[w];
    for (size_t i = b; i < e && !a->st; i++) {
        if (!d->p[i].valid) continue;
        if (d->edges_direct) { /* the layer is not in spatial order: list, count later */
            edge_ctx ec = {&a->t, 1, NULL, 0, NULL, 0, 1, 0, a};
            zr_status st = count_poly(&ec, &d->p[i].poly, d->p[i].pt0);
            if (st && !a->st) a->st = st;
            continue;
        }
        if ((a->st = edges_reserve(a, d->p[i].poly.n_pts))) break;
        edge_ctx ec = {&a->t, 1, a->used, a->n_used, NULL, 0, 1, 0, NULL};
        a->st = count_poly(&ec, &d->p[i].poly, d->p[i].pt0);
        a->n_used = ec.n_used;
    }
}

/* Keep a table's edges that did not cancel, and empty it. */
static void keep_survivors(qc_edges *a) {
    for (size_t u = 0; u < a->n_used; u++) {
        edge *x = &a->t.t[a->used[u]];
        if (!a->st && edge_count(x)) {
            edge *ns = zr_grow(a->surv, &a->cap_surv, a->n_surv, sizeof *ns, 4096);
            if (!ns) a->st = ZR_ERR_NOMEM;
            if (ns) a->surv = ns;
            if (!a->st) a->surv[a->n_surv++] = *x;
        }
        x->h = x->rc = 0;
    }
    a->n_used = 0;
}

/* The other workers' uncancelled edges are folded into worker 0's table first: the ranges the
 * workers took interleave, so their rims mostly cancel there. */
zr_status qc_edges_flush(qc_data *d) {
    qc_edges *z = &d->edges[0];
    for (int w = 0; w < d->n_edge_acc; w++)
        if (d->edges[w].st) return d->edges[w].st;
    if (d->edges_direct) return ZR_OK;
    const size_t before = z->n_surv;
    for (int w = 1; w < d->n_edge_acc; w++) {
        qc_edges *a = &d->edges[w];
        if ((z->st = edges_reserve(z, a->n_used))) return z->st;
        for (size_t u = 0; u < a->n_used; u++) {
            edge *x = &a->t.t[a->used[u]];
            if (edge_count(x)) edge_put(&z->t, x->h, x->rc, edge_count(x), z->used, &z->n_used);
            x->h = x->rc = 0;
        }
        a->n_used = 0;
    }
    keep_survivors(z);
    /* more than half the chunk's edges did not meet their twin in it: the layer is not stored
       in spatial order, and the later chunks list their edges for the county-wide count */
    size_t occurrences = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->p[i].valid) occurrences += d->p[i].poly.n_pts;
    if ((z->n_surv - before) * 2 > occurrences) d->edges_direct = 1;
    return z->st;
}

void qc_edges_free(qc_data *d) {
    for (int w = 0; w < d->n_edge_acc; w++) {
        qc_edges *a = &d->edges[w];
        if (a->t.t) zr_big_free(a->t.t, a->t.cap * sizeof *a->t.t);
        free(a->used);
        free(a->surv);
        free(a->occ[0]), free(a->occ[1]);
    }
    free(d->edges);
    d->edges = NULL, d->n_edge_acc = 0;
}

static int cmp_seg(const void *a, const void *b) {
    const double *x = a, *y = b;
    for (int k = 0; k < 4; k++)
        if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
    return 0;
}

/* The chunks' survivors (and, for a layer not in spatial order, every listed occurrence) with
 * the boundary; in direct mode two tables, one a thread, each taking the edges of one value of
 * the hash's low bit — the occurrences were listed by that bit, so neither thread reads the
 * other's. The loose edges are sorted by their coordinates. */
typedef struct {
    const qc_data *d;
    size_t n_edges;
    int parts;
    point_space ps; /* the layer's parcels, then the boundary */
    seg_list segs[2];
    zr_status st[2];
} merge_job;

static void merge_part(merge_job *j, int k) {
    const qc_data *d = j->d;
    edge_table et = {NULL, (j->n_edges + j->n_edges / 2) / (size_t)j->parts + 64};
    if (!(et.t = zr_big_calloc(et.cap * sizeof *et.t))) {
        j->st[k] = ZR_ERR_NOMEM;
        return;
    }
    for (int w = 0; w < d->n_edge_acc; w++) {
        const qc_edges *a = &d->edges[w];
        for (int part = 0; part < 3; part++) { /* survivors, then the two occurrence lists */
            const edge *v = part == 0 ? a->surv : a->occ[part - 1];
            const size_t n = part == 0 ? a->n_surv : a->n_occ[part - 1];
            if (part && j->parts > 1 && part - 1 != k) continue;
            for (size_t i = 0; i < n; i++) {
                if (i + 16 < n) /* the table is far larger than the caches */
                    __builtin_prefetch(&et.t[home(&et, v[i + 16].h)], 1);
                if (j->parts > 1 && (int)(v[i].h & 1) != k) continue;
                edge_put(&et, v[i].h, v[i].rc, edge_count(&v[i]), NULL, NULL);
            }
        }
    }
    edge_ctx ec = {&et, -1, NULL, 0, NULL, 0, j->parts, k, NULL};
    zr_status s = ZR_OK;
    for (size_t i = 0; i < d->n_v && !s; i++)
        s = count_poly(&ec, &d->vpoly[i], j->ps.vbase + j->ps.vprefix[i]);
    if (!s) s = collect_loose(&et, &j->ps, &j->segs[k]);
    zr_big_free(et.t, et.cap * sizeof *et.t);
    j->st[k] = s;
}

static void merge_range(void *ctx, size_t b, size_t e, int worker) {
    (void)worker;
    for (size_t k = b; k < e; k++)
        merge_part(ctx, (int)k);
}

/* Point numbers before each boundary polygon: vprefix[0..n_v] (malloc'd). */
static uint64_t *boundary_prefix(const qc_data *d) {
    uint64_t *v = zr_malloc((d->n_v + 1) * sizeof *v);
    if (!v) return NULL;
    v[0] = 0;
    for (size_t i = 0; i < d->n_v; i++)
        v[i + 1] = v[i] + d->vpoly[i].n_pts;
    return v;
}

static zr_status loose_held(const qc_data *d, seg_list *segs) {
    merge_job j;
    memset(&j, 0, sizeof j);
    j.d = d;
    uint64_t *vprefix = boundary_prefix(d);
    if (!vprefix) return ZR_ERR_NOMEM;
    const qc_parcel *last = d->n ? &d->p[d->n - 1] : NULL;
    j.ps = (point_space){d->p,   d->n, d->vpoly, d->n_v, last ? last->pt0 + last->poly.n_pts : 0,
                         vprefix};
    for (int w = 0; w < d->n_edge_acc; w++)
        j.n_edges += d->edges[w].n_surv + d->edges[w].n_occ[0] + d->edges[w].n_occ[1];
    for (size_t i = 0; i < d->n_v; i++)
        j.n_edges += d->vpoly[i].n_pts;
    j.parts = d->edges_direct && d->threads >= 2 ? 2 : 1;
    zr_status s = zr_parallel_for(j.parts, (size_t)j.parts, merge_range, &j);
    for (int k = 0; k < j.parts; k++) {
        if (!s) s = j.st[k];
        for (size_t i = 0; !s && i < j.segs[k].n; i++)
            s = push_seg(segs, j.segs[k].seg + 4 * i, j.segs[k].seg + 4 * i + 2);
        free(j.segs[k].seg);
    }
    free(vprefix);
    if (!s && segs->n > 1) qsort(segs->seg, segs->n, 4 * sizeof *segs->seg, cmp_seg);
    return s;
}

/* Tiled mode: tile by tile through the R*Tree, each tile's own edges in a table of its own
 * size; memory is a tile's per thread, whatever the layer's. Threads take tiles in turn, each
 * on its own connection; the loose edges are joined in tile order, so the result does not
 * depend on the threads. */
typedef struct {
    qc_data *d;
    tiling t;
    double pad;
    const double *venv;      /* the boundary polygons' envelopes */
    const uint64_t *vprefix; /* point numbers before each boundary polygon */
    seg_list *tile_segs;     /* per tile */
    zr_status *tile_st;      /* per tile */
    qc_win **win;            /* per worker: a connection and an arena, opened on first use */
    zr_arena **arena;
} tile_job;

static int envelopes_meet(const double *a, const double *b) {
    return a[0] <= b[1] && a[1] >= b[0] && a[2] <= b[3] && a[3] >= b[2];
}

static zr_status one_tile(tile_job *j, qc_win *win, zr_arena *a, int k) {
    const qc_data *d = j->d;
    const tiling *t = &j->t;
    const int ix = k % t->nx, iy = k / t->nx;
    /* border tiles also own what lies beyond the extent (boundary edges) */
    const double env[4] = {ix ? t->x0 + ix * t->w - j->pad : -INFINITY,
                           ix < t->nx - 1 ? t->x0 + (ix + 1) * t->w + j->pad : INFINITY,
                           iy ? t->y0 + iy * t->h - j->pad : -INFINITY,
                           iy < t->ny - 1 ? t->y0 + (iy + 1) * t->h + j->pad : INFINITY};
    qc_parcel *ps = NULL;
    size_t np = 0;
    zr_status s = qc_win_read(win, d, env, a, &ps, &np);
    if (s) return s;
    size_t n_edges = 64;
    uint64_t pts = 0; /* the tile's point numbers: its parcels, then the boundary */
    for (size_t i = 0; i < np; i++) {
        n_edges += ps[i].poly.n_pts;
        ps[i].pt0 = pts, pts += ps[i].poly.n_pts;
    }
    const point_space space = {ps, np, d->vpoly, d->n_v, pts, j->vprefix};
    const double *ve = j->venv;
    for (size_t i = 0; i < d->n_v; i++)
        if (envelopes_meet(ve + 4 * i, env)) n_edges += d->vpoly[i].n_pts;
    edge_table et = {0};
    et.cap = n_edges + n_edges / 2;
    if (!(et.t = zr_big_calloc(et.cap * sizeof *et.t))) s = ZR_ERR_NOMEM;
    edge_ctx ec = {&et, 1, NULL, 0, t, k, 1, 0, NULL};
    for (size_t i = 0; i < np && !s; i++)
        if (ps[i].valid) s = count_poly(&ec, &ps[i].poly, ps[i].pt0);
    ec.sign = -1;
    for (size_t i = 0; i < d->n_v && !s; i++)
        if (envelopes_meet(ve + 4 * i, env)) s = count_poly(&ec, &d->vpoly[i], pts + j->vprefix[i]);
    if (!s) s = collect_loose(&et, &space, &j->tile_segs[k]);
    zr_big_free(et.t, et.cap * sizeof *et.t);
    free(ps);
    return s;
}

static void tile_range(void *ctx, size_t b, size_t e, int w) {
    tile_job *j = ctx;
    for (size_t k = b; k < e; k++) {
        zr_status s = qc_cancelled(j->d) ? ZR_ERR_CANCELLED : ZR_OK;
        if (!s && !j->arena[w] && !(j->arena[w] = zr_arena_new(1 << 22))) s = ZR_ERR_NOMEM;
        if (!s && !j->win[w]) s = qc_win_open(j->d, &j->win[w]);
        if (!s) s = one_tile(j, j->win[w], j->arena[w], (int)k);
        if (j->arena[w]) zr_arena_reset(j->arena[w]);
        j->tile_st[k] = s;
    }
}

static zr_status loose_tiled(qc_data *d, seg_list *segs, char *err, size_t n) {
    /* the tiles span the valid parcels (a parcel at infinity is G01 and stretches only the
       R*Tree's extent); border tiles own whatever lies beyond */
    double ext[4];
    memcpy(ext, d->valid_env, sizeof ext);
    if (!(ext[0] <= ext[1] && ext[2] <= ext[3])) {
        const int known = zr_source_extent(d->src, ext) == ZR_OK;
        if (!known && !d->n_total) return ZR_OK;
        if (!known || !isfinite(ext[0]) || !isfinite(ext[1]) || !isfinite(ext[2]) ||
            !isfinite(ext[3]))
            ext[0] = ext[1] = ext[2] = ext[3] = 0; /* no valid parcel: one tile for the boundary */
    }
    tile_job j;
    memset(&j, 0, sizeof j);
    j.d = d;
    const double w = fmax(ext[1] - ext[0], 1e-9), h = fmax(ext[3] - ext[2], 1e-9);
    const double tiles = ceil((double)d->n_total / (double)d->tile_parcels);
    j.t = (tiling){ext[0], ext[2], 0, 0, 1, 1};
    j.t.nx = (int)fmin(4096, fmax(1, round(sqrt(tiles * w / h))));
    j.t.ny = (int)fmin(4096, fmax(1, ceil(tiles / j.t.nx)));
    j.t.w = w / j.t.nx, j.t.h = h / j.t.ny;
    j.pad = 1e-6 * fmax(w, h) + 1e-9; /* the R*Tree keeps float envelopes */
    const int n_tiles = j.t.nx * j.t.ny;
    double *venv = zr_malloc((d->n_v ? d->n_v : 1) * 4 * sizeof *venv);
    j.tile_segs = zr_calloc((size_t)n_tiles, sizeof *j.tile_segs);
    j.tile_st = zr_calloc((size_t)n_tiles, sizeof *j.tile_st);
    if (!venv || !j.tile_segs || !j.tile_st) {
        free(venv), free(j.tile_segs), free(j.tile_st);
        return ZR_ERR_NOMEM;
    }
    for (size_t i = 0; i < d->n_v; i++)
        zr_poly_envelope(&d->vpoly[i], venv + 4 * i);
    j.venv = venv;
    uint64_t *vprefix = boundary_prefix(d);
    if (!vprefix) {
        free(venv), free(j.tile_segs), free(j.tile_st);
        return ZR_ERR_NOMEM;
    }
    j.vprefix = vprefix;
    const int nt = d->threads < 1 ? 1 : d->threads;
    j.win = zr_calloc((size_t)nt, sizeof *j.win);
    j.arena = zr_calloc((size_t)nt, sizeof *j.arena);
    if (!j.win || !j.arena) {
        free(j.win), free(j.arena), free(venv), free(vprefix), free(j.tile_segs), free(j.tile_st);
        return ZR_ERR_NOMEM;
    }
    zr_parallel_for(nt, (size_t)n_tiles, tile_range, &j);
    for (int t = 0; t < nt; t++) {
        qc_win_close(j.win[t]);
        zr_arena_free(j.arena[t]);
    }
    free(j.win), free(j.arena);
    /* the first failure in tile order, whatever the threads did */
    int failed = 0;
    while (failed < n_tiles && !j.tile_st[failed])
        failed++;
    zr_status s = failed < n_tiles ? j.tile_st[failed] : ZR_OK;
    if (s == ZR_ERR_CANCELLED)
        ;
    else if (s == ZR_ERR_NOT_FOUND)
        snprintf(err, n,
                 "%s: layer %s has no R*Tree spatial index to check it by tiles: import it "
                 "(zrzy import STORE FILE) and check the store",
                 d->path, d->layer_name);
    else if (s)
        snprintf(err, n, "%s: layer %s: tile %d: %s", d->path, d->layer_name, failed,
                 zr_status_str(s));
    for (int k = 0; k < n_tiles; k++) {
        for (size_t i = 0; !s && i < j.tile_segs[k].n; i++)
            s = push_seg(segs, j.tile_segs[k].seg + 4 * i, j.tile_segs[k].seg + 4 * i + 2);
        free(j.tile_segs[k].seg);
    }
    free(j.tile_segs);
    free(j.tile_st);
    free(venv);
    free(vprefix);
    /* the same loose edges as held mode, in the same order: the same faces from GEOS */
    if (!s && segs->n > 1) qsort(segs->seg, segs->n, 4 * sizeof *segs->seg, cmp_seg);
    return s;
}

/* A parcel found again for a finding; its absence (a read that failed) fails the run. */
static zr_status fetch_or_fail(qc_data *d, int64_t fid, const qc_parcel **out, char *err,
                               size_t n) {
    if ((*out = qc_fetch(d, fid))) return ZR_OK;
    snprintf(err, n, "%s: layer %s: feature fid=%lld: cannot be read again for the topology",
             d->path, d->layer_name, (long long)fid);
    return ZR_ERR_IO;
}

zr_status qc_topology_rules(qc_data *d, const qc_catalogue *cat, qc_findings *fs, char *err,
                            size_t n) {
    const int want_t01 = cat->rules[R_T01].enabled, want_t02 = cat->rules[R_T02].enabled,
              want_t03 = cat->rules[R_T03].enabled;
    if (!want_t01 && !want_t02 && !want_t03) return ZR_OK;
    zr_geos *g = NULL;
    cover cv;
    memset(&cv, 0, sizeof cv);
    cv.d = d;
    seg_list segs = {0};
    zr_poly *faces = NULL, inter = {0};
    size_t n_faces = 0;
    pair_list pairs = {0};   /* overlapping parcels */
    pair_list outside = {0}; /* 0.01 m² of a parcel outside the boundary, face by face */
    zr_buf scratch = {0};
    /* net directed edges: parcels +1, boundary −1; inner edges and a shared outline cancel */
    zr_progress(d->ctl, "edges", 0, 0);
    zr_status s = d->tiled ? loose_tiled(d, &segs, err, n) : loose_held(d, &segs);
    if (!s && qc_cancelled(d)) s = ZR_ERR_CANCELLED;
    if (!s) s = zr_geos_open(&g);
    if (s) goto done;
    zr_progress(d->ctl, "faces", 0, 0);
    if ((s = zr_geos_faces(g, segs.seg, segs.n, &faces, &n_faces))) {
        snprintf(err, n, "topology: cannot build the faces of %zu loose edges: %s", segs.n,
                 zr_geos_errmsg(g));
        goto done;
    }
    if (!d->tiled && n_faces && (s = grid_build(&cv.gr, d))) goto done; /* for the faces only */
    for (size_t f = 0; f < n_faces; f++) {
        if ((f & 63) == 0) {
            if (qc_cancelled(d)) {
                s = ZR_ERR_CANCELLED;
                goto done;
            }
            zr_progress(d->ctl, "faces", (int64_t)f, (int64_t)n_faces);
        }
        double x, y;
        if ((s = zr_geos_interior_point(g, &faces[f], &x, &y))) {
            /* a face that cannot be placed would vanish with its gap or overlap */
            snprintf(err, n, "topology: face %zu of %zu (near %.3f, %.3f): no interior point: %s",
                     f, n_faces, faces[f].n_pts ? faces[f].xy[0] : 0.0,
                     faces[f].n_pts ? faces[f].xy[1] : 0.0, zr_geos_errmsg(g));
            goto done;
        }
        int64_t hit[16];
        const size_t k = cover_at(&cv, x, y, hit, 16);
        if (cv.st) {
            s = cv.st;
            snprintf(err, n, "%s: layer %s: cannot read the parcels at (%.3f, %.3f): %s", d->path,
                     d->layer_name, x, y, zr_status_str(s));
            goto done;
        }
        const int inside = d->n_v ? inside_boundary(d, x, y) : 1;
        double fa = 0; /* the face's area, when a rule needs it */
        if (((k == 0 && inside && want_t02) || (k >= 1 && !inside)) &&
            (s = qc_poly_area(&faces[f], &d->crs, &scratch, &fa)))
            goto done;
        if (k == 0 && inside && want_t02) {
            const int64_t a = zr_round_cents(fa);
            if ((double)a / 100 > cat->rules[R_T02].tolerance) {
                const char *na, *nb;
                gap_neighbours(&cv, &faces[f], &na, &nb);
                qc_add(fs, R_T02, na ? na : "", nb, x, y, a, "gap of %.2f m² covered by no parcel",
                       (double)a / 100);
                if (cv.st) {
                    s = cv.st;
                    snprintf(err, n, "%s: layer %s: cannot read the parcels around a gap: %s",
                             d->path, d->layer_name, zr_status_str(s));
                    goto done;
                }
            }
        }
        if (k >= 1 && !inside) {
            const int64_t a = zr_round_cents(fa);
            for (size_t u = 0; u < k && u < 16 && !s; u++)
                s = push_pair(&outside, hit[u], a);
        }
        for (size_t u = 0; k >= 2 && u < k && u < 16 && !s; u++)
            for (size_t v = u + 1; v < k && v < 16 && !s; v++) {
                const int64_t a = hit[u] < hit[v] ? hit[u] : hit[v];
                s = push_pair(&pairs, a, hit[u] == a ? hit[v] : hit[u]);
            }
        if (s) goto done;
    }
    /* T01: one row per overlapping pair, with the exact (ellipsoidal) overlap area */
    if (pairs.n) qsort(pairs.v, pairs.n, sizeof *pairs.v, cmp_pair);
    for (size_t i = 0; want_t01 && i < pairs.n; i++) {
        if (i && !cmp_pair(&pairs.v[i], &pairs.v[i - 1])) continue;
        if ((i & 63) == 0 && qc_cancelled(d)) {
            s = ZR_ERR_CANCELLED;
            goto done;
        }
        const qc_parcel *a, *b;
        if ((s = fetch_or_fail(d, pairs.v[i].a, &a, err, n)) ||
            (s = fetch_or_fail(d, pairs.v[i].b, &b, err, n)))
            goto done;
        if ((s = zr_geos_intersection(g, &a->poly, &b->poly, &inter))) {
            /* both parcels passed G01: an overlap GEOS cannot measure must not vanish */
            snprintf(
                err, n,
                "%s: layer %s: parcels BSM %s and %s overlap and GEOS cannot intersect them: %s",
                d->path, d->layer_name, a->bsm ? a->bsm : "", b->bsm ? b->bsm : "",
                zr_geos_errmsg(g));
            goto done;
        }
        double ia;
        if ((s = qc_poly_area(&inter, &d->crs, &scratch, &ia))) goto done;
        const int64_t area = zr_round_cents(ia);
        if ((double)area / 100 <= cat->rules[R_T01].tolerance) continue;
        double x = a->env[0], y = a->env[2];
        if (inter.n_pts && (s = zr_geos_interior_point(g, &inter, &x, &y))) {
            snprintf(err, n, "%s: layer %s: the overlap of BSM %s and %s cannot be placed: %s",
                     d->path, d->layer_name, a->bsm ? a->bsm : "", b->bsm ? b->bsm : "",
                     zr_geos_errmsg(g));
            goto done;
        }
        qc_add(fs, R_T01, a->bsm, b->bsm, x, y, area, "parcels %s and %s overlap by %.2f m²",
               a->bsm ? a->bsm : "", b->bsm ? b->bsm : "", (double)area / 100);
    }
    /* T03: parcels reaching outside the boundary */
    if (outside.n) qsort(outside.v, outside.n, sizeof *outside.v, cmp_pair);
    for (size_t i = 0; want_t03 && d->n_v && i < outside.n;) {
        size_t j = i;
        int64_t sum = 0;
        for (; j < outside.n && outside.v[j].a == outside.v[i].a; j++)
            sum += outside.v[j].b;
        if ((double)sum / 100 > cat->rules[R_T03].tolerance) {
            const qc_parcel *p;
            if ((s = fetch_or_fail(d, outside.v[i].a, &p, err, n))) goto done;
            double x, y;
            qc_parcel_point(p, &x, &y);
            qc_add(fs, R_T03, p->bsm, NULL, x, y, sum,
                   "%.2f m² of the parcel lie outside the boundary", (double)sum / 100);
        }
        i = j;
    }
    if (!s && cv.st) s = cv.st;
done:
    qc_fetch_reset(d);
    free(segs.seg);
    for (size_t f = 0; f < n_faces; f++)
        zr_poly_free(&faces[f]);
    free(faces);
    free(pairs.v);
    free(outside.v);
    free(cv.gr.start);
    free(cv.gr.item);
    zr_poly_free(&inter);
    zr_buf_free(&scratch);
    zr_geos_close(g);
    return s;
}
