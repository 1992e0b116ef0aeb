/* Exact decimal helpers: areas in 0.01 m², money in 0.01 yuan, as int64. */
#ifndef ZR_CORE_FIXED_H
#define ZR_CORE_FIXED_H
#include <stddef.h>
#include <stdint.h>
#include "zrzy.h"

/* round(a × b / d) half-up (away from zero), exact in 128-bit; d > 0. */
int64_t zr_muldiv_round(int64_t a, int64_t b, int64_t d);

/* Parse a decimal string ("12.3456", " -0.5", "1e2" refused) into an integer scaled by
 * 10^scale, rounding half-up beyond scale. ZR_ERR_ARG on anything else. */
zr_status zr_parse_decimal(const char *s, int scale, int64_t *out);

/* A double known to carry a decimal value (e.g. 0.1195 read from a DBF) as an integer
 * scaled by 10^scale, rounded half-up. */
int64_t zr_double_scaled(double v, int scale);

/* Format v / 10^scale with exactly scale decimals into dst (≥ 32 bytes). */
char *zr_fmt_scaled(char *dst, int64_t v, int scale);

/* Share total out in proportion to weights[0..n): out[i] sum exactly to total (largest
 * remainder; ties to the larger weight, then the lower index). Weights ≥ 0; when all are 0
 * the total goes to index 0. ZR_ERR_NOMEM on allocation failure. */
zr_status zr_apportion(int64_t total, const double *weights, size_t n, int64_t *out);
#endif
