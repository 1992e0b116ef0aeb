/* zrzy backup STORE DEST: an online, consistent copy of a store (SQLite's backup API). */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

static const char *const backup_help =
    "usage: zrzy backup STORE DEST [-q]\n"
    "Copies the store STORE to DEST while other zrzy commands may read and write it: the copy is\n"
    "the store as of one commit. DEST is written under a temporary name and renamed into place\n"
    "when complete (an existing DEST is replaced only then); DEST may not be STORE itself.\n"
    "Exit 0: copied; 1: the copy failed (disk full, I/O); 2: bad arguments or not a store;\n"
    "130: interrupted.\n";

int cmd_backup(int argc, char **argv) {
    zr_backup_opts o = {0};
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(backup_help, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
            quiet = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "zrzy backup: unknown option %s\n%s", argv[i], backup_help);
            return EXIT_INPUT;
        } else if (!o.store) {
            o.store = argv[i];
        } else if (!o.dest) {
            o.dest = argv[i];
        } else {
            fprintf(stderr, "zrzy backup: unexpected argument %s\n", argv[i]);
            return EXIT_INPUT;
        }
    }
    if (!o.store || !o.dest) {
        fputs(backup_help, stderr);
        return EXIT_INPUT;
    }
    zr_backup_result r;
    zr_error e;
    o.ctl = cli_control("backup", 0);
    zr_status s = zr_backup_run(&o, &r, &e);
    cli_control_end();
    if (s) {
        fprintf(stderr, "zrzy backup: %s\n", e.message);
        return cli_exit_for(s);
    }
    if (!quiet)
        fprintf(stderr, "zrzy backup: %s -> %s: %lld pages, %.1f MB, %.2f s\n", o.store, o.dest,
                (long long)r.pages, (double)r.bytes / 1e6, r.seconds);
    return EXIT_OK;
}
