/* The engine contract's helpers: cancellation, progress and the error record (zrzy.h). */
#ifndef ZR_CORE_CONTROL_H
#define ZR_CORE_CONTROL_H

#include <stdarg.h>
#include "zrzy.h"

/* 1 once the caller raised the run's cancellation flag. Cheap: poll it between batches. */
static inline int zr_cancelled(const zr_control *c) {
    return c && c->cancel && atomic_load_explicit(c->cancel, memory_order_relaxed) != 0;
}

/* Report progress, when the caller asked for it. Only from the thread that called zr_X_run. */
static inline void zr_progress(const zr_control *c, const char *phase, int64_t done,
                               int64_t total) {
    if (c && c->progress) c->progress(c->user, phase, done, total);
}

/* Record a failure: e->status = s, e->message from fmt. Returns s. e may be NULL. */
zr_status zr_error_set(zr_error *e, zr_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Close a run for the caller: on success e is cleared; on failure e gets s and, when msg is
 * empty, the status's text. Returns s. */
zr_status zr_error_finish(zr_error *e, zr_status s, const char *msg);

#endif
