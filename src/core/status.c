/* Static text for zr_status. */
#include "zrzy.h"

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
};
_Static_assert(sizeof status_text / sizeof status_text[0] == ZR_STATUS_END,
               "status_text[] must have one entry per zr_status");

const char *zr_status_str(zr_status s) {
    if ((unsigned)s < ZR_STATUS_END && status_text[s]) return status_text[s];
    return "unknown status";
}
