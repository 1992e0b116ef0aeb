/* One parcel's geometry: parsed from a feature into an arena, and a point to draw it at. */
#include "qc/parcel.h"
#include <string.h>
#include "core/alloc.h"

static zr_status read_geom(int is_gpkg, const zr_feature *f, zr_poly *p, char *why, size_t n) {
    return zr_geom_to_poly(is_gpkg, f->geom, f->geom_len, p, why, n);
}

zr_status qc_parcel_geometry(zr_arena *a, int is_gpkg, const zr_feature *f, zr_poly *scratch,
                             qc_parcel *p) {
    char why[160];
    /* the coordinates are parsed straight into the arena: a point takes at least 16 bytes of
       WKB, so the blob's length bounds them; the ring and part indexes go through scratch */
    const size_t cap = (f->geom_len / 16 + 1) * 2;
    double *xy = f->geom ? zr_arena_alloc(a, cap * sizeof *xy) : NULL;
    if (f->geom && !xy) return ZR_ERR_NOMEM;
    zr_poly view = *scratch;
    view.xy = xy, view.cap_pts = xy ? cap : 0, view.fixed_xy = 1;
    const zr_status s = read_geom(is_gpkg, f, &view, why, sizeof why);
    scratch->ring_start = view.ring_start, scratch->cap_rings = view.cap_rings;
    scratch->poly_start = view.poly_start, scratch->cap_polys = view.cap_polys;
    if (s == ZR_ERR_NOMEM) return s;
    if (s) /* a defect to report (G01), not a reason to stop checking */
        return (p->geom_error = zr_arena_strndup(a, why, strlen(why))) ? ZR_OK : ZR_ERR_NOMEM;
    zr_poly *q = &p->poly;
    memset(q, 0, sizeof *q);
    q->ring_start = zr_arena_alloc(a, (view.n_rings + 1) * sizeof *q->ring_start);
    q->poly_start = zr_arena_alloc(a, (view.n_polys + 1) * sizeof *q->poly_start);
    if (!q->ring_start || !q->poly_start) return ZR_ERR_NOMEM;
    memcpy(q->ring_start, view.ring_start, (view.n_rings + 1) * sizeof *q->ring_start);
    memcpy(q->poly_start, view.poly_start, (view.n_polys + 1) * sizeof *q->poly_start);
    q->xy = xy, q->n_pts = view.n_pts, q->cap_pts = cap, q->fixed_xy = 1;
    q->n_rings = view.n_rings, q->n_polys = view.n_polys, q->nonfinite = view.nonfinite;
    zr_poly_envelope(q, p->env); /* while the coordinates are in cache */
    return ZR_OK;
}

void qc_parcel_point(const qc_parcel *p, double *x, double *y) {
    if (p->poly.n_pts) {
        *x = (p->env[0] + p->env[1]) / 2;
        *y = (p->env[2] + p->env[3]) / 2;
        if (!zr_poly_contains(&p->poly, *x, *y)) *x = p->poly.xy[0], *y = p->poly.xy[1];
    } else {
        *x = *y = 0;
    }
}

zr_status qc_poly_area(const zr_poly *p, const zr_crs *crs, zr_buf *scratch, double *area) {
    size_t maxr = 0;
    for (size_t r = 0; r < p->n_rings; r++)
        if (zr_poly_ring_len(p, r) > maxr) maxr = zr_poly_ring_len(p, r);
    /* zr_poly_area's scratch, reserved here: its NaN then means coordinates, never memory */
    zr_buf_reset(scratch);
    if (zr_buf_reserve(scratch, 2 * maxr * sizeof(double) + 16)) return ZR_ERR_NOMEM;
    *area = zr_poly_area(p, crs, scratch);
    return ZR_OK;
}
