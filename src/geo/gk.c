/* Gauss-Krüger (transverse Mercator, k0 = 1) on the CGCS2000 ellipsoid, by Krüger's series in
 * the third flattening n to order n^6 (accurate to a few nanometres inside a 3-degree zone).
 * No PROJ call per vertex: this is the hot path of every area computation. */
#include "geo/geo.h"
#include <complex.h>
#include <math.h>
#include <pthread.h>

#define DEG (M_PI / 180.0)

static struct {
    int ready;
    double a_rect; /* rectifying radius A */
    double alpha[7], beta[7], delta[7];
    double e; /* first eccentricity */
} K;

static void gk_init_once(void) {
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

/* Once per process (see area.c). */
static void gk_init(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (!__atomic_load_n(&K.ready, __ATOMIC_ACQUIRE)) pthread_once(&once, gk_init_once);
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

/* ---- Local expansion ------------------------------------------------------------------------
 * The inverse projection is ψ + iλ = F(ζ) with F(ζ) = gd⁻¹(ζ − Σ β_j sin 2jζ) holomorphic
 * (ψ isometric latitude, ζ = (northing + i·easting)/A), and φ(ψ) is a real analytic function.
 * Around a reference point both are replaced by their Taylor polynomials of degree 4, whose
 * derivatives follow from the chain rule. For |Δζ| ≤ GEO_GK_LOCAL_MAX_R the remainder is below
 * 1e-19 rad, far under the last bit of a latitude (1.1e-16 rad), so the vertices come out as
 * the full series gives them, for a few multiplications each instead of seven transcendental
 * calls. */

void geo_gk_local_init(geo_gk_local *L, double x_fe0, double y0) {
    gk_init();
    L->x0 = x_fe0, L->y0 = y0, L->inv_a = 1 / K.a_rect;
    geo_gk_inverse_rad(x_fe0, y0, &L->lam0, &L->phi0);
    const double complex z = (y0 + I * x_fe0) / K.a_rect;
    double complex g0 = z, g1 = 1, g2 = 0, g3 = 0, g4 = 0;
    /* sin 2jz, cos 2jz by angle addition from j = 1 */
    const double complex s1 = csin(2 * z), c1 = ccos(2 * z);
    double complex sj = s1, cj = c1;
    for (int j = 1; j <= 6; j++) {
        const double k = 2 * j, b = K.beta[j];
        g0 -= b * sj;
        g1 -= b * k * cj;
        g2 += b * k * k * sj;
        g3 += b * k * k * k * cj;
        g4 -= b * k * k * k * k * sj;
        const double complex sn = sj * c1 + cj * s1, cn = cj * c1 - sj * s1;
        sj = sn, cj = cn;
    }
    const double complex sec = 1 / ccos(g0), t = ctan(g0), sec2 = sec * sec, t2 = t * t;
    const double complex h1 = sec, h2 = sec * t, h3 = sec * (t2 + sec2),
                         h4 = sec * t * (t2 + 5 * sec2);
    const double complex f[4] = {
        h1 * g1,
        (h2 * g1 * g1 + h1 * g2) / 2,
        (h3 * g1 * g1 * g1 + 3 * h2 * g1 * g2 + h1 * g3) / 6,
        (h4 * g1 * g1 * g1 * g1 + 6 * h3 * g1 * g1 * g2 + h2 * (3 * g2 * g2 + 4 * g1 * g3) +
         h1 * g4) /
            24,
    };
    for (int k = 0; k < 4; k++)
        L->ar[k] = creal(f[k]), L->ai[k] = cimag(f[k]);
    /* dφ/dψ = p(φ) = cos φ (1 − e² sin² φ) / (1 − e²) and its φ-derivatives */
    double s, c;
    sincos_(L->phi0, &s, &c);
    geo_area_local_coeffs(s, c, L->p1, L->p3);
    const double e2 = K.e * K.e, q = 1 / (1 - e2);
    const double p = q * c * (1 - e2 * s * s), p1 = q * (-s - e2 * (2 * s - 3 * s * s * s)),
                 p2 = q * (-c - e2 * (2 * c - 9 * s * s * c)),
                 p3 = q * (s - e2 * (-2 * s - 18 * s * c * c + 9 * s * s * s));
    L->b[0] = p;
    L->b[1] = p * p1 / 2;
    L->b[2] = p * (p1 * p1 + p * p2) / 6;
    L->b[3] = p * (p1 * p1 * p1 + 4 * p * p1 * p2 + p * p * p3) / 24;
}

int geo_gk_local_ring(const geo_gk_local *L, const double *xy, size_t n, double fe, double *lon,
                      double *dlat) {
    const double *ar = L->ar, *ai = L->ai, *b = L->b;
    double far = 0;
    for (size_t i = 0; i < n; i++) {
        const double dr = (xy[2 * i + 1] - L->y0) * L->inv_a;
        const double di = (xy[2 * i] - fe - L->x0) * L->inv_a;
        far = fmax(far, dr * dr + di * di);
        /* Horner in complex Δ: t = Δ (a0 + Δ (a1 + Δ (a2 + Δ a3))) */
        double tr = ar[3], ti = ai[3];
        for (int k = 2; k >= 0; k--) {
            const double nr = tr * dr - ti * di + ar[k], ni = tr * di + ti * dr + ai[k];
            tr = nr, ti = ni;
        }
        const double dpsi = tr * dr - ti * di, dlam = tr * di + ti * dr;
        lon[i] = L->lam0 + dlam;
        dlat[i] = dpsi * (b[0] + dpsi * (b[1] + dpsi * (b[2] + dpsi * b[3])));
    }
    return far <= GEO_GK_LOCAL_MAX_R * GEO_GK_LOCAL_MAX_R;
}
