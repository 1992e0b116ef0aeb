/* Opening a layer to check: the parcel source, held or tiled mode, the boundary layer and the
 * division list; and freeing what a run held. */
#include <math.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/buf.h"
#include "core/feature.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "io/io.h"
#include "qc/qc_int.h"
#include "source/source.h"

static zr_status read_geom(int is_gpkg, const zr_feature *f, zr_poly *p, char *why, size_t n) {
    return zr_geom_to_poly(is_gpkg, f->geom, f->geom_len, p, why, n);
}

/* A village with its polygon and its place in the layer, for sorting by code (ties keep the
 * layer's order). */
typedef struct {
    qc_village v;
    zr_poly poly;
    size_t i;
} village_row;

static int cmp_village_row(const void *a, const void *b) {
    const village_row *x = a, *y = b;
    const int c = strcmp(x->v.code, y->v.code);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static zr_status load_boundary(qc_data *d, zr_source *src, char *err, size_t n) {
    /* the village code: XZQDM (行政区), or the 19-character ZLDWDM of a 村级调查区 layer,
       whose first 12 characters are the village */
    int c_code = zr_source_col(src, "XZQDM"), c_dcmj = zr_source_col(src, "DCMJ"),
        c_jsmj = zr_source_col(src, "JSMJ");
    if (c_code < 0) c_code = zr_source_col(src, "ZLDWDM");
    if (c_code < 0) {
        snprintf(err, n, "%s: layer %s: required field XZQDM (or ZLDWDM) is missing", src->path,
                 src->layer);
        return ZR_ERR_SCHEMA;
    }
    zr_batch b = {0};
    zr_status s = zr_batch_init(&b, zr_source_nfields(src));
    zr_poly *polys = NULL;
    size_t np = 0, cap = 0;
    while (!s) {
        size_t got = 0;
        if (qc_cancelled(d)) s = ZR_ERR_CANCELLED;
        if (s || (s = zr_source_next(src, &b, 256, &got, err, n)) || !got) break;
        for (size_t i = 0; i < got && !s; i++) {
            if (np == cap) {
                cap = cap ? cap * 2 : 256;
                zr_poly *pp = zr_realloc(polys, cap * sizeof *pp);
                qc_village *vv = pp ? zr_realloc(d->v, cap * sizeof *vv) : NULL;
                if (pp) polys = pp;
                if (vv) d->v = vv;
                if (!pp || !vv) {
                    s = ZR_ERR_NOMEM;
                    break;
                }
            }
            memset(&polys[np], 0, sizeof polys[np]);
            char why[160];
            if ((s = read_geom(b.geom_is_gpkg, &b.f[i], &polys[np], why, sizeof why))) {
                snprintf(err, n, "%s: layer %s: feature fid=%lld: field geometry: %s", src->path,
                         src->layer, (long long)b.f[i].fid, why);
                zr_poly_free(&polys[np]);
                break;
            }
            qc_village *v = &d->v[np];
            memset(v, 0, sizeof *v);
            const zr_value *cv = &b.f[i].v[c_code];
            if (cv->kind == ZR_FT_TEXT) snprintf(v->code, sizeof v->code, "%.12s", cv->s);
            if (cv->kind == ZR_FT_INT) /* a code stored as a number */
                snprintf(v->code, sizeof v->code, "%.12lld", (long long)cv->i);
            double x;
            if (c_dcmj >= 0 && (v->has_dcmj = zr_value_number(&b.f[i].v[c_dcmj], &x)))
                v->dcmj = zr_round_cents(x);
            v->jsmj =
                c_jsmj >= 0 && zr_value_number(&b.f[i].v[c_jsmj], &x) ? zr_round_cents(x) : -1;
            if (v->jsmj < 0) {
                zr_buf sc = {0};
                double a = NAN;
                s = qc_poly_area(&polys[np], &d->crs, &sc, &a);
                zr_buf_free(&sc);
                v->jsmj = isfinite(a) ? zr_round_cents(a) : -1;
                if (s) { /* the polygon is kept (np++ below) so that it is freed */
                    np++;
                    break;
                }
            }
            np++;
        }
    }
    d->n_v = np;
    /* sort villages by code, keeping each polygon with its village */
    village_row *rows = zr_malloc((np ? np : 1) * sizeof *rows);
    zr_poly *spoly = zr_malloc((np ? np : 1) * sizeof *spoly);
    if (!rows || !spoly) {
        free(rows), free(spoly);
        for (size_t i = 0; i < np; i++)
            zr_poly_free(&polys[i]);
        free(polys);
        zr_batch_free(&b);
        return ZR_ERR_NOMEM;
    }
    for (size_t i = 0; i < np; i++)
        rows[i] = (village_row){d->v[i], polys[i], i};
    qsort(rows, np, sizeof *rows, cmp_village_row);
    for (size_t i = 0; i < np; i++)
        d->v[i] = rows[i].v, spoly[i] = rows[i].poly;
    free(rows);
    free(polys);
    d->vpoly = spoly;
    zr_batch_free(&b);
    return s;
}

/* Memory the kernel says is available, in bytes (0 when unknown). */
static uint64_t mem_available(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) break;
    fclose(f);
    return (uint64_t)kb * 1024;
}

zr_status qc_open(qc_data *d, const char *path, const char *layer, const char *boundary,
                  int64_t tile_parcels, char *err, size_t n) {
    const zr_control *ctl = d->ctl; /* the caller's, kept */
    memset(d, 0, sizeof *d);
    d->ctl = ctl;
    d->path = path;
    d->valid_env[0] = d->valid_env[2] = INFINITY, d->valid_env[1] = d->valid_env[3] = -INFINITY;
    /* Held mode keeps the layer in memory (geometry, its copy, the edge table): about four
       times the file. A layer that would not fit is checked by tiles. */
    struct stat st;
    const uint64_t avail = mem_available();
    const int too_big = stat(path, &st) == 0 && S_ISREG(st.st_mode) && avail &&
                        (uint64_t)st.st_size * 4 > avail / 10 * 8;
    d->tiled = tile_parcels > 0 || too_big;
    d->tile_parcels = tile_parcels > 0 ? tile_parcels : 100000;
    if (!(d->src = zr_calloc(1, sizeof *d->src))) return ZR_ERR_NOMEM;
    zr_status s = zr_source_open_cols(d->src, path, layer, qc_parcel_fields, err, n);
    if (s) {
        free(d->src), d->src = NULL;
        return s == ZR_ERR_NOMEM ? s : ZR_ERR_IMPORT;
    }
    snprintf(d->layer_name, sizeof d->layer_name, "%s", d->src->layer);
    if (d->tiled && !zr_source_store(d->src)) {
        if (too_big)
            snprintf(err, n,
                     "%s: %.1f GB is too large to check in memory here (%.1f GB available) and "
                     "only a GeoPackage can be checked by tiles: import it first (zrzy import "
                     "STORE FILE) and check the store",
                     path, (double)st.st_size / 1e9, (double)avail / 1e9);
        else
            snprintf(err, n,
                     "%s: checking by tiles reads them through a GeoPackage R*Tree: import it "
                     "first (zrzy import STORE FILE) and check the store",
                     path);
        return ZR_ERR_LIMIT;
    }
    if ((s = zr_source_crs(d->src, err, n))) return s;
    d->crs = d->src->crs;
    d->div = zr_division_cache_open(); /* provinces are read as the parcels name them */
    if (!d->div) { /* NULL: the list is not installed (A08 is skipped), or no memory */
        char ed[1100];
        struct stat est;
        snprintf(ed, sizeof ed, "%s/division/EDITION", zr_data_dir());
        if (stat(ed, &est) == 0) return ZR_ERR_NOMEM;
    }

    /* the boundary layer: explicit, or XZQ when the source has one. --boundary may name a
       layer of the source or a file of its own; a shapefile's layers are the .shp files of
       its folder (DLTB.shp beside XZQ.shp). */
    const char *bl = boundary ? boundary : "XZQ";
    zr_source bsrc;
    char berr[1024], sibling[1200];
    struct stat bst;
    const int is_file = boundary && stat(boundary, &bst) == 0;
    const char *slash = strrchr(path, '/');
    snprintf(sibling, sizeof sibling, "%.*s%s.shp", slash ? (int)(slash - path + 1) : 0, path, bl);
    if (is_file)
        s = zr_source_open(&bsrc, boundary, NULL, berr, sizeof berr);
    else if (!strcmp(d->src->driver, "ESRI Shapefile"))
        s = zr_source_open(&bsrc, sibling, NULL, berr, sizeof berr);
    else
        s = zr_source_open(&bsrc, path, bl, berr, sizeof berr);
    if (s) {
        if (boundary) { /* asked for and absent: unusable input */
            snprintf(err, n, "%s", berr);
            s = s == ZR_ERR_NOMEM ? s : ZR_ERR_NOT_FOUND;
        } else if (s == ZR_ERR_NOT_FOUND ||
                   (!strcmp(d->src->driver, "ESRI Shapefile") && stat(sibling, &bst) != 0)) {
            s = ZR_OK; /* no boundary: T02/T03/A03-village/M03 are skipped */
        } else { /* there, and unreadable: checking without it would pass what it would fail */
            snprintf(err, n, "%s (the boundary layer %s)", berr, bl);
            if (s != ZR_ERR_NOMEM) s = ZR_ERR_IMPORT;
        }
    } else {
        if (!(s = zr_source_crs(&bsrc, err, n)) && bsrc.crs.epsg != d->crs.epsg) {
            snprintf(err, n, "%s: layer %s is in EPSG:%d, the parcels in EPSG:%d", bsrc.path,
                     bsrc.layer, bsrc.crs.epsg, d->crs.epsg);
            s = ZR_ERR_CRS;
        }
        if (!s) s = load_boundary(d, &bsrc, err, n);
        zr_source_close(&bsrc);
    }
    return s;
}

void qc_data_free(qc_data *d) {
    qc_fetch_free(d);
    qc_edges_free(d);
    if (d->src) zr_source_close(d->src);
    free(d->src);
    free(d->keys);
    free(d->invalid);
    qc_sums_free(d);
    for (size_t i = 0; i < d->n_arenas; i++)
        zr_arena_free(d->arenas[i]);
    free(d->arenas);
    if (d->p != d->p_res) free(d->p); /* the parcels' polygons live in the arenas */
    if (d->p_res) munmap(d->p_res, d->p_res_cap * sizeof *d->p_res);
    free(d->v);
    for (size_t i = 0; d->vpoly && i < d->n_v; i++)
        zr_poly_free(&d->vpoly[i]);
    free(d->vpoly);
    zr_division_cache_close(d->div);
    memset(d, 0, sizeof *d);
}
