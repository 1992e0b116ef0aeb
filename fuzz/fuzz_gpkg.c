/* Fuzz target: a GeoPackage file as zrzy reads it (zr_source: the store's reader, not GDAL) —
 * open the default layer, classify its CRS, read every feature and parse its geometry. The
 * input is written to a file in memory (/dev/shm where there is one): SQLite reads files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/feature.h"
#include "geo/geo.h"
#include "source/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_layer(const char *path, const char *layer) {
    zr_source src;
    char err[1536];
    if (zr_source_open(&src, path, layer, err, sizeof err) != ZR_OK) return;
    zr_crs crs = {0};
    const int have_crs = zr_source_crs(&src, err, sizeof err) == ZR_OK;
    crs = src.crs;
    zr_batch b;
    if (zr_batch_init(&b, zr_source_nfields(&src)) == ZR_OK) {
        zr_poly p = {0};
        zr_buf scratch = {0};
        char why[160];
        for (int guard = 0; guard < 1000; guard++) {
            size_t got = 0;
            if (zr_source_next(&src, &b, 64, &got, err, sizeof err) != ZR_OK || got == 0) break;
            for (size_t i = 0; i < b.n; i++) {
                const zr_feature *f = &b.f[i];
                for (int k = 0; k < b.n_fields; k++) {
                    double x;
                    (void)zr_value_number(&f->v[k], &x);
                    if (f->v[k].kind == ZR_FT_TEXT && !f->v[k].s) abort();
                }
                if (zr_geom_to_poly(b.geom_is_gpkg, f->geom, f->geom_len, &p, why, sizeof why) ==
                        ZR_OK &&
                    have_crs)
                    (void)zr_poly_area(&p, &crs, &scratch);
            }
        }
        zr_poly_free(&p);
        zr_buf_free(&scratch);
        zr_batch_free(&b);
    }
    zr_source_close(&src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[96];
    snprintf(path, sizeof path, "%s/zrzy-fuzz-gpkg-%d.gpkg",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    const int ok = fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0 || !ok) {
        unlink(path);
        return 0;
    }
    if (zr_is_gpkg(path)) { /* other formats would go to GDAL: not this target's subject */
        read_layer(path, NULL);
        read_layer(path, "XZQ");
    }
    unlink(path);
    return 0;
}
