/* zrzy info STORE [--json]: layers, counts, CRS, official area by village and by land class. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "codes/codes.h"
#include "core/fixed.h"
#include "geo/geo.h"
#include "store/store.h"

typedef struct {
    int json;
    json_t *arr;
    int64_t n, cents;
    int land_class;
} group_ctx;

static zr_status print_group(void *ctx, const char *key, int64_t count, int64_t cents) {
    group_ctx *g = ctx;
    char a[32], ha[32];
    const zr_dlbm *d = g->land_class ? zr_dlbm_find(key) : NULL;
    g->n += count;
    g->cents += cents;
    if (g->json) {
        json_t *o = json_pack("{s:s, s:I, s:s}", g->land_class ? "dlbm" : "village", key, "parcels",
                              (json_int_t)count, "tbmj", zr_fmt_scaled(a, cents, 2));
        if (d) json_object_set_new(o, "name", json_string(d->name));
        json_array_append_new(g->arr, o);
    } else {
        printf("  %-12s %-14s %8lld %18s m² %14s ha\n", key, d ? d->name : "", (long long)count,
               zr_fmt_scaled(a, cents, 2), zr_fmt_scaled(ha, zr_muldiv_round(cents, 1, 100), 4));
    }
    return ZR_OK;
}

int cmd_info(int argc, char **argv) {
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts(
                "usage: zrzy info STORE [--json]\nLayers, feature counts, CRS, and Σ TBMJ of DLTB "
                "by village (first 12 characters of ZLDWDM) and by land class (DLBM).");
            return EXIT_OK;
        } else if (!path && argv[i][0] != '-') {
            path = argv[i];
        } else {
            fprintf(stderr, "zrzy info: unexpected argument %s\n", argv[i]);
            return EXIT_INPUT;
        }
    }
    if (!path) {
        fputs("usage: zrzy info STORE [--json]\n", stderr);
        return EXIT_INPUT;
    }
    zr_store *s = NULL;
    zr_status st = zr_store_open(path, ZR_STORE_READ, &s);
    zr_layer_info *layers = NULL;
    int n = 0;
    if (!st) st = zr_store_layers(s, &layers, &n);
    if (st) {
        fprintf(stderr, "zrzy info: %s\n", zr_store_errmsg(s));
        zr_store_close(s);
        return cli_exit_for(st == ZR_ERR_DB ? ZR_ERR_IMPORT : st);
    }
    json_t *root = json ? json_object() : NULL;
    json_t *jl = json ? json_array() : NULL;
    int has_dltb = 0;
    if (!json) printf("store: %s\nlayers:\n", path);
    for (int i = 0; i < n; i++) {
        zr_crs crs;
        char cname[160] = "";
        if (zr_crs_from_epsg(layers[i].srs_id, &crs) == ZR_OK)
            zr_crs_name(&crs, cname, sizeof cname);
        else
            snprintf(cname, sizeof cname, "srs_id %d", layers[i].srs_id);
        if (!strcmp(layers[i].table, "DLTB")) has_dltb = 1;
        if (json)
            json_array_append_new(
                jl, json_pack("{s:s, s:s, s:I, s:i, s:s}", "name", layers[i].table, "geometry",
                              layers[i].geom_type, "count", (json_int_t)layers[i].count, "srs_id",
                              layers[i].srs_id, "crs", cname));
        else
            printf("  %-10s %-13s %9lld features  %s\n", layers[i].table, layers[i].geom_type,
                   (long long)layers[i].count, cname);
    }
    if (json) {
        json_object_set_new(root, "store", json_string(path));
        json_object_set_new(root, "layers", jl);
    }
    if (has_dltb) {
        group_ctx g = {json, json ? json_array() : NULL, 0, 0, 0};
        if (!json) printf("official area (Σ TBMJ) by village:\n");
        st = zr_store_group_sum(s, "DLTB", "substr(ZLDWDM, 1, 12)", "TBMJ", print_group, &g);
        char a[32];
        if (!st && !json)
            printf("  %-27s %8lld %18s m²\n", "total", (long long)g.n,
                   zr_fmt_scaled(a, g.cents, 2));
        if (json) {
            json_object_set_new(root, "by_village", g.arr);
            json_object_set_new(root, "parcels", json_integer(g.n));
            json_object_set_new(root, "tbmj", json_string(zr_fmt_scaled(a, g.cents, 2)));
        }
        group_ctx d = {json, json ? json_array() : NULL, 0, 0, 1};
        if (!st && !json) printf("official area (Σ TBMJ) by land class:\n");
        if (!st) st = zr_store_group_sum(s, "DLTB", "DLBM", "TBMJ", print_group, &d);
        if (json) json_object_set_new(root, "by_land_class", d.arr);
        if (!st && !json)
            printf("  %-27s %8lld %18s m²\n", "total", (long long)d.n,
                   zr_fmt_scaled(a, d.cents, 2));
    }
    if (json) {
        if (!st) {
            char *txt = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            if (txt) puts(txt);
            free(txt);
        }
        json_decref(root);
    }
    if (st) fprintf(stderr, "zrzy info: %s\n", zr_store_errmsg(s));
    free(layers);
    zr_store_close(s);
    return cli_exit_for(st);
}
