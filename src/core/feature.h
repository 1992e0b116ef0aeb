/* Features in flight between readers, engines and the store: attribute values + geometry. */
#ifndef ZR_CORE_FEATURE_H
#define ZR_CORE_FEATURE_H
#include <stddef.h>
#include <stdint.h>
#include "zrzy.h"

typedef enum zr_ftype { ZR_FT_NULL = 0, ZR_FT_TEXT = 1, ZR_FT_REAL = 2, ZR_FT_INT = 3 } zr_ftype;

/* A field of a layer schema. */
typedef struct zr_field_def {
    const char *name;
    zr_ftype type;
    int width; /* characters for TEXT; digits for numbers */
    int decimals;
} zr_field_def;

/* One attribute value. s is borrowed (batch arena or reader), NUL-terminated. */
typedef struct zr_value {
    zr_ftype kind; /* ZR_FT_NULL when the value is null */
    int64_t i;
    double r;
    const char *s;
} zr_value;

typedef struct zr_feature {
    int64_t fid;
    zr_value *v;               /* n_fields values, batch arena */
    const unsigned char *geom; /* WKB or GPKG blob (see zr_batch.geom_is_gpkg), batch arena */
    size_t geom_len;
} zr_feature;

typedef struct zr_arena zr_arena;
zr_arena *zr_arena_new(size_t block_size); /* NULL on OOM; free with zr_arena_free */
void *zr_arena_alloc(zr_arena *a, size_t n);
char *zr_arena_strndup(zr_arena *a, const char *s, size_t n);
void zr_arena_reset(zr_arena *a); /* invalidates every pointer from a */
void zr_arena_free(zr_arena *a);

/* A batch of features with a common field list, owning their memory. */
typedef struct zr_batch {
    zr_feature *f;
    size_t n, cap;
    int n_fields;
    int geom_is_gpkg; /* 1: geom holds GeoPackage blobs; 0: plain WKB */
    zr_arena *arena;
} zr_batch;

zr_status zr_batch_init(zr_batch *b, int n_fields);
void zr_batch_reset(zr_batch *b);
void zr_batch_free(zr_batch *b);
/* Append a feature with all values null; *out is valid until the next reset. */
zr_status zr_batch_add(zr_batch *b, int64_t fid, zr_feature **out);
/* Copy text / bytes into the batch arena. */
zr_status zr_batch_set_text(zr_batch *b, zr_value *v, const char *s, size_t n);
zr_status zr_batch_set_geom(zr_batch *b, zr_feature *f, const void *p, size_t n);
/* A value as trimmed text copied into a: *out NULL when the value is null or blank; numbers in
 * plain decimal. ZR_ERR_NOMEM when a cannot hold the copy. */
zr_status zr_value_text_checked(zr_arena *a, const zr_value *v, const char **out);
/* The same as a pointer: NULL when null or blank — and when memory ran out, which a caller that
 * reports a NULL as an empty field cannot tell ("BSM is empty" for want of memory): use
 * zr_value_text_checked. */
const char *zr_value_text(zr_arena *a, const zr_value *v);
/* A value as a number: REAL, INT, or TEXT holding a whole decimal number (spaces around it; no
 * "nan", "inf" or hexadecimal). 0 when not, and when the number is NaN or ±Inf. */
int zr_value_number(const zr_value *v, double *out);
#endif
