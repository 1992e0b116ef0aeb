/* Ellipsoidal area by the 国土调查 formula (国土调查办发〔2008〕32号, CGCS2000). */
#include "geo/geo.h"
#include <math.h>
#include <pthread.h>

static struct {
    int ready;
    double two_b2, A, B, C, D, E;
} S;

static void area_init_once(void) {
    const double a = ZR_CGCS2000_A, f = 1.0 / ZR_CGCS2000_RF, b = a * (1 - f);
    const double e2 = (a * a - b * b) / (a * a), e4 = e2 * e2, e6 = e4 * e2, e8 = e6 * e2;
    S.two_b2 = 2 * b * b;
    S.A = 1 + 3.0 / 6 * e2 + 30.0 / 80 * e4 + 35.0 / 112 * e6 + 630.0 / 2304 * e8;
    S.B = 1.0 / 6 * e2 + 15.0 / 80 * e4 + 21.0 / 112 * e6 + 420.0 / 2304 * e8;
    S.C = 3.0 / 80 * e4 + 7.0 / 112 * e6 + 180.0 / 2304 * e8;
    S.D = 1.0 / 112 * e6 + 45.0 / 2304 * e8;
    S.E = 5.0 / 2304 * e8;
    __atomic_store_n(&S.ready, 1, __ATOMIC_RELEASE);
}

/* Once per process, whichever thread comes first; the others wait for the constants (a plain
 * flag let two first callers write them at once: a data race, if a benign one). */
static void area_init(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (!__atomic_load_n(&S.ready, __ATOMIC_ACQUIRE)) pthread_once(&once, area_init_once);
}

void geo_area_init(void) {
    area_init();
    geo_gk_init();
}

/* The bracket of the trapezoid formula from sin/cos of the half difference h and of the mean
 * latitude bm; times 2b²ΔL = area. */
static inline double bracket_sc(double sh, double ch, double sm, double cm) {
    /* sin(kh), cos(kBm) for k = 1, 3, 5, 7, 9 by angle addition with step 2 */
    const double s2h = 2 * sh * ch, c2h = ch * ch - sh * sh;
    const double s2m = 2 * sm * cm, c2m = cm * cm - sm * sm;
    double sk = sh, ck = ch, cmk = cm, smk = sm;
    const double coef[5] = {S.A, -S.B, S.C, -S.D, S.E};
    double sum = 0;
    for (int k = 0; k < 5; k++) {
        sum += coef[k] * sk * cmk;
        const double sn = sk * c2h + ck * s2h, cn = ck * c2h - sk * s2h;
        const double cmn = cmk * c2m - smk * s2m, smn = smk * c2m + cmk * s2m;
        sk = sn, ck = cn, cmk = cmn, smk = smn;
    }
    return sum;
}

static inline double bracket(double b1, double b2) {
    double sh, ch, sm, cm;
    sincos_((b2 - b1) / 2, &sh, &ch);
    sincos_((b1 + b2) / 2, &sm, &cm);
    return bracket_sc(sh, ch, sm, cm);
}

/* The same from the end latitudes' own sines and cosines: no trig call for the short edges of
 * survey parcels (|ΔB| < 1e-3 rad: sin and cos of h by their series, exact to the last bit at
 * that size; the mean latitude by half-angle identities). */
static inline double bracket_pt(double b1, double s1, double c1, double b2, double s2, double c2) {
    const double h = (b2 - b1) / 2;
    if (fabs(h) > 1e-3) return bracket(b1, b2);
    const double h2 = h * h;
    const double sh = h * (1 - h2 / 6 * (1 - h2 / 20 * (1 - h2 / 42)));
    const double ch = 1 - h2 / 2 * (1 - h2 / 12 * (1 - h2 / 30));
    const double cs = c1 * c2 - s1 * s2, ss = s1 * c2 + c1 * s2; /* cos, sin of b1 + b2 */
    const double cm = sqrt((1 + cs) / 2), sm = ss / (2 * cm);
    return bracket_sc(sh, ch, sm, cm);
}

double zr_area_trapezoid(double b1, double b2, double dl) {
    area_init();
    return S.two_b2 * dl * bracket(b1, b2);
}

/* Local form (polygons within reach of a geo_gk_local expansion): the bracket expanded in the
 * half difference h and the mean latitude's offset δ from φ0,
 *   bracket = h·P1(δ) + h³·P3(δ),  P1 = Σ a_k m cos(m(φ0+δ)),  P3 = −Σ a_k m³/6 cos(m(φ0+δ)),
 * m = 2k+1, each by its Taylor polynomial in δ (degree 4 and 2). For |h|, |δ| ≤ 3e-4 the
 * dropped terms are below 1e-19 of the bracket. */
void geo_area_local_coeffs(double s0, double c0, double p1[5], double p3[3]) {
    area_init();
    const double coef[5] = {S.A, -S.B, S.C, -S.D, S.E};
    const double s2 = 2 * s0 * c0, c2 = c0 * c0 - s0 * s0;
    double sk = s0, ck = c0; /* sin mφ0, cos mφ0 */
    for (int n = 0; n < 5; n++)
        p1[n] = 0;
    for (int n = 0; n < 3; n++)
        p3[n] = 0;
    for (int k = 0; k < 5; k++) {
        const double m = 2 * k + 1, dv[5] = {ck, -sk, -ck, sk, ck}; /* cos⁽ⁿ⁾(mφ0) */
        double mn = 1, fact = 1;                                    /* mⁿ, n! */
        for (int n = 0; n < 5; n++) {
            p1[n] += coef[k] * m * mn * dv[n] / fact;
            if (n < 3) p3[n] -= coef[k] * m * m * m / 6 * mn * dv[n] / fact;
            mn *= m, fact *= n + 1;
        }
        const double sn = sk * c2 + ck * s2, cn = ck * c2 - sk * s2;
        sk = sn, ck = cn;
    }
}

double geo_ring_area_local(const double *lon, const double *dlat, size_t n, const double p1[5],
                           const double p3[3]) {
    area_init();
    if (n < 3) return 0;
    const double lref = lon[0];
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t j = i + 1 < n ? i + 1 : 0;
        if (dlat[i] == dlat[j]) continue;
        const double h = (dlat[j] - dlat[i]) / 2, d = (dlat[i] + dlat[j]) / 2;
        const double dl = (lon[i] + lon[j]) / 2 - lref;
        const double q1 = p1[0] + d * (p1[1] + d * (p1[2] + d * (p1[3] + d * p1[4])));
        const double q3 = p3[0] + d * (p3[1] + d * p3[2]);
        sum += dl * h * (q1 + h * h * q3);
    }
    return S.two_b2 * sum;
}

double geo_ring_area_rad(const double *lon, const double *lat, size_t n) {
    area_init();
    if (n < 3) return 0;
    const double lref = lon[0];
    double sum = 0, s0, c0;
    sincos_(lat[0], &s0, &c0);
    double si = s0, ci = c0;
    for (size_t i = 0; i < n; i++) {
        const size_t j = i + 1 < n ? i + 1 : 0;
        double sj = s0, cj = c0;
        if (j) sincos_(lat[j], &sj, &cj);
        const double dl = (lon[i] + lon[j]) / 2 - lref;
        if (lat[i] != lat[j]) sum += dl * bracket_pt(lat[i], si, ci, lat[j], sj, cj);
        si = sj, ci = cj;
    }
    return S.two_b2 * sum;
}

double zr_area_ring_lonlat(const double *lonlat, size_t n) {
    enum { CHUNK = 512 };
    double lon[CHUNK], lat[CHUNK];
    if (n > CHUNK) { /* large rings: accumulate edge by edge */
        area_init();
        double sum = 0;
        const double lref = lonlat[0] * M_PI / 180;
        for (size_t i = 0; i < n; i++) {
            const size_t j = i + 1 < n ? i + 1 : 0;
            const double l1 = lonlat[2 * i] * M_PI / 180, l2 = lonlat[2 * j] * M_PI / 180;
            const double b1 = lonlat[2 * i + 1] * M_PI / 180, b2 = lonlat[2 * j + 1] * M_PI / 180;
            if (b1 != b2) sum += ((l1 + l2) / 2 - lref) * bracket(b1, b2);
        }
        return S.two_b2 * sum;
    }
    for (size_t i = 0; i < n; i++) {
        lon[i] = lonlat[2 * i] * M_PI / 180;
        lat[i] = lonlat[2 * i + 1] * M_PI / 180;
    }
    return geo_ring_area_rad(lon, lat, n);
}
