/* Fuzz target: the geometry path of every import (GeoPackage blob / WKB parsing, official
 * area in a projected and the geographic CRS, re-encoding). Inputs starting with 'G' are blobs,
 * others plain WKB. */
#include <stdint.h>
#include <stdlib.h>
#include "geo/geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zr_poly p = {0};
    zr_buf scratch = {0}, out = {0};
    char why[160];
    int empty = 0;
    zr_status s = size && data[0] == 'G'
                      ? zr_gpkg_blob_to_poly(data, size, &p, &empty, why, sizeof why)
                      : zr_wkb_to_poly(data, size, &p, why, sizeof why);
    if (s == ZR_OK && !empty) {
        zr_crs gk, geo;
        zr_crs_from_epsg(4527, &gk);
        zr_crs_from_epsg(4490, &geo);
        (void)zr_poly_area(&p, &gk, &scratch);
        (void)zr_poly_area(&p, &geo, &scratch);
        if (zr_poly_to_gpkg_blob(&p, 4527, &out) == ZR_OK) {
            zr_poly q = {0};
            int e2;
            /* what zrzy writes, zrzy reads back */
            if (zr_gpkg_blob_to_poly(out.data, out.len, &q, &e2, why, sizeof why) != ZR_OK ||
                q.n_pts != p.n_pts)
                abort();
            zr_poly_free(&q);
        }
    }
    zr_poly_free(&p);
    zr_buf_free(&scratch);
    zr_buf_free(&out);
    return 0;
}
