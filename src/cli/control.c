/* The terminal side of the engine contract: SIGINT/SIGTERM raise the run's cancellation flag,
 * progress goes to stderr (phases with their times under ZRZY_TIMING=1). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/pool.h"

static atomic_int cancel_flag;
static double phase_t0;
static char phase_name[64];

static void on_signal(int sig) {
    (void)sig;
    atomic_store(&cancel_flag, 1);
}

static void print_progress(void *user, const char *phase, int64_t done, int64_t total) {
    const char *cmd = user;
    if (getenv("ZRZY_TIMING")) {
        const double now = zr_now();
        if (strcmp(phase, phase_name) != 0) {
            if (phase_name[0]) fprintf(stderr, "timing: %s %.3f s\n", phase_name, now - phase_t0);
            snprintf(phase_name, sizeof phase_name, "%s", phase);
            phase_t0 = now;
        }
        return;
    }
    if (total > 0)
        fprintf(stderr, "zrzy %s: %s %lld / %lld\n", cmd, phase, (long long)done, (long long)total);
    else if (done > 0)
        fprintf(stderr, "zrzy %s: %s %lld\n", cmd, phase, (long long)done);
}

zr_control cli_control(const char *cmd, int verbose) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    phase_t0 = zr_now();
    phase_name[0] = 0;
    zr_control c = {verbose || getenv("ZRZY_TIMING") ? print_progress : NULL, (void *)cmd,
                    &cancel_flag};
    return c;
}

void cli_control_end(void) {
    if (getenv("ZRZY_TIMING") && phase_name[0])
        fprintf(stderr, "timing: %s %.3f s\n", phase_name, zr_now() - phase_t0);
    phase_name[0] = 0;
}
