/* Whether a GeoPackage blob is already the one zr_poly_to_gpkg_blob would write (geo.h). */
#include "geo/geo.h"
#include <string.h>

static uint32_t le_u32(const unsigned char *d) {
    return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

int zr_poly_gpkg_blob_same(const zr_poly *p, int32_t srs_id, const unsigned char *b, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* the layout of zr_poly_to_gpkg_blob: 40-byte header (LE, xy envelope), then LE 2D
       MultiPolygon WKB; on a little-endian host the points are p->xy's bytes */
    const size_t need = 40 + 9 + p->n_polys * 9 + p->n_rings * 4 + p->n_pts * 16;
    if (!b || n != need || b[0] != 'G' || b[1] != 'P' || b[2] != 0 || b[3] != 0x03 ||
        le_u32(b + 4) != (uint32_t)srs_id)
        return 0;
    double env[4];
    zr_poly_envelope(p, env);
    if (memcmp(b + 8, env, sizeof env) != 0) return 0;
    const unsigned char *d = b + 40;
    if (d[0] != 1 || le_u32(d + 1) != 6 || le_u32(d + 5) != p->n_polys) return 0;
    d += 9;
    for (size_t g = 0; g < p->n_polys; g++) {
        if (d[0] != 1 || le_u32(d + 1) != 3 ||
            le_u32(d + 5) != p->poly_start[g + 1] - p->poly_start[g])
            return 0;
        d += 9;
        for (size_t r = p->poly_start[g]; r < p->poly_start[g + 1]; r++) {
            const size_t len = zr_poly_ring_len(p, r);
            if (le_u32(d) != len) return 0;
            d += 4;
            if (len && memcmp(d, p->xy + 2 * p->ring_start[r], 16 * len) != 0) return 0;
            d += 16 * len;
        }
    }
    return d == b + n;
#else
    (void)p, (void)srs_id, (void)b, (void)n;
    return 0; /* compared by writing it */
#endif
}
