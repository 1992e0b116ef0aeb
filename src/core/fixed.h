/* Exact decimal helpers: areas in 0.01 m², money in 0.01 yuan, as int64. */
#ifndef ZR_CORE_FIXED_H
#define ZR_CORE_FIXED_H
#include <stddef.h>
#include <stdint.h>
#include "zrzy.h"

/* round(a × b / d) half-up (away from zero), exact in 128-bit; d > 0. A result beyond int64
 * wraps: where inputs are not bounded, use zr_muldiv_checked. */
int64_t zr_muldiv_round(int64_t a, int64_t b, int64_t d);
/* The same, ZR_ERR_LIMIT when the result does not fit (ZR_ERR_ARG when d ≤ 0). */
zr_status zr_muldiv_checked(int64_t a, int64_t b, int64_t d, int64_t *out);
/* v (m², yuan) in hundredths, rounded as zr_round_cents; ZR_ERR_LIMIT when v is NaN, ±Inf or
 * beyond ±2^62 hundredths — zr_round_cents then returns INT64_MIN, never a plausible amount. */
zr_status zr_cents(double v, int64_t *out);

/* Parse a decimal string ("12.3456", " -0.5", "1e2" refused) into an integer scaled by
 * 10^scale, rounding half-up beyond scale. ZR_ERR_ARG on anything else. */
zr_status zr_parse_decimal(const char *s, int scale, int64_t *out);

/* A double known to carry a decimal value (e.g. 0.1195 read from a DBF) as an integer
 * scaled by 10^scale, rounded half-up. ZR_ERR_LIMIT when v is not finite or too large. */
zr_status zr_scaled(double v, int scale, int64_t *out);
/* The same; INT64_MIN (never a plausible value) where zr_scaled fails. */
int64_t zr_double_scaled(double v, int scale);

/* Format v / 10^scale with exactly scale decimals into dst (≥ 32 bytes). */
char *zr_fmt_scaled(char *dst, int64_t v, int scale);

/* Share total out in proportion to weights[0..n): out[i] sum exactly to total (largest
 * remainder; ties to the larger weight, then the lower index). Weights ≥ 0; when all are 0
 * the total goes to index 0. ZR_ERR_NOMEM on allocation failure. */
zr_status zr_apportion(int64_t total, const double *weights, size_t n, int64_t *out);
#endif
