/* Fuzz target: the number and date parsers that read user tables and attribute text — exact
 * decimals (core/fixed.c), attribute numbers (core/feature.c), the inventory's CSV numbers and
 * dates (inventory/formulas.c). The first byte picks a scale; the rest is the text. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/feature.h"
#include "core/fixed.h"
#include "inventory/inv_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const int scale = data[0] % 7;
    char *s = malloc(size);
    if (!s) return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    /* decimals: what parses prints back to itself */
    int64_t v = 0, w = 0;
    if (zr_parse_decimal(s, scale, &v) == ZR_OK) {
        char out[40];
        zr_fmt_scaled(out, v, scale);
        if (zr_parse_decimal(out, scale, &w) != ZR_OK || w != v) abort();
    }
    /* attribute text as a number: finite when accepted */
    double x = 0;
    zr_value tv = {ZR_FT_TEXT, 0, 0, s};
    if (zr_value_number(&tv, &x) && !isfinite(x)) abort();
    /* any double as cents and as a scaled decimal: an answer or a refusal, never UB */
    if (size >= 9) {
        double d;
        memcpy(&d, data + 1, sizeof d);
        int64_t c;
        if (zr_cents(d, &c) == ZR_OK && (c == INT64_MIN || !isfinite(d))) abort();
        (void)zr_scaled(d, scale, &c);
        (void)zr_round_cents(d);
        int64_t a, b;
        memcpy(&a, data + 1, sizeof a);
        (void)zr_muldiv_checked(a, scale + 1, 10000, &b);
    }
    /* inventory's CSV numbers and dates */
    if (inv_number(s, &x) && !isfinite(x)) abort();
    char iso[11], again[11];
    if (inv_date_norm(s, iso)) {
        /* a normalised date is a date, and normalises to itself */
        if (strlen(iso) != 10 || !inv_date_norm(iso, again) || strcmp(iso, again)) abort();
        if (inv_years_between(iso, iso) != 0) abort();
    }
    free(s);
    return 0;
}
