/* Fuzz target: the CRS classifier (io/ogr.c) on WKT text — a GeoPackage's
 * gpkg_spatial_ref_sys definition or a shapefile's ESRI .prj, both user input. GDAL is loaded
 * on first use; without it every input is refused with a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *wkt = malloc(size + 1);
    if (!wkt) return 0;
    if (size) memcpy(wkt, data, size);
    wkt[size] = 0;
    zr_crs crs;
    char why[512] = "";
    const zr_status s = zr_crs_classify_wkt(wkt, &crs, why, sizeof why);
    if (s == ZR_OK) {
        /* an accepted CRS is one zrzy supports, and its EPSG code gives it back */
        zr_crs again;
        if (zr_crs_from_epsg(crs.epsg, &again) != ZR_OK || again.zone != crs.zone ||
            again.prefixed != crs.prefixed)
            abort();
    } else if (!why[0]) {
        abort(); /* a refusal names its reason */
    }
    free(wkt);
    return 0;
}
