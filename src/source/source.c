#include "core/alloc.h"
#include "source/source.h"
#include "geo/geo.h"
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int zr_is_gpkg(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char h[16] = {0};
    size_t got = fread(h, 1, 16, f);
    fclose(f);
    return got == 16 && !memcmp(h, "SQLite format 3", 16);
}

zr_status zr_source_open(zr_source *s, const char *path, const char *layer, char *err, size_t n) {
    return zr_source_open_cols(s, path, layer, NULL, err, n);
}

zr_status zr_source_open_cols(zr_source *s, const char *path, const char *layer,
                              const char *const *want, char *err, size_t n) {
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    zr_status st;
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT) { /* before any driver guesses at it */
        snprintf(err, n, "%s: no such file or folder", path);
        return ZR_ERR_NOT_FOUND;
    }
    if (zr_is_gpkg(path)) {
        st = zr_store_open(path, ZR_STORE_READ, &s->gpkg);
        if (!st) st = zr_reader_open_cols(s->gpkg, layer, want, &s->rd);
        if (st) {
            if (st == ZR_ERR_NOMEM)
                snprintf(err, n, "%s: out of memory", path);
            else
                snprintf(err, n, "%s", zr_store_errmsg(s->gpkg));
            zr_source_close(s);
            return st == ZR_ERR_NOT_FOUND || st == ZR_ERR_NOMEM ? st : ZR_ERR_IMPORT;
        }
        snprintf(s->layer, sizeof s->layer, "%s", zr_reader_table(s->rd));
        snprintf(s->driver, sizeof s->driver, "GPKG");
        snprintf(s->encoding, sizeof s->encoding, "UTF-8");
        return ZR_OK;
    }
    st = zr_ogr_open(path, layer, &s->ogr, err, n);
    if (st) return st;
    snprintf(s->layer, sizeof s->layer, "%s", zr_ogr_layer(s->ogr));
    snprintf(s->driver, sizeof s->driver, "%s", zr_ogr_driver(s->ogr));
    snprintf(s->encoding, sizeof s->encoding, "%s", zr_ogr_encoding(s->ogr));
    return ZR_OK;
}

zr_status zr_source_open_default(zr_source *s, const char *path, const char *layer, int named,
                                 char *err, size_t n) {
    const size_t len = strlen(path);
    const int shp = len > 4 && !strcasecmp(path + len - 4, ".shp");
    return zr_source_open(s, path, shp && !named ? NULL : layer, err, n);
}

int zr_source_nfields(const zr_source *s) {
    return s->rd ? zr_reader_nfields(s->rd) : zr_ogr_nfields(s->ogr);
}

const char *zr_source_field(const zr_source *s, int i) {
    return s->rd ? zr_reader_field(s->rd, i) : zr_ogr_field(s->ogr, i);
}

int zr_source_col(const zr_source *s, const char *name) {
    for (int k = 0; k < zr_source_nfields(s); k++)
        if (zr_strieq(zr_source_field(s, k), name)) return k;
    return -1;
}

zr_status zr_source_crs(zr_source *s, char *err, size_t n) {
    if (!s->rd) return zr_ogr_crs(s->ogr, &s->crs, err, n);
    int epsg = zr_reader_epsg(s->rd);
    if (epsg && zr_crs_from_epsg(epsg, &s->crs) == ZR_OK) return ZR_OK;
    const char *wkt = zr_reader_srs_wkt(s->rd);
    if (!wkt || !*wkt || !strcmp(wkt, "undefined")) {
        snprintf(err, n, "%s: layer %s: no coordinate reference system (srs %d)", s->path, s->layer,
                 epsg);
        return ZR_ERR_CRS;
    }
    char why[512];
    zr_status st = zr_crs_classify_wkt(wkt, &s->crs, why, sizeof why);
    if (st) snprintf(err, n, "%s: layer %s: %s", s->path, s->layer, why);
    return st;
}

zr_store *zr_source_store(zr_source *s) {
    return s->gpkg;
}

zr_status zr_source_extent(zr_source *s, double env[4]) {
    return s->rd ? zr_reader_extent(s->rd, env) : zr_ogr_extent(s->ogr, env);
}

zr_status zr_source_next(zr_source *s, zr_batch *b, size_t max, size_t *n_read, char *err,
                         size_t n) {
    if (!s->rd) return zr_ogr_next(s->ogr, b, max, n_read, err, n);
    zr_status st = zr_reader_next(s->rd, b, max, n_read);
    if (st == ZR_ERR_NOMEM)
        snprintf(err, n, "%s: layer %s: out of memory", s->path, s->layer);
    else if (st)
        snprintf(err, n, "%s", zr_store_errmsg(s->gpkg));
    return st;
}

zr_status zr_source_each(zr_source *s, size_t max, zr_row_fn fn, void *ctx, size_t *n_read,
                         char *err, size_t n) {
    *n_read = 0;
    if (s->rd) {
        zr_status st = zr_reader_each(s->rd, max, fn, ctx, n_read);
        if (st == ZR_ERR_NOMEM)
            snprintf(err, n, "%s: layer %s: out of memory", s->path, s->layer);
        else if (st)
            snprintf(err, n, "%s", zr_store_errmsg(s->gpkg));
        return st;
    }
    if (!s->each) {
        if (!(s->each = zr_calloc(1, sizeof *s->each))) return ZR_ERR_NOMEM;
        zr_status st = zr_batch_init(s->each, zr_source_nfields(s));
        if (st) {
            free(s->each), s->each = NULL;
            return st;
        }
    }
    size_t got = 0;
    zr_status st = zr_source_next(s, s->each, max, &got, err, n);
    for (size_t i = 0; i < got && !st; i++)
        if (!(st = fn(ctx, &s->each->f[i], s->each->geom_is_gpkg))) (*n_read)++;
    return st;
}

void zr_source_close(zr_source *s) {
    if (s->each) zr_batch_free(s->each);
    free(s->each);
    s->each = NULL;
    zr_reader_close(s->rd);
    zr_store_close(s->gpkg);
    zr_ogr_close(s->ogr);
    s->rd = NULL, s->gpkg = NULL, s->ogr = NULL;
}

zr_status zr_output_gpkg_begin(const char *path, const zr_crs *crs, zr_store **out) {
    *out = NULL;
    unlink(path);
    char *wkt = NULL, name[160];
    const zr_store_opts so = {.deliverable = 1};
    zr_status s = zr_store_open_ex(path, ZR_STORE_CREATE, &so, out);
    if (!s) s = zr_crs_wkt(crs->epsg, &wkt);
    if (!s) s = zr_store_begin(*out);
    if (!s) s = zr_store_ensure_srs(*out, crs->epsg, zr_crs_name(crs, name, sizeof name), wkt);
    free(wkt);
    return s;
}
