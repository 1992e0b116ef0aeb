/* Asset inventory: formulas against worked examples, exact area shares, balanced totals,
 * forced balancing, same inputs → same bytes. */
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <dirent.h>
#include <time.h>
#include "core/fixed.h"
#include "geo/geos_ops.h"
#include "inventory/inv_int.h"
#include "io/io.h"
#include "test.h"
#include "unit/util.h"

static char dir[1024];

/* Sanitizers slow the work down; the cancellation bound scales with them (as test_engines). */
#if defined(__SANITIZE_THREAD__)
#define SLOWDOWN 10
#elif defined(__SANITIZE_ADDRESS__)
#define SLOWDOWN 3
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLOWDOWN 10
#elif __has_feature(address_sanitizer)
#define SLOWDOWN 3
#endif
#endif
#ifndef SLOWDOWN
#define SLOWDOWN 1
#endif

/* 1 when a staging folder (.NAME.zrzy-stage-PID) or a NAME.part is left in folder d. */
static int leftovers(const char *d, const char *sub) {
    char p[1300];
    snprintf(p, sizeof p, "%s/%s", d, sub);
    int found = 0;
    const char *where[2] = {d, p};
    for (int k = 0; k < 2; k++) {
        DIR *h = opendir(where[k]);
        struct dirent *e;
        while (h && (e = readdir(h)))
            found |= strstr(e->d_name, ".zrzy-stage-") != NULL ||
                     (strlen(e->d_name) > 5 && !strcmp(e->d_name + strlen(e->d_name) - 5, ".part"));
        if (h) closedir(h);
    }
    return found;
}

static zr_status ring(zr_poly *p, const double *xy, int n) {
    zr_status s = zr_poly_begin_polygon(p);
    if (!s) s = zr_poly_begin_ring(p);
    for (int i = 0; i < n && !s; i++)
        s = zr_poly_add_point(p, xy[2 * i], xy[2 * i + 1]);
    return s ? s : zr_poly_finish(p);
}

TEST(formulas) {
    /* 年期修正: r = 6 %, m = 30, n = 50 → 0.87330 (STANDARDS §5.4) */
    CHECK_NEAR(inv_term_factor(0.06, 30, 50), 0.87330, 5e-6);
    CHECK_NEAR(inv_term_factor(0.06, 50, 50), 1, 0);
    CHECK_NEAR(inv_term_factor(0.06, -1, 50), 0, 0);
    /* 所有者权益系数 (§5.3) */
    CHECK_NEAR(inv_owner_coefficient("6", "07", 70, 10), 1, 0);
    CHECK_NEAR(inv_owner_coefficient("1", "07", 70, 10), 0.4, 0);
    CHECK_NEAR(inv_owner_coefficient("3", "05", 20, 5), 0.25, 1e-12); /* (20 − 20 + 5)/20 */
    CHECK_NEAR(inv_owner_coefficient("2", "07", 70, 14), 0.2, 1e-12); /* (70 − 70 + 14)/70 */
    CHECK_NEAR(inv_owner_coefficient("2", "05", 40, 10), 0.25, 1e-12);
    CHECK_NEAR(inv_owner_coefficient("2", "06", 50, 60), 1, 0); /* clamped */
    CHECK_EQ_INT(inv_legal_term("07"), 70);
    CHECK_EQ_INT(inv_legal_term("05"), 40);
    CHECK_EQ_INT(inv_legal_term("06"), 50);
    /* 收入权益法: SI 100, K 0.05, i 8 %, 3 years = 5 × (1/1.08 + 1/1.08² + 1/1.08³) */
    CHECK_NEAR(inv_income_rights(100, 0.05, 0.08, 3), 12.885484, 1e-6);
    CHECK_NEAR(inv_income_rights(100, 0.05, 0.08, 0), 0, 0);
    /* 成本逼近法: 取得费 100, 开发 + 税费 50, i 10 %, 2 years: interest 100 × 0.21 + 50 × 0.1 = 26,
       profit 10 % of 150 = 15, price 191, value added 20 % → 229.2 */
    CHECK_NEAR(inv_cost_approach(100, 40, 10, 0.10, 2, 0.10, 0.20), 229.2, 1e-9);
    /* dates */
    CHECK_NEAR(inv_years_between("2013-12-31", "2023-12-31"), 10, 0.01);
    /* dates as Excel and OGR write them */
    char dn[11];
    CHECK(inv_date_norm("2023/12/31", dn) && !strcmp(dn, "2023-12-31"));
    CHECK(inv_date_norm("2023/1/5 0:00:00", dn) && !strcmp(dn, "2023-01-05"));
    CHECK(inv_date_norm("20240229", dn) && !strcmp(dn, "2024-02-29"));
    CHECK(inv_date_norm("2021.06.30T00:00:00", dn) && !strcmp(dn, "2021-06-30"));
    CHECK(!inv_date_norm("2023-02-29", dn)); /* not a leap year */
    CHECK(!inv_date_norm("2023-12-31x", dn));
    CHECK(!inv_date_norm("2023/12-31", dn));
    CHECK(!inv_date_norm("", dn));
    CHECK(isnan(inv_years_between("2023-13-01", "2023-12-31")));
    /* 期日修正: P = round(JG × ZS(base) / ZS(JZRQ), 2): 1460.00 × 112.49 / 100 = 1642.354 */
    CHECK_EQ_INT(zr_muldiv_round(146000, 11249, 10000), 164235);
}

TEST(far_interpolation) {
    char path[1200];
    snprintf(path, sizeof path, "%s/far.csv", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    /* Excel's way: BOM and CRLF */
    fputs("\xEF\xBB\xBFTDYT,JB,RJL,K\r\n07,1,1.0,0.90\r\n07,1,2.0,1.10\r\n07,1,3.0,1.20\r\n", f);
    fclose(f);
    zr_csv t;
    char err[256];
    REQUIRE(zr_csv_read(path, &t, err, sizeof err) == ZR_OK);
    CHECK_EQ_INT(t.nrows, 3);
    CHECK_NEAR(inv_far_factor(&t, "07", 1, 1.5), 1.00, 1e-12);
    CHECK_NEAR(inv_far_factor(&t, "07", 1, 2.5), 1.15, 1e-12);
    CHECK_NEAR(inv_far_factor(&t, "07", 1, 0.2), 0.90, 0); /* clamped at the ends */
    CHECK_NEAR(inv_far_factor(&t, "07", 1, 9.0), 1.20, 0);
    CHECK_NEAR(inv_far_factor(&t, "05", 1, 2.0), 1, 0); /* no row: no correction */
    zr_csv_free(&t);
cleanup:;
}

TEST(forced_balancing) {
    /* a county of two towns of two villages, one row each: 3 × 0.004 ha rounds to 0.01 */
    sum_row r[] = {
        {"", 1, "371521", "合计", "", 4, 0, 0},
        {"", 1, "371521", "农用地", "0103", 4, 0, 0},
        {"", 2, "371521101", "合计", "", 2, 0, 0},
        {"", 2, "371521101", "农用地", "0103", 2, 0, 0},
        {"", 2, "371521102", "合计", "", 2, 0, 0},
        {"", 2, "371521102", "农用地", "0103", 2, 0, 0},
        {"", 3, "371521101001", "合计", "", 1, 0, 0},
        {"", 3, "371521101001", "农用地", "0103", 1, 0, 0},
        {"", 3, "371521101002", "合计", "", 1, 0, 0},
        {"", 3, "371521101002", "农用地", "0103", 1, 0, 0},
        {"", 3, "371521102001", "合计", "", 1, 0, 0},
        {"", 3, "371521102001", "农用地", "0103", 1, 0, 0},
        {"", 3, "371521102002", "合计", "", 1, 0, 0},
        {"", 3, "371521102002", "农用地", "0103", 1, 0, 0},
    };
    const int64_t village[4] = {4400, 4400, 4400, 4399}; /* 0.01 m²: 44 m² each, 0.0044 ha */
    for (int v = 0; v < 4; v++)
        r[6 + 2 * v].area = r[7 + 2 * v].area = village[v];
    r[2].area = r[3].area = village[0] + village[1];
    r[4].area = r[5].area = village[2] + village[3];
    r[0].area = r[1].area = r[2].area + r[4].area;
    int64_t da[14], dv[14];
    REQUIRE(inv_balance(r, 14, da, dv) == ZR_OK);
    CHECK_EQ_INT(da[0], 2); /* 176 m² → 0.02 ha (rounded half-up) */
    CHECK_EQ_INT(da[2] + da[4], da[0]);
    CHECK_EQ_INT(da[6] + da[8], da[2]);
    CHECK_EQ_INT(da[10] + da[12], da[4]);
    for (int k = 0; k < 14; k += 2)
        CHECK_EQ_INT(da[k + 1], da[k]);
    CHECK_EQ_INT(dv[0], 0);
cleanup:;
}

static int64_t cents(const char *s) {
    int64_t v = 0;
    zr_parse_decimal(s, 2, &v);
    return v;
}

TEST(county_run) {
    zr_demo_opts o = {.out_dir = dir, .parcels = 3000, .county = "371521", .seed = 5, .km2 = 200};
    zr_demo_result dr;
    char err[1024] = "", p1[1200], p2[1200], idx[1200], far[1200], min[1200];
    REQUIRE(t_demo_generate(&o, &dr, err, sizeof err) == ZR_OK);
    snprintf(idx, sizeof idx, "%s/price_index.csv", dir);
    snprintf(far, sizeof far, "%s/far.csv", dir);
    snprintf(min, sizeof min, "%s/minerals.csv", dir);
    snprintf(p1, sizeof p1, "%s/inv1", dir);
    snprintf(p2, sizeof p2, "%s/inv2", dir);
    char resv[1200];
    snprintf(resv, sizeof resv, "%s/reserve.csv", dir);
    zr_inventory_opts io = {.parcels = dr.path,
                            .prices = dr.path,
                            .price_index = idx,
                            .far = far,
                            .rights = dr.path,
                            .minerals = min,
                            .reserve = resv,
                            .out_dir = p1,
                            .threads = 2};
    zr_inventory_result r1 = {0}, r2 = {0};
    REQUIRE(t_inventory_run(&io, &r1, err, sizeof err) == ZR_OK);
    CHECK(r1.n_state > 100);
    CHECK(r1.n_pieces > r1.n_state); /* some parcels are split by zones */
    CHECK(r1.n_rights > 0 && r1.n_minerals == 3 && r1.n_reserve == 4);
    io.out_dir = p2;
    io.threads = 1;
    io.batch_rows = 97; /* many batches: the streamed outputs must not depend on them */
    REQUIRE(t_inventory_run(&io, &r2, err, sizeof err) == ZR_OK);
    /* same inputs, same bytes, whatever the threads and batches */
    static const char *const files[] = {"parcels.csv",  "summary.csv", "rights.csv",
                                        "minerals.csv", "reserve.csv", "manifest.txt",
                                        "summary.xlsx", "report.pdf"};
    for (size_t k = 0; k < 8; k++) {
        char a[1300], b[1300];
        size_t na, nb;
        snprintf(a, sizeof a, "%s/%s", p1, files[k]);
        snprintf(b, sizeof b, "%s/%s", p2, files[k]);
        unsigned char *x = file_bytes(a, &na), *y = file_bytes(b, &nb);
        if (k == 5 && x && y) { /* the manifest names the output-independent inputs only */
            ZR_TEST_RECORD_(na == nb && !memcmp(x, y, na), "%s differs", files[k]);
        } else {
            ZR_TEST_RECORD_(x && y && na == nb && !memcmp(x, y, na), "%s differs between runs",
                            files[k]);
        }
        free(x);
        free(y);
    }
    /* area conservation: the pieces of every parcel sum exactly to its TBDLMJ */
    char gpkg[1300];
    snprintf(gpkg, sizeof gpkg, "%s/inventory.gpkg", p1);
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    REQUIRE(sqlite3_open_v2(gpkg, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    REQUIRE(
        sqlite3_prepare_v2(h,
                           "SELECT count(*), sum(s.t != j.a) FROM (SELECT BSM, CAST(round(TBDLMJ "
                           "* 100) AS INTEGER) t FROM SWL) s JOIN (SELECT BSM, sum(CAST(round(AREA "
                           "* 100) AS INTEGER)) a FROM JZL GROUP BY BSM) j USING (BSM)",
                           -1, &q, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int64(q, 0), r1.n_state);
    CHECK_EQ_INT(sqlite3_column_int64(q, 1), 0);
    sqlite3_finalize(q);
    /* one layer (a view) per resource class, together the whole of SWL and of JZL */
    REQUIRE(sqlite3_prepare_v2(
                h,
                "SELECT (SELECT count(*) FROM SWL), (SELECT count(*) FROM SWL_NYD) + (SELECT "
                "count(*) FROM SWL_JSYD) + (SELECT count(*) FROM SWL_WLYD) + (SELECT count(*) FROM "
                "SWL_SL) + (SELECT count(*) FROM SWL_CY) + (SELECT count(*) FROM SWL_SD) + (SELECT "
                "count(*) FROM SWL_QT), (SELECT count(*) FROM JZL_SL) = (SELECT count(*) FROM JZL "
                "WHERE CLASS = '森林'), (SELECT count(*) FROM gpkg_contents WHERE table_name LIKE "
                "'SWL\\_%' ESCAPE '\\')",
                -1, &q, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 0));
    CHECK_EQ_INT(sqlite3_column_int64(q, 2), 1);
    CHECK_EQ_INT(sqlite3_column_int64(q, 3), 7);
    sqlite3_finalize(q);
    /* the 产权 layer: one feature per 宗地 */
    REQUIRE(sqlite3_prepare_v2(h, "SELECT count(*), sum(SYZQYGSZ <= JJJZL2) FROM CQ", -1, &q,
                               NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int64(q, 0), r1.n_rights);
    CHECK_EQ_INT(sqlite3_column_int64(q, 1), r1.n_rights); /* equity never exceeds the value */
    sqlite3_finalize(q);
    sqlite3_close(h);
    /* summary.csv: every 合计 is the exact sum of its unit's rows, and the county total the
       sum of parcels.csv */
    char sp[1300];
    snprintf(sp, sizeof sp, "%s/summary.csv", p1);
    zr_csv t;
    REQUIRE(zr_csv_read(sp, &t, err, sizeof err) == ZR_OK);
    int64_t tot_a = -1, tot_v = -1, sum_a = 0, sum_v = 0, county_a = 0, county_v = 0;
    int balanced = 1;
    for (size_t i = 0; i <= t.nrows; i++) {
        const int is_total = i < t.nrows && !strcmp(zr_csv_cell(&t, i, 2), "合计");
        if (i == t.nrows || is_total) {
            if (tot_a >= 0) balanced &= tot_a == sum_a && tot_v == sum_v;
            if (i == t.nrows) break;
            tot_a = cents(zr_csv_cell(&t, i, 5)), tot_v = cents(zr_csv_cell(&t, i, 6));
            sum_a = sum_v = 0;
            if (!strcmp(zr_csv_cell(&t, i, 0), "县")) county_a = tot_a, county_v = tot_v;
        } else {
            sum_a += cents(zr_csv_cell(&t, i, 5)), sum_v += cents(zr_csv_cell(&t, i, 6));
        }
    }
    CHECK(balanced);
    CHECK_EQ_INT(county_a, r1.area_cents);
    CHECK_EQ_INT(county_v, r1.value_cents);
    /* the same rows as data: row for row what summary.csv says, the county's 合计 first */
    CHECK_EQ_INT(r1.n_rows, t.nrows);
    size_t same = 0;
    for (size_t i = 0; i < t.nrows && i < r1.n_rows; i++) {
        const zr_inventory_row *x = &r1.rows[i];
        static const char *const lv[] = {"", "县", "乡", "村"};
        same += !strcmp(zr_csv_cell(&t, i, 0), lv[x->level]) &&
                !strcmp(zr_csv_cell(&t, i, 1), x->code) && !strcmp(zr_csv_cell(&t, i, 2), x->cls) &&
                !strcmp(zr_csv_cell(&t, i, 3), x->dlbm) &&
                atoll(zr_csv_cell(&t, i, 4)) == x->count &&
                cents(zr_csv_cell(&t, i, 5)) == x->area_cents &&
                cents(zr_csv_cell(&t, i, 6)) == x->value_cents;
    }
    CHECK_EQ_INT(same, t.nrows);
    REQUIRE(r1.n_rows > 0);
    CHECK(r1.rows[0].level == 1 && !strcmp(r1.rows[0].cls, "合计"));
    CHECK_EQ_INT(r1.rows[0].area_cents, r1.area_cents);
    CHECK_EQ_INT(r1.rows[0].value_cents, r1.value_cents);
    /* the displayed (公顷, 万元) county total is the exact total rounded half-up, and every unit's
       displayed rows add up to its displayed 合计 */
    CHECK_EQ_INT(r1.rows[0].area_disp, (r1.area_cents + 5000) / 10000);
    CHECK_EQ_INT(r1.rows[0].value_disp, (r1.value_cents + 5000) / 10000);
    int disp_ok = 1;
    for (size_t i = 0; i < r1.n_rows; i++) {
        if (strcmp(r1.rows[i].cls, "合计")) continue;
        int64_t a = 0, v = 0;
        size_t j = i + 1;
        for (; j < r1.n_rows && strcmp(r1.rows[j].cls, "合计") &&
               r1.rows[j].level == r1.rows[i].level;
             j++)
            a += r1.rows[j].area_disp, v += r1.rows[j].value_disp;
        disp_ok &= a == r1.rows[i].area_disp && v == r1.rows[i].value_disp;
    }
    CHECK(disp_ok);
    /* the other assets' totals: the sums of their tables */
    int64_t eq = 0, mv = 0, rv = 0;
    const char *tabs[3] = {"rights.csv", "minerals.csv", "reserve.csv"};
    const int vcol[3] = {14, 6, 3};
    int64_t *tot[3] = {&eq, &mv, &rv};
    for (int k = 0; k < 3; k++) {
        zr_csv u;
        snprintf(sp, sizeof sp, "%s/%s", p1, tabs[k]);
        REQUIRE(zr_csv_read(sp, &u, err, sizeof err) == ZR_OK);
        for (size_t i = 0; i < u.nrows; i++)
            *tot[k] += cents(zr_csv_cell(&u, i, vcol[k]));
        zr_csv_free(&u);
    }
    CHECK(eq > 0 && mv > 0 && rv > 0);
    CHECK_EQ_INT(r1.rights_equity_cents, eq);
    CHECK_EQ_INT(r1.minerals_value_cents, mv);
    CHECK_EQ_INT(r1.reserve_value_cents, rv);
    zr_csv_free(&t);
cleanup:
    zr_inventory_result_free(&r1);
    zr_inventory_result_free(&r2);
}

/* The GeoPackage triggers call these; the test's UPDATE does not touch the geometry. */
static void st_stub(sqlite3_context *c, int n, sqlite3_value **v) {
    (void)n, (void)v;
    sqlite3_result_int(c, 0);
}

/* A parcel that goes bad after the first batches: the run fails naming it, and the folder of
 * earlier results is left exactly as it was, with no .part files. */
TEST(failure_keeps_results) {
    char err[1024] = "", src[1200], bad[1200], idx[1200], out[1200], cmd[4000];
    snprintf(src, sizeof src, "%s/county.gpkg", dir);
    snprintf(bad, sizeof bad, "%s/county-bad.gpkg", dir);
    snprintf(idx, sizeof idx, "%s/price_index.csv", dir);
    snprintf(out, sizeof out, "%s/inv1", dir); /* county_run's results */
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, bad);
    REQUIRE(system(cmd) == 0);
    sqlite3 *h = NULL;
    REQUIRE(sqlite3_open(bad, &h) == SQLITE_OK);
    static const char *const fns[] = {"ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"};
    for (int k = 0; k < 5; k++)
        sqlite3_create_function(h, fns[k], 1, SQLITE_UTF8, NULL, st_stub, NULL, NULL);
    REQUIRE(sqlite3_exec(h,
                         "UPDATE DLTB SET TBDLMJ = NULL WHERE fid = (SELECT max(fid) FROM DLTB "
                         "WHERE QSXZ IN ('10', '20'))",
                         NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    static const char *const files[] = {"parcels.csv", "inventory.gpkg", "summary.csv",
                                        "manifest.txt", "report.pdf"};
    unsigned char *before[5];
    size_t nb[5];
    for (int k = 0; k < 5; k++) {
        char p[1300];
        snprintf(p, sizeof p, "%s/%s", out, files[k]);
        before[k] = file_bytes(p, &nb[k]);
    }
    zr_inventory_opts io = {
        .parcels = bad, .prices = src, .price_index = idx, .out_dir = out, .batch_rows = 97};
    zr_inventory_result r;
    CHECK(t_inventory_run(&io, &r, err, sizeof err) == ZR_ERR_SCHEMA);
    CHECK(strstr(err, "county-bad.gpkg") && strstr(err, "DLTB") && strstr(err, "BSM=") &&
          strstr(err, "TBDLMJ"));
    for (int k = 0; k < 5; k++) {
        char p[1300];
        size_t na;
        snprintf(p, sizeof p, "%s/%s", out, files[k]);
        unsigned char *after = file_bytes(p, &na);
        ZR_TEST_RECORD_(before[k] && after && na == nb[k] && !memcmp(before[k], after, na),
                        "%s changed by a failed run", files[k]);
        snprintf(p, sizeof p, "%s/%s.part", out, files[k]);
        ZR_TEST_RECORD_(!file_exists(p), "%s.part left behind", files[k]);
        free(after);
        free(before[k]);
    }
    CHECK(!leftovers(dir, "inv1"));
cleanup:;
}

/* A parcel under more zones of its use than any fixed limit: every zone is a piece, and the
 * pieces share TBDLMJ exactly. */
TEST(many_zones) {
    enum { NZ = 150 };
    inv_data d = {0};
    inv_zone *z = calloc(NZ, sizeof *z);
    zr_geos *g = NULL;
    inv_parcel p = {0};
    inv_scratch sc = {0};
    REQUIRE(z && zr_geos_open(&g) == ZR_OK);
    d.z = z, d.nz = NZ;
    for (int k = 0; k < NZ; k++) { /* vertical strips 1 m wide, prices 1.00 … 150.00 */
        double xy[10] = {k, -1, k + 1, -1, k + 1, 2, k, 2, k, -1};
        REQUIRE(ring(&z[k].poly, xy, 5) == ZR_OK);
        zr_poly_envelope(&z[k].poly, z[k].env);
        memcpy(z[k].tdyt, "05", 3);
        z[k].price = 100 * (k + 1);
        z[k].fid = k + 1;
    }
    double xy[10] = {0, 0, NZ, 0, NZ, 1, 0, 1, 0, 0};
    REQUIRE(ring(&p.poly, xy, 5) == ZR_OK);
    zr_poly_envelope(&p.poly, p.env);
    p.dlbm = "0508", p.bsm = "1", memcpy(p.tdyt, "05", 3);
    p.tbdlmj = 15000; /* 150.00 m² */
    REQUIRE(inv_value_parcel(&d, g, &sc, &p, 0) == ZR_OK);
    CHECK_EQ_INT(p.n_pieces, NZ);
    int64_t sum = 0;
    for (size_t k = 0; k < p.n_pieces; k++)
        sum += p.pieces[k].area;
    CHECK_EQ_INT(sum, 15000);
    CHECK_EQ_INT(p.value, 100 * NZ * (NZ + 1) / 2); /* Σ 1 m² × k yuan, in cents */
cleanup:
    for (size_t k = 0; k < p.n_pieces; k++)
        zr_poly_free(&p.pieces[k].poly);
    free(p.pieces);
    zr_poly_free(&p.poly);
    for (int k = 0; z && k < NZ; k++)
        zr_poly_free(&z[k].poly);
    free(z);
    zr_geos_close(g);
    inv_scratch_free(&sc);
}

TEST(bad_inputs) {
    char err[1024] = "", bad[1200], out[1200];
    snprintf(bad, sizeof bad, "%s/bad_index.csv", dir);
    FILE *f = fopen(bad, "w");
    REQUIRE(f);
    fputs("TDYT,RQ,ZS\n01,2021-01-01,100\n", f); /* no base-date row */
    fclose(f);
    char county[1200];
    snprintf(county, sizeof county, "%s/county.gpkg", dir);
    snprintf(out, sizeof out, "%s/inv-bad", dir);
    zr_inventory_opts io = {
        .parcels = county, .prices = county, .price_index = bad, .out_dir = out};
    zr_inventory_result r;
    CHECK(t_inventory_run(&io, &r, err, sizeof err) == ZR_ERR_SCHEMA);
    CHECK(strstr(err, "bad_index.csv") && strstr(err, "2023-12-31"));
    CHECK(!file_exists(out));
    io.base_date = "2023-02-30x";
    CHECK(t_inventory_run(&io, &r, err, sizeof err) == ZR_ERR_ARG);
cleanup:;
}

/* ---- no wrong money: inputs refused, naming where ---- */

/* dst = src with line appended; returns the number of lines src had, 0 on failure. */
static size_t append_line(const char *src, const char *dst, const char *line) {
    size_t n;
    unsigned char *b = file_bytes(src, &n);
    if (!b) return 0;
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += b[i] == '\n';
    FILE *f = fopen(dst, "wb");
    int ok = f && fwrite(b, 1, n, f) == n && fprintf(f, "%s\n", line) > 0;
    if (f) ok &= fclose(f) == 0;
    free(b);
    return ok ? lines : 0;
}

/* The line number (header = 1) of the first line of path starting with prefix (0 when none);
 * what follows the prefix on that line into rest (without the line end). */
static size_t line_of(const char *path, const char *prefix, char rest[64]) {
    FILE *f = fopen(path, "r");
    char buf[512];
    size_t k = 0, found = 0;
    while (f && !found && fgets(buf, sizeof buf, f))
        if (++k && !strncmp(buf, prefix, strlen(prefix))) found = k;
    if (f) fclose(f);
    if (found) {
        snprintf(rest, 64, "%s", buf + strlen(prefix));
        rest[strcspn(rest, "\r\n")] = 0;
    }
    return found;
}

/* dst = a copy of GeoPackage src with sql run on it (the R*Tree triggers' functions stubbed). */
static int gpkg_copy_exec(const char *src, const char *dst, const char *sql) {
    if (copy_file(src, dst) != 0) return -1;
    sqlite3 *h = NULL;
    if (sqlite3_open(dst, &h) != SQLITE_OK) return -1;
    static const char *const fns[] = {"ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"};
    for (int k = 0; k < 5; k++)
        sqlite3_create_function(h, fns[k], 1, SQLITE_UTF8, NULL, st_stub, NULL, NULL);
    const int rc = sql ? sqlite3_exec(h, sql, NULL, NULL, NULL) : SQLITE_OK;
    sqlite3_close(h);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Replace the geometry of feature fid of DLTB in path by the square at (x, y) of side 10. */
static int set_geom(const char *path, int64_t fid, double x, double y) {
    zr_poly p = {0};
    zr_buf blob = {0};
    const double xy[10] = {x, y, x + 10, y, x + 10, y + 10, x, y + 10, x, y};
    int ok = ring(&p, xy, 5) == ZR_OK && zr_poly_to_gpkg_blob(&p, 4527, &blob) == ZR_OK;
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    ok = ok && sqlite3_open(path, &h) == SQLITE_OK;
    static const char *const fns[] = {"ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"};
    for (int k = 0; ok && k < 5; k++)
        sqlite3_create_function(h, fns[k], 1, SQLITE_UTF8, NULL, st_stub, NULL, NULL);
    ok = ok &&
         sqlite3_prepare_v2(h, "UPDATE DLTB SET geom = ? WHERE fid = ?", -1, &q, NULL) == SQLITE_OK;
    ok = ok && sqlite3_bind_blob(q, 1, blob.data, (int)blob.len, SQLITE_TRANSIENT) == SQLITE_OK &&
         sqlite3_bind_int64(q, 2, fid) == SQLITE_OK && sqlite3_step(q) == SQLITE_DONE;
    sqlite3_finalize(q);
    sqlite3_close(h);
    zr_poly_free(&p);
    zr_buf_free(&blob);
    return ok ? 0 : -1;
}

/* The run fails with status st and exactly the message want, leaving nothing behind. */
static void expect_refusal(const zr_inventory_opts *io, zr_status st, const char *want) {
    char err[2048] = "";
    zr_inventory_result r = {0};
    const zr_status s = t_inventory_run(io, &r, err, sizeof err);
    ZR_TEST_RECORD_(s == st, "status %d, expected %d (%s)", s, st, err);
    ZR_TEST_RECORD_(!strcmp(err, want), "message\n    %s\n  expected\n    %s", err, want);
    ZR_TEST_RECORD_(!file_exists(io->out_dir) && !leftovers(dir, "."), "%s: output left",
                    io->out_dir);
    if (!s) zr_inventory_result_free(&r);
}

TEST(money_inputs) {
    char county[1200], idx[1200], bad[1300], gp[1300], want[4096], out[1200], err[1024] = "";
    snprintf(county, sizeof county, "%s/county.gpkg", dir);
    snprintf(idx, sizeof idx, "%s/price_index.csv", dir);
    snprintf(out, sizeof out, "%s/inv-money", dir);
    zr_inventory_opts io = {
        .parcels = county, .prices = county, .price_index = bad, .out_dir = out, .no_pdf = 1};
    /* a second, different index for 05 on the base date, written another way: refused, both
       lines named (whatever their order, no row wins silently) */
    snprintf(bad, sizeof bad, "%s/index-conflict.csv", dir);
    char zs[64], line[128];
    const size_t first = line_of(idx, "05,2023-12-31,", zs);
    const size_t last = append_line(idx, bad, "5,2023/12/31,99") + 1;
    REQUIRE(first > 1 && last > first && strlen(zs) == 6); /* 106.85: two decimals */
    snprintf(want, sizeof want,
             "%s: lines %zu and %zu both give the index of TDYT 05 on 2023-12-31, as %s and "
             "99.00: keep the right one",
             bad, first, last, zs);
    expect_refusal(&io, ZR_ERR_CONTENT, want);
    /* the same row twice (in another form) is the same index: accepted, same values */
    snprintf(bad, sizeof bad, "%s/index-twice.csv", dir);
    snprintf(line, sizeof line, "05,2023/12/31,%s0", zs);
    REQUIRE(append_line(idx, bad, line) > 0);
    zr_inventory_result r = {0};
    REQUIRE(t_inventory_run(&io, &r, err, sizeof err) == ZR_OK);
    zr_inventory_result_free(&r);
    {
        char a[1300], b[1300];
        size_t na, nb;
        snprintf(a, sizeof a, "%s/parcels.csv", out);
        snprintf(b, sizeof b, "%s/inv1/parcels.csv", dir);
        unsigned char *x = file_bytes(a, &na), *y = file_bytes(b, &nb);
        CHECK(x && y && na == nb && !memcmp(x, y, na));
        free(x), free(y);
        snprintf(a, sizeof a, "rm -rf '%s'", out);
        REQUIRE(system(a) == 0);
    }
    /* an index that is not a number, or 0 */
    snprintf(bad, sizeof bad, "%s/index-zero.csv", dir);
    const size_t zl = append_line(idx, bad, "05,2020-01-01,0") + 1;
    snprintf(want, sizeof want, "%s: line %zu: ZS '0' is not a number in (0, 1000000]", bad, zl);
    expect_refusal(&io, ZR_ERR_CONTENT, want);
    io.price_index = idx;
    /* JG of about 1e15 (it overflowed into negative values) */
    snprintf(gp, sizeof gp, "%s/county-jg.gpkg", dir);
    REQUIRE(gpkg_copy_exec(county, gp, "UPDATE JZDJ SET JG = 1e15 WHERE fid = 2") == 0);
    io.prices = gp;
    snprintf(want, sizeof want,
             "%s: layer JZDJ: feature fid=2: field JG: 1e+15 is out of range (0 to 1000000 "
             "yuan/m²)",
             gp);
    expect_refusal(&io, ZR_ERR_CONTENT, want);
    /* a JG in range that the index lifts past the range */
    REQUIRE(gpkg_copy_exec(county, gp,
                           "UPDATE JZDJ SET JG = 999999, TDYT = '01', JZRQ = '2021-01-01' WHERE "
                           "fid = 2") == 0);
    snprintf(want, sizeof want,
             "%s: layer JZDJ: feature fid=2: field JG: 999999.00 yuan/m² × ZS(2023-12-31) / "
             "ZS(2021-01-01) (%s) is out of range (at most 1000000 yuan/m²)",
             gp, idx);
    expect_refusal(&io, ZR_ERR_CONTENT, want);
    io.prices = county;
    /* the first state-owned parcel: TBDLMJ out of range; NaN, Inf and 1e12 coordinates */
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    REQUIRE(sqlite3_open_v2(county, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(h,
                               "SELECT fid, BSM FROM DLTB WHERE QSXZ IN ('10', '20') ORDER BY fid "
                               "LIMIT 1",
                               -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW);
    const int64_t fid = sqlite3_column_int64(q, 0);
    char bsm[64];
    snprintf(bsm, sizeof bsm, "%s", (const char *)sqlite3_column_text(q, 1));
    sqlite3_finalize(q);
    sqlite3_close(h);
    snprintf(gp, sizeof gp, "%s/county-area.gpkg", dir);
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE DLTB SET TBDLMJ = 1e13 WHERE fid = %lld", (long long)fid);
    REQUIRE(gpkg_copy_exec(county, gp, sql) == 0);
    io.parcels = gp;
    snprintf(want, sizeof want,
             "%s: layer DLTB: feature fid=%lld BSM=%s: field TBDLMJ: 1e+13 m² is out of range (at "
             "most 1000000000000)",
             gp, (long long)fid, bsm);
    expect_refusal(&io, ZR_ERR_CONTENT, want);
    const struct {
        double x, y;
        const char *why;
    } geo[] = {
        {NAN, 4e6, "a coordinate is NaN, infinite or beyond 1e9 (outside every CRS)"},
        {39.5e6, INFINITY, "a coordinate is NaN, infinite or beyond 1e9 (outside every CRS)"},
        {1e12, 4e6, "a coordinate is NaN, infinite or beyond 1e9 (outside every CRS)"},
        {39.5e6, 1e12, "a coordinate is NaN, infinite or beyond 1e9 (outside every CRS)"}};
    for (size_t k = 0; k < sizeof geo / sizeof *geo; k++) {
        snprintf(gp, sizeof gp, "%s/county-geom%zu.gpkg", dir, k);
        REQUIRE(gpkg_copy_exec(county, gp, NULL) == 0 &&
                set_geom(gp, fid, geo[k].x, geo[k].y) == 0);
        io.parcels = gp;
        snprintf(want, sizeof want, "%s: layer DLTB: feature fid=%lld BSM=%s: field geometry: %s",
                 gp, (long long)fid, bsm, geo[k].why);
        expect_refusal(&io, ZR_ERR_GEOM_INVALID, want);
    }
    io.parcels = county;
    /* the other assets: a mineral price of 1e15, a reserve interest rate of 500 %, two K for one
       容积率 */
    char min[1200], resv[1200], far[1200];
    snprintf(min, sizeof min, "%s/minerals.csv", dir);
    snprintf(resv, sizeof resv, "%s/reserve.csv", dir);
    snprintf(far, sizeof far, "%s/far.csv", dir);
    snprintf(bad, sizeof bad, "%s/minerals-big.csv", dir);
    REQUIRE(append_line(min, bad, "C9,砂,1.00,万吨,0,0,1e15,1.00,0.04,0.08,10") > 0);
    io.minerals = bad;
    snprintf(want, sizeof want, "%s: line 5 (C9): column JG: 1e15 is out of range (at most 1e+13)",
             bad);
    expect_refusal(&io, ZR_ERR_CONTENT, want);
    io.minerals = NULL;
    snprintf(bad, sizeof bad, "%s/reserve-rate.csv", dir);
    REQUIRE(append_line(resv, bad, "CB9,100.00,1.00,1.00,1.00,5,1.5,0.10,0.15") > 0);
    io.reserve = bad;
    snprintf(want, sizeof want, "%s: line 6 (CB9): column LXL: 5 is out of range (at most 1)", bad);
    expect_refusal(&io, ZR_ERR_CONTENT, want);
    io.reserve = NULL;
    snprintf(bad, sizeof bad, "%s/far-conflict.csv", dir);
    char k0[64];
    const size_t fl = line_of(far, "05,1,0.50,", k0);
    const size_t fk = append_line(far, bad, "05,1,0.5,9.99") + 1;
    REQUIRE(fl > 1);
    io.far = bad, io.rights = county;
    snprintf(want, sizeof want,
             "%s: lines %zu and %zu both give K for TDYT 05, JB 1, RJL 0.5, as %s and 9.99: "
             "keep the right one",
             bad, fl, fk, k0);
    expect_refusal(&io, ZR_ERR_CONTENT, want);
cleanup:;
}

/* Money in 128 bits: a parcel whose value would not fit is refused, never wrapped. */
TEST(value_overflow) {
    inv_data d = {0};
    inv_zone z = {0};
    zr_geos *g = NULL;
    inv_parcel p = {0};
    inv_scratch sc = {0};
    REQUIRE(zr_geos_open(&g) == ZR_OK);
    const double zxy[10] = {-1, -1, 2, -1, 2, 2, -1, 2, -1, -1},
                 pxy[10] = {0, 0, 1, 0, 1, 1, 0, 1, 0, 0};
    REQUIRE(ring(&z.poly, zxy, 5) == ZR_OK && ring(&p.poly, pxy, 5) == ZR_OK);
    zr_poly_envelope(&z.poly, z.env);
    zr_poly_envelope(&p.poly, p.env);
    memcpy(z.tdyt, "05", 3), memcpy(p.tdyt, "05", 3);
    p.dlbm = "0508", p.bsm = "1";
    d.z = &z, d.nz = 1;
    z.price = 100000000;        /* 1,000,000.00 yuan/m², the highest price */
    p.tbdlmj = 100000000000000; /* 10¹² m², the largest area: 10¹⁸ yuan, 10²² in 0.0001 yuan */
    CHECK(inv_value_parcel(&d, g, &sc, &p, 0) == ZR_ERR_LIMIT);
    CHECK(strstr(sc.why, "exceeds 10000000000000 yuan") != NULL);
    free(p.pieces), p.pieces = NULL, p.n_pieces = 0;
    p.tbdlmj = 1000000000000; /* 10¹⁰ m² at 1,000 yuan: 10¹³ yuan, the highest value */
    z.price = 100000;
    CHECK(inv_value_parcel(&d, g, &sc, &p, 0) == ZR_OK);
    CHECK_EQ_INT(p.value, 1000000000000000);
cleanup:
    free(p.pieces);
    zr_poly_free(&p.poly);
    zr_poly_free(&z.poly);
    zr_geos_close(g);
    inv_scratch_free(&sc);
}

/* A GEOS failure in the overlay names the parcel (file, layer, fid, BSM, field) and the zone: a
 * self-intersecting "bow-tie" parcel across two zones of its use. */
TEST(overlay_failure) {
    const double x0 = 39500000, y0 = 4000000; /* in zone 39 of EPSG:4527 */
    inv_data d = {0};
    inv_zone z[2];
    memset(z, 0, sizeof z);
    inv_valuer *v = NULL;
    char err[2048] = "";
    REQUIRE(zr_crs_from_epsg(4527, &d.crs) == ZR_OK);
    for (int k = 0; k < 2; k++) { /* the western and the eastern half */
        const double a = x0 + (k ? 5 : -1), b = x0 + (k ? 11 : 5);
        const double xy[10] = {a, y0 - 1, b, y0 - 1, b, y0 + 11, a, y0 + 11, a, y0 - 1};
        REQUIRE(ring(&z[k].poly, xy, 5) == ZR_OK);
        zr_poly_envelope(&z[k].poly, z[k].env);
        memcpy(z[k].tdyt, "05", 3);
        z[k].price = 10000, z[k].fid = 7 + k;
    }
    d.z = z, d.nz = 2;
    zr_poly bow = {0};
    const double bxy[10] = {x0, y0, x0 + 10, y0 + 10, x0 + 10, y0, x0, y0 + 10, x0, y0};
    REQUIRE(ring(&bow, bxy, 5) == ZR_OK);
    d.geom_is_gpkg = 1;
    REQUIRE(zr_poly_to_gpkg_blob(&bow, 4527, &d.geoms) == ZR_OK);
    zr_poly_free(&bow);
    REQUIRE((d.p = calloc(1, sizeof *d.p)));
    d.n = d.cap = d.live = 1;
    d.p[0] = (inv_parcel){.fid = 46,
                          .bsm = "X1",
                          .dlbm = "0508",
                          .zldwdm = "652302",
                          .tdyt = "05",
                          .cls = "建设用地",
                          .tbdlmj = 10000,
                          .g_len = d.geoms.len};
    d.path = "county.gpkg", d.layer = "DLTB";
    REQUIRE(inv_valuer_open(1, &v) == ZR_OK);
    CHECK(inv_valuer_run(v, &d, err, sizeof err) == ZR_ERR_GEOS);
    static const char want[] =
        "county.gpkg: layer DLTB: feature fid=46 BSM=X1: field geometry: "
        "the overlay with price zone fid=7 failed (";
    ZR_TEST_RECORD_(!strncmp(err, want, sizeof want - 1) && err[strlen(err) - 1] == ')' &&
                        strlen(err) > sizeof want,
                    "message: %s", err);
cleanup:
    inv_valuer_close(v);
    inv_parcels_free(&d);
    zr_poly_free(&z[0].poly), zr_poly_free(&z[1].poly);
}

/* ---- cancellation ---- */

typedef struct {
    atomic_int flag;
    int after_ms;
    double raised, raised_cpu; /* when the flag went up: monotonic and process CPU seconds */
    char phase[32];            /* the phase at that moment */
    char last[32];             /* the latest phase reported */
    pthread_mutex_t mu;
} canceller;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process (every thread): the work done, whatever the machine's load. */
static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void on_progress(void *user, const char *phase, int64_t done, int64_t total) {
    canceller *c = user;
    (void)done, (void)total;
    pthread_mutex_lock(&c->mu);
    snprintf(c->last, sizeof c->last, "%s", phase);
    pthread_mutex_unlock(&c->mu);
}

static void *raise_later(void *arg) {
    canceller *c = arg;
    struct timespec ts = {c->after_ms / 1000, (long)(c->after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&c->mu);
    snprintf(c->phase, sizeof c->phase, "%s", c->last);
    c->raised = now_s(), c->raised_cpu = cpu_s();
    atomic_store(&c->flag, 1);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* A flag raised N ms into a run (16 points spread over a whole run) stops it with
 * ZR_ERR_CANCELLED after at most 100 ms of work — CPU seconds of the process from the flag to
 * the return, the contract's "polled at least every 100 ms of work"; the wall-clock delay is
 * printed, and depends on the load of the machine — and nothing changed: the earlier results
 * byte for byte, no staging folder, no .part file. A run that finishes before the flag
 * publishes its results, which the next tries then compare with. */
TEST(cancellation) {
    char err[1024] = "", county[1200], idx[1200], far[1200], min[1200], resv[1200], out[1200];
    snprintf(county, sizeof county, "%s/county.gpkg", dir);
    snprintf(idx, sizeof idx, "%s/price_index.csv", dir);
    snprintf(far, sizeof far, "%s/far.csv", dir);
    snprintf(min, sizeof min, "%s/minerals.csv", dir);
    snprintf(resv, sizeof resv, "%s/reserve.csv", dir);
    snprintf(out, sizeof out, "%s/inv-cancel", dir);
    canceller c = {.after_ms = 0};
    atomic_init(&c.flag, 0);
    pthread_mutex_init(&c.mu, NULL);
    zr_inventory_opts io = {.parcels = county,
                            .prices = county,
                            .price_index = idx,
                            .far = far,
                            .rights = county,
                            .minerals = min,
                            .reserve = resv,
                            .out_dir = out,
                            .threads = 2,
                            .batch_rows = 500,
                            .ctl = {on_progress, &c, &c.flag}};
    /* raised before the start: nothing at all, not even the folder */
    atomic_store(&c.flag, 1);
    zr_inventory_result r = {0};
    CHECK(t_inventory_run(&io, &r, err, sizeof err) == ZR_ERR_CANCELLED);
    CHECK(!file_exists(out) && !leftovers(dir, "."));
    atomic_store(&c.flag, 0);
    REQUIRE(t_inventory_run(&io, &r, err, sizeof err) == ZR_OK);
    const double full = r.seconds;
    zr_inventory_result_free(&r);
    static const char *const files[] = {"parcels.csv",  "inventory.gpkg", "summary.csv",
                                        "summary.xlsx", "rights.csv",     "minerals.csv",
                                        "reserve.csv",  "report.pdf",     "manifest.txt"};
    enum { NF = sizeof files / sizeof *files };
    unsigned char *before[NF];
    size_t nb[NF];
    for (int k = 0; k < NF; k++) {
        char p[1300];
        snprintf(p, sizeof p, "%s/%s", out, files[k]);
        before[k] = file_bytes(p, &nb[k]);
        REQUIRE(before[k]);
    }
    int cancelled = 0, slow = 0, bounded = 0;
    double worst_wall = 0, worst_cpu = 0;
    char phases[512] = "";
    for (int step = 1; step <= 16; step++) {
        atomic_store(&c.flag, 0);
        c.after_ms = (int)(full * 1000 * step / 16);
        c.last[0] = c.phase[0] = 0;
        pthread_t th;
        REQUIRE(pthread_create(&th, NULL, raise_later, &c) == 0);
        const zr_status st = t_inventory_run(&io, &r, err, sizeof err);
        const double end = now_s(), end_cpu = cpu_s();
        pthread_join(th, NULL);
        zr_inventory_result_free(&r);
        if (st == ZR_OK) { /* finished before the flag: these are now the results */
            for (int k = 0; k < NF; k++) {
                char p[1300];
                snprintf(p, sizeof p, "%s/%s", out, files[k]);
                free(before[k]);
                before[k] = file_bytes(p, &nb[k]);
            }
            continue;
        }
        ZR_TEST_RECORD_(st == ZR_ERR_CANCELLED, "status %d: %s", st, err);
        cancelled++;
        if (!strstr(phases, c.phase))
            snprintf(phases + strlen(phases), sizeof phases - strlen(phases), " %s", c.phase);
        const double wall = end - c.raised, cpu = end_cpu - c.raised_cpu;
        /* from "summary" to "report" report.pdf is being written on its own thread, and cairo's
           PDF (compressing the map: ~170 ms of CPU on a western county) cannot be stopped:
           those stops are printed, not held to the bound (decision 0011) */
        static const char *const in_report[] = {"summary",  "rights",  "commit",
                                                "minerals", "reserve", "report"};
        int reporting = 0;
        for (size_t q = 0; q < sizeof in_report / sizeof *in_report; q++)
            reporting |= !strcmp(c.phase, in_report[q]);
        if (reporting) {
            fprintf(stderr,
                    "  flag at %d ms (%s, report.pdf in progress): stopped after %.0f ms, %.0f ms "
                    "of CPU\n",
                    c.after_ms, c.phase, wall * 1000, cpu * 1000);
        } else {
            bounded++;
            if (wall > worst_wall) worst_wall = wall;
            if (cpu > worst_cpu) worst_cpu = cpu;
            if (cpu > 0.1 * SLOWDOWN) {
                slow++;
                fprintf(stderr, "  flag at %d ms (%s): stopped after %.0f ms, %.0f ms of CPU\n",
                        c.after_ms, c.phase, wall * 1000, cpu * 1000);
            }
        }
        for (int k = 0; k < NF; k++) {
            char p[1300];
            size_t na;
            snprintf(p, sizeof p, "%s/%s", out, files[k]);
            unsigned char *after = file_bytes(p, &na);
            ZR_TEST_RECORD_(after && na == nb[k] && !memcmp(before[k], after, na),
                            "%s changed by a cancelled run (flag at %d ms)", files[k], c.after_ms);
            free(after);
        }
        CHECK(!leftovers(dir, "inv-cancel"));
    }
    fprintf(stderr,
            "  cancelled in phases:%s; of %d stops outside report.pdf the slowest %.0f ms (%.0f "
            "ms of CPU)\n",
            phases, bounded, worst_wall * 1000, worst_cpu * 1000);
    CHECK(cancelled >= 6);
    CHECK(bounded >= 3);
    CHECK_EQ_INT(slow, 0);
    for (int k = 0; k < NF; k++)
        free(before[k]);
cleanup:
    pthread_mutex_destroy(&c.mu);
}

int main(void);
TEST_MAIN(const char *d = tmp_dir("inventory"); if (!d) return 1;
          snprintf(dir, sizeof dir, "%s", d); RUN(formulas); RUN(far_interpolation);
          RUN(forced_balancing); RUN(county_run); RUN(failure_keeps_results); RUN(many_zones);
          RUN(bad_inputs); RUN(money_inputs); RUN(value_overflow); RUN(overlay_failure);
          RUN(cancellation))
