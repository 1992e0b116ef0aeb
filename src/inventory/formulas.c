/* Valuation formulas (STANDARDS §5.3–5.4), each checked against a worked example in tests. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inventory/inv_int.h"
#include "io/io.h"

double inv_term_factor(double r, double m, double n) {
    if (m <= 0) return 0;
    if (m >= n) return 1;
    return (1 - pow(1 + r, -m)) / (1 - pow(1 + r, -n));
}

int inv_legal_term(const char *tdyt) {
    if (!strcmp(tdyt, "07")) return 70;
    if (!strcmp(tdyt, "05")) return 40;
    return 50;
}

double inv_owner_coefficient(const char *gyfs, const char *tdyt, double gynx, double ysynx) {
    double k;
    if (!strcmp(gyfs, "6"))
        k = 1;
    else if (!strcmp(gyfs, "1") || !strcmp(gyfs, "7"))
        k = 0.4;
    else if (!strcmp(gyfs, "3"))
        k = (20 - gynx + ysynx) / 20;
    else {
        const double n = inv_legal_term(tdyt);
        k = (n - gynx + ysynx) / n;
    }
    return k < 0 ? 0 : k > 1 ? 1 : k;
}

double inv_income_rights(double si, double k, double i, int n) {
    double v = 0;
    for (int t = 1; t <= n; t++)
        v += si * k / pow(1 + i, t);
    return v;
}

double inv_cost_approach(double qdf, double kff, double sf, double i, double n, double profit,
                         double added) {
    const double interest = qdf * (pow(1 + i, n) - 1) + (kff + sf) * (pow(1 + i, n / 2) - 1);
    const double cost = qdf + kff + sf;
    const double price = cost + interest + cost * profit;
    return price * (1 + added);
}

static long days_from_civil(int y, int m, int d) { /* proleptic Gregorian, days since 1970 */
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int inv_number(const char *cell, double *v) {
    char buf[64];
    size_t k = 0;
    for (const char *p = cell; p && *p; p++) {
        if (*p == ' ' || *p == ',') continue; /* spaces and thousands separators, as Excel */
        if (k + 1 >= sizeof buf) return 0;
        buf[k++] = *p;
    }
    buf[k] = 0;
    char *end;
    *v = strtod(buf, &end);
    return k && !*end && isfinite(*v);
}

static int leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Digits at s (at most max of them) into *v; returns the count read. */
static int digits_at(const char *s, int max, int *v) {
    int n = 0;
    *v = 0;
    while (n < max && s[n] >= '0' && s[n] <= '9')
        *v = *v * 10 + (s[n++] - '0');
    return n;
}

int inv_date_norm(const char *s, char out[11]) {
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, k;
    if (!s) return 0;
    while (*s == ' ')
        s++;
    if ((k = digits_at(s, 4, &y)) != 4) return 0;
    s += 4;
    if (*s >= '0' && *s <= '9') { /* YYYYMMDD */
        if (digits_at(s, 2, &m) != 2 || digits_at(s + 2, 2, &d) != 2) return 0;
        s += 4;
    } else {
        const char sep = *s;
        if (sep != '-' && sep != '/' && sep != '.') return 0;
        if (!(k = digits_at(++s, 2, &m)) || s[k] != sep) return 0;
        s += k + 1;
        if (!(k = digits_at(s, 2, &d))) return 0;
        s += k;
    }
    /* a time of day may follow (Excel and OGR date-times); nothing else */
    if (*s && *s != ' ' && *s != 'T') return 0;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y))) return 0;
    /* y has 4 digits, m and d at most 2 */
    out[0] = (char)('0' + y / 1000), out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10), out[3] = (char)('0' + y % 10), out[4] = '-';
    out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10), out[7] = '-';
    out[8] = (char)('0' + d / 10), out[9] = (char)('0' + d % 10), out[10] = 0;
    return 1;
}

static int parse_date(const char *s, long *days) {
    char n[11];
    int y, m, d;
    if (!inv_date_norm(s, n) || sscanf(n, "%4d-%2d-%2d", &y, &m, &d) != 3) return 0;
    *days = days_from_civil(y, m, d);
    return 1;
}

double inv_years_between(const char *from, const char *to) {
    long a, b;
    if (!parse_date(from, &a) || !parse_date(to, &b)) return NAN;
    return (double)(b - a) / 365.2425;
}

double inv_far_factor(const zr_csv *far, const char *tdyt, int jb, double rjl) {
    if (!far) return 1;
    const int ct = zr_csv_col(far, "TDYT|土地用途"), cj = zr_csv_col(far, "JB|级别"),
              cr = zr_csv_col(far, "RJL|容积率"), ck = zr_csv_col(far, "K|修正系数");
    if (ct < 0 || cj < 0 || cr < 0 || ck < 0) return 1;
    double lo_r = -1, lo_k = 1, hi_r = -1, hi_k = 1, min_r = INFINITY, min_k = 1, max_r = -INFINITY,
           max_k = 1;
    int found = 0;
    for (size_t r = 0; r < far->nrows; r++) {
        if (strcmp(zr_csv_cell(far, r, ct), tdyt) || atoi(zr_csv_cell(far, r, cj)) != jb) continue;
        const double x = atof(zr_csv_cell(far, r, cr)), k = atof(zr_csv_cell(far, r, ck));
        found = 1;
        if (x < min_r) min_r = x, min_k = k;
        if (x > max_r) max_r = x, max_k = k;
        if (x <= rjl && (lo_r < 0 || x > lo_r)) lo_r = x, lo_k = k;
        if (x >= rjl && (hi_r < 0 || x < hi_r)) hi_r = x, hi_k = k;
    }
    if (!found) return 1;
    if (rjl <= min_r) return min_k;
    if (rjl >= max_r) return max_k;
    if (hi_r == lo_r) return lo_k;
    return lo_k + (hi_k - lo_k) * (rjl - lo_r) / (hi_r - lo_r);
}
