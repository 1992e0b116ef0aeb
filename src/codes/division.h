/* The national statistical division list (统计用区划代码): 12-digit codes with names. */
#ifndef ZR_CODES_DIVISION_H
#define ZR_CODES_DIVISION_H
#include <stddef.h>
#include "zrzy.h"

typedef struct zr_division {
    const char *code; /* 12 digits */
    const char *name;
} zr_division;

typedef struct zr_divisions {
    char *text;     /* owned: the file's bytes, split in place */
    zr_division *e; /* sorted by code */
    size_t n;
} zr_divisions;

/* Parse "code<TAB>name" lines; takes ownership of text (malloc'd) even on failure. */
zr_status zr_divisions_parse(char *text, size_t len, zr_divisions *out);
void zr_divisions_free(zr_divisions *d);
/* Entry with exactly this 12-digit code, or NULL. */
const zr_division *zr_divisions_find(const zr_divisions *d, const char *code12);
/* Entries whose code starts with prefix, as a contiguous sorted range [*first, *first + *n). */
void zr_divisions_range(const zr_divisions *d, const char *prefix, size_t *first, size_t *n);
/* Level of a 12-digit code: 1 province, 2 city, 3 county, 4 town, 5 village. */
int zr_division_level(const char *code12);
#endif
