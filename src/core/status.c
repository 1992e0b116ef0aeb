/* Static text for zr_status. */
#include <stdarg.h>
#include <stdio.h>
#include "core/control.h"

static const char *const status_text[] = {
    [ZR_OK] = "success",
    [ZR_ERR_NOMEM] = "out of memory",
    [ZR_ERR_ARG] = "invalid argument",
    [ZR_ERR_GEOM_INVALID] = "geometry unreadable or of the wrong type",
    [ZR_ERR_GEOS] = "geometry engine error",
    [ZR_ERR_DB] = "database error",
    [ZR_ERR_DB_BUSY] = "database busy",
    [ZR_ERR_CONSTRAINT] = "constraint violated",
    [ZR_ERR_NOT_FOUND] = "not found",
    [ZR_ERR_IO] = "input/output error",
    [ZR_ERR_IMPORT] = "source unusable",
    [ZR_ERR_LIMIT] = "size or count limit exceeded",
    [ZR_ERR_CRS] = "unknown or unsupported coordinate reference system",
    [ZR_ERR_SCHEMA] = "required field missing or of the wrong type",
    [ZR_ERR_CONTENT] = "content defect (strict mode)",
    [ZR_ERR_CANCELLED] = "cancelled",
};
_Static_assert(sizeof status_text / sizeof status_text[0] == ZR_STATUS_END,
               "status_text[] must have one entry per zr_status");

const char *zr_status_str(zr_status s) {
    if ((unsigned)s < ZR_STATUS_END && status_text[s]) return status_text[s];
    return "unknown status";
}

zr_status zr_error_set(zr_error *e, zr_status s, const char *fmt, ...) {
    if (!e) return s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    e->status = s;
    return s;
}

zr_status zr_error_finish(zr_error *e, zr_status s, const char *msg) {
    if (!e) return s;
    e->status = s;
    if (!s)
        e->message[0] = 0;
    else if (msg != e->message)
        snprintf(e->message, sizeof e->message, "%s", msg && *msg ? msg : zr_status_str(s));
    else if (!e->message[0])
        snprintf(e->message, sizeof e->message, "%s", zr_status_str(s));
    return s;
}
