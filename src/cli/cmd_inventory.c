/* zrzy inventory --parcels SRC --prices SRC --price-index CSV [...] --out DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/fixed.h"

static const char *const inventory_help =
    "usage: zrzy inventory --parcels SRC [--layer DLTB] --prices SRC [--price-layer JZDJ]\n"
    "                      --price-index CSV [--far CSV] [--rights SRC] [--minerals CSV]\n"
    "                      [--reserve CSV]\n"
    "                      [--base-date 2023-12-31] [--threads N] [--batch-rows N]\n"
    "                      [--no-pdf] --out DIR\n"
    "Values the state-owned (QSXZ 10/20) parcels by the price zones of their use, shares each\n"
    "parcel's TBDLMJ exactly among its pieces, and writes DIR/parcels.csv, summary.csv,\n"
    "summary.xlsx (公顷/万元, forced balancing), inventory.gpkg (SWL 实物量, JZL 价值量),\n"
    "rights.csv (宗地: 容积率, 年期修正, 所有者权益), minerals.csv (收入权益法), reserve.csv\n"
    "(储备土地, 成本逼近法), report.pdf\n"
    "and manifest.txt (inputs' SHA-256, base date, price-system version). The parcels stream\n"
    "(bounded memory, --batch-rows parcel rows at a time, default 4096); the results replace\n"
    "DIR in one rename when the run succeeds, and an interrupted or refused run leaves DIR as\n"
    "it was. See docs/inventory.md.\n";

int cmd_inventory(int argc, char **argv) {
    zr_inventory_opts o = {0};
    struct {
        const char *name;
        const char **dst;
    } opts[] = {{"--parcels", &o.parcels},
                {"--layer", &o.layer},
                {"--prices", &o.prices},
                {"--price-layer", &o.price_layer},
                {"--price-index", &o.price_index},
                {"--far", &o.far},
                {"--rights", &o.rights},
                {"--minerals", &o.minerals},
                {"--reserve", &o.reserve},
                {"--base-date", &o.base_date},
                {"--out", &o.out_dir}};
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int missing = 0, matched = 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(inventory_help, stdout);
            return EXIT_OK;
        }
        for (size_t k = 0; k < sizeof opts / sizeof opts[0] && !matched; k++)
            if (cli_opt(argc, argv, &i, opts[k].name, &v, &missing)) {
                *opts[k].dst = v;
                matched = 1;
            }
        if (!matched && !strcmp(argv[i], "--no-pdf")) {
            o.no_pdf = 1;
            continue;
        }
        if (!matched && cli_opt(argc, argv, &i, "--threads", &v, &missing)) {
            int64_t t = 0;
            if (v && cli_int_arg("inventory", "--threads", v, 0, 1024, &t)) return EXIT_INPUT;
            o.threads = (int)t;
            matched = 1;
        }
        if (!matched && cli_opt(argc, argv, &i, "--batch-rows", &v, &missing)) {
            int64_t b = 0;
            if (v && cli_int_arg("inventory", "--batch-rows", v, 1, 1 << 24, &b)) return EXIT_INPUT;
            o.batch_rows = (int)b;
            matched = 1;
        }
        if (!matched) {
            fprintf(stderr, "zrzy inventory: unknown argument %s\n%s", argv[i], inventory_help);
            return EXIT_INPUT;
        }
        if (missing) {
            fprintf(stderr, "zrzy inventory: %s needs a value\n", argv[i]);
            return EXIT_INPUT;
        }
    }
    if (!o.parcels || !o.prices || !o.price_index || !o.out_dir) {
        fputs(inventory_help, stderr);
        return EXIT_INPUT;
    }
    zr_inventory_result r;
    zr_error e;
    o.ctl = cli_control("inventory", 0);
    zr_status s = zr_inventory_run(&o, &r, &e);
    cli_control_end();
    if (s) {
        fprintf(stderr, "zrzy inventory: %s\n", e.message);
        return cli_exit_for(s);
    }
    char a[32], v[32];
    fprintf(stderr,
            "zrzy inventory: %lld parcels, %lld state-owned (%lld valued, %lld pieces), Σ TBDLMJ "
            "%s m², Σ value %s yuan; %lld rights, %lld mineral areas; %.2f s\n"
            "zrzy inventory: results in %s/ (parcels.csv summary.csv summary.xlsx inventory.gpkg "
            "%smanifest.txt)\n",
            (long long)r.n_parcels, (long long)r.n_state, (long long)r.n_valued,
            (long long)r.n_pieces, zr_fmt_scaled(a, r.area_cents, 2),
            zr_fmt_scaled(v, r.value_cents, 2), (long long)r.n_rights, (long long)r.n_minerals,
            r.seconds, o.out_dir, o.no_pdf ? "" : "report.pdf ");
    zr_inventory_result_free(&r);
    return EXIT_OK;
}
