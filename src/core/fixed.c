#include "core/alloc.h"
#include "core/fixed.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Beyond ±2^62 hundredths no double is a cent-exact amount (and the cast would be undefined). */
#define CENTS_LIMIT 4611686018427387904.0

int64_t zr_round_cents(double v) {
    int64_t c;
    return zr_cents(v, &c) == ZR_OK ? c : INT64_MIN;
}

zr_status zr_cents(double v, int64_t *out) {
    const double x = v * 100.0;
    if (!(x > -CENTS_LIMIT && x < CENTS_LIMIT)) return ZR_ERR_LIMIT; /* NaN, ±Inf, too large */
    /* half-up away from zero; nudge by a relative 1e-13 so 0.125 stored as 0.12499999… rounds
       as the decimal it stands for */
    /* the nudge is capped: uncapped, 1e-13 of 1e12 hundredths (10^10 yuan) was a tenth of a
       cent, and from 10^11 on it moved whole cents */
    const double nudge = fabs(x) * 1e-13 < 1e-4 ? fabs(x) * 1e-13 : 1e-4;
    const double r = x >= 0 ? floor(x + 0.5 + nudge) : -floor(-x + 0.5 + nudge);
    *out = (int64_t)r;
    return ZR_OK;
}

int64_t zr_muldiv_round(int64_t a, int64_t b, int64_t d) {
    __extension__ typedef __int128 i128; /* gcc and clang both have it on 64-bit targets */
    i128 p = (i128)a * b;
    int neg = p < 0;
    if (neg) p = -p;
    i128 q = (p + d / 2) / d;
    return (int64_t)(neg ? -q : q);
}

zr_status zr_parse_decimal(const char *s, int scale, int64_t *out) {
    *out = 0;
    if (!s) return ZR_ERR_ARG;
    while (isspace((unsigned char)*s))
        s++;
    int neg = 0;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    int64_t v = 0;
    int digits = 0, frac = 0, round_up = 0;
    for (; isdigit((unsigned char)*s); s++, digits++) {
        if (v > (INT64_MAX - 9) / 10) return ZR_ERR_ARG;
        v = v * 10 + (*s - '0');
    }
    if (*s == '.') {
        s++;
        for (; isdigit((unsigned char)*s); s++, digits++) {
            if (frac < scale) {
                if (v > (INT64_MAX - 9) / 10) return ZR_ERR_ARG;
                v = v * 10 + (*s - '0');
                frac++;
            } else if (frac == scale) {
                round_up = *s >= '5';
                frac++;
            }
        }
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s || !digits) return ZR_ERR_ARG;
    for (int f = frac < scale ? frac : scale; f < scale; f++) {
        if (v > INT64_MAX / 10) return ZR_ERR_ARG;
        v *= 10;
    }
    v += round_up;
    *out = neg ? -v : v;
    return ZR_OK;
}

zr_status zr_scaled(double v, int scale, int64_t *out) {
    char tmp[64];
    if (!isfinite(v) || scale < 0 || scale > 18) return ZR_ERR_LIMIT;
    const int len = snprintf(tmp, sizeof tmp, "%.*f", scale + 3, v); /* digits, then half-up */
    if (len < 0 || (size_t)len >= sizeof tmp) return ZR_ERR_LIMIT;
    return zr_parse_decimal(tmp, scale, out) == ZR_OK ? ZR_OK : ZR_ERR_LIMIT;
}

int64_t zr_double_scaled(double v, int scale) {
    int64_t out;
    return zr_scaled(v, scale, &out) == ZR_OK ? out : INT64_MIN;
}

zr_status zr_muldiv_checked(int64_t a, int64_t b, int64_t d, int64_t *out) {
    __extension__ typedef __int128 i128;
    if (d <= 0) return ZR_ERR_ARG;
    i128 p = (i128)a * b;
    const int neg = p < 0;
    if (neg) p = -p;
    const i128 q = (p + d / 2) / d;
    if (q > (i128)INT64_MAX) return ZR_ERR_LIMIT;
    *out = (int64_t)(neg ? -q : q);
    return ZR_OK;
}

char *zr_fmt_scaled(char *dst, int64_t v, int scale) {
    int64_t p = 1;
    for (int i = 0; i < scale; i++)
        p *= 10;
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (scale == 0)
        snprintf(dst, 32, "%s%llu", v < 0 ? "-" : "", (unsigned long long)a);
    else
        snprintf(dst, 32, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(a / p), scale,
                 (unsigned long long)(a % p));
    return dst;
}

typedef struct {
    double rem, w;
    size_t i;
} share;

static int share_cmp(const void *pa, const void *pb) {
    const share *a = pa, *b = pb;
    if (a->rem != b->rem) return a->rem > b->rem ? -1 : 1;
    if (a->w != b->w) return a->w > b->w ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

zr_status zr_apportion(int64_t total, const double *weights, size_t n, int64_t *out) {
    if (n == 0) return ZR_ERR_ARG;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += weights[i] > 0 ? weights[i] : 0;
    if (!(sum > 0)) {
        memset(out, 0, n * sizeof *out);
        out[0] = total;
        return ZR_OK;
    }
    share *sh = zr_malloc(n * sizeof *sh);
    if (!sh) return ZR_ERR_NOMEM;
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        double w = weights[i] > 0 ? weights[i] : 0;
        double exact = (double)total * (w / sum);
        double fl = floor(exact);
        out[i] = (int64_t)fl;
        given += out[i];
        sh[i] = (share){exact - fl, w, i};
    }
    int64_t left = total - given; /* 0 ≤ left ≤ n up to float noise */
    qsort(sh, n, sizeof *sh, share_cmp);
    for (size_t k = 0; left > 0; k = (k + 1) % n, left--)
        out[sh[k].i]++;
    for (size_t k = 0; left < 0; k = (k + 1) % n, left++)
        out[sh[n - 1 - k].i]--;
    free(sh);
    return ZR_OK;
}
