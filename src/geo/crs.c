/* The CRSs zrzy supports: CGCS2000 geographic, 3-degree Gauss-Krüger zones 25–45 and 6-degree
 * zones 13–23, with or without the zone number before the easting. */
#include "core/alloc.h"
#include "geo/geo.h"
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

/* The WKT 1 that PROJ's EPSG database gives for these 65 CRSs (PJ_WKT1_GDAL, one line), made
 * from their parameters: test_geo compares every one with PROJ's, byte for byte. Generating it
 * spares every run loading PROJ and opening its database. */
zr_status zr_crs_wkt(int epsg, char **out) {
    *out = NULL;
    zr_crs c;
    if (zr_crs_from_epsg(epsg, &c)) return ZR_ERR_CRS;
    static const char geog[] =
        "GEOGCS[\"China Geodetic Coordinate System 2000\",DATUM[\"China_2000\",SPHEROID["
        "\"CGCS2000\",6378137,298.257222101,AUTHORITY[\"EPSG\",\"1024\"]],AUTHORITY[\"EPSG\","
        "\"1043\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\","
        "0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AUTHORITY[\"EPSG\",\"4490\"]]";
    char name[64], buf[1024];
    const int cm = (int)c.lon0;
    if (epsg == 4490) {
        snprintf(buf, sizeof buf, "%s", geog);
    } else {
        if (c.prefixed)
            snprintf(name, sizeof name, "CGCS2000 / %sGauss-Kruger zone %d",
                     c.width == 3 ? "3-degree " : "", c.zone);
        else
            snprintf(name, sizeof name, "CGCS2000 / %sGauss-Kruger CM %dE",
                     c.width == 3 ? "3-degree " : "", cm);
        snprintf(buf, sizeof buf,
                 "PROJCS[\"%s\",%s,PROJECTION[\"Transverse_Mercator\"],PARAMETER["
                 "\"latitude_of_origin\",0],PARAMETER[\"central_meridian\",%d],PARAMETER["
                 "\"scale_factor\",1],PARAMETER[\"false_easting\",%lld],PARAMETER["
                 "\"false_northing\",0],UNIT[\"metre\",1,AUTHORITY[\"EPSG\",\"9001\"]],"
                 "AUTHORITY[\"EPSG\",\"%d\"]]",
                 name, geog, cm, c.prefixed ? c.zone * 1000000LL + 500000 : 500000LL, epsg);
    }
    if (!(*out = zr_malloc(strlen(buf) + 1))) return ZR_ERR_NOMEM;
    strcpy(*out, buf);
    return ZR_OK;
}
