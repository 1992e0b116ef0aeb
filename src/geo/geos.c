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

static GEOSGeometry *ring_to_geos(zr_geos *g, const zr_poly *p, size_t r, int shell) {
    const size_t n = zr_poly_ring_len(p, r);
    const double *xy = p->xy + 2 * p->ring_start[r];
    const int closed = n > 0 && xy[0] == xy[2 * (n - 1)] && xy[1] == xy[2 * (n - 1) + 1];
    const size_t m = closed ? n : n + 1;
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g->h, (unsigned)m, 2);
    if (!cs) return NULL;
    for (size_t i = 0; i < m; i++) {
        size_t k = i < n ? i : 0;
        GEOSCoordSeq_setXY_r(g->h, cs, (unsigned)i, xy[2 * k], xy[2 * k + 1]);
    }
    GEOSGeometry *ring = GEOSGeom_createLinearRing_r(g->h, cs);
    (void)shell;
    return ring;
}

static GEOSGeometry *geo_poly_to_geos(zr_geos *g, const zr_poly *p) {
    GEOSGeometry **polys = zr_calloc(p->n_polys ? p->n_polys : 1, sizeof *polys);
    if (!polys) return NULL;
    size_t made = 0;
    int ok = 1;
    for (size_t k = 0; k < p->n_polys && ok; k++) {
        size_t r0 = p->poly_start[k], r1 = p->poly_start[k + 1];
        GEOSGeometry *shell = ring_to_geos(g, p, r0, 1);
        GEOSGeometry **holes = r1 - r0 > 1 ? zr_calloc(r1 - r0 - 1, sizeof *holes) : NULL;
        size_t nh = 0;
        ok = shell != NULL && (r1 - r0 <= 1 || holes);
        for (size_t r = r0 + 1; r < r1 && ok; r++) {
            holes[nh] = ring_to_geos(g, p, r, 0);
            ok = holes[nh++] != NULL;
        }
        if (ok) {
            polys[made] = GEOSGeom_createPolygon_r(g->h, shell, holes, (unsigned)nh);
            ok = polys[made] != NULL;
            if (ok) made++;
        } else {
            if (shell) GEOSGeom_destroy_r(g->h, shell);
            for (size_t i = 0; i < nh; i++)
                if (holes[i]) GEOSGeom_destroy_r(g->h, holes[i]);
        }
        free(holes);
    }
    GEOSGeometry *out = NULL;
    if (ok) out = GEOSGeom_createCollection_r(g->h, GEOS_MULTIPOLYGON, polys, (unsigned)made);
    if (!out)
        for (size_t i = 0; i < made; i++)
            GEOSGeom_destroy_r(g->h, polys[i]);
    free(polys);
    return out;
}

static zr_status add_ring(zr_geos *g, const GEOSGeometry *ring, zr_poly *out) {
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(g->h, ring);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(g->h, cs, &n)) return ZR_ERR_GEOS;
    zr_status s = zr_poly_begin_ring(out);
    for (unsigned i = 0; i < n && !s; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(g->h, cs, i, &x, &y);
        s = zr_poly_add_point(out, x, y);
    }
    return s;
}

static zr_status geo_geos_to_poly(zr_geos *g, const GEOSGeometry *geom, zr_poly *out) {
    zr_poly_clear(out);
    int type = GEOSGeomTypeId_r(g->h, geom);
    int nparts = type == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(g->h, geom);
    if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON && type != GEOS_GEOMETRYCOLLECTION)
        return ZR_ERR_GEOM_INVALID;
    zr_status s = ZR_OK;
    for (int k = 0; k < nparts && !s; k++) {
        const GEOSGeometry *pg = type == GEOS_POLYGON ? geom : GEOSGetGeometryN_r(g->h, geom, k);
        if (GEOSGeomTypeId_r(g->h, pg) != GEOS_POLYGON || GEOSisEmpty_r(g->h, pg) == 1) continue;
        if ((s = zr_poly_begin_polygon(out))) break;
        s = add_ring(g, GEOSGetExteriorRing_r(g->h, pg), out);
        int nh = GEOSGetNumInteriorRings_r(g->h, pg);
        for (int i = 0; i < nh && !s; i++)
            s = add_ring(g, GEOSGetInteriorRingN_r(g->h, pg, i), out);
    }
    if (!s) s = zr_poly_finish(out);
    return s;
}

zr_status zr_geos_coverage_union(zr_geos *g, const zr_poly *const *parts, size_t n, zr_poly *out) {
    zr_poly_clear(out);
    GEOSGeometry **gs = zr_calloc(n ? n : 1, sizeof *gs);
    if (!gs) return ZR_ERR_NOMEM;
    size_t made = 0;
    zr_status s = ZR_OK;
    for (size_t i = 0; i < n; i++) {
        GEOSGeometry *m = geo_poly_to_geos(g, parts[i]);
        if (!m) {
            s = ZR_ERR_GEOS;
            break;
        }
        /* flatten the multipolygon's parts into the collection */
        const int np = GEOSGetNumGeometries_r(g->h, m);
        GEOSGeometry **grown = zr_realloc(gs, (made + (size_t)np + n) * sizeof *gs);
        if (!grown) {
            GEOSGeom_destroy_r(g->h, m);
            s = ZR_ERR_NOMEM;
            break;
        }
        gs = grown;
        for (int k = 0; k < np; k++) {
            GEOSGeometry *part = GEOSGeom_clone_r(g->h, GEOSGetGeometryN_r(g->h, m, k));
            if (part)
                gs[made++] = part;
            else
                s = ZR_ERR_GEOS;
        }
        GEOSGeom_destroy_r(g->h, m);
        if (s) break;
    }
    if (s) {
        for (size_t i = 0; i < made; i++)
            GEOSGeom_destroy_r(g->h, gs[i]);
        free(gs);
        return s;
    }
    GEOSGeometry *coll = GEOSGeom_createCollection_r(g->h, GEOS_MULTIPOLYGON, gs, (unsigned)made);
    free(gs);
    if (!coll) return ZR_ERR_GEOS;
    GEOSGeometry *u = GEOSCoverageUnion_r(g->h, coll);
    GEOSGeom_destroy_r(g->h, coll);
    if (!u) return ZR_ERR_GEOS;
    s = geo_geos_to_poly(g, u, out);
    GEOSGeom_destroy_r(g->h, u);
    return s;
}

zr_status zr_geos_is_valid(zr_geos *g, const zr_poly *p, int *valid, char *why, size_t n) {
    *valid = 0;
    GEOSGeometry *m = geo_poly_to_geos(g, p);
    if (!m) {
        if (why) snprintf(why, n, "%s", g->err[0] ? g->err : "cannot build geometry");
        return ZR_OK; /* unbuildable (e.g. < 4 points) is invalid, not a failure */
    }
    char *reason = NULL;
    GEOSGeometry *loc = NULL;
    char r = GEOSisValidDetail_r(g->h, m, 0, &reason, &loc);
    zr_status s = ZR_OK;
    if (r == 2) s = ZR_ERR_GEOS;
    *valid = r == 1;
    if (!*valid && why) snprintf(why, n, "%s", reason ? reason : "invalid");
    if (reason) GEOSFree_r(g->h, reason);
    if (loc) GEOSGeom_destroy_r(g->h, loc);
    GEOSGeom_destroy_r(g->h, m);
    return s;
}

/* ---- operations for the quality checks ---- */

static zr_status result_to_poly(zr_geos *g, GEOSGeometry *r, zr_poly *out) {
    if (!r) return ZR_ERR_GEOS;
    zr_status s = geo_geos_to_poly(g, r, out);
    GEOSGeom_destroy_r(g->h, r);
    return s;
}

zr_status zr_geos_union(zr_geos *g, const zr_poly *const *parts, size_t n, zr_poly *out) {
    zr_status s = zr_geos_coverage_union(g, parts, n, out);
    if (s != ZR_ERR_GEOS) return s;
    /* not a clean coverage: the general (slower) union */
    GEOSGeometry **gs = zr_calloc(n ? n : 1, sizeof *gs);
    if (!gs) return ZR_ERR_NOMEM;
    size_t made = 0;
    for (size_t i = 0; i < n; i++)
        if ((gs[made] = geo_poly_to_geos(g, parts[i]))) made++;
    GEOSGeometry *coll =
        GEOSGeom_createCollection_r(g->h, GEOS_GEOMETRYCOLLECTION, gs, (unsigned)made);
    free(gs);
    if (!coll) return ZR_ERR_GEOS;
    GEOSGeometry *u = GEOSUnaryUnion_r(g->h, coll);
    GEOSGeom_destroy_r(g->h, coll);
    return result_to_poly(g, u, out);
}

static zr_status binary_op(zr_geos *g, const zr_poly *a, const zr_poly *b, zr_poly *out,
                           int difference) {
    zr_poly_clear(out);
    GEOSGeometry *ga = geo_poly_to_geos(g, a), *gb = ga ? geo_poly_to_geos(g, b) : NULL;
    GEOSGeometry *r = NULL;
    if (ga && gb)
        r = difference ? GEOSDifference_r(g->h, ga, gb) : GEOSIntersection_r(g->h, ga, gb);
    if (ga) GEOSGeom_destroy_r(g->h, ga);
    if (gb) GEOSGeom_destroy_r(g->h, gb);
    if (!r) return ZR_ERR_GEOS;
    /* keep only the polygonal parts of the result */
    return result_to_poly(g, r, out);
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
    if (n_seg == 0) return ZR_OK;
    GEOSGeometry **lines = zr_calloc(n_seg, sizeof *lines);
    if (!lines) return ZR_ERR_NOMEM;
    size_t made = 0;
    for (size_t i = 0; i < n_seg; i++) {
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g->h, 2, 2);
        if (!cs) continue;
        GEOSCoordSeq_setXY_r(g->h, cs, 0, seg[4 * i], seg[4 * i + 1]);
        GEOSCoordSeq_setXY_r(g->h, cs, 1, seg[4 * i + 2], seg[4 * i + 3]);
        if ((lines[made] = GEOSGeom_createLineString_r(g->h, cs))) made++;
    }
    GEOSGeometry *ml =
        GEOSGeom_createCollection_r(g->h, GEOS_MULTILINESTRING, lines, (unsigned)made);
    free(lines);
    if (!ml) return ZR_ERR_GEOS;
    GEOSGeometry *noded = GEOSUnaryUnion_r(g->h, ml); /* nodes crossing segments */
    GEOSGeom_destroy_r(g->h, ml);
    if (!noded) return ZR_ERR_GEOS;
    const GEOSGeometry *in[1] = {noded};
    GEOSGeometry *polys = GEOSPolygonize_r(g->h, in, 1);
    GEOSGeom_destroy_r(g->h, noded);
    if (!polys) return ZR_ERR_GEOS;
    int np = GEOSGetNumGeometries_r(g->h, polys);
    zr_poly *out = zr_calloc(np > 0 ? (size_t)np : 1, sizeof *out);
    zr_status s = out ? ZR_OK : ZR_ERR_NOMEM;
    for (int k = 0; k < np && !s; k++)
        s = geo_geos_to_poly(g, GEOSGetGeometryN_r(g->h, polys, k), &out[k]);
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
    GEOSGeometry *gp = geo_poly_to_geos(g, p);
    if (!gp) return ZR_ERR_GEOS;
    GEOSGeometry *pt = GEOSPointOnSurface_r(g->h, gp);
    GEOSGeom_destroy_r(g->h, gp);
    if (!pt) return ZR_ERR_GEOS;
    int ok = GEOSGeomGetX_r(g->h, pt, x) && GEOSGeomGetY_r(g->h, pt, y);
    GEOSGeom_destroy_r(g->h, pt);
    return ok ? ZR_OK : ZR_ERR_GEOS;
}
