/* zrzy demo-data --out DIR [--parcels N] [--county CODE] [--seed S] [--lon L --lat B] and the
 * county's shape: --vertices --price-zones --price-uses --state-share --villages --zone --offset */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

static const char *const demo_help =
    "usage: zrzy demo-data --out DIR [--parcels N] [--county CODE] [--seed S] [--km2 A]\n"
    "                      [--lon L --lat B] [--zone Z] [--offset D] [--vertices V]\n"
    "                      [--price-zones N] [--price-uses U] [--state-share P] [--villages N]\n"
    "Writes DIR/county.gpkg: a synthetic county (DLTB parcels tessellating 1,000-2,000 km², XZQ\n"
    "villages, JZDJ price zones, ZD rights) on the real town and village codes of county CODE\n"
    "(default 371521 阳谷县), in the 3-degree Gauss-Kruger zone of its longitude, and the price\n"
    "tables beside it. Deterministic for a seed; all or nothing.\n"
    "  --km2 A          county area in km² (default 1,000-2,000 by seed)\n"
    "  --lon/--lat      county centre (default: its province capital)\n"
    "  --zone Z         3-degree zone 25-45 (default: that of the centre's longitude)\n"
    "  --offset D       centre D degrees east (negative: west) of the zone's central meridian\n"
    "  --vertices V     vertices of a parcel's ring, 4 + 4k (default 32)\n"
    "  --price-zones N  price zones tiled over the county, split among the uses\n"
    "                   (default: four nested levels around the county seat for each use)\n"
    "  --price-uses U   land uses with a price system, 1-12 (default 12)\n"
    "  --state-share P  percent of parcels state-owned (default: as the land uses fall, ≈12)\n"
    "  --villages N     villages used (default: one per 40 parcels, at most the county's)\n"
    "A western county: --parcels 22000 --county 652302 --zone 29 --offset 1.2 --lat 44.15\n"
    "  --km2 4000 --vertices 48 --price-zones 350 --price-uses 9 --state-share 40 --villages 40\n";

/* Whole-string numbers: 0 on success, -1 when v is not one. */
static int parse_i64(const char *v, int64_t *out) {
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end) return -1;
    *out = x;
    return 0;
}

static int parse_num(const char *v, double *out) {
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(x)) return -1;
    *out = x;
    return 0;
}

static int parse_int(const char *v, int *out) {
    int64_t x;
    if (parse_i64(v, &x) || x < -1000000000 || x > 1000000000) return -1;
    *out = (int)x;
    return 0;
}

int cmd_demo_data(int argc, char **argv) {
    zr_demo_opts o = {0};
    o.parcels = 20000;
    o.seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL, *arg = argv[i];
        int missing = 0, bad = 0;
        int64_t seed = 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(demo_help, stdout);
            return EXIT_OK;
        } else if (cli_opt(argc, argv, &i, "--out", &v, &missing)) {
            o.out_dir = v;
        } else if (cli_opt(argc, argv, &i, "--parcels", &v, &missing)) {
            bad = v && parse_i64(v, &o.parcels);
        } else if (cli_opt(argc, argv, &i, "--county", &v, &missing)) {
            o.county = v;
        } else if (cli_opt(argc, argv, &i, "--seed", &v, &missing)) {
            bad = v && (parse_i64(v, &seed) || seed < 1);
            o.seed = (uint64_t)seed;
        } else if (cli_opt(argc, argv, &i, "--km2", &v, &missing)) {
            bad = v && (parse_num(v, &o.km2) || o.km2 <= 0);
        } else if (cli_opt(argc, argv, &i, "--lon", &v, &missing)) {
            bad = v && parse_num(v, &o.lon);
        } else if (cli_opt(argc, argv, &i, "--lat", &v, &missing)) {
            bad = v && parse_num(v, &o.lat);
        } else if (cli_opt(argc, argv, &i, "--zone", &v, &missing)) {
            bad = v && (parse_int(v, &o.zone) || o.zone == 0);
        } else if (cli_opt(argc, argv, &i, "--offset", &v, &missing)) {
            bad = v && parse_num(v, &o.offset);
        } else if (cli_opt(argc, argv, &i, "--vertices", &v, &missing)) {
            bad = v && (parse_int(v, &o.vertices) || o.vertices == 0);
        } else if (cli_opt(argc, argv, &i, "--price-zones", &v, &missing)) {
            bad = v && (parse_int(v, &o.price_zones) || o.price_zones == 0);
        } else if (cli_opt(argc, argv, &i, "--price-uses", &v, &missing)) {
            bad = v && (parse_int(v, &o.price_uses) || o.price_uses == 0);
        } else if (cli_opt(argc, argv, &i, "--state-share", &v, &missing)) {
            bad = v && (parse_num(v, &o.state_share) || o.state_share == 0);
        } else if (cli_opt(argc, argv, &i, "--villages", &v, &missing)) {
            bad = v && (parse_int(v, &o.villages) || o.villages == 0);
        } else {
            fprintf(stderr, "zrzy demo-data: unknown argument %s\n%s", argv[i], demo_help);
            return EXIT_INPUT;
        }
        if (missing) {
            fprintf(stderr, "zrzy demo-data: %s needs a value\n", arg);
            return EXIT_INPUT;
        }
        if (bad) {
            fprintf(stderr, "zrzy demo-data: %s: '%s' is not a valid value\n", arg, v);
            return EXIT_INPUT;
        }
    }
    if (!o.out_dir) {
        fputs(demo_help, stderr);
        return EXIT_INPUT;
    }
    if (o.parcels < 100 || o.parcels > 20000000) {
        fprintf(stderr, "zrzy demo-data: --parcels must be 100 to 20000000\n");
        return EXIT_INPUT;
    }
    zr_demo_result r;
    zr_error e;
    o.ctl = cli_control("demo-data", 0);
    zr_status s = zr_demo_generate(&o, &r, &e);
    cli_control_end();
    if (s) {
        fprintf(stderr, "zrzy demo-data: %s\n", e.message);
        return cli_exit_for(s);
    }
    printf("%s: %lld parcels, %lld villages, EPSG:%d\n", r.path, (long long)r.n_parcels,
           (long long)r.n_villages, r.epsg);
    return EXIT_OK;
}
