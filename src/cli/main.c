/* zrzy: git-style subcommands. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"import", cmd_import, "load survey parcels (DLTB) into a GeoPackage store"},
    {"check", cmd_check, "quality-check parcels (质检): topology, codes, areas"},
    {"inventory", cmd_inventory, "value the state-owned assets (全民所有自然资源资产清查)"},
    {"info", cmd_info, "layers, counts, CRS and official areas of a store"},
    {"verify", cmd_verify, "check a store's integrity, R*Trees and official areas"},
    {"backup", cmd_backup, "copy a store while it is in use (online, consistent)"},
    {"demo-data", cmd_demo_data, "write a synthetic county for trying zrzy out"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: zrzy <command> [options]   (zrzy <command> --help for its options)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f,
            "\nexit codes: 0 ok, 1 failure, 2 bad input or usage, 3 check found errors, "
            "130 interrupted\n");
}

int cli_exit_for(zr_status s) {
    switch (s) {
        case ZR_OK:
            return EXIT_OK;
        case ZR_ERR_CANCELLED:
            return EXIT_INTERRUPTED;
        case ZR_ERR_ARG:
        case ZR_ERR_GEOM_INVALID:
        case ZR_ERR_NOT_FOUND:
        case ZR_ERR_IMPORT:
        case ZR_ERR_CRS:
        case ZR_ERR_SCHEMA:
        case ZR_ERR_CONTENT:
        case ZR_ERR_DB:
        case ZR_ERR_LIMIT:
            return EXIT_INPUT;
        default:
            return EXIT_FAIL;
    }
}

int cli_int_arg(const char *cmd, const char *opt, const char *v, int64_t lo, int64_t hi,
                int64_t *out) {
    char *end = NULL;
    errno = 0;
    const long long x = v ? strtoll(v, &end, 10) : 0;
    if (!v || errno || end == v || *end || x < lo || x > hi) {
        fprintf(stderr, "zrzy %s: %s %s: needs a whole number from %lld to %lld\n", cmd, opt,
                v ? v : "", (long long)lo, (long long)hi);
        return -1;
    }
    *out = x;
    return 0;
}

int cli_num_arg(const char *cmd, const char *opt, const char *v, double lo, double hi,
                double *out) {
    char *end = NULL;
    errno = 0;
    const double x = v ? strtod(v, &end) : 0;
    if (!v || errno || end == v || *end || !isfinite(x) || x < lo || x > hi) {
        fprintf(stderr, "zrzy %s: %s %s: needs a number from %g to %g\n", cmd, opt, v ? v : "", lo,
                hi);
        return -1;
    }
    *out = x;
    return 0;
}

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val, int *missing) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != 0) return 0;
    if (*i + 1 >= argc) {
        *missing = 1;
        return 1;
    }
    *val = argv[++*i];
    return 1;
}

int main(int argc, char **argv) {
    /* the library reads no environment: the command hands its settings over */
    const char *data = getenv("ZRZY_DATA"), *gdal = getenv("ZRZY_GDAL");
    if ((data && *data && zr_config_data_dir(data)) || (gdal && *gdal && zr_config_gdal(gdal))) {
        fprintf(stderr, "zrzy: ZRZY_DATA or ZRZY_GDAL is too long\n");
        return EXIT_INPUT;
    }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_INPUT : EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("zrzy %s\n", ZRZY_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "zrzy: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_INPUT;
}
