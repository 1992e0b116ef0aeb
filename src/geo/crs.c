/* The CRSs zrzy supports: CGCS2000 geographic, 3-degree Gauss-Krüger zones 25–45 and 6-degree
 * zones 13–23, with or without the zone number before the easting. */
#include "geo/geo.h"
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

zr_status zr_crs_from_epsg(int epsg, zr_crs *crs) {
    memset(crs, 0, sizeof *crs);
    if (epsg == 4490) {
        crs->epsg = 4490;
        return ZR_OK;
    }
    if (epsg >= 4513 && epsg <= 4533) {
        crs->zone = epsg - 4488, crs->prefixed = 1, crs->width = 3;
    } else if (epsg >= 4534 && epsg <= 4554) {
        crs->zone = epsg - 4509, crs->prefixed = 0, crs->width = 3;
    } else if (epsg >= 4491 && epsg <= 4501) {
        crs->zone = epsg - 4478, crs->prefixed = 1, crs->width = 6;
    } else if (epsg >= 4502 && epsg <= 4512) {
        crs->zone = epsg - 4489, crs->prefixed = 0, crs->width = 6;
    } else {
        return ZR_ERR_CRS;
    }
    crs->epsg = epsg;
    crs->lon0 = crs->width == 3 ? 3.0 * crs->zone : 6.0 * crs->zone - 3;
    return ZR_OK;
}

const char *zr_crs_name(const zr_crs *crs, char *buf, size_t n) {
    if (crs->epsg == 4490)
        snprintf(buf, n, "EPSG:4490 CGCS2000");
    else
        snprintf(buf, n, "EPSG:%d CGCS2000 / %d-degree Gauss-Kruger %s %d (CM %gE)", crs->epsg,
                 crs->width, crs->prefixed ? "zone" : "CM", crs->zone, crs->lon0);
    return buf;
}

zr_status zr_crs_wkt(int epsg, char **out) {
    *out = NULL;
    char code[16];
    snprintf(code, sizeof code, "%d", epsg);
    PJ_CONTEXT *ctx = proj_context_create();
    if (!ctx) return ZR_ERR_NOMEM;
    proj_log_level(ctx, PJ_LOG_NONE);
    zr_status s = ZR_ERR_CRS;
    PJ *pj = proj_create_from_database(ctx, "EPSG", code, PJ_CATEGORY_CRS, 0, NULL);
    if (pj) {
        const char *opts[] = {"MULTILINE=NO", NULL};
        const char *wkt = proj_as_wkt(ctx, pj, PJ_WKT1_GDAL, opts);
        if (wkt) {
            *out = malloc(strlen(wkt) + 1);
            if (*out) {
                strcpy(*out, wkt);
                s = ZR_OK;
            } else {
                s = ZR_ERR_NOMEM;
            }
        }
        proj_destroy(pj);
    }
    proj_context_destroy(ctx);
    return s;
}
