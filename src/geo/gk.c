/* Gauss-Krüger (transverse Mercator, k0 = 1) on the CGCS2000 ellipsoid, by Krüger's series in
 * the third flattening n to order n^6 (accurate to a few nanometres inside a 3-degree zone).
 * No PROJ call per vertex: this is the hot path of every area computation. */
#include "geo/geo.h"
#include <math.h>

#define DEG (M_PI / 180.0)

static struct {
    int ready;
    double a_rect; /* rectifying radius A */
    double alpha[7], beta[7], delta[7];
    double e; /* first eccentricity */
} K;

static void gk_init(void) {
    if (K.ready) return;
    const double f = 1.0 / ZR_CGCS2000_RF, n = f / (2 - f);
    const double n2 = n * n, n3 = n2 * n, n4 = n3 * n, n5 = n4 * n, n6 = n5 * n;
    K.e = sqrt(f * (2 - f));
    K.a_rect = ZR_CGCS2000_A / (1 + n) * (1 + n2 / 4 + n4 / 64 + n6 / 256);
    K.alpha[1] =
        n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180 - 127 * n5 / 288 + 7891 * n6 / 37800;
    K.alpha[2] =
        13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440 + 281 * n5 / 630 - 1983433 * n6 / 1935360;
    K.alpha[3] = 61 * n3 / 240 - 103 * n4 / 140 + 15061 * n5 / 26880 + 167603 * n6 / 181440;
    K.alpha[4] = 49561 * n4 / 161280 - 179 * n5 / 168 + 6601661 * n6 / 7257600;
    K.alpha[5] = 34729 * n5 / 80640 - 3418889 * n6 / 1995840;
    K.alpha[6] = 212378941 * n6 / 319334400;
    K.beta[1] = n / 2 - 2 * n2 / 3 + 37 * n3 / 96 - n4 / 360 - 81 * n5 / 512 + 96199 * n6 / 604800;
    K.beta[2] = n2 / 48 + n3 / 15 - 437 * n4 / 1440 + 46 * n5 / 105 - 1118711 * n6 / 3870720;
    K.beta[3] = 17 * n3 / 480 - 37 * n4 / 840 - 209 * n5 / 4480 + 5569 * n6 / 90720;
    K.beta[4] = 4397 * n4 / 161280 - 11 * n5 / 504 - 830251 * n6 / 7257600;
    K.beta[5] = 4583 * n5 / 161280 - 108847 * n6 / 3991680;
    K.beta[6] = 20648693 * n6 / 638668800;
    /* conformal latitude χ → geodetic latitude φ */
    K.delta[1] = 2 * n - 2 * n2 / 3 - 2 * n3 + 116 * n4 / 45 + 26 * n5 / 45 - 2854 * n6 / 675;
    K.delta[2] = 7 * n2 / 3 - 8 * n3 / 5 - 227 * n4 / 45 + 2704 * n5 / 315 + 2323 * n6 / 945;
    K.delta[3] = 56 * n3 / 15 - 136 * n4 / 35 - 1262 * n5 / 105 + 73814 * n6 / 2835;
    K.delta[4] = 4279 * n4 / 630 - 332 * n5 / 35 - 399572 * n6 / 14175;
    K.delta[5] = 4174 * n5 / 315 - 144838 * n6 / 6237;
    K.delta[6] = 601676 * n6 / 22275;
    __atomic_store_n(&K.ready, 1, __ATOMIC_RELEASE);
}

void geo_gk_init(void) {
    gk_init();
}

void geo_gk_inverse_rad(double x_fe, double y, double *dlon, double *lat) {
    /* x_fe: easting minus false easting; y: northing */
    const double xi = y / K.a_rect, eta = x_fe / K.a_rect;
    double s2, c2;
    sincos_(2 * xi, &s2, &c2);
    const double ex = exp(2 * eta), sh2 = (ex - 1 / ex) / 2, ch2 = (ex + 1 / ex) / 2;
    double sj = s2, cj = c2, shj = sh2, chj = ch2, xp = xi, ep = eta;
    for (int j = 1; j <= 6; j++) {
        xp -= K.beta[j] * sj * chj;
        ep -= K.beta[j] * cj * shj;
        const double sn = sj * c2 + cj * s2, cn = cj * c2 - sj * s2;
        const double shn = shj * ch2 + chj * sh2, chn = chj * ch2 + shj * sh2;
        sj = sn, cj = cn, shj = shn, chj = chn;
    }
    double sxp, cxp;
    sincos_(xp, &sxp, &cxp);
    const double ee = exp(ep), shp = (ee - 1 / ee) / 2, chp = (ee + 1 / ee) / 2;
    const double schi = sxp / chp; /* sin χ, and cos χ without another trig call */
    const double chi = asin(schi), cchi = sqrt(1 - schi * schi);
    *dlon = atan2(shp, cxp);
    const double s = 2 * schi * cchi, c = 1 - 2 * schi * schi; /* sin 2χ, cos 2χ */
    double phi = chi, sk = s, ck = c;
    for (int j = 1; j <= 6; j++) {
        phi += K.delta[j] * sk;
        const double sn = sk * c + ck * s, cn = ck * c - sk * s;
        sk = sn, ck = cn;
    }
    *lat = phi;
}

void zr_gk_inverse(double lon0, double x, double y, double *lon, double *lat) {
    gk_init();
    double dl, b;
    double xe = x - 500000.0;
    if (x >= 1e6) xe = fmod(x, 1e6) - 500000.0; /* zone prefix */
    geo_gk_inverse_rad(xe, y, &dl, &b);
    *lon = lon0 + dl / DEG;
    *lat = b / DEG;
}

void zr_gk_forward(double lon0, double lon, double lat, double *x, double *y) {
    gk_init();
    const double phi = lat * DEG, lam = (lon - lon0) * DEG, e = K.e;
    const double tau = tan(phi);
    const double sig = sinh(e * atanh(e * tau / sqrt(1 + tau * tau)));
    const double taup = tau * sqrt(1 + sig * sig) - sig * sqrt(1 + tau * tau);
    const double xip = atan2(taup, cos(lam));
    const double etap = asinh(sin(lam) / sqrt(taup * taup + cos(lam) * cos(lam)));
    double xi = xip, eta = etap;
    for (int j = 1; j <= 6; j++) {
        xi += K.alpha[j] * sin(2 * j * xip) * cosh(2 * j * etap);
        eta += K.alpha[j] * cos(2 * j * xip) * sinh(2 * j * etap);
    }
    *y = K.a_rect * xi;
    *x = K.a_rect * eta + 500000.0;
}
