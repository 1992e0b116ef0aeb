/* GEOS adapter (reentrant _r API only): conversions between zr_poly and GEOS, coverage union. */
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "geo/geos_ops.h"

struct zr_geos {
    GEOSContextHandle_t h;
    char err[512];
};

static void on_error(const char *msg, void *ud) {
    zr_geos *g = ud;
    snprintf(g->err, sizeof g->err, "%s", msg);
}

zr_status zr_geos_open(zr_geos **out) {
    *out = NULL;
    zr_geos *g = zr_calloc(1, sizeof *g);
    if (!g) return ZR_ERR_NOMEM;
    g->h = GEOS_init_r();
    if (!g->h) {
        free(g);
        return ZR_ERR_NOMEM;
    }
    GEOSContext_setErrorMessageHandler_r(g->h, on_error, g);
    GEOSContext_setNoticeMessageHandler_r(g->h, NULL, NULL);
    *out = g;
    return ZR_OK;
}

void zr_geos_close(zr_geos *g) {
    if (!g) return;
    GEOS_finish_r(g->h);
    free(g);
}

const char *zr_geos_errmsg(const zr_geos *g) {
    return g->err;
}

/* Record why an operation failed when GEOS did not say (our own allocations, bad counts). */
static zr_status geos_fail(zr_geos *g, zr_status s, const char *what) {
    if (s == ZR_ERR_NOMEM || !g->err[0]) snprintf(g->err, sizeof g->err, "%s", what);
    return s;
}

/* Ring r of p as a closed GEOS linear ring; NULL with g->err set when GEOS refuses it. */
static GEOSGeometry *ring_to_geos(zr_geos *g, const zr_poly *p, size_t r) {
    const size_t n = zr_poly_ring_len(p, r);
    if (n == 0) { /* nothing to close it with: refused, as GEOS refuses rings of 1 to 3 points */
        snprintf(g->err, sizeof g->err, "empty ring");
        return NULL;
    }
    const double *xy = p->xy + 2 * p->ring_start[r];
    const int closed = n > 0 && xy[0] == xy[2 * (n - 1)] && xy[1] == xy[2 * (n - 1) + 1];
    const size_t m = closed ? n : n + 1;
    if (m > UINT32_MAX) return NULL;
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g->h, (unsigned)m, 2);
    if (!cs) return NULL;
    for (size_t i = 0; i < m; i++) {
        const size_t k = i < n ? i : 0;
        if (!GEOSCoordSeq_setXY_r(g->h, cs, (unsigned)i, xy[2 * k], xy[2 * k + 1])) {
            GEOSCoordSeq_destroy_r(g->h, cs);
            return NULL;
        }
    }
    return GEOSGeom_createLinearRing_r(g->h, cs); /* takes cs, also when it fails */
}

/* p as a GEOS MultiPolygon into *out. ZR_ERR_NOMEM when an allocation of ours fails,
 * ZR_ERR_GEOS when GEOS refuses a ring or polygon (e.g. fewer than 4 points; reason in g->err).
 * No part is ever left out: either every polygon of p is in *out or the call fails. */
static zr_status geo_poly_to_geos(zr_geos *g, const zr_poly *p, GEOSGeometry **out) {
    *out = NULL;
    g->err[0] = 0;
    GEOSGeometry **polys = zr_calloc(p->n_polys ? p->n_polys : 1, sizeof *polys);
    if (!polys) return geos_fail(g, ZR_ERR_NOMEM, "out of memory");
    size_t made = 0;
    zr_status s = ZR_OK;
    for (size_t k = 0; k < p->n_polys && !s; k++) {
        const size_t r0 = p->poly_start[k], r1 = p->poly_start[k + 1];
        if (r1 <= r0) { /* a polygon without a ring: nothing GEOS can be given for it */
            s = geos_fail(g, ZR_ERR_GEOS, "polygon without rings");
            break;
        }
        GEOSGeometry *shell = ring_to_geos(g, p, r0);
        GEOSGeometry **holes = r1 - r0 > 1 ? zr_calloc(r1 - r0 - 1, sizeof *holes) : NULL;
        size_t nh = 0;
        if (!shell)
            s = geos_fail(g, ZR_ERR_GEOS, "cannot build a ring");
        else if (r1 - r0 > 1 && !holes)
            s = geos_fail(g, ZR_ERR_NOMEM, "out of memory");
        for (size_t r = r0 + 1; r < r1 && !s; r++) {
            if ((holes[nh] = ring_to_geos(g, p, r)))
                nh++;
            else
                s = geos_fail(g, ZR_ERR_GEOS, "cannot build a ring");
        }
        if (!s) {
            /* takes shell and holes, also when it fails */
            polys[made] = GEOSGeom_createPolygon_r(g->h, shell, holes, (unsigned)nh);
            if (polys[made])
                made++;
            else
                s = geos_fail(g, ZR_ERR_GEOS, "cannot build a polygon");
        } else {
            if (shell) GEOSGeom_destroy_r(g->h, shell);
            for (size_t i = 0; i < nh; i++)
                GEOSGeom_destroy_r(g->h, holes[i]);
        }
        free(holes);
    }
    GEOSGeometry *m = NULL;
    if (!s) {
        m = GEOSGeom_createCollection_r(g->h, GEOS_MULTIPOLYGON, polys, (unsigned)made);
        if (!m) s = geos_fail(g, ZR_ERR_GEOS, "cannot build a multipolygon");
        made = 0; /* GEOS (≥ 3.10) owns the polygons from the call on, also when it fails */
    }
    for (size_t i = 0; i < made; i++)
        GEOSGeom_destroy_r(g->h, polys[i]);
    free(polys);
    *out = m;
    return s;
}

static zr_status add_ring(zr_geos *g, const GEOSGeometry *ring, zr_poly *out) {
    const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(g->h, ring) : NULL;
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(g->h, cs, &n))
        return geos_fail(g, ZR_ERR_GEOS, "cannot read a ring");
    zr_status s = zr_poly_begin_ring(out);
    for (unsigned i = 0; i < n && !s; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(g->h, cs, i, &x, &y))
            return geos_fail(g, ZR_ERR_GEOS, "cannot read a coordinate");
        s = zr_poly_add_point(out, x, y);
    }
    return s;
}

/* The polygonal parts of geom into out (lines and points of a mixed result are not area and are
 * left out on purpose; a part GEOS cannot report fails the call). */
static zr_status geo_geos_to_poly(zr_geos *g, const GEOSGeometry *geom, zr_poly *out) {
    zr_poly_clear(out);
    const int type = GEOSGeomTypeId_r(g->h, geom);
    if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON && type != GEOS_GEOMETRYCOLLECTION)
        return ZR_ERR_GEOM_INVALID;
    const int nparts = type == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(g->h, geom);
    if (nparts < 0) return geos_fail(g, ZR_ERR_GEOS, "cannot count the parts");
    zr_status s = ZR_OK;
    for (int k = 0; k < nparts && !s; k++) {
        const GEOSGeometry *pg = type == GEOS_POLYGON ? geom : GEOSGetGeometryN_r(g->h, geom, k);
        const int pt = pg ? GEOSGeomTypeId_r(g->h, pg) : -1;
        if (pt < 0) return geos_fail(g, ZR_ERR_GEOS, "cannot read a part");
        if (pt == GEOS_MULTIPOLYGON || pt == GEOS_GEOMETRYCOLLECTION)
            return geos_fail(g, ZR_ERR_GEOS, "nested collection in a result");
        if (pt != GEOS_POLYGON) continue; /* a point or line: no area */
        const char empty = GEOSisEmpty_r(g->h, pg);
        if (empty == 2) return geos_fail(g, ZR_ERR_GEOS, "cannot read a part");
        if (empty) continue;
        if ((s = zr_poly_begin_polygon(out))) break;
        s = add_ring(g, GEOSGetExteriorRing_r(g->h, pg), out);
        const int nh = GEOSGetNumInteriorRings_r(g->h, pg);
        if (!s && nh < 0) s = geos_fail(g, ZR_ERR_GEOS, "cannot count the holes");
        for (int i = 0; i < nh && !s; i++)
            s = add_ring(g, GEOSGetInteriorRingN_r(g->h, pg, i), out);
    }
    if (!s) s = zr_poly_finish(out);
    return s;
}

/* Every part of every polygon of parts[0..n) as its own GEOS polygon, into a new array *out of
 * *n_out geometries (the caller destroys them and frees the array). Fails when any part cannot be
 * built: no part is left out. */
static zr_status parts_to_geos(zr_geos *g, const zr_poly *const *parts, size_t n,
                               GEOSGeometry ***out, size_t *n_out) {
    *out = NULL;
    *n_out = 0;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += parts[i]->n_polys;
    if (total > UINT32_MAX) return geos_fail(g, ZR_ERR_LIMIT, "too many polygons");
    GEOSGeometry **gs = zr_calloc(total ? total : 1, sizeof *gs);
    if (!gs) return geos_fail(g, ZR_ERR_NOMEM, "out of memory");
    size_t made = 0;
    zr_status s = ZR_OK;
    for (size_t i = 0; i < n && !s; i++) {
        GEOSGeometry *m = NULL;
        if ((s = geo_poly_to_geos(g, parts[i], &m))) break;
        /* flatten the multipolygon's parts into the collection */
        const int np = GEOSGetNumGeometries_r(g->h, m);
        if (np < 0 || made + (size_t)np > total)
            s = geos_fail(g, ZR_ERR_GEOS, "cannot count the parts");
        for (int k = 0; k < np && !s; k++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(g->h, m, k);
            if (part && (gs[made] = GEOSGeom_clone_r(g->h, part)))
                made++;
            else
                s = geos_fail(g, ZR_ERR_GEOS, "cannot copy a part");
        }
        GEOSGeom_destroy_r(g->h, m);
    }
    if (s) {
        for (size_t i = 0; i < made; i++)
            GEOSGeom_destroy_r(g->h, gs[i]);
        free(gs);
        return s;
    }
    *out = gs;
    *n_out = made;
    return ZR_OK;
}

/* Union of the polygons gs[0..n) (taken) by the coverage union, or by the general union when
 * general is set; the result into out. */
static zr_status union_of(zr_geos *g, GEOSGeometry **gs, size_t n, int general, zr_poly *out) {
    GEOSGeometry *coll = GEOSGeom_createCollection_r(
        g->h, general ? GEOS_GEOMETRYCOLLECTION : GEOS_MULTIPOLYGON, gs, (unsigned)n);
    if (!coll) return geos_fail(g, ZR_ERR_GEOS, "cannot build a collection");
    GEOSGeometry *u = general ? GEOSUnaryUnion_r(g->h, coll) : GEOSCoverageUnion_r(g->h, coll);
    GEOSGeom_destroy_r(g->h, coll);
    if (!u) return geos_fail(g, ZR_ERR_GEOS, "union failed");
    const zr_status s = geo_geos_to_poly(g, u, out);
    GEOSGeom_destroy_r(g->h, u);
    return s;
}

zr_status zr_geos_coverage_union(zr_geos *g, const zr_poly *const *parts, size_t n, zr_poly *out) {
    zr_poly_clear(out);
    GEOSGeometry **gs;
    size_t made;
    zr_status s = parts_to_geos(g, parts, n, &gs, &made);
    if (s) return s;
    s = union_of(g, gs, made, 0, out);
    free(gs);
    return s;
}

zr_status zr_geos_is_valid(zr_geos *g, const zr_poly *p, int *valid, char *why, size_t n) {
    *valid = 0;
    GEOSGeometry *m = NULL;
    zr_status s = geo_poly_to_geos(g, p, &m);
    if (s == ZR_ERR_GEOS) { /* GEOS refused a ring (e.g. < 4 points): invalid, not a failure */
        if (why) snprintf(why, n, "%s", g->err[0] ? g->err : "cannot build geometry");
        return ZR_OK;
    }
    if (s) return s; /* out of memory is not a verdict on the geometry */
    char *reason = NULL;
    GEOSGeometry *loc = NULL;
    const char r = GEOSisValidDetail_r(g->h, m, 0, &reason, &loc);
    if (r != 0 && r != 1) s = geos_fail(g, ZR_ERR_GEOS, "validity test failed");
    *valid = r == 1;
    if (!*valid && why) snprintf(why, n, "%s", r == 0 && reason ? reason : g->err);
    if (reason) GEOSFree_r(g->h, reason);
    if (loc) GEOSGeom_destroy_r(g->h, loc);
    GEOSGeom_destroy_r(g->h, m);
    return s;
}

/* ---- operations for the quality checks ---- */

zr_status zr_geos_union(zr_geos *g, const zr_poly *const *parts, size_t n, zr_poly *out) {
    zr_poly_clear(out);
    GEOSGeometry **gs, **copy = NULL;
    size_t made;
    zr_status s = parts_to_geos(g, parts, n, &gs, &made);
    if (s) return s;
    /* a copy for the general union, should the parts not form a clean coverage */
    if (!(copy = zr_calloc(made ? made : 1, sizeof *copy))) s = ZR_ERR_NOMEM;
    size_t copied = 0;
    for (; !s && copied < made; copied++)
        if (!(copy[copied] = GEOSGeom_clone_r(g->h, gs[copied])))
            s = geos_fail(g, ZR_ERR_GEOS, "cannot copy a part");
    if (s) {
        for (size_t i = 0; i < made; i++)
            GEOSGeom_destroy_r(g->h, gs[i]);
        for (size_t i = 0; copy && i < copied; i++)
            if (copy[i]) GEOSGeom_destroy_r(g->h, copy[i]);
        free(gs);
        free(copy);
        return geos_fail(g, s, "out of memory");
    }
    s = union_of(g, gs, made, 0, out);
    free(gs);
    if (s == ZR_ERR_GEOS) { /* not a clean coverage: the general (slower) union */
        g->err[0] = 0;
        s = union_of(g, copy, made, 1, out);
    } else {
        for (size_t i = 0; i < made; i++)
            GEOSGeom_destroy_r(g->h, copy[i]);
    }
    free(copy);
    return s;
}

static zr_status binary_op(zr_geos *g, const zr_poly *a, const zr_poly *b, zr_poly *out,
                           int difference) {
    zr_poly_clear(out);
    GEOSGeometry *ga = NULL, *gb = NULL, *r = NULL;
    zr_status s = geo_poly_to_geos(g, a, &ga);
    if (!s) s = geo_poly_to_geos(g, b, &gb);
    if (!s) {
        r = difference ? GEOSDifference_r(g->h, ga, gb) : GEOSIntersection_r(g->h, ga, gb);
        if (!r)
            s = geos_fail(g, ZR_ERR_GEOS, difference ? "difference failed" : "intersection failed");
    }
    if (ga) GEOSGeom_destroy_r(g->h, ga);
    if (gb) GEOSGeom_destroy_r(g->h, gb);
    if (s) return s;
    /* keep only the polygonal parts of the result */
    s = geo_geos_to_poly(g, r, out);
    GEOSGeom_destroy_r(g->h, r);
    return s;
}

zr_status zr_geos_difference(zr_geos *g, const zr_poly *a, const zr_poly *b, zr_poly *out) {
    return binary_op(g, a, b, out, 1);
}

zr_status zr_geos_intersection(zr_geos *g, const zr_poly *a, const zr_poly *b, zr_poly *out) {
    return binary_op(g, a, b, out, 0);
}

zr_status zr_geos_faces(zr_geos *g, const double *seg, size_t n_seg, zr_poly **faces,
                        size_t *n_faces) {
    *faces = NULL;
    *n_faces = 0;
    g->err[0] = 0;
    if (n_seg == 0) return ZR_OK;
    if (n_seg > UINT32_MAX) return geos_fail(g, ZR_ERR_LIMIT, "too many segments");
    GEOSGeometry **lines = zr_calloc(n_seg, sizeof *lines);
    if (!lines) return geos_fail(g, ZR_ERR_NOMEM, "out of memory");
    size_t made = 0;
    zr_status s = ZR_OK;
    /* every segment or none: a segment left out would merge two faces or open a false gap */
    for (size_t i = 0; i < n_seg && !s; i++) {
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g->h, 2, 2);
        if (!cs || !GEOSCoordSeq_setXY_r(g->h, cs, 0, seg[4 * i], seg[4 * i + 1]) ||
            !GEOSCoordSeq_setXY_r(g->h, cs, 1, seg[4 * i + 2], seg[4 * i + 3])) {
            if (cs) GEOSCoordSeq_destroy_r(g->h, cs);
            s = geos_fail(g, ZR_ERR_GEOS, "cannot build a segment");
        } else if ((lines[made] = GEOSGeom_createLineString_r(g->h, cs))) {
            made++;
        } else {
            s = geos_fail(g, ZR_ERR_GEOS, "cannot build a segment");
        }
    }
    GEOSGeometry *ml = NULL;
    if (s) {
        for (size_t i = 0; i < made; i++)
            GEOSGeom_destroy_r(g->h, lines[i]);
    } else if (!(ml = GEOSGeom_createCollection_r(g->h, GEOS_MULTILINESTRING, lines,
                                                  (unsigned)made))) {
        s = geos_fail(g, ZR_ERR_GEOS, "cannot build the segment collection");
    }
    free(lines);
    if (s) return s;
    GEOSGeometry *noded = GEOSUnaryUnion_r(g->h, ml); /* nodes crossing segments */
    GEOSGeom_destroy_r(g->h, ml);
    if (!noded) return geos_fail(g, ZR_ERR_GEOS, "noding failed");
    const GEOSGeometry *in[1] = {noded};
    GEOSGeometry *polys = GEOSPolygonize_r(g->h, in, 1);
    GEOSGeom_destroy_r(g->h, noded);
    if (!polys) return geos_fail(g, ZR_ERR_GEOS, "polygonize failed");
    const int np = GEOSGetNumGeometries_r(g->h, polys);
    zr_poly *out = np >= 0 ? zr_calloc(np > 0 ? (size_t)np : 1, sizeof *out) : NULL;
    s = np < 0 ? geos_fail(g, ZR_ERR_GEOS, "cannot count the faces")
        : out  ? ZR_OK
               : geos_fail(g, ZR_ERR_NOMEM, "out of memory");
    for (int k = 0; k < np && !s; k++) {
        const GEOSGeometry *face = GEOSGetGeometryN_r(g->h, polys, k);
        s = face ? geo_geos_to_poly(g, face, &out[k])
                 : geos_fail(g, ZR_ERR_GEOS, "cannot read a face");
    }
    GEOSGeom_destroy_r(g->h, polys);
    if (s) {
        for (int k = 0; out && k < np; k++)
            zr_poly_free(&out[k]);
        free(out);
        return s;
    }
    *faces = out;
    *n_faces = (size_t)np;
    return ZR_OK;
}

zr_status zr_geos_interior_point(zr_geos *g, const zr_poly *p, double *x, double *y) {
    GEOSGeometry *gp = NULL;
    zr_status s = geo_poly_to_geos(g, p, &gp);
    if (s) return s;
    GEOSGeometry *pt = GEOSPointOnSurface_r(g->h, gp);
    GEOSGeom_destroy_r(g->h, gp);
    if (!pt) return geos_fail(g, ZR_ERR_GEOS, "no interior point");
    const int ok = GEOSGeomGetX_r(g->h, pt, x) && GEOSGeomGetY_r(g->h, pt, y);
    GEOSGeom_destroy_r(g->h, pt);
    return ok ? ZR_OK : geos_fail(g, ZR_ERR_GEOS, "no interior point (empty geometry)");
}
