/* zrzy import STORE FILE [--layer NAME] [--year YYYY] [--strict] [--allow-empty] [--report CSV]
 * [--threads N] [--quiet] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/fixed.h"
#include "core/pool.h"

static const char *const import_help =
    "usage: zrzy import STORE FILE [--layer NAME] [--year YYYY] [--strict] [--allow-empty]\n"
    "                  [--report CSV] [--threads N] [--quiet]\n"
    "Loads 三调 / 年度变更调查 parcels (DLTB) from FILE (GeoPackage, Shapefile, OpenFileGDB,\n"
    "GeoJSON) into the GeoPackage STORE (created when absent), replacing its DLTB layer.\n"
    "TBMJ is recomputed as the CGCS2000 ellipsoidal area; KCMJ and TBDLMJ follow from KCXS.\n"
    "Parcels whose stated areas differ are listed in the report (default "
    "STORE.import-report.csv).\n"
    "An XZQ layer in FILE is loaded too. On any error or interruption nothing changes: a new\n"
    "STORE appears only when complete, an existing one and its report stay as they were.\n"
    "  --layer NAME   source layer (default DLTB, else the only polygon layer)\n"
    "  --year YYYY    SJNF for parcels without one\n"
    "  --strict       also refuse content defects (unreadable numbers, areas that differ,\n"
    "                 text that is not UTF-8)\n"
    "  --allow-empty  import a parcel layer without features (else refused)\n"
    "  --report CSV   the area report (default STORE without .gpkg + .import-report.csv)\n"
    "  --threads N    threads for geometry work (default: all cores)\n"
    "  --quiet, -q    no progress lines\n"
    "Exit 0 done, 1 failed (I/O, full disk, out of memory), 2 refused input, 130 interrupted.\n";

int cmd_import(int argc, char **argv) {
    zr_import_opts o = {0};
    int verbose = 1;
    const char *pos[2] = {0};
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int missing = 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(import_help, stdout);
            return EXIT_OK;
        } else if (cli_opt(argc, argv, &i, "--layer", &v, &missing)) {
            o.layer = v;
        } else if (cli_opt(argc, argv, &i, "--year", &v, &missing)) {
            int64_t y = 0;
            if (v && cli_int_arg("import", "--year", v, 1900, 2200, &y)) return EXIT_INPUT;
            o.year = (int)y;
        } else if (cli_opt(argc, argv, &i, "--report", &v, &missing)) {
            o.report_path = v;
        } else if (cli_opt(argc, argv, &i, "--threads", &v, &missing)) {
            int64_t t = 0;
            if (v && cli_int_arg("import", "--threads", v, 0, 1024, &t)) return EXIT_INPUT;
            o.threads = (int)t;
        } else if (!strcmp(argv[i], "--strict")) {
            o.strict = 1;
        } else if (!strcmp(argv[i], "--allow-empty")) {
            o.allow_empty = 1;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            verbose = 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "zrzy import: unknown option %s\n%s", argv[i], import_help);
            return EXIT_INPUT;
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            fprintf(stderr, "zrzy import: too many arguments\n%s", import_help);
            return EXIT_INPUT;
        }
        if (missing) {
            fprintf(stderr, "zrzy import: %s needs a value\n", argv[i]);
            return EXIT_INPUT;
        }
    }
    if (npos != 2) {
        fputs(import_help, stderr);
        return EXIT_INPUT;
    }
    o.store = pos[0];
    o.source = pos[1];
    o.ctl = cli_control("import", verbose);
    zr_import_result r;
    zr_error e;
    zr_status s = zr_import_run(&o, &r, &e);
    cli_control_end();
    if (s) {
        fprintf(stderr, "zrzy import: %s\nzrzy import: nothing was changed in %s\n", e.message,
                o.store);
    } else {
        char area[32];
        fprintf(stderr,
                "zrzy import: %lld parcels, Σ TBMJ %s m², %lld with stated areas that differ "
                "(%s), %lld villages, EPSG:%d, %.2f s, peak RSS %zu MB\n",
                (long long)r.n_parcels, zr_fmt_scaled(area, r.total_tbmj_cents, 2),
                (long long)r.n_area_diffs, r.report_path, (long long)r.n_xzq, r.epsg, r.seconds,
                zr_peak_rss() >> 20);
        if (r.n_text_repaired)
            fprintf(stderr,
                    "zrzy import: %lld text values were not valid UTF-8 and were stored with "
                    "U+FFFD for each bad byte (listed in %s)\n",
                    (long long)r.n_text_repaired, r.report_path);
    }
    return cli_exit_for(s);
}
