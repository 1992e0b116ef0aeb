/* Valuation: each state-owned parcel split by the price zones of its use (TDYT); piece areas are
 * TBDLMJ shared out by largest remainder on the 0.01 m² grid; piece price P = round(JG ×
 * ZS(base) / ZS(JZRQ), 2); parcel value V = round(Σ piece area × P, 2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "codes/codes.h"
#include "core/control.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "geo/geos_ops.h"
#include "inventory/inv_int.h"

const char *inv_class(const char *dlbm) {
    if (zr_dlbm_is_wetland(dlbm)) return "湿地";
    if (dlbm && dlbm[0] == '0' && dlbm[1] == '3') return "森林";
    if (dlbm && dlbm[0] == '0' && dlbm[1] == '4') return "草原";
    const zr_dlbm *d = zr_dlbm_find(dlbm);
    return d ? zr_sdl_name(d->sdl) : "其他";
}

__extension__ typedef __int128 i128;

static int priced_zero(const char *dlbm) {
    return !strcmp(dlbm, "1006") || !strcmp(dlbm, "1107") || !strcmp(dlbm, "1203");
}

static double planar_area(const zr_poly *p) {
    double a = 0;
    for (size_t g = 0; g < p->n_polys; g++)
        for (size_t r = p->poly_start[g]; r < p->poly_start[g + 1]; r++) {
            const double ra = fabs(zr_ring_planar_area(p, r));
            a += r == p->poly_start[g] ? ra : -ra;
        }
    return a;
}

/* The parcel lies wholly inside the zone: every parcel vertex is inside, and no zone vertex
 * falls within the parcel's envelope (so no zone edge or hole reaches into it). */
static int wholly_inside(const inv_parcel *p, const inv_zone *z) {
    for (size_t i = 0; i < z->poly.n_pts; i++) {
        const double x = z->poly.xy[2 * i], y = z->poly.xy[2 * i + 1];
        if (x >= p->env[0] && x <= p->env[1] && y >= p->env[2] && y <= p->env[3]) return 0;
    }
    for (size_t i = 0; i < p->poly.n_pts; i++)
        if (!zr_poly_contains(&z->poly, p->poly.xy[2 * i], p->poly.xy[2 * i + 1])) return 0;
    return 1;
}

static zr_status add_piece(inv_parcel *p, int zone, zr_poly *poly) {
    if (!p->pieces || p->n_pieces == p->cap_pieces) {
        const size_t cap = p->pieces && p->cap_pieces ? p->cap_pieces * 2 : 2;
        inv_piece *np = zr_realloc(p->pieces, cap * sizeof *np);
        if (!np) return ZR_ERR_NOMEM;
        p->pieces = np, p->cap_pieces = cap;
    }
    inv_piece *pc = &p->pieces[p->n_pieces++];
    memset(pc, 0, sizeof *pc);
    pc->zone = zone;
    if (poly) pc->poly = *poly, memset(poly, 0, sizeof *poly);
    return ZR_OK;
}

static int zone_hits(const inv_zone *z, const inv_parcel *p) {
    return !strcmp(z->tdyt, p->tdyt) && z->env[0] <= p->env[1] && z->env[1] >= p->env[0] &&
           z->env[2] <= p->env[3] && z->env[3] >= p->env[2];
}

/* Split by the candidate zones cand[0..nc); weights[k] gets piece k's planar area. A failed
 * overlay leaves its zone and GEOS's reason in sc. */
static zr_status split(const inv_data *d, zr_geos *g, inv_scratch *sc, inv_parcel *p,
                       const int *cand, int nc, double *weights) {
    zr_status s = ZR_OK;
    const double total = planar_area(&p->poly);
    double covered = 0;
    zr_poly inter = {0};
    for (int k = 0; k < nc && !s; k++) {
        if ((s = zr_geos_intersection(g, &p->poly, &d->z[cand[k]].poly, &inter)) != ZR_OK) {
            sc->fail_zone = cand[k];
            snprintf(sc->why, sizeof sc->why, "%s",
                     s == ZR_ERR_NOMEM ? "out of memory" : zr_geos_errmsg(g));
            break;
        }
        const double a = planar_area(&inter);
        if (!(a > total * 1e-12)) continue;
        covered += a;
        weights[p->n_pieces] = a;
        s = add_piece(p, cand[k], &inter);
    }
    zr_poly_free(&inter);
    if (!s && (total - covered > total * 1e-9 || !p->n_pieces)) {
        weights[p->n_pieces] = total - covered > 0 ? total - covered : 0;
        s = add_piece(p, -1, NULL);
    }
    return s;
}

void inv_scratch_free(inv_scratch *sc) {
    free(sc->cand), free(sc->weights), free(sc->shares);
    memset(sc, 0, sizeof *sc);
}

/* Room for n candidate zones and n + 2 pieces (the zones' and the uncovered rest). */
static zr_status scratch_fit(inv_scratch *sc, size_t n) {
    if (n + 2 <= sc->cap) return ZR_OK;
    const size_t cap = (n + 2) * 2;
    int *c = zr_realloc(sc->cand, cap * sizeof *c);
    if (c) sc->cand = c;
    double *w = zr_realloc(sc->weights, cap * sizeof *w);
    if (w) sc->weights = w;
    int64_t *sh = zr_realloc(sc->shares, cap * sizeof *sh);
    if (sh) sc->shares = sh;
    if (!c || !w || !sh) return ZR_ERR_NOMEM;
    sc->cap = cap;
    return ZR_OK;
}

/* Split, share out, price one parcel (index i is recorded on its pieces). Any number of zones
 * may touch a parcel. Money is exact: piece values in 128 bits, the parcel's value refused
 * (ZR_ERR_LIMIT, reason in sc->why) when it would not fit. */
zr_status inv_value_parcel(const inv_data *d, zr_geos *g, inv_scratch *sc, inv_parcel *p,
                           size_t i) {
    sc->fail_zone = -1;
    sc->why[0] = 0;
    zr_status s = scratch_fit(sc, 0);
    int nc = 0, whole = -1;
    for (size_t k = 0; !s && !priced_zero(p->dlbm) && k < d->nz; k++) {
        if (!zone_hits(&d->z[k], p)) continue;
        if ((s = scratch_fit(sc, (size_t)nc + 1))) break;
        if (whole < 0 && wholly_inside(p, &d->z[k])) whole = (int)k;
        sc->cand[nc++] = (int)k;
    }
    if (s) return s;
    if (whole >= 0)
        s = add_piece(p, whole, NULL);
    else if (nc == 0) /* priced 0, or no zone for this use: a physical-only asset */
        s = add_piece(p, -1, NULL);
    else
        s = split(d, g, sc, p, sc->cand, nc, sc->weights);
    if (!s && p->n_pieces == 1) sc->weights[0] = 1;
    if (!s) s = zr_apportion(p->tbdlmj, sc->weights, p->n_pieces, sc->shares);
    i128 sum = 0; /* 0.0001 yuan */
    for (size_t k = 0; !s && k < p->n_pieces; k++) {
        inv_piece *pc = &p->pieces[k];
        pc->parcel = i;
        pc->area = sc->shares[k];
        const int64_t price = pc->zone >= 0 && !priced_zero(p->dlbm) ? d->z[pc->zone].price : 0;
        if (__builtin_mul_overflow(pc->area, price, &pc->value)) s = ZR_ERR_LIMIT;
        sum += (i128)pc->value;
    }
    /* half-up; values are ≥ 0 */
    const i128 value = (sum + 50) / 100;
    if (!s && value > (i128)(INV_MAX_MONEY * 100)) s = ZR_ERR_LIMIT;
    if (s == ZR_ERR_LIMIT)
        snprintf(sc->why, sizeof sc->why,
                 "its value (TBDLMJ × price) exceeds %.0f yuan: check TBDLMJ and the zones' JG",
                 INV_MAX_MONEY);
    if (!s) p->value = (int64_t)value;
    return s;
}

/* One worker's room: its GEOS context, scratch, and the first parcel it failed on. */
typedef struct valuer_worker {
    zr_geos *g;
    inv_scratch sc;
    zr_status st;
    size_t bad;    /* index of the parcel that failed, when st */
    char why[160]; /* its geometry's fault, when that is what failed */
} valuer_worker;

struct inv_valuer {
    int threads;
    inv_data *d;
    valuer_worker *w; /* owned: threads of them */
};

static void value_range(void *ctx, size_t b, size_t e, int wk) {
    inv_valuer *v = ctx;
    valuer_worker *w = &v->w[wk];
    for (size_t i = b; i < e && !w->st; i++) {
        if (zr_cancelled(v->d->ctl)) {
            w->st = ZR_ERR_CANCELLED, w->bad = i;
            break;
        }
        inv_parcel *p = &v->d->p[i];
        const char *bad = NULL;
        w->st = zr_geom_to_poly(v->d->geom_is_gpkg, p->g_len ? v->d->geoms.data + p->g_off : NULL,
                                p->g_len, &p->poly, w->why, sizeof w->why);
        if (!w->st && (bad = inv_coords_check(&v->d->crs, &p->poly))) {
            snprintf(w->why, sizeof w->why, "%s", bad);
            w->st = ZR_ERR_GEOM_INVALID;
        }
        if (w->st) {
            w->bad = i;
            break;
        }
        w->why[0] = 0;
        zr_poly_envelope(&p->poly, p->env);
        if ((w->st = inv_value_parcel(v->d, w->g, &w->sc, p, i))) w->bad = i;
    }
}

zr_status inv_valuer_open(int threads, inv_valuer **out) {
    *out = NULL;
    inv_valuer *v = zr_calloc(1, sizeof *v);
    if (!v) return ZR_ERR_NOMEM;
    v->threads = threads < 1 ? 1 : threads > 256 ? 256 : threads;
    zr_status s = (v->w = zr_calloc((size_t)v->threads, sizeof *v->w)) ? ZR_OK : ZR_ERR_NOMEM;
    for (int t = 0; t < v->threads && !s; t++)
        s = zr_geos_open(&v->w[t].g);
    if (s) {
        if (!v->w) v->threads = 0;
        inv_valuer_close(v);
        return s;
    }
    *out = v;
    return ZR_OK;
}

zr_status inv_valuer_run(inv_valuer *v, inv_data *d, char *err, size_t n) {
    v->d = d;
    for (int t = 0; t < v->threads; t++)
        v->w[t].st = ZR_OK, v->w[t].why[0] = 0;
    /* small batches are not worth a thread */
    zr_parallel_for(d->n < 256 ? 1 : v->threads, d->n, value_range, v);
    /* the first parcel in layer order that failed: the same message for any threads */
    const valuer_worker *bad = NULL;
    for (int t = 0; t < v->threads; t++)
        if (v->w[t].st && (!bad || v->w[t].bad < bad->bad)) bad = &v->w[t];
    if (!bad) return ZR_OK;
    if (bad->st == ZR_ERR_CANCELLED) return ZR_ERR_CANCELLED;
    const inv_parcel *p = &d->p[bad->bad];
    if (bad->why[0]) {
        snprintf(err, n, "%s: layer %s: feature fid=%lld BSM=%s: field geometry: %s", d->path,
                 d->layer, (long long)p->fid, p->bsm, bad->why);
    } else if (bad->st == ZR_ERR_NOMEM) {
        snprintf(err, n, "%s: layer %s: feature fid=%lld BSM=%s: out of memory in the valuation",
                 d->path, d->layer, (long long)p->fid, p->bsm);
    } else if (bad->sc.fail_zone >= 0) {
        snprintf(err, n,
                 "%s: layer %s: feature fid=%lld BSM=%s: field geometry: the overlay with price "
                 "zone fid=%lld failed (%s)",
                 d->path, d->layer, (long long)p->fid, p->bsm,
                 (long long)d->z[bad->sc.fail_zone].fid, bad->sc.why);
    } else {
        snprintf(err, n, "%s: layer %s: feature fid=%lld BSM=%s: field TBDLMJ: %s", d->path,
                 d->layer, (long long)p->fid, p->bsm,
                 bad->sc.why[0] ? bad->sc.why : zr_status_str(bad->st));
    }
    return bad->st;
}

void inv_valuer_close(inv_valuer *v) {
    if (!v) return;
    for (int t = 0; t < v->threads; t++) {
        zr_geos_close(v->w[t].g);
        inv_scratch_free(&v->w[t].sc);
    }
    free(v->w);
    free(v);
}

int inv_cents(double yuan, int64_t *out) {
    if (!isfinite(yuan) || fabs(yuan) > INV_MAX_MONEY) return 0;
    *out = zr_round_cents(yuan);
    return 1;
}

const char *inv_coords_check(const zr_crs *crs, const zr_poly *p) {
    if (p->nonfinite) return "a coordinate is NaN, infinite or beyond 1e9 (outside every CRS)";
    if (!p->n_pts) return NULL;
    double env[4];
    zr_poly_envelope(p, env);
    if (!crs->width) {
        if (env[0] < -180 || env[1] > 180 || env[2] < -90 || env[3] > 90)
            return "a coordinate lies outside -180…180° / -90…90°";
        return NULL;
    }
    const double fe = 500000 + (crs->prefixed ? crs->zone * 1e6 : 0);
    if (env[0] < fe - 1e6 || env[1] > fe + 1e6)
        return "an easting lies more than 1,000 km from the zone's central meridian";
    if (env[2] < -1e6 || env[3] > 1e7) return "a northing lies outside -1,000…10,000 km";
    return NULL;
}
