/* GDAL/OGR sources: open, schema, CRS, features as WKB with UTF-8 text. */
#include "core/alloc.h"
#include "io/io.h"
#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/text.h"

struct zr_ogr {
    GDALDatasetH ds;
    OGRLayerH lyr;
    char path[1024], layer[256], driver[64], enc[32];
    int n_fields;
    char **names;       /* UTF-8 field names */
    zr_recoder *recode; /* NULL when the text is UTF-8 already */
    zr_buf tmp, wkb;
};

/* GDAL is opened on first use (dlopen), not linked: it pulls in a hundred libraries whose
 * loading costs 35 ms at every start, and GeoPackages, zrzy's own format, never need it.
 * Every GDAL function called here is in this table; the names below stand for its pointers. */
/* clang-format off */
#define GDAL_FNS(X) \
    X(GDALAllRegister) X(CPLSetErrorHandler) X(CPLQuietErrorHandler) X(CPLGetLastErrorMsg) \
    X(CPLGetLastErrorType) X(CPLErrorReset) X(VSIFree) X(GDALOpenEx) X(GDALClose) \
    X(GDALGetDriverShortName) X(GDALGetDatasetDriver) X(GDALDatasetGetLayer) X(OGR_GT_Flatten) \
    X(OGR_L_GetName) X(OGR_L_GetGeomType) X(OGR_L_ResetReading) X(OGR_L_GetSpatialRef) \
    X(OGR_L_GetLayerDefn) X(OGR_L_GetExtent) X(OGR_G_WkbSizeEx) X(OGR_G_IsEmpty) \
    X(OGR_G_ExportToIsoWkb) X(OGR_Fld_GetType) X(OGR_Fld_GetNameRef) X(OGR_F_Destroy) \
    X(OGR_F_IsFieldSetAndNotNull) X(OGR_F_GetGeometryRef) X(OGR_F_GetFieldDefnRef) \
    X(OGR_F_GetFieldAsString) X(OGR_F_GetFieldAsInteger64) X(OGR_F_GetFieldAsDouble) \
    X(OGR_F_GetFID) X(OGR_FD_GetFieldDefn) X(OGR_FD_GetFieldCount) X(OSRGetProjParm) \
    X(OSRIsProjected) X(OSRGetName) X(OSRGetAttrValue) X(OSRImportFromWkt) \
    X(OSRSetAxisMappingStrategy) X(OSRNewSpatialReference) X(OSRIsGeographic) X(OSRGetSemiMajor) \
    X(OSRGetLinearUnits) X(OSRGetInvFlattening) X(OSRExportToWktEx) \
    X(OSRDestroySpatialReference) X(GDALDatasetGetLayerCount) X(OGR_L_GetNextFeature)
/* clang-format on */

static struct {
    void *lib;
#define GDAL_PTR(f) __typeof__(&f) p_##f;
    GDAL_FNS(GDAL_PTR)
#undef GDAL_PTR
} G;

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static char gdal_missing[256]; /* why GDAL could not be loaded; empty when it was */

static char gdal_library[1024]; /* zr_config_gdal; empty: ZR_GDAL_SONAME */

zr_status zr_config_gdal(const char *library) {
    if (library && strlen(library) >= sizeof gdal_library) return ZR_ERR_ARG;
    snprintf(gdal_library, sizeof gdal_library, "%s", library ? library : "");
    return ZR_OK;
}

static void gdal_init(void) {
    const char *lib = gdal_library[0] ? gdal_library : ZR_GDAL_SONAME;
    if (!(G.lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL))) {
        snprintf(gdal_missing, sizeof gdal_missing, "GDAL (%.120s) cannot be loaded: %s", lib,
                 dlerror());
        return;
    }
#define GDAL_SYM(f)                                                   \
    if (!gdal_missing[0] && !(*(void **)&G.p_##f = dlsym(G.lib, #f))) \
        snprintf(gdal_missing, sizeof gdal_missing, "GDAL (%.120s) has no %s", lib, #f);
    GDAL_FNS(GDAL_SYM)
#undef GDAL_SYM
    if (gdal_missing[0]) return;
    G.p_GDALAllRegister();
    G.p_CPLSetErrorHandler(G.p_CPLQuietErrorHandler);
}

/* 0 when GDAL is usable; else the reason in err. */
static zr_status gdal_ready(char *err, size_t n) {
    pthread_once(&gdal_once, gdal_init);
    if (!gdal_missing[0]) return ZR_OK;
    snprintf(err, n, "%s", gdal_missing);
    return ZR_ERR_IMPORT;
}

#define GDALAllRegister            (*G.p_GDALAllRegister)
#define CPLSetErrorHandler         (*G.p_CPLSetErrorHandler)
#define CPLGetLastErrorMsg         (*G.p_CPLGetLastErrorMsg)
#define CPLGetLastErrorType        (*G.p_CPLGetLastErrorType)
#define CPLErrorReset              (*G.p_CPLErrorReset)
#define GDALOpenEx                 (*G.p_GDALOpenEx)
#define GDALClose                  (*G.p_GDALClose)
#define GDALGetDriverShortName     (*G.p_GDALGetDriverShortName)
#define GDALGetDatasetDriver       (*G.p_GDALGetDatasetDriver)
#define GDALDatasetGetLayerCount   (*G.p_GDALDatasetGetLayerCount)
#define GDALDatasetGetLayer        (*G.p_GDALDatasetGetLayer)
#define OGR_GT_Flatten             (*G.p_OGR_GT_Flatten)
#define OGR_L_GetName              (*G.p_OGR_L_GetName)
#define OGR_L_GetGeomType          (*G.p_OGR_L_GetGeomType)
#define OGR_L_ResetReading         (*G.p_OGR_L_ResetReading)
#define OGR_L_GetSpatialRef        (*G.p_OGR_L_GetSpatialRef)
#define OGR_L_GetNextFeature       (*G.p_OGR_L_GetNextFeature)
#define OGR_L_GetLayerDefn         (*G.p_OGR_L_GetLayerDefn)
#define OGR_L_GetExtent            (*G.p_OGR_L_GetExtent)
#define OGR_G_WkbSizeEx            (*G.p_OGR_G_WkbSizeEx)
#define OGR_G_IsEmpty              (*G.p_OGR_G_IsEmpty)
#define OGR_G_ExportToIsoWkb       (*G.p_OGR_G_ExportToIsoWkb)
#define OGR_Fld_GetType            (*G.p_OGR_Fld_GetType)
#define OGR_Fld_GetNameRef         (*G.p_OGR_Fld_GetNameRef)
#define OGR_F_Destroy              (*G.p_OGR_F_Destroy)
#define OGR_F_IsFieldSetAndNotNull (*G.p_OGR_F_IsFieldSetAndNotNull)
#define OGR_F_GetGeometryRef       (*G.p_OGR_F_GetGeometryRef)
#define OGR_F_GetFieldDefnRef      (*G.p_OGR_F_GetFieldDefnRef)
#define OGR_F_GetFieldAsString     (*G.p_OGR_F_GetFieldAsString)
#define OGR_F_GetFieldAsInteger64  (*G.p_OGR_F_GetFieldAsInteger64)
#define OGR_F_GetFieldAsDouble     (*G.p_OGR_F_GetFieldAsDouble)
#define OGR_F_GetFID               (*G.p_OGR_F_GetFID)
#define OGR_FD_GetFieldDefn        (*G.p_OGR_FD_GetFieldDefn)
#define OGR_FD_GetFieldCount       (*G.p_OGR_FD_GetFieldCount)
#define OSRGetProjParm             (*G.p_OSRGetProjParm)
#define OSRIsProjected             (*G.p_OSRIsProjected)
#define OSRGetName                 (*G.p_OSRGetName)
#define OSRGetAttrValue            (*G.p_OSRGetAttrValue)
#define OSRImportFromWkt           (*G.p_OSRImportFromWkt)
#define OSRSetAxisMappingStrategy  (*G.p_OSRSetAxisMappingStrategy)
#define OSRNewSpatialReference     (*G.p_OSRNewSpatialReference)
#define OSRIsGeographic            (*G.p_OSRIsGeographic)
#define OSRGetSemiMajor            (*G.p_OSRGetSemiMajor)
#define OSRGetLinearUnits          (*G.p_OSRGetLinearUnits)
#define OSRGetInvFlattening        (*G.p_OSRGetInvFlattening)
#define OSRExportToWktEx           (*G.p_OSRExportToWktEx)
#define OSRDestroySpatialReference (*G.p_OSRDestroySpatialReference)
#define VSIFree                    (*G.p_VSIFree)

static const char *last_gdal_error(void) {
    const char *m = CPLGetLastErrorMsg();
    return m && *m ? m : "unrecognised format or no reason given";
}

static int is_polygon_type(OGRwkbGeometryType t) {
    t = wkbFlatten(t);
    return t == wkbPolygon || t == wkbMultiPolygon || t == wkbCurvePolygon ||
           t == wkbMultiSurface || t == wkbUnknown;
}

zr_status zr_ogr_open(const char *path, const char *layer, zr_ogr **out, char *err, size_t n) {
    *out = NULL;
    char why[300];
    if (gdal_ready(why, sizeof why)) {
        snprintf(err, n, "%s: cannot be read without GDAL: %s", path, why);
        return ZR_ERR_IMPORT;
    }
    zr_ogr *o = zr_calloc(1, sizeof *o);
    if (!o) return ZR_ERR_NOMEM;
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->enc, sizeof o->enc, "UTF-8");
    /* shapefiles: ask for raw bytes; zrzy decides the encoding itself */
    const char *raw[] = {"ENCODING=", NULL};
    CPLErrorReset();
    o->ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, raw, NULL);
    if (!o->ds) {
        snprintf(err, n, "%s: cannot open as a vector source: %s", path, last_gdal_error());
        zr_ogr_close(o);
        return ZR_ERR_IMPORT;
    }
    snprintf(o->driver, sizeof o->driver, "%s",
             GDALGetDriverShortName(GDALGetDatasetDriver(o->ds)));
    int nl = GDALDatasetGetLayerCount(o->ds), polys = 0;
    OGRLayerH only = NULL;
    for (int i = 0; i < nl && !o->lyr; i++) {
        OGRLayerH l = GDALDatasetGetLayer(o->ds, i);
        const char *name = OGR_L_GetName(l);
        if (layer ? zr_strieq(name, layer) : zr_strieq(name, "DLTB")) o->lyr = l;
        if (is_polygon_type(OGR_L_GetGeomType(l)) && OGR_L_GetGeomType(l) != wkbUnknown)
            polys++, only = l;
    }
    if (!o->lyr && !layer && (polys == 1 || nl == 1))
        o->lyr = polys == 1 ? only : GDALDatasetGetLayer(o->ds, 0);
    if (!o->lyr) {
        if (layer)
            snprintf(err, n, "%s: no layer '%s'", path, layer);
        else
            snprintf(err, n, "%s: no layer DLTB and %d polygon layers to choose from (use --layer)",
                     path, polys);
        zr_ogr_close(o);
        return ZR_ERR_NOT_FOUND;
    }
    snprintf(o->layer, sizeof o->layer, "%s", OGR_L_GetName(o->lyr));
    if (!strcmp(o->driver, "ESRI Shapefile")) {
        zr_status s = zr_shp_encoding(path, o->enc, sizeof o->enc);
        if (s) {
            snprintf(err, n, "%s: cannot read the DBF to decide its encoding", path);
            zr_ogr_close(o);
            return s;
        }
        if (!zr_strieq(o->enc, "UTF-8") && zr_recoder_open(o->enc, &o->recode) != ZR_OK) {
            snprintf(err, n, "%s: text encoding %s is not supported", path, o->enc);
            zr_ogr_close(o);
            return ZR_ERR_IMPORT;
        }
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(o->lyr);
    o->n_fields = OGR_FD_GetFieldCount(defn);
    o->names = zr_calloc((size_t)o->n_fields + 1, sizeof *o->names);
    if (!o->names) {
        zr_ogr_close(o);
        return ZR_ERR_NOMEM;
    }
    for (int i = 0; i < o->n_fields; i++) {
        const char *nm = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
        zr_status rs = ZR_OK;
        if (o->recode && (rs = zr_recode(o->recode, nm, strlen(nm), &o->tmp)) != ZR_OK) {
            /* a name that is no text of its encoding is refused, not passed on as bytes */
            if (rs != ZR_ERR_NOMEM)
                snprintf(err, n, "%s: layer %s: field %d's name is not valid %s", path, o->layer,
                         i + 1, o->enc);
            zr_ogr_close(o);
            return rs == ZR_ERR_NOMEM ? rs : ZR_ERR_IMPORT;
        }
        if (!o->recode && !zr_utf8_valid((const unsigned char *)nm, strlen(nm))) {
            snprintf(err, n, "%s: layer %s: field %d's name is not UTF-8", path, o->layer, i + 1);
            zr_ogr_close(o);
            return ZR_ERR_IMPORT;
        }
        if (!(o->names[i] = zr_strdup(o->recode ? (const char *)o->tmp.data : nm))) {
            zr_ogr_close(o);
            return ZR_ERR_NOMEM;
        }
    }
    OGR_L_ResetReading(o->lyr);
    *out = o;
    return ZR_OK;
}

void zr_ogr_close(zr_ogr *o) {
    if (!o) return;
    if (o->names)
        for (int i = 0; i < o->n_fields; i++)
            free(o->names[i]);
    free(o->names);
    zr_recoder_close(o->recode);
    zr_buf_free(&o->tmp);
    zr_buf_free(&o->wkb);
    if (o->ds) GDALClose(o->ds);
    free(o);
}

const char *zr_ogr_driver(const zr_ogr *o) {
    return o->driver;
}
const char *zr_ogr_layer(const zr_ogr *o) {
    return o->layer;
}
const char *zr_ogr_encoding(const zr_ogr *o) {
    return o->enc;
}
int zr_ogr_nfields(const zr_ogr *o) {
    return o->n_fields;
}
const char *zr_ogr_field(const zr_ogr *o, int i) {
    return o->names[i];
}

zr_status zr_ogr_extent(zr_ogr *o, double env[4]) {
    OGREnvelope e;
    if (OGR_L_GetExtent(o->lyr, &e, 1) != OGRERR_NONE || !(e.MaxX >= e.MinX))
        return ZR_ERR_NOT_FOUND;
    env[0] = e.MinX, env[1] = e.MaxX, env[2] = e.MinY, env[3] = e.MaxY;
    return ZR_OK;
}

zr_status zr_ogr_crs(zr_ogr *o, zr_crs *crs, char *err, size_t n) {
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(o->lyr);
    if (!srs) {
        snprintf(err, n, "%s: layer %s has no coordinate reference system (.prj missing?)", o->path,
                 o->layer);
        return ZR_ERR_CRS;
    }
    char *wkt = NULL;
    const char *opts[] = {"FORMAT=WKT2_2019", NULL};
    if (OSRExportToWktEx(srs, &wkt, opts) != OGRERR_NONE || !wkt) {
        CPLFree(wkt);
        snprintf(err, n, "%s: layer %s: unreadable coordinate reference system", o->path, o->layer);
        return ZR_ERR_CRS;
    }
    char why[512];
    zr_status s = zr_crs_classify_wkt(wkt, crs, why, sizeof why);
    CPLFree(wkt);
    if (s) snprintf(err, n, "%s: layer %s: %s", o->path, o->layer, why);
    return s;
}

zr_status zr_ogr_next(zr_ogr *o, zr_batch *b, size_t max, size_t *n_read, char *err, size_t n) {
    *n_read = 0;
    zr_batch_reset(b);
    b->geom_is_gpkg = 0;
    OGRFeatureH f;
    for (;;) {
        if (*n_read >= max) break;
        /* GDAL's error state is per thread and sticky: cleared before each read, so an error
           belongs to this read, and a read that ends in an error is not taken for the end */
        CPLErrorReset();
        if (!(f = OGR_L_GetNextFeature(o->lyr))) {
            if (CPLGetLastErrorType() >= CE_Failure) {
                snprintf(err, n, "%s: layer %s: read error after %zu features of this batch: %s",
                         o->path, o->layer, *n_read, last_gdal_error());
                CPLErrorReset();
                return ZR_ERR_IMPORT;
            }
            break;
        }
        zr_feature *zf;
        const long long fid = (long long)OGR_F_GetFID(f);
        zr_status s = zr_batch_add(b, fid, &zf);
        OGRGeometryH g = s ? NULL : OGR_F_GetGeometryRef(f);
        if (!s && g && !OGR_G_IsEmpty(g)) {
            const size_t sz = (size_t)OGR_G_WkbSizeEx(g);
            zr_buf_reset(&o->wkb);
            s = zr_buf_reserve(&o->wkb, sz);
            if (!s && (sz == 0 || OGR_G_ExportToIsoWkb(g, wkbNDR, o->wkb.data) != OGRERR_NONE)) {
                /* a geometry GDAL read but cannot write as WKB is not taken for a missing one */
                snprintf(err, n, "%s: layer %s: feature %lld: geometry cannot be converted: %s",
                         o->path, o->layer, fid, last_gdal_error());
                OGR_F_Destroy(f);
                return ZR_ERR_IMPORT;
            }
            if (!s) s = zr_batch_set_geom(b, zf, o->wkb.data, sz);
        }
        for (int i = 0; !s && i < o->n_fields && i < b->n_fields; i++) {
            if (!OGR_F_IsFieldSetAndNotNull(f, i)) continue;
            zr_value *v = &zf->v[i];
            switch (OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, i))) {
                case OFTInteger:
                case OFTInteger64:
                    v->kind = ZR_FT_INT;
                    v->i = OGR_F_GetFieldAsInteger64(f, i);
                    v->r = (double)v->i;
                    break;
                case OFTReal:
                    v->kind = ZR_FT_REAL;
                    v->r = OGR_F_GetFieldAsDouble(f, i);
                    break;
                default: {
                    const char *t = OGR_F_GetFieldAsString(f, i);
                    size_t len = strlen(t);
                    if (o->recode) {
                        if (zr_recode(o->recode, t, len, &o->tmp) != ZR_OK) {
                            snprintf(err, n,
                                     "%s: layer %s: feature %lld field %s: bytes not valid %s",
                                     o->path, o->layer, (long long)zf->fid, o->names[i], o->enc);
                            OGR_F_Destroy(f);
                            return ZR_ERR_IMPORT;
                        }
                        t = (const char *)o->tmp.data;
                        len = o->tmp.len;
                    } else if (!zr_utf8_valid((const unsigned char *)t, len)) {
                        snprintf(err, n, "%s: layer %s: feature %lld field %s: text is not UTF-8",
                                 o->path, o->layer, (long long)zf->fid, o->names[i]);
                        OGR_F_Destroy(f);
                        return ZR_ERR_IMPORT;
                    }
                    s = zr_batch_set_text(b, v, t, len);
                }
            }
        }
        OGR_F_Destroy(f);
        if (s) {
            snprintf(err, n, "%s: layer %s: feature %lld: %s", o->path, o->layer, fid,
                     s == ZR_ERR_NOMEM ? "out of memory" : zr_status_str(s));
            return s;
        }
        (*n_read)++;
    }
    return ZR_OK;
}

zr_status zr_crs_classify_wkt(const char *wkt, zr_crs *crs, char *why, size_t n) {
    memset(crs, 0, sizeof *crs);
    if (gdal_ready(why, n)) return ZR_ERR_CRS;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (!srs) {
        snprintf(why, n, "out of memory");
        return ZR_ERR_NOMEM;
    }
    zr_status st = ZR_ERR_CRS;
    /* WKT only (OGC or ESRI flavour): OSRSetFromUserInput would also take a file name or a URL
       from a .prj and read that file or fetch it */
    char *cursor = (char *)wkt;
    if (OSRImportFromWkt(srs, &cursor) != OGRERR_NONE) {
        snprintf(why, n, "unreadable coordinate reference system definition");
        goto done;
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRErr e1 = OGRERR_NONE, e2 = OGRERR_NONE;
    const double a = OSRGetSemiMajor(srs, &e1), rf = OSRGetInvFlattening(srs, &e2);
    const char *datum = OSRGetAttrValue(srs, "DATUM", 0);
    char name[256];
    snprintf(name, sizeof name, "%s", OSRGetName(srs) ? OSRGetName(srs) : "?");
    if (e1 || e2 || a != 6378137.0 || !(rf > 298.2572221 && rf < 298.2572222)) {
        snprintf(why, n,
                 "CRS '%s' is not on the CGCS2000 ellipsoid (a=%.3f, 1/f=%.9f); zrzy stores "
                 "CGCS2000 data (EPSG:4490, 4491-4554)",
                 name, a, rf);
        goto done;
    }
    (void)datum;
    if (OSRIsGeographic(srs) && !OSRIsProjected(srs)) {
        crs->epsg = 4490;
        st = ZR_OK;
        goto done;
    }
    if (!OSRIsProjected(srs)) {
        snprintf(why, n, "CRS '%s' is neither geographic nor projected", name);
        goto done;
    }
    const char *proj = OSRGetAttrValue(srs, "PROJECTION", 0);
    if (!proj || !(strstr(proj, "Transverse_Mercator") || strstr(proj, "Gauss") ||
                   strstr(proj, "Transverse Mercator"))) {
        snprintf(why, n, "CRS '%s' is projected with %s, not Gauss-Kruger", name,
                 proj ? proj : "an unknown method");
        goto done;
    }
    const double cm = OSRGetProjParm(srs, SRS_PP_CENTRAL_MERIDIAN, -999, NULL);
    const double k = OSRGetProjParm(srs, SRS_PP_SCALE_FACTOR, 1.0, NULL);
    const double fe = OSRGetProjParm(srs, SRS_PP_FALSE_EASTING, 0, NULL);
    const double fn = OSRGetProjParm(srs, SRS_PP_FALSE_NORTHING, 0, NULL);
    const double lat0 = OSRGetProjParm(srs, SRS_PP_LATITUDE_OF_ORIGIN, 0, NULL);
    const double unit = OSRGetLinearUnits(srs, NULL);
    if (!(cm > 0 && cm < 180)) { /* before any cast: NaN or a huge value is no meridian */
        snprintf(why, n, "CRS '%s' has no usable central meridian (%g)", name, cm);
        goto done;
    }
    const int zone = (int)(cm / 3 + 0.5);
    if (fabs(cm - 3.0 * zone) > 1e-9 || zone < 25 || zone > 45 || k != 1.0 || fn != 0 ||
        lat0 != 0 || unit != 1.0) {
        snprintf(why, n,
                 "CRS '%s' (central meridian %g, k %g, false northing %g, unit %g m) is not a "
                 "Gauss-Kruger zone (3-degree 25-45 or 6-degree 13-23, EPSG:4491-4554)",
                 name, cm, k, fn, unit);
        goto done;
    }
    /* a 6-degree zone's central meridian is a 3-degree one's too: without the prefix the
       two are the same projection; with it, the prefix tells them apart */
    const int z6 = (int)((cm + 3) / 6 + 0.5);
    const int six = fabs(cm - (6.0 * z6 - 3)) < 1e-9 && z6 >= 13 && z6 <= 23;
    if (fe == 500000.0) {
        st = zr_crs_from_epsg(4509 + zone, crs);
    } else if (fe == zone * 1e6 + 500000.0) {
        st = zr_crs_from_epsg(4488 + zone, crs);
    } else if (six && fe == z6 * 1e6 + 500000.0) {
        st = zr_crs_from_epsg(4478 + z6, crs);
    } else {
        snprintf(why, n,
                 "CRS '%s': false easting %.1f matches neither 500000 nor zone %d's %d500000", name,
                 fe, zone, zone);
    }
done:
    OSRDestroySpatialReference(srs);
    return st;
}
