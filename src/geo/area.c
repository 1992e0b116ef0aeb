/* Ellipsoidal area by the 国土调查 formula (国土调查办发〔2008〕32号, CGCS2000). */
#include "geo/geo.h"
#include <math.h>

static struct {
    int ready;
    double two_b2, A, B, C, D, E;
} S;

static void area_init(void) {
    if (S.ready) return;
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

double geo_ring_area_sc(const double *lon, const double *lat, const double *slat,
                        const double *clat, size_t n) {
    area_init();
    if (n < 3) return 0;
    /* L_ref = first vertex: keeps every term small, so nothing cancels catastrophically */
    const double lref = lon[0];
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t j = i + 1 < n ? i + 1 : 0;
        const double dl = (lon[i] + lon[j]) / 2 - lref;
        if (lat[i] != lat[j])
            sum += dl * bracket_pt(lat[i], slat[i], clat[i], lat[j], slat[j], clat[j]);
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
