/* Geometry rules of one parcel (G01 validity, G02 repeated points, spikes, slivers), rows of
 * the per-parcel rule table (rule_table.c). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/fixed.h"
#include "geo/geos_ops.h"
#include "qc/parcel_rules.h"

/* Basic structure, checked before GEOS: within the size limits, closed rings of ≥ 4 points,
 * finite coordinates. */
static const char *structure_problem(const zr_poly *p, char *buf, size_t cap) {
    if (p->n_polys > QC_MAX_PARCEL_PARTS) {
        snprintf(buf, cap, "%zu polygon parts, more than the %d a parcel may have to be checked",
                 p->n_polys, QC_MAX_PARCEL_PARTS);
        return buf;
    }
    if (p->n_pts > QC_MAX_PARCEL_POINTS) {
        snprintf(buf, cap, "%zu vertices, more than the %d a parcel may have to be checked",
                 p->n_pts, QC_MAX_PARCEL_POINTS);
        return buf;
    }
    if (p->nonfinite) return "a coordinate is NaN, infinite or beyond 1e9 (outside every CRS)";
    for (size_t r = 0; r < p->n_rings; r++) {
        const size_t n = zr_poly_ring_len(p, r);
        if (n < 4) return "a ring has fewer than 4 points";
        const double *v = p->xy + 2 * p->ring_start[r];
        if (v[0] != v[2 * (n - 1)] || v[1] != v[2 * (n - 1) + 1]) return "a ring is not closed";
    }
    return NULL;
}

/* Orientation of c against a→b, with 0 for "too close to call" (the caller then asks GEOS). */
static int orient(double ax, double ay, double bx, double by, double cx, double cy) {
    const double l = (bx - ax) * (cy - ay), r = (by - ay) * (cx - ax), det = l - r;
    const double bound = 1e-12 * (fabs(l) + fabs(r));
    return det > bound ? 1 : det < -bound ? -1 : 0;
}

/* Edge boxes for the sweep, on the sweep axis (lo, hi) and across it (clo, chi). */
typedef struct {
    double lo, hi, clo, chi;
} edge_box;

/* ord[0..m) sorted by box[].lo: insertion for a few edges, else a bottom-up merge sort
 * through tmp (m log m: long rings of roads and rivers). */
static void sort_by_lo(uint32_t *ord, uint32_t *tmp, size_t m, const edge_box *box) {
    if (m <= 64) {
        for (size_t i = 1; i < m; i++) {
            const uint32_t e = ord[i];
            size_t k = i;
            for (; k > 0 && box[ord[k - 1]].lo > box[e].lo; k--)
                ord[k] = ord[k - 1];
            ord[k] = e;
        }
        return;
    }
    for (size_t w = 1; w < m; w *= 2) {
        for (size_t i = 0; i < m; i += 2 * w) {
            const size_t mid = i + w < m ? i + w : m, end = i + 2 * w < m ? i + 2 * w : m;
            size_t p = i, q = mid, k = i;
            while (p < mid && q < end)
                tmp[k++] = box[ord[q]].lo < box[ord[p]].lo ? ord[q++] : ord[p++];
            while (p < mid)
                tmp[k++] = ord[p++];
            while (q < end)
                tmp[k++] = ord[q++];
        }
        memcpy(ord, tmp, m * sizeof *ord);
    }
}

/* The general certain-simple test: no two non-adjacent edges touch, no edge turns straight
 * back, no zero-length edge. A sweep along the ring's longer side (a road or a river running
 * north-south would otherwise have every edge overlap every other in x): edges sorted by their
 * low end, each tested against those that start before it ends. */
static int sweep_simple(const double *v, size_t n) {
    if (n < 4 || n > 65536) return 0;
    const size_t m = n - 1; /* edges i: v[i] → v[i+1] */
    const double x0 = v[0], y0 = v[1];
    double ex[2] = {0, 0}, ey[2] = {0, 0};
    for (size_t i = 0; i < m; i++) {
        const double x = v[2 * i] - x0, y = v[2 * i + 1] - y0;
        ex[0] = fmin(ex[0], x), ex[1] = fmax(ex[1], x), ey[0] = fmin(ey[0], y),
        ey[1] = fmax(ey[1], y);
    }
    const int along_x = ex[1] - ex[0] >= ey[1] - ey[0];
    enum { SMALL = 1024 };
    edge_box sbox[SMALL];
    uint32_t sord[SMALL], stmp[SMALL];
    edge_box *box = sbox;
    uint32_t *ord = sord, *tmp = stmp;
    if (m > SMALL) {
        box = zr_malloc(m * sizeof *box), ord = zr_malloc(m * sizeof *ord),
        tmp = zr_malloc(m * sizeof *tmp);
        if (!box || !ord || !tmp) {
            free(box), free(ord), free(tmp);
            return 0; /* not certain: GEOS decides */
        }
    }
    int simple = 1;
    for (size_t i = 0; i < m && simple; i++) {
        const double ax = v[2 * i] - x0, ay = v[2 * i + 1] - y0;
        const double bx = v[2 * i + 2] - x0, by = v[2 * i + 3] - y0;
        if (ax == bx && ay == by) simple = 0;
        const double mnx = fmin(ax, bx), mxx = fmax(ax, bx), mny = fmin(ay, by), mxy = fmax(ay, by);
        box[i] = along_x ? (edge_box){mnx, mxx, mny, mxy} : (edge_box){mny, mxy, mnx, mxx};
        ord[i] = (uint32_t)i;
        /* the next edge must not turn straight back along this one */
        const size_t j = i + 1 < m ? i + 1 : 0;
        const double cx = v[2 * j + 2] - x0, cy = v[2 * j + 3] - y0;
        if (orient(ax, ay, bx, by, cx, cy) == 0 &&
            (bx - ax) * (cx - bx) + (by - ay) * (cy - by) <= 0)
            simple = 0;
    }
    if (simple) sort_by_lo(ord, tmp, m, box);
    for (size_t a = 0; a < m && simple; a++) {
        const size_t i = ord[a];
        for (size_t b = a + 1; b < m && box[ord[b]].lo <= box[i].hi; b++) {
            const size_t lo = i < ord[b] ? i : ord[b], hi = i ^ ord[b] ^ lo;
            if (hi - lo < 2 || (lo == 0 && hi == m - 1)) continue; /* adjacent edges */
            if (box[hi].clo > box[lo].chi || box[hi].chi < box[lo].clo) continue;
            const double ax = v[2 * lo] - x0, ay = v[2 * lo + 1] - y0, bx = v[2 * lo + 2] - x0,
                         by = v[2 * lo + 3] - y0, cx = v[2 * hi] - x0, cy = v[2 * hi + 1] - y0,
                         dx = v[2 * hi + 2] - x0, dy = v[2 * hi + 3] - y0;
            const int o1 = orient(ax, ay, bx, by, cx, cy), o2 = orient(ax, ay, bx, by, dx, dy);
            const int o3 = orient(cx, cy, dx, dy, ax, ay), o4 = orient(cx, cy, dx, dy, bx, by);
            if (o1 * o2 <= 0 && o3 * o4 <= 0) { /* they meet, or might */
                simple = 0;
                break;
            }
        }
    }
    if (m > SMALL) free(box), free(ord), free(tmp);
    return simple;
}

/* 1 when every edge of the ring v[0..m] certainly turns the same way around (cx, cy) and the
 * ring winds once around it. The coordinates relative to c are exact when c and a vertex are
 * within a factor of two of each other (Sterbenz), and otherwise off by less than 2⁻⁵² of
 * their size, far inside the orientation filter. */
static int star_from(const double *v, size_t m, double cx, double cy) {
    int sign = 0, crossings = 0;
    for (size_t i = 0; i < m; i++) {
        const double ax = v[2 * i] - cx, ay = v[2 * i + 1] - cy;
        const double bx = v[2 * i + 2] - cx, by = v[2 * i + 3] - cy;
        const double l = ax * by, r = ay * bx, det = l - r, bound = 1e-12 * (fabs(l) + fabs(r));
        const int o = det > bound ? 1 : det < -bound ? -1 : 0;
        if (!o || (sign && o != sign)) return 0;
        sign = o;
        /* the ray from c along +x is crossed upwards by a counter-clockwise ring, downwards
           by a clockwise one, once a turn */
        crossings += sign > 0 ? (ay < 0 && by >= 0) : (ay >= 0 && by < 0);
    }
    return crossings == 1;
}

/* 1 when the closed ring v[0..n) is certainly simple; 0 means "not certain" and GEOS decides.
 * Most parcels are star-shaped from the mean of their vertices, or from their centroid (an L
 * or a T): when every edge turns the same way around such a point and the ring winds once
 * around it, the edges sweep disjoint angular sectors about it and only adjacent ones meet —
 * one pass. The other rings take the sweep. */
int qc_ring_surely_simple(const double *v, size_t n) {
    if (n < 4 || n > 65536) return 0;
    const size_t m = n - 1;
    double cx = 0, cy = 0;
    for (size_t i = 0; i < m; i++)
        cx += v[2 * i], cy += v[2 * i + 1];
    if (star_from(v, m, cx / (double)m, cy / (double)m)) return 1;
    /* the centroid, from coordinates relative to the first vertex */
    double a2 = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < m; i++) {
        const double ax = v[2 * i] - v[0], ay = v[2 * i + 1] - v[1];
        const double bx = v[2 * i + 2] - v[0], by = v[2 * i + 3] - v[1];
        const double c = ax * by - bx * ay;
        a2 += c, sx += (ax + bx) * c, sy += (ay + by) * c;
    }
    if (a2 != 0 && star_from(v, m, v[0] + sx / (3 * a2), v[1] + sy / (3 * a2))) return 1;
    return sweep_simple(v, n);
}

/* G01, run whatever the catalogue says: it decides p->valid, which the topology and G02 read. */
void qc_rule_g01(qc_rule_ctx *c, qc_parcel *p) {
    char reason[256] = "";
    const char *why =
        p->geom_error ? p->geom_error : structure_problem(&p->poly, reason, sizeof reason);
    int valid = 0;
    if (!why && p->poly.n_rings == 1 &&
        qc_ring_surely_simple(p->poly.xy, zr_poly_ring_len(&p->poly, 0))) {
        valid = 1;
    } else if (!why) {
        /* a GEOS failure on this geometry is a finding about it, never a pass */
        const zr_status st = zr_geos_is_valid(c->geos, &p->poly, &valid, reason, sizeof reason);
        if (st == ZR_ERR_NOMEM) { /* memory, not the parcel: the run fails */
            qc_findings_fail(c->fs, st, "out of memory deciding the validity of BSM %s",
                             p->bsm ? p->bsm : "");
            p->valid = 0;
            return;
        }
        /* the rings are closed, finite and long enough (structure_problem): when GEOS cannot
           even be handed them, and says nothing, the conversion ran out of memory (geos.c
           reports that as "cannot build geometry" with ZR_OK) — not a defect of the parcel */
        if (st == ZR_OK && !valid && !strcmp(reason, "cannot build geometry")) {
            qc_findings_fail(c->fs, ZR_ERR_NOMEM, "out of memory handing BSM %s to GEOS",
                             p->bsm ? p->bsm : "");
            p->valid = 0;
            return;
        }
        if (st != ZR_OK) {
            valid = 0;
            snprintf(reason, sizeof reason, "GEOS could not decide validity (%.200s)",
                     zr_geos_errmsg(c->geos));
        }
        why = valid ? NULL : reason;
    }
    p->valid = !why;
    if (why && c->cat->rules[R_G01].enabled)
        qc_add_parcel(c->fs, R_G01, p, -1, "invalid geometry: %s", why);
}

void qc_rule_g02(qc_rule_ctx *c, qc_parcel *p) {
    const double sliver = c->cat->rules[R_G02].tolerance;
    const double spike_cos = cos(1.0 * M_PI / 180); /* turning back within 1° */
    const double spike_cos2 = spike_cos * spike_cos;
    if (p->poly.nonfinite || p->poly.n_pts > QC_MAX_PARCEL_POINTS ||
        p->poly.n_polys > QC_MAX_PARCEL_PARTS)
        return; /* G01 said why */
    for (size_t r = 0; r < p->poly.n_rings; r++) {
        const size_t n = zr_poly_ring_len(&p->poly, r);
        const double *v = p->poly.xy + 2 * p->poly.ring_start[r];
        for (size_t k = 0; k + 1 < n; k++) {
            if (v[2 * k] == v[2 * k + 2] && v[2 * k + 1] == v[2 * k + 3]) {
                qc_add(c->fs, R_G02, p->bsm, NULL, v[2 * k], v[2 * k + 1], -1,
                       "repeated vertex %zu of ring %zu", k, r);
                break;
            }
        }
        for (size_t k = 1; n >= 4 && k < n - 1; k++) {
            const double ax = v[2 * k - 2] - v[2 * k], ay = v[2 * k - 1] - v[2 * k + 1];
            const double bx = v[2 * k + 2] - v[2 * k], by = v[2 * k + 3] - v[2 * k + 1];
            /* cos of the angle > cos 1°, squared: no square root for the common case */
            const double dot = ax * bx + ay * by, la2 = ax * ax + ay * ay, lb2 = bx * bx + by * by;
            if (dot > 0 && la2 > 0 && lb2 > 0 && dot * dot > spike_cos2 * la2 * lb2) {
                qc_add(c->fs, R_G02, p->bsm, NULL, v[2 * k], v[2 * k + 1], -1,
                       "spike at vertex %zu of ring %zu (angle < 1°)", k, r);
                break;
            }
        }
    }
    if (p->poly.n_polys == 1) { /* one part: its area is the parcel's, computed on loading */
        if (p->area >= 0 && (double)p->area / 100 < sliver)
            qc_add_parcel(c->fs, R_G02, p, p->area, "sliver: part 0 has %.2f m² (< %.2f)",
                          (double)p->area / 100, sliver);
        return;
    }
    for (size_t g = 0; g < p->poly.n_polys; g++) {
        zr_poly *part = c->part;
        zr_poly_clear(part);
        zr_status st = zr_poly_begin_polygon(part);
        for (size_t r = p->poly.poly_start[g]; !st && r < p->poly.poly_start[g + 1]; r++) {
            st = zr_poly_begin_ring(part);
            for (size_t k = p->poly.ring_start[r]; !st && k < p->poly.ring_start[r + 1]; k++)
                st = zr_poly_add_point(part, p->poly.xy[2 * k], p->poly.xy[2 * k + 1]);
        }
        double a = 0;
        if (st || zr_poly_finish(part) || qc_poly_area(part, &c->d->crs, c->scratch, &a)) {
            qc_findings_fail(c->fs, ZR_ERR_NOMEM, "out of memory measuring the parts of BSM %s",
                             p->bsm ? p->bsm : "");
            return;
        }
        if (isfinite(a) && a < sliver)
            qc_add_parcel(c->fs, R_G02, p, zr_round_cents(a),
                          "sliver: part %zu has %.4f m² (< %.2f)", g, a, sliver);
    }
}
