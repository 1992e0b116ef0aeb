/* The zrzy command: subcommand table and shared helpers. */
#ifndef ZR_CLI_H
#define ZR_CLI_H
#include "zrzy.h"

/* Exit codes (docs/cli.md). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_INPUT = 2, EXIT_CHECK = 3, EXIT_INTERRUPTED = 130 };

int cmd_import(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_demo_data(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* Progress on stderr and SIGINT/SIGTERM as the run's cancellation flag; verbose 0 prints only
 * the ZRZY_TIMING phases. cli_control_end prints the last phase's time. */
zr_control cli_control(const char *cmd, int verbose);
void cli_control_end(void);
/* Option values: v as a whole-string integer (or number) within [lo, hi]. On anything else
 * prints "zrzy CMD: OPT V: needs …" and returns -1. */
int cli_int_arg(const char *cmd, const char *opt, const char *v, int64_t lo, int64_t hi,
                int64_t *out);
int cli_num_arg(const char *cmd, const char *opt, const char *v, double lo, double hi, double *out);
/* Map a status to an exit code: input problems → 2, the rest → 1. */
int cli_exit_for(zr_status s);
/* Option parsing: returns 1 when argv[*i] is --name (value in *val, either "--name v" or
 * "--name=v"); sets *missing when the value is absent. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val, int *missing);
#endif
