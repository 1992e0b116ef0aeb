/* Polygons as coordinate arrays; WKB and GeoPackage blob codecs; official area of a polygon. */
#include "core/alloc.h"
#include "core/fixed.h"
#include "geo/geo.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROW(ptr, cap, need)                                    \
    do {                                                        \
        if ((need) > (cap)) {                                   \
            size_t nc_ = (cap) ? (cap)*2 : 64;                  \
            while (nc_ < (need))                                \
                nc_ *= 2;                                       \
            void *np_ = zr_realloc((ptr), nc_ * sizeof *(ptr)); \
            if (!np_) return ZR_ERR_NOMEM;                      \
            (ptr) = np_;                                        \
            (cap) = nc_;                                        \
        }                                                       \
    } while (0)

void zr_poly_clear(zr_poly *p) {
    p->n_pts = p->n_rings = p->n_polys = 0;
    p->nonfinite = 0;
}

void zr_poly_free(zr_poly *p) {
    if (!p->fixed_xy) free(p->xy);
    free(p->ring_start);
    free(p->poly_start);
    memset(p, 0, sizeof *p);
}

zr_status zr_poly_add_point(zr_poly *p, double x, double y) {
    if (p->fixed_xy && 2 * (p->n_pts + 1) > p->cap_pts) return ZR_ERR_LIMIT;
    GROW(p->xy, p->cap_pts, 2 * (p->n_pts + 1));
    if (!(fabs(x) <= ZR_COORD_MAX && fabs(y) <= ZR_COORD_MAX)) p->nonfinite = 1; /* NaN too */
    p->xy[2 * p->n_pts] = x;
    p->xy[2 * p->n_pts + 1] = y;
    p->n_pts++;
    return ZR_OK;
}

zr_status zr_poly_begin_ring(zr_poly *p) {
    GROW(p->ring_start, p->cap_rings, p->n_rings + 2);
    p->ring_start[p->n_rings++] = (uint32_t)p->n_pts;
    p->ring_start[p->n_rings] = (uint32_t)p->n_pts;
    return ZR_OK;
}

zr_status zr_poly_begin_polygon(zr_poly *p) {
    GROW(p->poly_start, p->cap_polys, p->n_polys + 2);
    p->poly_start[p->n_polys++] = (uint32_t)p->n_rings;
    p->poly_start[p->n_polys] = (uint32_t)p->n_rings;
    return ZR_OK;
}

zr_status zr_poly_finish(zr_poly *p) {
    GROW(p->ring_start, p->cap_rings, p->n_rings + 1);
    GROW(p->poly_start, p->cap_polys, p->n_polys + 1);
    p->ring_start[p->n_rings] = (uint32_t)p->n_pts;
    p->poly_start[p->n_polys] = (uint32_t)p->n_rings;
    return ZR_OK;
}

/* ---- WKB reading -------------------------------------------------------------------------- */

typedef struct {
    const unsigned char *p, *end;
    char *why;
    size_t whylen;
} reader;

static int rd_u32(reader *r, int le, uint32_t *v) {
    if (r->end - r->p < 4) return 0;
    const unsigned char *b = r->p;
    *v = le ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
            : (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
    r->p += 4;
    return 1;
}

static double rd_f64_unchecked(const unsigned char *b, int le) {
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)b[le ? i : 7 - i] << (8 * i);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static const char *type_name(uint32_t t) {
    static const char *names[] = {"Geometry",
                                  "Point",
                                  "LineString",
                                  "Polygon",
                                  "MultiPoint",
                                  "MultiLineString",
                                  "MultiPolygon",
                                  "GeometryCollection",
                                  "CircularString",
                                  "CompoundCurve",
                                  "CurvePolygon",
                                  "MultiCurve",
                                  "MultiSurface",
                                  "Curve",
                                  "Surface",
                                  "PolyhedralSurface",
                                  "TIN",
                                  "Triangle"};
    return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

static zr_status fail(reader *r, const char *msg) {
    if (r->why) snprintf(r->why, r->whylen, "%s", msg);
    return ZR_ERR_GEOM_INVALID;
}

/* Header: byte order + type; returns base type and coordinate dimension. */
static zr_status rd_header(reader *r, int *le, uint32_t *base, int *dim) {
    if (r->p >= r->end) return fail(r, "WKB truncated");
    unsigned char bo = *r->p++;
    if (bo > 1) return fail(r, "WKB byte-order flag is neither 0 nor 1");
    *le = bo;
    uint32_t t;
    if (!rd_u32(r, *le, &t)) return fail(r, "WKB truncated");
    int hasz = 0, hasm = 0;
    if (t & 0x80000000u) hasz = 1; /* EWKB flags */
    if (t & 0x40000000u) hasm = 1;
    t &= 0x0FFFFFFFu;
    if (t >= 3000)
        hasz = hasm = 1, t -= 3000;
    else if (t >= 2000)
        hasm = 1, t -= 2000;
    else if (t >= 1000)
        hasz = 1, t -= 1000;
    *base = t;
    *dim = 2 + hasz + hasm;
    return ZR_OK;
}

static zr_status rd_polygon_body(reader *r, int le, int dim, zr_poly *p) {
    uint32_t nr;
    if (!rd_u32(r, le, &nr)) return fail(r, "WKB truncated in ring count");
    zr_status s = zr_poly_begin_polygon(p);
    if (s) return s;
    if ((size_t)(r->end - r->p) / 4 < nr) return fail(r, "WKB ring count exceeds data");
    static const uint16_t one = 1;
    const int host_le = *(const unsigned char *)&one;
    for (uint32_t i = 0; i < nr; i++) {
        uint32_t np;
        if (!rd_u32(r, le, &np)) return fail(r, "WKB truncated in point count");
        const size_t stride = 8 * (size_t)dim;
        if ((size_t)(r->end - r->p) / stride < np) return fail(r, "WKB point count exceeds data");
        if ((s = zr_poly_begin_ring(p))) return s;
        if (!np) continue; /* an empty ring (G01 reports it) */
        if (p->fixed_xy && 2 * (p->n_pts + np) > p->cap_pts) return ZR_ERR_LIMIT;
        GROW(p->xy, p->cap_pts, 2 * (p->n_pts + np));
        double *xy = p->xy + 2 * p->n_pts;
        if (dim == 2 && le == host_le) { /* the common case: the ring's coordinates as they are */
            memcpy(xy, r->p, 16 * (size_t)np);
            r->p += 16 * (size_t)np;
        } else {
            for (uint32_t k = 0; k < np; k++, r->p += stride)
                xy[2 * k] = rd_f64_unchecked(r->p, le),
                       xy[2 * k + 1] = rd_f64_unchecked(r->p + 8, le);
        }
        int finite = 1;
        for (size_t k = 0; k < 2 * (size_t)np; k++)
            finite &= fabs(xy[k]) <= ZR_COORD_MAX; /* false for NaN */
        if (!finite) p->nonfinite = 1;
        p->n_pts += np;
        p->ring_start[p->n_rings] = (uint32_t)p->n_pts;
    }
    return zr_poly_finish(p);
}

zr_status zr_wkb_to_poly(const unsigned char *wkb, size_t n, zr_poly *p, char *why, size_t whylen) {
    reader r = {wkb, wkb + n, why, whylen};
    zr_poly_clear(p);
    int le, dim;
    uint32_t base;
    zr_status s = rd_header(&r, &le, &base, &dim);
    if (s) return s;
    if (base == 3) {
        s = rd_polygon_body(&r, le, dim, p);
    } else if (base == 6) {
        uint32_t ng;
        if (!rd_u32(&r, le, &ng)) return fail(&r, "WKB truncated in part count");
        if ((size_t)(r.end - r.p) / 9 < ng) return fail(&r, "WKB part count exceeds data");
        for (uint32_t g = 0; g < ng && !s; g++) {
            int le2, dim2;
            uint32_t b2;
            if ((s = rd_header(&r, &le2, &b2, &dim2))) break;
            if (b2 != 3) {
                char msg[96];
                snprintf(msg, sizeof msg, "MultiPolygon part is a %s", type_name(b2));
                return fail(&r, msg);
            }
            s = rd_polygon_body(&r, le2, dim2, p);
        }
        if (!s) s = zr_poly_finish(p);
    } else {
        char msg[96];
        snprintf(msg, sizeof msg, "geometry is a %s, not a polygon", type_name(base));
        return fail(&r, msg);
    }
    if (!s && r.p != r.end) return fail(&r, "trailing bytes after WKB geometry");
    if (s == ZR_ERR_NOMEM && why) snprintf(why, whylen, "out of memory");
    if (s == ZR_ERR_LIMIT && why) snprintf(why, whylen, "more points than the buffer holds");
    return s;
}

zr_status zr_gpkg_header_parse(const unsigned char *b, size_t n, zr_gpkg_header *h, char *why,
                               size_t whylen) {
    if (!b || n < 8 || b[0] != 'G' || b[1] != 'P') {
        if (why) snprintf(why, whylen, "not a GeoPackage geometry blob");
        return ZR_ERR_GEOM_INVALID;
    }
    const int flags = b[3], kind = (flags >> 1) & 7, le = flags & 1;
    static const size_t env_len[8] = {0, 32, 48, 48, 64, 0, 0, 0};
    if (kind > 4 || (flags & 0x20)) {
        if (why) snprintf(why, whylen, "unsupported GeoPackage blob flags 0x%02x", flags);
        return ZR_ERR_GEOM_INVALID;
    }
    const size_t off = 8 + env_len[kind];
    if (off > n) {
        if (why) snprintf(why, whylen, "GeoPackage blob truncated");
        return ZR_ERR_GEOM_INVALID;
    }
    uint32_t srs = 0;
    for (int k = 0; k < 4; k++)
        srs |= (uint32_t)b[4 + (le ? k : 3 - k)] << (8 * k);
    zr_gpkg_header r = {(int32_t)srs, (flags >> 4) & 1, kind, {0, 0, 0, 0}, off};
    for (int i = 0; kind && i < 4; i++)
        r.env[i] = rd_f64_unchecked(b + 8 + 8 * i, le);
    *h = r;
    return ZR_OK;
}

int zr_gpkg_blob_envelope(const unsigned char *b, size_t n, double env[4]) {
    zr_gpkg_header h;
    if (zr_gpkg_header_parse(b, n, &h, NULL, 0) || h.empty) return 0;
    if (h.env_kind) {
        memcpy(env, h.env, sizeof h.env);
        return 1;
    }
    /* no envelope: a 2D point is its own */
    reader r = {b + h.wkb_off, b + n, NULL, 0};
    int le, dim;
    uint32_t base;
    if (rd_header(&r, &le, &base, &dim) || base != 1 || r.end - r.p < 16) return 0;
    env[0] = env[1] = rd_f64_unchecked(r.p, le);
    env[2] = env[3] = rd_f64_unchecked(r.p + 8, le);
    return !isnan(env[0]) && !isnan(env[2]);
}

zr_status zr_gpkg_blob_to_poly(const unsigned char *b, size_t n, zr_poly *p, int *empty, char *why,
                               size_t whylen) {
    *empty = 0;
    zr_poly_clear(p);
    zr_gpkg_header h;
    zr_status s = zr_gpkg_header_parse(b, n, &h, why, whylen);
    if (s) return s;
    if (h.empty) {
        *empty = 1;
        return ZR_OK;
    }
    return zr_wkb_to_poly(b + h.wkb_off, n - h.wkb_off, p, why, whylen);
}

zr_status zr_geom_to_poly(int is_gpkg, const unsigned char *g, size_t n, zr_poly *p, char *why,
                          size_t whylen) {
    if (!g) {
        zr_poly_clear(p);
        if (why) snprintf(why, whylen, "geometry is missing");
        return ZR_ERR_GEOM_INVALID;
    }
    int empty = 0;
    zr_status s = is_gpkg ? zr_gpkg_blob_to_poly(g, n, p, &empty, why, whylen)
                          : zr_wkb_to_poly(g, n, p, why, whylen);
    if (!s && (empty || !p->n_pts)) {
        if (why) snprintf(why, whylen, "geometry is empty");
        s = ZR_ERR_GEOM_INVALID;
    }
    return s;
}

/* ---- Writing ------------------------------------------------------------------------------ */

static void put_u32(unsigned char *d, uint32_t v) {
    d[0] = (unsigned char)v, d[1] = (unsigned char)(v >> 8), d[2] = (unsigned char)(v >> 16),
    d[3] = (unsigned char)(v >> 24);
}

static void put_f64(unsigned char *d, double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int i = 0; i < 8; i++)
        d[i] = (unsigned char)(u >> (8 * i));
}

void zr_poly_envelope(const zr_poly *p, double env[4]) {
    env[0] = env[2] = INFINITY;
    env[1] = env[3] = -INFINITY;
    for (size_t i = 0; i < p->n_pts; i++) {
        const double x = p->xy[2 * i], y = p->xy[2 * i + 1];
        if (x < env[0]) env[0] = x;
        if (x > env[1]) env[1] = x;
        if (y < env[2]) env[2] = y;
        if (y > env[3]) env[3] = y;
    }
}

zr_status zr_poly_to_wkb(const zr_poly *p, zr_buf *out) {
    const size_t need = 9 + p->n_polys * 9 + p->n_rings * 4 + p->n_pts * 16;
    zr_status s = zr_buf_reserve(out, need + 1);
    if (s) return s;
    unsigned char *d = out->data + out->len;
    *d++ = 1;
    put_u32(d, 6), d += 4;
    put_u32(d, (uint32_t)p->n_polys), d += 4;
    for (size_t g = 0; g < p->n_polys; g++) {
        *d++ = 1;
        put_u32(d, 3), d += 4;
        put_u32(d, p->poly_start[g + 1] - p->poly_start[g]), d += 4;
        for (size_t r = p->poly_start[g]; r < p->poly_start[g + 1]; r++) {
            put_u32(d, (uint32_t)zr_poly_ring_len(p, r)), d += 4;
            for (size_t i = p->ring_start[r]; i < p->ring_start[r + 1]; i++) {
                put_f64(d, p->xy[2 * i]), put_f64(d + 8, p->xy[2 * i + 1]);
                d += 16;
            }
        }
    }
    out->len += need;
    return ZR_OK;
}

zr_status zr_poly_to_gpkg_blob(const zr_poly *p, int32_t srs_id, zr_buf *out) {
    zr_status s = zr_buf_reserve(out, 40);
    if (s) return s;
    unsigned char *d = out->data + out->len;
    d[0] = 'G', d[1] = 'P', d[2] = 0, d[3] = 0x01 | (1 << 1); /* LE, xy envelope */
    put_u32(d + 4, (uint32_t)srs_id);
    double env[4];
    zr_poly_envelope(p, env);
    for (int i = 0; i < 4; i++)
        put_f64(d + 8 + 8 * i, env[i]);
    out->len += 40;
    return zr_poly_to_wkb(p, out);
}

/* ---- Area --------------------------------------------------------------------------------- */

double zr_poly_area(const zr_poly *p, const zr_crs *crs, zr_buf *scratch) {
    double a;
    return zr_poly_area_checked(p, crs, scratch, &a) == ZR_OK ? a : NAN;
}

zr_status zr_poly_area_checked(const zr_poly *p, const zr_crs *crs, zr_buf *scratch, double *area) {
    if (p->nonfinite) return ZR_ERR_GEOM_INVALID;
    geo_area_init();
    size_t maxr = 0;
    for (size_t r = 0; r < p->n_rings; r++)
        if (zr_poly_ring_len(p, r) > maxr) maxr = zr_poly_ring_len(p, r);
    /* rings of survey parcels fit on the stack; only larger ones need the scratch buffer */
    enum { STACK_PTS = 256 };
    double stack[2 * STACK_PTS];
    double *lon = stack;
    if (maxr > STACK_PTS) {
        zr_buf_reset(scratch);
        if (maxr > SIZE_MAX / (2 * sizeof(double)) - 2 ||
            zr_buf_reserve(scratch, 2 * maxr * sizeof(double) + 16))
            return ZR_ERR_NOMEM;
        lon = (double *)(void *)scratch->data;
    }
    double *lat = lon + maxr;
    const double deg = M_PI / 180;
    const int gk = crs->epsg != 4490;
    const double fe = crs->prefixed ? crs->zone * 1e6 + 500000.0 : 500000.0;
    /* rings within reach of one local expansion (all survey parcels but the largest) take it;
       the others the full series. The expansion is centred on the 500 m cell of the polygon's
       first vertex, so it depends on the polygon alone, and neighbouring parcels — read one
       after another — share it: each thread keeps its last one. */
    static _Thread_local struct {
        int valid;
        double fe, cx, cy;
        geo_gk_local L;
    } last;
    const geo_gk_local *L = NULL;
    if (gk && p->n_pts) {
        const double cx = (floor((p->xy[0] - fe) / 500) + 0.5) * 500;
        const double cy = (floor(p->xy[1] / 500) + 0.5) * 500;
        if (!last.valid || last.fe != fe || last.cx != cx || last.cy != cy) {
            geo_gk_local_init(&last.L, cx, cy);
            last.valid = 1, last.fe = fe, last.cx = cx, last.cy = cy;
        }
        L = &last.L;
    }
    double total = 0;
    for (size_t g = 0; g < p->n_polys; g++) {
        for (size_t r = p->poly_start[g]; r < p->poly_start[g + 1]; r++) {
            const size_t n = zr_poly_ring_len(p, r);
            if (n < 3) continue; /* no area; and p->xy may be NULL */
            const double *xy = p->xy + 2 * p->ring_start[r];
            double a;
            if (L && geo_gk_local_ring(L, xy, n, fe, lon, lat)) {
                a = geo_ring_area_local(lon, lat, n, L->p1, L->p3);
            } else {
                if (!gk)
                    for (size_t i = 0; i < n; i++)
                        lon[i] = xy[2 * i] * deg, lat[i] = xy[2 * i + 1] * deg;
                else
                    for (size_t i = 0; i < n; i++)
                        geo_gk_inverse_rad(xy[2 * i] - fe, xy[2 * i + 1], &lon[i], &lat[i]);
                a = geo_ring_area_rad(lon, lat, n);
            }
            a = fabs(a);
            total += r == p->poly_start[g] ? a : -a;
        }
    }
    *area = total;
    return ZR_OK;
}

zr_status zr_parcel_areas(const zr_poly *p, const zr_crs *crs, int64_t kcxs4, zr_buf *scratch,
                          int64_t out[3]) {
    if (p->nonfinite) return ZR_ERR_GEOM_INVALID;
    /* zr_poly_area's scratch, reserved here: its NAN for a failed allocation must not read as
       an area that is not computable */
    size_t maxr = 0;
    for (size_t r = 0; r < p->n_rings; r++)
        if (zr_poly_ring_len(p, r) > maxr) maxr = zr_poly_ring_len(p, r);
    zr_buf_reset(scratch);
    if (zr_buf_reserve(scratch, 2 * maxr * sizeof(double) + 16)) return ZR_ERR_NOMEM;
    const double a = zr_poly_area(p, crs, scratch);
    if (!isfinite(a)) return ZR_ERR_GEOM_INVALID;
    const int64_t tbmj = zr_round_cents(a);
    const int64_t kcmj = zr_muldiv_round(tbmj, kcxs4, 10000);
    out[0] = tbmj, out[1] = kcmj, out[2] = tbmj - kcmj;
    return ZR_OK;
}

int zr_poly_contains(const zr_poly *p, double x, double y) {
    int inside = 0;
    for (size_t r = 0; r < p->n_rings; r++) {
        const double *v = p->xy + 2 * p->ring_start[r];
        const size_t n = zr_poly_ring_len(p, r);
        for (size_t i = 0, j = n ? n - 1 : 0; i < n; j = i++) {
            const double xi = v[2 * i], yi = v[2 * i + 1], xj = v[2 * j], yj = v[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
        }
    }
    return inside;
}

double zr_ring_planar_area(const zr_poly *p, size_t r) {
    const double *v = p->xy + 2 * p->ring_start[r];
    const size_t n = zr_poly_ring_len(p, r);
    if (n < 3) return 0;
    const double x0 = v[0], y0 = v[1]; /* relative coordinates keep the sum exact enough */
    double a = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t j = i + 1 < n ? i + 1 : 0;
        a += (v[2 * i] - x0) * (v[2 * j + 1] - y0) - (v[2 * j] - x0) * (v[2 * i + 1] - y0);
    }
    return a / 2;
}

zr_status zr_point_to_gpkg_blob(double x, double y, int32_t srs_id, zr_buf *out) {
    zr_status s = zr_buf_reserve(out, 8 + 21);
    if (s) return s;
    unsigned char *d = out->data + out->len;
    d[0] = 'G', d[1] = 'P', d[2] = 0, d[3] = 0x01; /* little-endian, no envelope */
    put_u32(d + 4, (uint32_t)srs_id);
    d[8] = 1;
    put_u32(d + 9, 1);
    put_f64(d + 13, x);
    put_f64(d + 21, y);
    out->len += 29;
    return ZR_OK;
}
