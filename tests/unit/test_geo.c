/* Ellipsoidal area and Gauss-Krüger against the official vector, PROJ and geodesics. */
#include "geo/geo.h"
#include "core/alloc.h"
#include "geo/geos_ops.h"
#include "core/fixed.h"
#include "test.h"
#include <geodesic.h>
#include <proj.h>

TEST(trapezoid_vector) {
    /* 1°×1° CGCS2000 cell, B 30°–31°: 10 642 393 438.71 m² (STANDARDS §2.2) */
    const double d = M_PI / 180;
    double s = zr_area_trapezoid(30 * d, 31 * d, 1 * d);
    CHECK_EQ_INT(zr_round_cents(s), 1064239343871LL);
    const double cell[] = {100, 30, 101, 30, 101, 31, 100, 31, 100, 30};
    CHECK_EQ_INT(zr_round_cents(fabs(zr_area_ring_lonlat(cell, 5))), 1064239343871LL);
    CHECK(zr_area_ring_lonlat(cell, 5) > 0); /* counter-clockwise is positive */
}

TEST(gk_matches_proj) {
    PJ_CONTEXT *ctx = proj_context_create();
    double worst = 0;
    for (int zone = 25; zone <= 45; zone++) {
        char def[160];
        snprintf(def, sizeof def,
                 "+proj=tmerc +lat_0=0 +lon_0=%d +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m",
                 3 * zone);
        PJ *pj = proj_create_crs_to_crs(ctx, "+proj=longlat +ellps=GRS80 +type=crs", def, NULL);
        PJ *tm = proj_create(ctx, def);
        (void)pj;
        for (double lat = 18; lat <= 53; lat += 2.5) {
            for (double dl = -1.6; dl <= 1.6; dl += 0.4) {
                const double lon = 3.0 * zone + dl;
                PJ_COORD c = proj_coord(lon * M_PI / 180, lat * M_PI / 180, 0, 0);
                PJ_COORD xy = proj_trans(tm, PJ_FWD, c);
                double glon, glat, fx, fy;
                zr_gk_inverse(3.0 * zone, xy.enu.e, xy.enu.n, &glon, &glat);
                /* error expressed in metres on the ground */
                double ex = (glon - lon) * 111320 * cos(lat * M_PI / 180),
                       ey = (glat - lat) * 110574;
                double e = sqrt(ex * ex + ey * ey);
                if (e > worst) worst = e;
                zr_gk_forward(3.0 * zone, lon, lat, &fx, &fy);
                e = hypot(fx - xy.enu.e, fy - xy.enu.n);
                if (e > worst) worst = e;
                /* with the zone prefix */
                zr_gk_inverse(3.0 * zone, xy.enu.e + zone * 1e6, xy.enu.n, &glon, &glat);
                e = hypot((glon - lon) * 111320 * cos(lat * M_PI / 180), (glat - lat) * 110574);
                if (e > worst) worst = e;
            }
        }
        proj_destroy(tm);
        proj_destroy(pj);
    }
    proj_context_destroy(ctx);
    CHECK(worst < 0.001);
    printf("gk: worst difference to PROJ %.3g m\n", worst);
}

/* Random star-shaped parcels in zone 39: our area vs the geodesic polygon area (Karney's
 * algorithm in PROJ's geodesic.h) on the inverse-projected vertices. */
TEST(parcel_area_vs_geodesic) {
    struct geod_geodesic g;
    geod_init(&g, ZR_CGCS2000_A, 1 / ZR_CGCS2000_RF);
    zr_crs crs;
    CHECK(zr_crs_from_epsg(4527, &crs) == ZR_OK);
    zr_poly p = {0};
    zr_buf scratch = {0};
    unsigned seed = 12345;
    double worst = 0;
    for (int k = 0; k < 2000; k++) {
        zr_poly_clear(&p);
        zr_poly_begin_polygon(&p);
        zr_poly_begin_ring(&p);
        seed = seed * 1103515245u + 12345u;
        const double cx = 39e6 + 380000 + (seed % 240000), cy = 3.6e6 + (seed / 7 % 400000);
        const double rad = 20 + (seed % 200);
        double lats[40], lons[40];
        for (int i = 0; i < 30; i++) {
            seed = seed * 1103515245u + 12345u;
            double r = rad * (0.7 + 0.3 * (seed % 1000) / 1000.0), t = 2 * M_PI * i / 30;
            double x = cx + r * cos(t), y = cy + r * sin(t);
            zr_poly_add_point(&p, x, y);
            zr_gk_inverse(crs.lon0, x, y, &lons[i], &lats[i]);
        }
        zr_poly_add_point(&p, p.xy[0], p.xy[1]);
        zr_poly_finish(&p);
        double ours = zr_poly_area(&p, &crs, &scratch), geod = 0, perim = 0;
        geod_polygonarea(&g, lats, lons, 30, &geod, &perim);
        double d = fabs(ours - fabs(geod));
        if (d > worst) worst = d;
    }
    CHECK(worst <= 0.01);
    printf("area: worst |ours - geodesic| = %.3g m2 over 2000 parcels\n", worst);
    zr_poly_free(&p);
    zr_buf_free(&scratch);
}

/* The local expansion (one reference point per parcel) against the full series at every vertex:
 * 3° and 6° zones, 18°N–53°N, out to 330 km from the central meridian, points up to the
 * expansion's radius from the reference. Latitudes agree to a few units in the last place;
 * areas to 1e-5 m² (a thousandth of the unit), the size of the full series' own rounding noise. */
TEST(gk_local_expansion) {
    unsigned seed = 777;
    double worst_ang = 0, worst_area = 0;
    const double A = 6367449.146; /* the rectifying radius, to within a metre */
    zr_buf scratch = {0};
    for (int k = 0; k < 4000; k++) {
        seed = seed * 1103515245u + 12345u;
        const double north = 2.0e6 + (seed % 3900000);
        seed = seed * 1103515245u + 12345u;
        const double east = ((double)(seed % 660000) - 330000);
        geo_gk_local L;
        geo_gk_local_init(&L, east, north);
        double xy[2 * 33], lon[33], lat[33];
        const double rad = (k % 4 == 0 ? 0.99 * GEO_GK_LOCAL_MAX_R * A : 50 + seed % 900);
        for (int i = 0; i < 32; i++) {
            seed = seed * 1103515245u + 12345u;
            const double r = rad * (0.6 + 0.4 * (seed % 1000) / 1000.0), t = 2 * M_PI * i / 32;
            xy[2 * i] = 500000 + east + r * cos(t) * 0.7071, xy[2 * i + 1] = north + r * sin(t);
        }
        xy[64] = xy[0], xy[65] = xy[1];
        CHECK(geo_gk_local_ring(&L, xy, 33, 500000, lon, lat) == 1);
        double elon[33], elat[33];
        for (int i = 0; i < 33; i++) {
            geo_gk_inverse_rad(xy[2 * i] - 500000, xy[2 * i + 1], &elon[i], &elat[i]);
            const double d = fmax(fabs(elon[i] - lon[i]), fabs(elat[i] - (L.phi0 + lat[i])));
            if (d > worst_ang) worst_ang = d;
        }
        const double da = fabs(fabs(geo_ring_area_local(lon, lat, 33, L.p1, L.p3)) -
                               fabs(geo_ring_area_rad(elon, elat, 33)));
        if (da > worst_area) worst_area = da;
    }
    { /* beyond reach: refused, so the caller takes the full series */
        geo_gk_local L;
        geo_gk_local_init(&L, 100000, 3.3e6);
        const double xy[4] = {600000, 3.3e6, 600000, 3.3e6 + 1.1 * GEO_GK_LOCAL_MAX_R * A};
        double lon[2], lat[2];
        CHECK(geo_gk_local_ring(&L, xy, 2, 500000, lon, lat) == 0);
    }
    CHECK(worst_ang < 2e-15); /* 1e-8 m on the ground */
    /* m²: the full series' own rounding noise is of this size on a 6 km² parcel */
    CHECK(worst_area < 1e-5);
    printf("gk local: worst angle %.3g rad, worst area difference %.3g m2\n", worst_ang,
           worst_area);
    /* zr_poly_area takes the expansion for a compact polygon and the full series for a large
       one; both give the same hundredths as the full series */
    zr_crs crs;
    CHECK(zr_crs_from_epsg(4527, &crs) == ZR_OK);
    for (int big = 0; big < 2; big++) {
        zr_poly p = {0};
        zr_poly_begin_polygon(&p);
        zr_poly_begin_ring(&p);
        const double r = big ? 5000 : 700;
        for (int i = 0; i < 40; i++)
            zr_poly_add_point(&p, 39e6 + 610000 + r * cos(2 * M_PI * i / 40),
                              3.2e6 + r * sin(2 * M_PI * i / 40));
        zr_poly_add_point(&p, p.xy[0], p.xy[1]);
        zr_poly_finish(&p);
        double lon[41], lat[41];
        for (int i = 0; i < 41; i++)
            geo_gk_inverse_rad(p.xy[2 * i] - 39e6 - 500000, p.xy[2 * i + 1], &lon[i], &lat[i]);
        CHECK(fabs(zr_poly_area(&p, &crs, &scratch) - fabs(geo_ring_area_rad(lon, lat, 41))) <
              1e-6);
        zr_poly_free(&p);
    }
    zr_buf_free(&scratch);
}

/* An area depends on the polygon alone: the same bits in any order of computation (each thread
 * keeps its last expansion, centred on a 500 m cell), across zones and false eastings. */
TEST(area_order_independent) {
    enum { N = 600 };
    static double fwd[N], rev[N];
    zr_crs crs[3];
    CHECK(zr_crs_from_epsg(4527, &crs[0]) == ZR_OK); /* zone 39, prefixed */
    CHECK(zr_crs_from_epsg(4548, &crs[1]) == ZR_OK); /* CM 117, not prefixed */
    CHECK(zr_crs_from_epsg(4498, &crs[2]) == ZR_OK); /* 6-degree zone 20 */
    zr_poly p = {0};
    zr_buf scratch = {0};
    for (int pass = 0; pass < 2; pass++) {
        for (int j = 0; j < N; j++) {
            const int k = pass ? N - 1 - j : j, c = k % 3;
            const double fe = crs[c].prefixed ? crs[c].zone * 1e6 + 500000 : 500000;
            const double x0 = fe - 150000 + (k * 7919 % 300000), y0 = 3.1e6 + (k * 104729 % 900000);
            zr_poly_clear(&p);
            zr_poly_begin_polygon(&p);
            zr_poly_begin_ring(&p);
            for (int i = 0; i < 24; i++) {
                const double r = 30 + (k * 31 + i * 17) % 90, t = 2 * M_PI * i / 24;
                zr_poly_add_point(&p, x0 + r * cos(t), y0 + r * sin(t));
            }
            zr_poly_add_point(&p, p.xy[0], p.xy[1]);
            zr_poly_finish(&p);
            (pass ? rev : fwd)[k] = zr_poly_area(&p, &crs[c], &scratch);
        }
    }
    int same = 0;
    for (int k = 0; k < N; k++)
        same += memcmp(&fwd[k], &rev[k], sizeof fwd[k]) == 0;
    CHECK_EQ_INT(same, N);
    zr_poly_free(&p);
    zr_buf_free(&scratch);
}

TEST(holes_and_multipolygon) {
    zr_crs crs;
    zr_crs_from_epsg(4490, &crs);
    zr_poly p = {0};
    zr_buf scratch = {0};
    const double sq[][2] = {{100, 30}, {101, 30}, {101, 31}, {100, 31}, {100, 30}};
    zr_poly_begin_polygon(&p);
    zr_poly_begin_ring(&p);
    for (int i = 0; i < 5; i++)
        zr_poly_add_point(&p, sq[i][0], sq[i][1]);
    zr_poly_begin_ring(&p); /* a hole: the same cell, any orientation, minus itself */
    for (int i = 4; i >= 0; i--)
        zr_poly_add_point(&p, sq[i][0], sq[i][1]);
    zr_poly_begin_polygon(&p);
    zr_poly_begin_ring(&p);
    for (int i = 0; i < 5; i++)
        zr_poly_add_point(&p, sq[i][0] + 1, sq[i][1]);
    zr_poly_finish(&p);
    CHECK_EQ_INT(zr_round_cents(zr_poly_area(&p, &crs, &scratch)), 1064239343871LL);
    zr_buf wkb = {0};
    CHECK(zr_poly_to_gpkg_blob(&p, 4490, &wkb) == ZR_OK);
    zr_poly q = {0};
    int empty = 1;
    char why[128];
    CHECK(zr_gpkg_blob_to_poly(wkb.data, wkb.len, &q, &empty, why, sizeof why) == ZR_OK);
    CHECK_EQ_INT(q.n_polys, 2);
    CHECK_EQ_INT(q.n_rings, 3);
    CHECK_EQ_INT(q.n_pts, 15);
    CHECK(!empty);
    /* truncation anywhere is an error, never a crash */
    int bad = 0;
    for (size_t n = 0; n < wkb.len; n++)
        bad += zr_gpkg_blob_to_poly(wkb.data, n, &q, &empty, why, sizeof why) != ZR_OK;
    CHECK_EQ_INT(bad, wkb.len);
    const double nanpt[] = {NAN, 1};
    zr_poly_add_point(&p, nanpt[0], nanpt[1]);
    CHECK(isnan(zr_poly_area(&p, &crs, &scratch)));
    zr_poly_free(&p);
    zr_poly_free(&q);
    zr_buf_free(&wkb);
    zr_buf_free(&scratch);
}

/* A polygon of squares (x0 + k, y0) for k in [0, n), one part each. */
static void squares(zr_poly *p, double x0, double y0, int n) {
    zr_poly_clear(p);
    for (int k = 0; k < n; k++) {
        zr_poly_begin_polygon(p);
        zr_poly_begin_ring(p);
        const double sq[][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}};
        for (int i = 0; i < 5; i++)
            zr_poly_add_point(p, x0 + k + sq[i][0], y0 + sq[i][1]);
    }
    zr_poly_finish(p);
}

/* A part GEOS cannot build fails the operation: it is never dropped from a union, an
 * intersection or a validity test (geos.c used to skip it and answer for the rest). */
TEST(geos_no_silent_drop) {
    zr_geos *g = NULL;
    zr_poly a = {0}, b = {0}, out = {0};
    REQUIRE(zr_geos_open(&g) == ZR_OK);
    squares(&a, 0, 0, 2);
    squares(&b, 2, 0, 1);
    const zr_poly *parts[2] = {&a, &b};
    REQUIRE(zr_geos_union(g, parts, 2, &out) == ZR_OK);
    CHECK_EQ_INT(out.n_polys, 1); /* three squares in a row: one polygon */
    double env[4];
    zr_poly_envelope(&out, env);
    CHECK(env[0] == 0 && env[1] == 3);
    /* b gets a second part whose ring has one point: GEOS refuses it */
    zr_poly_begin_polygon(&b);
    zr_poly_begin_ring(&b);
    zr_poly_add_point(&b, 10, 10);
    zr_poly_finish(&b);
    CHECK(zr_geos_union(g, parts, 2, &out) == ZR_ERR_GEOS);
    CHECK(zr_geos_coverage_union(g, parts, 2, &out) == ZR_ERR_GEOS);
    CHECK(zr_geos_intersection(g, &a, &b, &out) == ZR_ERR_GEOS);
    CHECK(zr_geos_errmsg(g)[0] != 0);
    double x, y;
    CHECK(zr_geos_interior_point(g, &b, &x, &y) == ZR_ERR_GEOS);
    int valid = 1;
    char why[256] = "";
    CHECK(zr_geos_is_valid(g, &b, &valid, why, sizeof why) == ZR_OK); /* a verdict: invalid */
    CHECK(!valid && why[0]);
    /* out of memory is a failure, never a verdict of "invalid" */
    squares(&out, 0, 0, 1);
    valid = 1;
    zr_alloc_fail_at(1, 0);
    const zr_status sv = zr_geos_is_valid(g, &out, &valid, why, sizeof why);
    zr_alloc_fail_at(0, 0);
    CHECK(sv == ZR_ERR_NOMEM);
    CHECK(zr_geos_is_valid(g, &out, &valid, why, sizeof why) == ZR_OK && valid);
    /* the faces of a square's four sides and a diagonal: two triangles, or an error */
    const double seg[] = {0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1};
    zr_poly *faces = NULL;
    size_t nf = 0;
    REQUIRE(zr_geos_faces(g, seg, 5, &faces, &nf) == ZR_OK);
    CHECK_EQ_INT(nf, 2);
    for (size_t k = 0; k < nf; k++)
        zr_poly_free(&faces[k]);
    free(faces);
    int64_t failed_ok = 0;
    for (int64_t n = 1; n < 4; n++) { /* each of its allocations failing in turn */
        zr_alloc_fail_at(n, 0);
        const zr_status sf = zr_geos_faces(g, seg, 5, &faces, &nf);
        const int64_t hit = zr_alloc_failed();
        zr_alloc_fail_at(0, 0);
        if (sf == ZR_OK) {
            CHECK(hit == 0 && nf == 2);
            for (size_t k = 0; k < nf; k++)
                zr_poly_free(&faces[k]);
            free(faces);
        } else {
            failed_ok += sf == ZR_ERR_NOMEM && faces == NULL && nf == 0;
        }
    }
    CHECK(failed_ok >= 1);
cleanup:
    zr_poly_free(&a);
    zr_poly_free(&b);
    zr_poly_free(&out);
    zr_geos_close(g);
}

/* Out of memory is never taken for a bad coordinate: a parcel's area needs no allocation, a
 * ring of more than 256 points says ZR_ERR_NOMEM when its scratch cannot grow. */
TEST(area_out_of_memory) {
    zr_crs crs;
    zr_crs_from_epsg(4527, &crs);
    zr_poly small = {0}, big = {0};
    zr_buf scratch = {0};
    double a = 0, b = 0;
    squares(&small, 39500000, 4000000, 3);
    zr_poly_begin_polygon(&big);
    zr_poly_begin_ring(&big);
    for (int i = 0; i < 1000; i++) { /* a circle of 1000 points, radius 100 m */
        const double t = 2 * M_PI * i / 1000;
        zr_poly_add_point(&big, 39500000 + 100 * cos(t), 4000000 + 100 * sin(t));
    }
    zr_poly_finish(&big);
    zr_alloc_fail_at(1, 1);
    const zr_status s1 = zr_poly_area_checked(&small, &crs, &scratch, &a);
    const zr_status s2 = zr_poly_area_checked(&big, &crs, &scratch, &b);
    zr_alloc_fail_at(0, 0);
    CHECK(s1 == ZR_OK && a > 2.9 && a < 3.1);
    CHECK(s2 == ZR_ERR_NOMEM);
    CHECK(zr_poly_area_checked(&big, &crs, &scratch, &b) == ZR_OK);
    CHECK_NEAR(b, M_PI * 1e4, 0.01 * M_PI * 1e4); /* a polygon inscribed in the circle */
    /* a blob that cannot be read for want of memory says so, not garbage */
    zr_buf blob = {0};
    REQUIRE(zr_poly_to_gpkg_blob(&big, 4527, &blob) == ZR_OK);
    zr_poly fresh = {0};
    char why[128];
    memset(why, '@', sizeof why);
    zr_alloc_fail_at(1, 1);
    const zr_status s3 = zr_geom_to_poly(1, blob.data, blob.len, &fresh, why, sizeof why);
    zr_alloc_fail_at(0, 0);
    CHECK(s3 == ZR_ERR_NOMEM);
    CHECK_STR(why, "out of memory");
    zr_buf_free(&blob);
    zr_poly_free(&fresh);
    zr_poly_add_point(&small, NAN, 0);
    CHECK(zr_poly_area_checked(&small, &crs, &scratch, &a) == ZR_ERR_GEOM_INVALID);
cleanup:
    zr_poly_free(&small);
    zr_poly_free(&big);
    zr_buf_free(&scratch);
}

/* zrzy writes the WKT of its 65 CRSs itself; it must be PROJ's, byte for byte. */
TEST(wkt_matches_proj) {
    PJ_CONTEXT *ctx = proj_context_create();
    proj_log_level(ctx, PJ_LOG_NONE);
    int same = 0;
    for (int epsg = 4490; epsg <= 4554; epsg++) {
        char code[16], *ours = NULL;
        snprintf(code, sizeof code, "%d", epsg);
        PJ *pj = proj_create_from_database(ctx, "EPSG", code, PJ_CATEGORY_CRS, 0, NULL);
        const char *opts[] = {"MULTILINE=NO", NULL};
        const char *wkt = pj ? proj_as_wkt(ctx, pj, PJ_WKT1_GDAL, opts) : NULL;
        REQUIRE(wkt && zr_crs_wkt(epsg, &ours) == ZR_OK);
        ZR_TEST_RECORD_(!strcmp(ours, wkt), "EPSG:%d: ours %s, PROJ %s", epsg, ours, wkt);
        same += !strcmp(ours, wkt);
        free(ours);
        proj_destroy(pj);
    }
    char *none = NULL;
    CHECK(zr_crs_wkt(4326, &none) == ZR_ERR_CRS && !none);
    CHECK_EQ_INT(same, 65);
cleanup:
    proj_context_destroy(ctx);
}

TEST(crs_table) {
    zr_crs c;
    CHECK(zr_crs_from_epsg(4527, &c) == ZR_OK && c.zone == 39 && c.prefixed && c.lon0 == 117);
    CHECK(zr_crs_from_epsg(4548, &c) == ZR_OK && c.zone == 39 && !c.prefixed);
    CHECK(zr_crs_from_epsg(4513, &c) == ZR_OK && c.zone == 25);
    CHECK(zr_crs_from_epsg(4554, &c) == ZR_OK && c.zone == 45);
    CHECK(zr_crs_from_epsg(4326, &c) == ZR_ERR_CRS);
    CHECK(zr_crs_from_epsg(4491, &c) == ZR_OK && c.zone == 13 && c.width == 6 && c.prefixed &&
          c.lon0 == 75);
    CHECK(zr_crs_from_epsg(4512, &c) == ZR_OK && c.zone == 23 && !c.prefixed && c.lon0 == 135);
    CHECK(zr_crs_from_epsg(4490, &c) == ZR_OK && c.width == 0);
    CHECK(zr_crs_from_epsg(4489, &c) == ZR_ERR_CRS);
    char *wkt = NULL;
    CHECK(zr_crs_wkt(4527, &wkt) == ZR_OK && wkt && strstr(wkt, "CGCS2000"));
    free(wkt);
}

/* The same parcel in a 6-degree zone (zone 19, CM 111, prefixed) and in a 3-degree zone (zone
 * 38, CM 114, prefixed) has the same ellipsoidal area. */
TEST(six_degree_zones) {
    zr_crs c3, c6;
    zr_poly p3 = {0}, p6 = {0};
    zr_buf sc = {0};
    REQUIRE(zr_crs_from_epsg(4526, &c3) == ZR_OK && c3.lon0 == 114); /* 3-degree zone 38 */
    REQUIRE(zr_crs_from_epsg(4497, &c6) == ZR_OK && c6.lon0 == 111); /* 6-degree zone 19 */
    zr_poly_begin_polygon(&p3), zr_poly_begin_ring(&p3);
    zr_poly_begin_polygon(&p6), zr_poly_begin_ring(&p6);
    for (int i = 0; i <= 24; i++) {
        const double a = 2 * M_PI * (i % 24) / 24;
        const double lon = 113.2 + 0.002 * cos(a) * (1 + 0.2 * sin(3 * a)),
                     lat = 35.1 + 0.0015 * sin(a);
        double x, y;
        zr_gk_forward(c3.lon0, lon, lat, &x, &y);
        zr_poly_add_point(&p3, x + 38e6, y);
        zr_gk_forward(c6.lon0, lon, lat, &x, &y);
        zr_poly_add_point(&p6, x + 19e6, y);
    }
    zr_poly_finish(&p3), zr_poly_finish(&p6);
    const double a3 = zr_poly_area(&p3, &c3, &sc), a6 = zr_poly_area(&p6, &c6, &sc);
    printf("6-degree zone: %.4f m² against %.4f m² in a 3-degree zone\n", a6, a3);
    CHECK(a3 > 50000 && fabs(a3 - a6) < 1e-3);
cleanup:
    zr_poly_free(&p3);
    zr_poly_free(&p6);
    zr_buf_free(&sc);
}

TEST_MAIN(RUN(trapezoid_vector); RUN(six_degree_zones); RUN(gk_matches_proj);
          RUN(gk_local_expansion); RUN(area_order_independent); RUN(parcel_area_vs_geodesic);
          RUN(holes_and_multipolygon); RUN(crs_table); RUN(wkt_matches_proj);
          RUN(geos_no_silent_drop); RUN(area_out_of_memory))
