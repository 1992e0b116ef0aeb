/* zrzy verify STORE [--json]: integrity_check, rtreecheck and zrzy's own invariants. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

static const char *const verify_help =
    "usage: zrzy verify STORE [--json] [--max N]\n"
    "Checks a store: SQLite's integrity_check, rtreecheck() on every R*Tree, every feature's\n"
    "R*Tree box against its geometry's envelope, and every DLTB parcel's TBMJ (its geometry's\n"
    "ellipsoidal area), KCMJ = round(TBMJ x KCXS, 2) and TBDLMJ = TBMJ - KCMJ.\n"
    "Prints each failure (check, table, fid, BSM, field, expected vs found); --max N lists at\n"
    "most N of them (all are counted; default 1000).\n"
    "Exit 0: every invariant holds; 1: failures found (or the run failed); 2: not a store.\n";

static void print_text(const char *store, const zr_verify_result *r) {
    for (int64_t i = 0; i < r->n_kept; i++) {
        const zr_verify_finding *f = &r->findings[i];
        printf("FAIL %s", f->check);
        if (f->table[0] || f->fid >= 0 || f->field[0]) putchar(':');
        if (f->table[0]) printf(" %s", f->table);
        if (f->fid >= 0) printf(" fid=%lld", (long long)f->fid);
        if (f->bsm[0]) printf(" BSM=%s", f->bsm);
        if (f->field[0]) printf(" field %s", f->field);
        if (f->expected[0] || f->found[0]) printf(": expected %s, found %s", f->expected, f->found);
        printf(": %s\n", f->detail);
    }
    if (r->n_findings > r->n_kept)
        printf("… and %lld more\n", (long long)(r->n_findings - r->n_kept));
    printf("%s: %d checks, %lld features indexed, %lld parcels: %s (%lld failures)\n", store,
           r->n_checks, (long long)r->n_indexed, (long long)r->n_parcels,
           r->n_findings ? "FAILED" : "ok", (long long)r->n_findings);
}

static int print_json(const char *store, const zr_verify_result *r) {
    json_t *root = json_object(), *arr = json_array();
    if (!root || !arr) return -1;
    for (int64_t i = 0; i < r->n_kept; i++) {
        const zr_verify_finding *f = &r->findings[i];
        json_t *o =
            json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "check", f->check, "table",
                      f->table, "fid", (json_int_t)f->fid, "bsm", f->bsm, "field", f->field,
                      "expected", f->expected, "found", f->found, "detail", f->detail);
        if (o) json_array_append_new(arr, o);
    }
    json_object_set_new(root, "store", json_string(store));
    json_object_set_new(root, "ok", json_boolean(r->n_findings == 0));
    json_object_set_new(root, "checks", json_integer(r->n_checks));
    json_object_set_new(root, "features_indexed", json_integer(r->n_indexed));
    json_object_set_new(root, "parcels", json_integer(r->n_parcels));
    json_object_set_new(root, "failures", json_integer(r->n_findings));
    json_object_set_new(root, "findings", arr);
    char *txt = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!txt) return -1;
    puts(txt);
    free(txt);
    return 0;
}

int cmd_verify(int argc, char **argv) {
    zr_verify_opts o = {0};
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int missing = 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(verify_help, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (cli_opt(argc, argv, &i, "--max", &v, &missing)) {
            if (v && cli_int_arg("verify", "--max", v, 1, INT64_MAX / 2, &o.max_findings))
                return EXIT_INPUT;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "zrzy verify: unknown option %s\n%s", argv[i], verify_help);
            return EXIT_INPUT;
        } else if (!o.store) {
            o.store = argv[i];
        } else {
            fprintf(stderr, "zrzy verify: unexpected argument %s\n", argv[i]);
            return EXIT_INPUT;
        }
        if (missing) {
            fprintf(stderr, "zrzy verify: %s needs a value\n", argv[i]);
            return EXIT_INPUT;
        }
    }
    if (!o.store) {
        fputs(verify_help, stderr);
        return EXIT_INPUT;
    }
    zr_verify_result r;
    zr_error e;
    o.ctl = cli_control("verify", 0);
    zr_status s = zr_verify_run(&o, &r, &e);
    cli_control_end();
    if (s) {
        fprintf(stderr, "zrzy verify: %s\n", e.message);
        return cli_exit_for(s);
    }
    int rc = r.n_findings ? EXIT_FAIL : EXIT_OK;
    if (json ? print_json(o.store, &r) : (print_text(o.store, &r), 0)) {
        fprintf(stderr, "zrzy verify: out of memory\n");
        rc = EXIT_FAIL;
    }
    zr_verify_result_free(&r);
    return rc;
}
