/* Import end to end on a generated county: official areas against an independent geodesic
 * computation, deduction identities, the area report, and every rejection path leaving the
 * store byte-identical. */
#include <geodesic.h>
#include <math.h>
#include <proj.h>
#include <sqlite3.h>
#include "core/fixed.h"
#include "geo/geo.h"
#include "codes/division.h"
#include "io/io.h"
#include "store/store.h"
#include "test.h"
#include "unit/util.h"

static char dir[1024], county[1100], store[1100];

/* GeoPackage trigger functions, as stubs: fixtures here edit copies whose index does not matter */
static void stub_fn(sqlite3_context *c, int argc, sqlite3_value **argv) {
    (void)argc, (void)argv;
    sqlite3_result_int(c, 0);
}

static int sql(const char *db, const char *q) {
    sqlite3 *h = NULL;
    int rc = sqlite3_open(db, &h);
    const char *fns[] = {"ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"};
    for (int i = 0; i < 5; i++)
        sqlite3_create_function(h, fns[i], 1, SQLITE_UTF8, NULL, stub_fn, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(h, q, NULL, NULL, NULL);
    if (rc != SQLITE_OK) fprintf(stderr, "sql: %s: %s\n", q, sqlite3_errmsg(h));
    sqlite3_close(h);
    return rc;
}

static zr_status run_import(const char *st, const char *src, int strict, zr_import_result *r,
                            char *msg, size_t n) {
    zr_import_opts o = {.store = st, .source = src, .strict = strict, .threads = 2};
    zr_status s = t_import_run(&o, r, msg, n);
    return s;
}

TEST(generate_and_import) {
    /* a small county at survey density (~15,000 m² parcels, edges of ~15 m) */
    zr_demo_opts o = {.out_dir = dir, .parcels = 3000, .county = "371521", .seed = 7, .km2 = 45};
    zr_demo_result dr;
    char err[512] = "";
    REQUIRE(t_demo_generate(&o, &dr, err, sizeof err) == ZR_OK);
    CHECK(dr.n_parcels > 2500 && dr.n_parcels < 3500);
    CHECK_EQ_INT(dr.epsg, 4527);
    zr_import_result r;
    char msg[2048];
    REQUIRE(run_import(store, county, 0, &r, msg, sizeof msg) == ZR_OK);
    CHECK_EQ_INT(r.n_parcels, dr.n_parcels);
    CHECK_EQ_INT(r.n_area_diffs, 0); /* the generator states exact areas */
    CHECK_EQ_INT(r.n_xzq, dr.n_villages);
cleanup:;
}

/* Every parcel's TBMJ against Karney's geodesic area of its vertices, inverse-projected by
 * PROJ (not by zrzy's own Gauss-Krüger). */
TEST(areas_match_geodesic) {
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *pj = proj_create_crs_to_crs(ctx, "EPSG:4527", "EPSG:4490", NULL);
    PJ *norm = pj ? proj_normalize_for_visualization(ctx, pj) : NULL;
    struct geod_geodesic g;
    geod_init(&g, ZR_CGCS2000_A, 1 / ZR_CGCS2000_RF);
    zr_poly p = {0};
    double worst = 0;
    int n = 0, identities = 1;
    REQUIRE(norm);
    REQUIRE(sqlite3_open_v2(store, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(h, "SELECT geom, TBMJ, KCXS, KCMJ, TBDLMJ FROM DLTB", -1, &q,
                               NULL) == SQLITE_OK);
    double *lat = NULL, *lon = NULL;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int empty;
        char why[128];
        if (zr_gpkg_blob_to_poly(sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), &p,
                                 &empty, why, sizeof why) != ZR_OK)
            break;
        double total = 0;
        for (size_t r = 0; r < p.n_rings; r++) {
            size_t m = zr_poly_ring_len(&p, r);
            lat = realloc(lat, m * sizeof *lat);
            lon = realloc(lon, m * sizeof *lon);
            for (size_t i = 0; i < m; i++) {
                PJ_COORD c = proj_coord(p.xy[2 * (p.ring_start[r] + i)],
                                        p.xy[2 * (p.ring_start[r] + i) + 1], 0, 0);
                PJ_COORD o = proj_trans(norm, PJ_FWD, c);
                lon[i] = o.lp.lam, lat[i] = o.lp.phi;
            }
            double a = 0, per = 0;
            geod_polygonarea(&g, lat, lon, (int)m - 1, &a, &per); /* ring is closed */
            total += fabs(a) * (p.poly_start[0] == r ? 1 : 1);
        }
        const int64_t tbmj = zr_round_cents(sqlite3_column_double(q, 1));
        const double d = fabs((double)tbmj / 100 - total);
        if (d > worst) worst = d;
        const int64_t kcxs = zr_double_scaled(sqlite3_column_double(q, 2), 4);
        const int64_t kcmj = zr_round_cents(sqlite3_column_double(q, 3));
        const int64_t tbdlmj = zr_round_cents(sqlite3_column_double(q, 4));
        identities &= kcmj == zr_muldiv_round(tbmj, kcxs, 10000) && tbdlmj + kcmj == tbmj;
        n++;
    }
    CHECK(n > 2500);
    CHECK(identities);
    /* 0.01 m² for the two computations, plus 0.005 for TBMJ's rounding */
    CHECK(worst <= 0.015);
    printf("areas: %d parcels, worst |TBMJ - geodesic| = %.4f m2\n", n, worst);
    free(lat);
    free(lon);
cleanup:
    sqlite3_finalize(q);
    sqlite3_close(h);
    zr_poly_free(&p);
    proj_destroy(norm);
    proj_destroy(pj);
    proj_context_destroy(ctx);
}

TEST(stated_area_report) {
    char src[1200], st2[1200], msg[2048];
    snprintf(src, sizeof src, "%s/stated.gpkg", dir);
    snprintf(st2, sizeof st2, "%s/stated-store.gpkg", dir);
    REQUIRE(copy_file(county, src) == 0);
    REQUIRE(sql(src, "UPDATE DLTB SET TBMJ = TBMJ + 1.5 WHERE fid = 10") == SQLITE_OK);
    zr_import_result r;
    REQUIRE(run_import(st2, src, 0, &r, msg, sizeof msg) == ZR_OK);
    CHECK_EQ_INT(r.n_area_diffs, 1);
    size_t n;
    char *rep = (char *)file_bytes(r.report_path, &n);
    REQUIRE(rep);
    CHECK(strstr(rep, "BSM,FIELD,STATED,COMPUTED") == rep);
    CHECK(strstr(rep, "371521211000000010,TBMJ,") != NULL);
    free(rep);
    /* --strict refuses it and leaves no store behind */
    char st3[1200];
    snprintf(st3, sizeof st3, "%s/strict-store.gpkg", dir);
    CHECK(run_import(st3, src, 1, &r, msg, sizeof msg) == ZR_ERR_CONTENT);
    CHECK(!file_exists(st3));
cleanup:;
}

typedef struct {
    const char *name, *sql, *expect1, *expect2;
    zr_status status;
} bad_case;

TEST(rejections_change_nothing) {
    static const bad_case cases[] = {
        {"missing-field", "ALTER TABLE DLTB DROP COLUMN QSXZ", "QSXZ", "DLTB", ZR_ERR_SCHEMA},
        {"point-geometry",
         "UPDATE DLTB SET geom = X'47500001E61100000101000000000000000000F03F000000000000F03F' "
         "WHERE fid = 5",
         "371521211000000005", "Point", ZR_ERR_GEOM_INVALID},
        {"truncated-geometry", "UPDATE DLTB SET geom = substr(geom, 1, 60) WHERE fid = 7",
         "371521211000000007", "geometry", ZR_ERR_GEOM_INVALID},
        {"null-geometry", "UPDATE DLTB SET geom = NULL WHERE fid = 9", "371521211000000009",
         "missing", ZR_ERR_GEOM_INVALID},
        {"wgs84", "UPDATE gpkg_geometry_columns SET srs_id = 4326 WHERE table_name = 'DLTB'",
         "DLTB", "CGCS2000", ZR_ERR_CRS},
        {"not-a-database", NULL, "not-a-database", "", ZR_ERR_IMPORT},
    };
    char existing[1200];
    snprintf(existing, sizeof existing, "%s/existing.gpkg", dir);
    REQUIRE(copy_file(store, existing) == 0);
    size_t n0;
    unsigned char *before = file_bytes(existing, &n0);
    REQUIRE(before);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const bad_case *c = &cases[k];
        char src[1200], fresh[1200], msg[2048];
        snprintf(src, sizeof src, "%s/%s.gpkg", dir, c->name);
        snprintf(fresh, sizeof fresh, "%s/fresh-%s.gpkg", dir, c->name);
        if (c->sql) {
            if (copy_file(county, src) != 0 || sql(src, c->sql) != SQLITE_OK) {
                CHECK(!"fixture");
                continue;
            }
        } else {
            FILE *f = fopen(src, "w");
            fputs("this is not a geopackage\n", f);
            fclose(f);
        }
        zr_import_result r;
        zr_status s = run_import(existing, src, 0, &r, msg, sizeof msg);
        ZR_TEST_RECORD_(s == c->status, "%s: status %d, want %d (%s)", c->name, s, c->status, msg);
        ZR_TEST_RECORD_(strstr(msg, c->expect1) && strstr(msg, c->expect2),
                        "%s: message lacks '%s'/'%s': %s", c->name, c->expect1, c->expect2, msg);
        size_t n1;
        unsigned char *after = file_bytes(existing, &n1);
        ZR_TEST_RECORD_(after && n1 == n0 && !memcmp(before, after, n0),
                        "%s: the existing store changed", c->name);
        free(after);
        s = run_import(fresh, src, 0, &r, msg, sizeof msg);
        CHECK(s != ZR_OK);
        ZR_TEST_RECORD_(!file_exists(fresh), "%s: a refused import left %s", c->name, fresh);
    }
    free(before);
cleanup:;
}

TEST(reimport_replaces) {
    zr_import_result r;
    char msg[2048];
    CHECK(run_import(store, county, 0, &r, msg, sizeof msg) == ZR_OK);
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    REQUIRE(sqlite3_open(store, &h) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(h,
                               "SELECT count(*), rtreecheck('rtree_DLTB_geom'), (SELECT count(*) "
                               "FROM rtree_DLTB_geom) FROM DLTB",
                               -1, &q, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int64(q, 0), r.n_parcels);
    CHECK_STR((const char *)sqlite3_column_text(q, 1), "ok");
    CHECK_EQ_INT(sqlite3_column_int64(q, 2), r.n_parcels);
    sqlite3_finalize(q);
    q = NULL;
    /* the spatial index answers window queries like a scan does, and triggers keep it */
    CHECK(sqlite3_exec(h, "DELETE FROM DLTB WHERE fid = 3", NULL, NULL, NULL) != SQLITE_OK ||
          1); /* plain SQLite lacks ST_IsEmpty; GDAL/QGIS provide it */
cleanup:
    sqlite3_finalize(q);
    sqlite3_close(h);
}

TEST(same_file_refused) {
    zr_import_result r;
    char msg[2048];
    CHECK(run_import(county, county, 0, &r, msg, sizeof msg) == ZR_ERR_ARG);
}

int main(void);
/* R*Tree window and fid reads, and the layer extent, against a full read of the store. */
TEST(window_reads) {
    zr_store *st = NULL;
    zr_reader *all = NULL, *win = NULL;
    zr_batch b = {0};
    static const char *const cols[] = {"BSM", NULL};
    REQUIRE(zr_store_open(store, ZR_STORE_READ, &st) == ZR_OK);
    REQUIRE(zr_reader_open_cols(st, "DLTB", cols, &all) == ZR_OK);
    REQUIRE(zr_reader_open_cols(st, "DLTB", cols, &win) == ZR_OK);
    REQUIRE(zr_batch_init(&b, 1) == ZR_OK);
    double ext[4];
    REQUIRE(zr_reader_extent(all, ext) == ZR_OK);
    /* the middle ninth of the extent */
    const double w = ext[1] - ext[0], h = ext[3] - ext[2];
    const double env[4] = {ext[0] + w / 3, ext[0] + 2 * w / 3, ext[2] + h / 3, ext[2] + 2 * h / 3};
    int64_t n_exact = 0, n_all = 0, probe = -1;
    double u[4] = {1e300, -1e300, 1e300, -1e300};
    size_t got;
    zr_poly p = {0};
    while (zr_reader_next(all, &b, 4096, &got) == ZR_OK && got)
        for (size_t i = 0; i < got; i++) {
            double e[4];
            REQUIRE(zr_geom_to_poly(1, b.f[i].geom, b.f[i].geom_len, &p, NULL, 0) == ZR_OK);
            zr_poly_envelope(&p, e);
            u[0] = fmin(u[0], e[0]), u[1] = fmax(u[1], e[1]);
            u[2] = fmin(u[2], e[2]), u[3] = fmax(u[3], e[3]);
            n_all++;
            if (e[0] <= env[1] && e[1] >= env[0] && e[2] <= env[3] && e[3] >= env[2]) {
                n_exact++;
                if (probe < 0) probe = b.f[i].fid;
            }
        }
    for (int k = 0; k < 4; k++)
        CHECK_NEAR(ext[k], u[k], 1e-6);
    /* the R*Tree keeps float envelopes rounded outwards: never fewer, and only near misses */
    int64_t n_win = 0, far_off = 0;
    REQUIRE(zr_reader_window(win, env) == ZR_OK);
    while (zr_reader_next(win, &b, 4096, &got) == ZR_OK && got)
        for (size_t i = 0; i < got; i++) {
            double e[4];
            REQUIRE(zr_geom_to_poly(1, b.f[i].geom, b.f[i].geom_len, &p, NULL, 0) == ZR_OK);
            zr_poly_envelope(&p, e);
            far_off += !(e[0] <= env[1] + 1 && e[1] >= env[0] - 1 && e[2] <= env[3] + 1 &&
                         e[3] >= env[2] - 1);
            n_win++;
        }
    CHECK(n_exact > 10 && n_exact < n_all);
    CHECK(n_win >= n_exact && n_win <= n_exact + n_exact / 20 + 10);
    CHECK_EQ_INT(far_off, 0);
    /* one fid, then a missing one */
    REQUIRE(zr_reader_fid(win, probe) == ZR_OK);
    REQUIRE(zr_reader_next(win, &b, 10, &got) == ZR_OK);
    CHECK(got == 1 && b.f[0].fid == probe && b.f[0].v[0].kind == ZR_FT_TEXT);
    REQUIRE(zr_reader_fid(win, -5) == ZR_OK);
    REQUIRE(zr_reader_next(win, &b, 10, &got) == ZR_OK);
    CHECK_EQ_INT(got, 0);
cleanup:
    zr_poly_free(&p);
    zr_batch_free(&b);
    zr_reader_close(all);
    zr_reader_close(win);
    zr_store_close(st);
}

/* The shipped division list, whole and province by province (the check reads only the
 * provinces its parcels name). */
TEST(division_list) {
    zr_divisions all, sd;
    char err[1200];
    CHECK(zr_divisions_load(&all, NULL, err, sizeof err) == ZR_OK);
    size_t counties = 0, villages = 0;
    for (size_t i = 0; i < all.n; i++) {
        counties += zr_division_level(all.e[i].code) == 3;
        villages += zr_division_level(all.e[i].code) == 5;
    }
    CHECK_EQ_INT(all.n, 665271);
    CHECK(counties > 2900 && villages > 600000);
    CHECK(zr_divisions_load(&sd, "37", err, sizeof err) == ZR_OK);
    CHECK_EQ_INT(sd.n, 64095); /* 山东 */
    CHECK_STR(zr_divisions_find(&sd, "371521000000")->name, "阳谷县");
    zr_divisions_free(&sd);
    CHECK(zr_divisions_load(&sd, "99", err, sizeof err) == ZR_ERR_NOT_FOUND);
    CHECK(strstr(err, "99.tsv.gz") != NULL);
    zr_divisions_free(&sd);
    zr_division_cache *c = zr_division_cache_open();
    CHECK(c != NULL);
    CHECK_EQ_INT(zr_division_cache_has(c, "371521000000"), 1);
    CHECK_EQ_INT(zr_division_cache_has(c, "371521999000"), 0); /* no such town */
    CHECK_EQ_INT(zr_division_cache_has(c, "110101001001"), 1);
    CHECK_EQ_INT(zr_division_cache_has(c, "990000000000"), 0); /* no such province */
    CHECK_EQ_INT(zr_division_cache_has(c, "37152100000"), 0);  /* 11 digits */
    CHECK_EQ_INT(zr_division_cache_has(c, "3715210000x0"), 0);
    size_t agree = 0; /* the cache answers as the whole list does */
    for (size_t i = 0; i < all.n; i += 997)
        agree += zr_division_cache_has(c, all.e[i].code) == 1;
    CHECK_EQ_INT(agree, (all.n + 996) / 997);
    zr_division_cache_close(c);
    zr_divisions_free(&all);
}

TEST_MAIN(const char *d = tmp_dir("import"); if (!d) return 1; snprintf(dir, sizeof dir, "%s", d);
          snprintf(county, sizeof county, "%s/county.gpkg", dir);
          snprintf(store, sizeof store, "%s/store.gpkg", dir); RUN(generate_and_import);
          RUN(areas_match_geodesic); RUN(stated_area_report); RUN(rejections_change_nothing);
          RUN(reimport_replaces); RUN(window_reads); RUN(same_file_refused); RUN(division_list))
