/* The import pipeline: a producer thread reads batches and computes geometry (parse, official
 * area, output blob) while the caller writes the previous batch. Two slots, bounded memory. */
#ifndef ZR_IMPORT_PIPELINE_H
#define ZR_IMPORT_PIPELINE_H
#include "core/buf.h"
#include "core/feature.h"
#include "geo/geo.h"
#include "source/source.h"

#define IMP_BATCH 2048

typedef struct imp_geom {
    zr_status st; /* ZR_OK, ZR_ERR_GEOM_INVALID or ZR_ERR_NOMEM */
    char why[160];
    int64_t area_cents;        /* official area, when area_ok */
    int area_ok;               /* 0: a coordinate is not finite */
    const unsigned char *blob; /* GeoPackage blob, valid while the slot is held */
    size_t blob_len;
    int bad_text; /* how many checked text values are not valid UTF-8 */
} imp_geom;

typedef struct imp_slot {
    zr_batch b;
    imp_geom *geom; /* one per feature of b */
    size_t got;     /* 0 at the end of the source */
    zr_status st;   /* a read error, with err; ZR_ERR_CANCELLED once the flag is seen */
    char err[1024];
} imp_slot;

/* 1 when s (NUL-terminated) is valid UTF-8 as zr_utf8_valid decides (no overlongs, no
 * surrogates, nothing past U+10FFFF), in one pass. */
int imp_utf8_ok(const char *s);

typedef struct imp_pipe imp_pipe;
/* Start reading src; geometry work uses `threads` threads in total. text_cols[k] != 0: source
 * column k is imported and its text is checked to be UTF-8 (bad_text). The producer polls ctl's
 * cancellation flag before each read and before the geometry work of each batch. */
zr_status imp_pipe_start(zr_source *src, int srs_id, int threads, const zr_control *ctl,
                         const unsigned char *text_cols, imp_pipe **out);
/* The next filled slot (blocks). Release it before asking for the next. */
imp_slot *imp_pipe_next(imp_pipe *p);
void imp_pipe_release(imp_pipe *p, imp_slot *s);
/* Stop the producer (at any point) and free everything. */
void imp_pipe_stop(imp_pipe *p);
#endif
