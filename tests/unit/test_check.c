/* Quality check: a hand-made county with one planted defect per rule, compared row by row with
 * the expected findings; and no severity-1 finding on a generated county. */
#include <pthread.h>
#include <stdatomic.h>
#include "codes/codes.h"
#include "core/alloc.h"
#include "core/pool.h"
#include "core/fixed.h"
#include "geo/geo.h"
#include "geo/geos_ops.h"
#include "io/io.h"
#include "qc/qc_int.h"
#include "store/store.h"
#include <sqlite3.h>
#include "test.h"
#include "unit/util.h"

#define X0  39500000.0
#define Y0  4000000.0
#define VIL "371521101255"

static char dir[1024];

typedef struct {
    const char *bsm, *dlbm, *dlmc, *qsxz, *zldwdm, *czcsxm;
    double kcxs;       /* < 0: null */
    double tbmj_delta; /* added to the stated TBMJ and TBDLMJ */
    int stated_kcmj0;  /* state KCMJ 0 whatever KCXS says */
} attrs;

static void ring(zr_poly *p, const double (*pts)[2], int n) {
    zr_poly_begin_ring(p);
    for (int i = 0; i < n; i++)
        zr_poly_add_point(p, X0 + pts[i][0], Y0 + pts[i][1]);
    zr_poly_add_point(p, X0 + pts[0][0], Y0 + pts[0][1]);
}

static void square(zr_poly *p, double x, double y, double w) {
    const double pts[4][2] = {{x, y}, {x + w, y}, {x + w, y + w}, {x, y + w}};
    zr_poly_clear(p);
    zr_poly_begin_polygon(p);
    ring(p, pts, 4);
    zr_poly_finish(p);
}

static int64_t sum_tbmj;

static zr_status put(zr_writer *w, const zr_crs *crs, const zr_poly *p, const attrs *a) {
    zr_buf blob = {0}, sc = {0};
    const double area = zr_poly_area(p, crs, &sc);
    const int64_t tbmj =
        (isfinite(area) ? zr_round_cents(area) : 0) + zr_round_cents(a->tbmj_delta);
    const int64_t kcxs = a->kcxs >= 0 ? zr_double_scaled(a->kcxs, 4) : 0;
    const int64_t kcmj = a->stated_kcmj0 ? 0 : zr_muldiv_round(tbmj, kcxs, 10000);
    char zl[32];
    snprintf(zl, sizeof zl, "%s", a->zldwdm ? a->zldwdm : VIL "0000000");
    zr_value v[ZR_DLTB_NFIELDS] = {0};
    v[ZR_DLTB_BSM] = (zr_value){.kind = a->bsm[0] ? ZR_FT_TEXT : ZR_FT_NULL, .s = a->bsm};
    v[ZR_DLTB_DLBM] = (zr_value){.kind = ZR_FT_TEXT, .s = a->dlbm ? a->dlbm : "0103"};
    v[ZR_DLTB_DLMC] = (zr_value){.kind = ZR_FT_TEXT, .s = a->dlmc ? a->dlmc : "旱地"};
    v[ZR_DLTB_QSXZ] = (zr_value){.kind = ZR_FT_TEXT, .s = a->qsxz ? a->qsxz : "30"};
    v[ZR_DLTB_ZLDWDM] = (zr_value){.kind = ZR_FT_TEXT, .s = zl};
    v[ZR_DLTB_QSDWDM] = (zr_value){.kind = ZR_FT_TEXT, .s = VIL "0000000"};
    v[ZR_DLTB_TBMJ] = (zr_value){.kind = ZR_FT_REAL, .r = (double)tbmj / 100};
    if (a->kcxs >= 0) v[ZR_DLTB_KCXS] = (zr_value){.kind = ZR_FT_REAL, .r = a->kcxs};
    v[ZR_DLTB_KCMJ] = (zr_value){.kind = ZR_FT_REAL, .r = (double)kcmj / 100};
    v[ZR_DLTB_TBDLMJ] = (zr_value){.kind = ZR_FT_REAL, .r = (double)(tbmj - kcmj) / 100};
    const char *dl = a->dlbm ? a->dlbm : "0103";
    if (dl[0] == '0' && dl[1] == '1') v[ZR_DLTB_GDPDJB] = (zr_value){.kind = ZR_FT_TEXT, .s = "1"};
    if (a->czcsxm) v[ZR_DLTB_CZCSXM] = (zr_value){.kind = ZR_FT_TEXT, .s = a->czcsxm};
    zr_status s = zr_poly_to_gpkg_blob(p, 4527, &blob);
    if (!s) s = zr_writer_insert(w, v, blob.data, blob.len);
    if (!s) s = zr_writer_flush(w);
    sum_tbmj += tbmj;
    zr_buf_free(&blob);
    zr_buf_free(&sc);
    return s;
}

/* 4×4 cells of 30 m; cell k = 4j + i. Planted defects are listed in expected[] below. */
static zr_status build(const char *path) {
    zr_crs crs;
    zr_crs_from_epsg(4527, &crs);
    zr_store *st = NULL;
    zr_writer *w = NULL;
    char *wkt = NULL;
    zr_poly p = {0};
    zr_buf blob = {0}, sc = {0};
    sum_tbmj = 0;
    zr_status s = zr_store_open(path, ZR_STORE_CREATE, &st);
    if (!s) s = zr_crs_wkt(4527, &wkt);
    if (!s) s = zr_store_begin(st);
    if (!s) s = zr_store_ensure_srs(st, 4527, "CGCS2000 zone 39", wkt);
    if (!s) s = zr_store_create_layer(st, "DLTB", zr_dltb_fields, ZR_DLTB_NFIELDS, 4527, "");
    if (!s) s = zr_writer_open(st, "DLTB", zr_dltb_fields, ZR_DLTB_NFIELDS, &w);
    for (int k = 0; k < 16 && !s; k++) {
        char bsm[8];
        snprintf(bsm, sizeof bsm, "P%02d", k);
        attrs a = {bsm, NULL, NULL, NULL, NULL, NULL, 0, 0, 0};
        const double x = 30.0 * (k % 4), y = 30.0 * (k / 4);
        square(&p, x, y, 30);
        switch (k) {
            case 0:
                a.dlbm = "0999";
                break; /* A01 */
            case 1:
                a.qsxz = "50";
                break; /* A02 */
            case 2:
                a.zldwdm = VIL "00000";
                break; /* A03: 17 characters */
            case 3:
                a.bsm = "P04";
                break; /* A04 with P04 */
            case 5:
                a.dlbm = "0702";
                a.kcxs = -1;
                break; /* A06 + A07 */
            case 6:
                a.kcxs = 0.1;
                a.stated_kcmj0 = 1;
                break; /* A05 + M02 */
            case 7:
                a.tbmj_delta = 1.0;
                break; /* M01 */
            case 9:
                a.zldwdm = "3715211019990000000";
                break; /* A08 (and A03) */
            case 10: { /* T02: the top-right corner cut off, a 75 m² gap */
                const double pts[5][2] = {{60, 60}, {90, 60}, {90, 80}, {75, 90}, {60, 90}};
                zr_poly_clear(&p);
                zr_poly_begin_polygon(&p);
                ring(&p, pts, 5);
                zr_poly_finish(&p);
                break;
            }
            case 11: { /* G02: a repeated vertex */
                const double pts[5][2] = {{90, 60}, {120, 60}, {120, 60}, {120, 90}, {90, 90}};
                zr_poly_clear(&p);
                zr_poly_begin_polygon(&p);
                ring(&p, pts, 5);
                zr_poly_finish(&p);
                break;
            }
            case 15: { /* an L, and S15 (a 10 m square, S01) in its notch */
                const double pts[6][2] = {{90, 90},   {120, 90},  {120, 110},
                                          {110, 110}, {110, 120}, {90, 120}};
                zr_poly_clear(&p);
                zr_poly_begin_polygon(&p);
                ring(&p, pts, 6);
                zr_poly_finish(&p);
                break;
            }
        }
        s = put(w, &crs, &p, &a);
        if (!s && k == 8) { /* T01: D08 is a copy of P08 */
            attrs dup = {"D08", NULL, NULL, NULL, NULL, NULL, 0, 0, 0};
            s = put(w, &crs, &p, &dup);
        }
    }
    attrs small = {"S15", NULL, NULL, NULL, NULL, NULL, 0, 0, 0};
    square(&p, 110, 110, 10);
    if (!s) s = put(w, &crs, &p, &small);
    attrs out = {"X01", NULL, NULL, NULL, NULL, NULL, 0, 0, 0}; /* T03: outside the village */
    square(&p, 200, 0, 30);
    if (!s) s = put(w, &crs, &p, &out);
    attrs bow = {"B01", NULL, NULL, NULL, NULL, NULL, 0, 0, 0}; /* G01: a bow tie */
    const double bt[4][2] = {{300, 0}, {330, 30}, {330, 0}, {300, 30}};
    zr_poly_clear(&p);
    zr_poly_begin_polygon(&p);
    ring(&p, bt, 4);
    zr_poly_finish(&p);
    if (!s) s = put(w, &crs, &p, &bow);
    if (!s) s = zr_writer_close(w);
    /* the village: the 120 m square, with every grid vertex on its outline */
    if (!s) s = zr_store_create_layer(st, "XZQ", zr_xzq_fields, ZR_XZQ_NFIELDS, 4527, "");
    if (!s) s = zr_writer_open(st, "XZQ", zr_xzq_fields, ZR_XZQ_NFIELDS, &w);
    if (!s) {
        zr_poly_clear(&p);
        zr_poly_begin_polygon(&p);
        zr_poly_begin_ring(&p);
        for (int i = 0; i < 4; i++)
            zr_poly_add_point(&p, X0 + 30 * i, Y0);
        for (int j = 0; j < 4; j++)
            zr_poly_add_point(&p, X0 + 120, Y0 + 30 * j);
        for (int i = 4; i > 0; i--)
            zr_poly_add_point(&p, X0 + 30 * i, Y0 + 120);
        for (int j = 4; j >= 0; j--)
            zr_poly_add_point(&p, X0, Y0 + 30 * j);
        zr_poly_finish(&p);
        zr_value v[ZR_XZQ_NFIELDS] = {0};
        v[ZR_XZQ_XZQDM] = (zr_value){.kind = ZR_FT_TEXT, .s = VIL};
        v[ZR_XZQ_DCMJ] = (zr_value){.kind = ZR_FT_REAL, .r = (double)sum_tbmj / 100};
        s = zr_poly_to_gpkg_blob(&p, 4527, &blob);
        if (!s) s = zr_writer_insert(w, v, blob.data, blob.len);
        if (!s) s = zr_writer_close(w);
        w = NULL;
    }
    if (!s) s = zr_store_commit(st);
    zr_store_close(st);
    free(wkt);
    zr_poly_free(&p);
    zr_buf_free(&blob);
    zr_buf_free(&sc);
    return s;
}

/* rule,bsm,other_bsm,area — one line per expected finding, in errors.csv order. */
static const char *const expected[] =
    {
        "G01,B01,,",
        "G02,B01,,0.00", /* the bow tie's two lobes cancel: a zero-area part */
        "G02,P11,,",
        "T01,P08,D08,900.00",
        "T02,P10,P14,75.00",
        "T03,X01,,900.00",
        "A01,P00,,",
        "A02,P01,,",
        "A03,P02,,",
        "A03,P09,,", /* village 371521101999 is not in the boundary layer either */
        "A04,P04,,",
        "A04,P04,,",
        "A05,P06,,",
        "A06,P00,,", /* 0999 starts with 09: 特殊用地 needs a CZCSXM too */
        "A06,P05,,",
        "A07,P05,,",
        "A08,P09,,",
        "M01,P07,,1.00",
        "M02,P06,,",
        "M03,371521,,",       /* JSMJ: D08, X01, S15, M01's metre and the gap */
        "M03,371521101,,",    /* the same for the town */
        "M03,371521101255,,", /* and the village (without P09) */
        "M03,371521101255,,", /* DCMJ: P09 counts in another village */
        "S01,B01,,0.00",
        "S01,S15,,100.00",
};

TEST(planted_defects) {
    char path[1200], out[1200], csv[1300];
    snprintf(path, sizeof path, "%s/planted.gpkg", dir);
    snprintf(out, sizeof out, "%s/planted-check", dir);
    REQUIRE(build(path) == ZR_OK);
    zr_check_opts o = {.source = path, .out_dir = out, .threads = 2};
    zr_check_result r;
    char err[1024] = "";
    REQUIRE(t_check_run(&o, &r, err, sizeof err) == ZR_OK);
    CHECK_EQ_INT(r.n_parcels, 20);
    CHECK(!r.passed); /* 20 parcels: the 一类错误图斑 rate is far above 3 % */
    snprintf(csv, sizeof csv, "%s/errors.csv", out);
    FILE *f = fopen(csv, "r");
    REQUIRE(f);
    char line[2048];
    size_t k = 0, n_exp = sizeof expected / sizeof expected[0];
    REQUIRE(fgets(line, sizeof line, f));
    CHECK_STR(line, "rule,severity,bsm,other_bsm,x,y,area,message\n");
    while (fgets(line, sizeof line, f)) {
        /* keep rule, bsm, other_bsm, area (drop severity, x, y, message) */
        char *fld[8] = {0}, *p = line;
        for (int i = 0; i < 8 && p; i++) {
            fld[i] = p;
            p = i < 7 ? strchr(p, ',') : NULL;
            if (p) *p++ = 0;
        }
        char got[256];
        snprintf(got, sizeof got, "%s,%s,%s,%s", fld[0], fld[2], fld[3], fld[6] ? fld[6] : "");
        if (!strcmp(fld[0], "M03")) snprintf(got, sizeof got, "M03,%s,,", fld[2]);
        if (k < n_exp)
            ZR_TEST_RECORD_(!strcmp(got, expected[k]), "finding %zu: got '%s', want '%s'", k, got,
                            expected[k]);
        else
            ZR_TEST_RECORD_(0, "unexpected finding '%s'", got);
        k++;
    }
    fclose(f);
    CHECK_EQ_INT(k, n_exp);
    char p2[1300];
    size_t n;
    snprintf(p2, sizeof p2, "%s/report.pdf", out);
    unsigned char *pdf = file_bytes(p2, &n);
    CHECK(pdf && n > 1000 && !memcmp(pdf, "%PDF", 4));
    free(pdf);
    snprintf(p2, sizeof p2, "%s/report.xlsx", out);
    unsigned char *x = file_bytes(p2, &n);
    CHECK(x && n > 1000 && !memcmp(x, "PK", 2));
    free(x);
    snprintf(p2, sizeof p2, "%s/errors.gpkg", out);
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    REQUIRE(sqlite3_open_v2(p2, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    /* a point layer that QGIS reads as one: declared column type and metadata agree */
    REQUIRE(sqlite3_prepare_v2(
                h,
                "SELECT (SELECT type FROM pragma_table_info('errors') WHERE name = "
                "'geom'), (SELECT geometry_type_name FROM gpkg_geometry_columns), "
                "(SELECT count(*) FROM errors), (SELECT count(*) FROM rtree_errors_geom)",
                -1, &q, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(q, 0), "POINT");
    CHECK_STR((const char *)sqlite3_column_text(q, 1), "POINT");
    CHECK_EQ_INT(sqlite3_column_int64(q, 2), (int64_t)n_exp);
    CHECK_EQ_INT(sqlite3_column_int64(q, 3), (int64_t)n_exp);
    sqlite3_finalize(q);
    sqlite3_close(h);
cleanup:;
}

/* Findings sorted into runs on temporary files (3 held at a time: 9 runs to merge) give the
 * same errors.csv and the same counts as findings held in memory. */
TEST(findings_spilled) {
    char path[1200], held[1300], csv[1300], out[1200], err[1024] = "";
    snprintf(path, sizeof path, "%s/planted.gpkg", dir);
    snprintf(held, sizeof held, "%s/planted-check/errors.csv", dir);
    snprintf(out, sizeof out, "%s/planted-spilled", dir);
    size_t nh, ns;
    unsigned char *want = file_bytes(held, &nh);
    REQUIRE(want);
    zr_check_opts o = {.source = path, .out_dir = out, .threads = 2, .findings_held = 3};
    zr_check_result r;
    REQUIRE(t_check_run(&o, &r, err, sizeof err) == ZR_OK);
    snprintf(csv, sizeof csv, "%s/errors.csv", out);
    unsigned char *got = file_bytes(csv, &ns);
    CHECK(got && ns == nh && !memcmp(got, want, nh));
    CHECK_EQ_INT(r.n_findings, (int64_t)(sizeof expected / sizeof expected[0]));
    free(got);
    free(want);
    /* and the same errors.gpkg rows, geometry included */
    char g1[1300], g2[1300];
    snprintf(g1, sizeof g1, "%s/planted-check/errors.gpkg", dir);
    snprintf(g2, sizeof g2, "%s/errors.gpkg", out);
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    REQUIRE(sqlite3_open_v2(g1, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    char sql[3000];
    snprintf(sql, sizeof sql,
             "ATTACH '%s' AS b; SELECT count(*) FROM (SELECT rule, bsm, other_bsm, area, message, "
             "hex(geom) FROM errors EXCEPT SELECT rule, bsm, other_bsm, area, message, hex(geom) "
             "FROM b.errors)",
             g2);
    char *attach = strstr(sql, ";");
    *attach = 0;
    REQUIRE(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(h, attach + 2, -1, &q, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int64(q, 0), 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
cleanup:;
}

TEST(no_false_positives) {
    char out[1200], err[1024] = "";
    zr_demo_opts o = {.out_dir = dir, .parcels = 4000, .county = "371521", .seed = 11};
    zr_demo_result dr;
    REQUIRE(t_demo_generate(&o, &dr, err, sizeof err) == ZR_OK);
    snprintf(out, sizeof out, "%s/clean-check", dir);
    zr_check_opts co = {.source = dr.path, .out_dir = out, .threads = 2};
    zr_check_result r;
    REQUIRE(t_check_run(&co, &r, err, sizeof err) == ZR_OK);
    CHECK_EQ_INT(r.n_parcels, dr.n_parcels);
    CHECK_EQ_INT(r.n_sev1, 0);
    CHECK(r.passed);
    CHECK(strlen(r.input_sha256) == 64);
    /* streamed, by tiles of 300 parcels: still clean (every tile seam cancels) */
    co.tile_parcels = 300;
    REQUIRE(t_check_run(&co, &r, err, sizeof err) == ZR_OK);
    CHECK_EQ_INT(r.n_parcels, dr.n_parcels);
    CHECK_EQ_INT(r.n_findings, 0);
cleanup:;
}

/* Tiled mode (parcels streamed, topology tile by tile through the R*Tree) finds exactly what
 * held mode finds: the same errors.csv, byte for byte, from 1, 2 and 7 parcels a tile; and so
 * does held mode reading chunks of 1, 2 and 7 parcels (edges meet their twins across chunks). */
TEST(planted_defects_tiled) {
    char path[1200], held[1300], csv[1300];
    snprintf(path, sizeof path, "%s/planted.gpkg", dir);
    snprintf(held, sizeof held, "%s/planted-check/errors.csv", dir);
    size_t nh, nt;
    unsigned char *want = file_bytes(held, &nh);
    REQUIRE(want);
    static const int64_t sizes[] = {1, 2, 7};
    for (int k = 0; k < 6; k++) {
        const int tiled = k < 3;
        char out[1200], err[1024] = "";
        snprintf(out, sizeof out, "%s/planted-%s-%d", dir, tiled ? "tiled" : "chunks", k);
        zr_check_opts o = {.source = path, .out_dir = out, .threads = 2};
        if (tiled)
            o.tile_parcels = sizes[k];
        else
            o.chunk_rows = sizes[k - 3];
        zr_check_result r;
        ZR_TEST_RECORD_(t_check_run(&o, &r, err, sizeof err) == ZR_OK, "run %d: %s", k, err);
        snprintf(csv, sizeof csv, "%s/errors.csv", out);
        unsigned char *got = file_bytes(csv, &nt);
        ZR_TEST_RECORD_(got && nt == nh && !memcmp(got, want, nh),
                        "errors.csv with %lld parcels a %s differs from held mode",
                        (long long)sizes[k % 3], tiled ? "tile" : "chunk");
        free(got);
    }
    free(want);
cleanup:;
}

TEST(catalogue_override) {
    char rules[1200], out[1200], path[1200], err[1024] = "";
    snprintf(rules, sizeof rules, "%s/rules.tsv", dir);
    snprintf(path, sizeof path, "%s/planted.gpkg", dir);
    snprintf(out, sizeof out, "%s/override-check", dir);
    FILE *f = fopen(rules, "w");
    REQUIRE(f);
    fputs(
        "\xEF\xBB\xBFversion\tlocal-"
        "1\r\nS01\t小于最小上图面积\t2\t0\t0\r\nT02\t图斑缝隙\t1\t100\t1\r\n",
        f);
    fclose(f);
    zr_check_opts o = {.source = path, .out_dir = out, .rules_path = rules, .threads = 1};
    zr_check_result r;
    REQUIRE(t_check_run(&o, &r, err, sizeof err) == ZR_OK);
    CHECK_STR(r.version, "local-1");
    CHECK_EQ_INT(r.n_findings,
                 (long)(sizeof expected / sizeof expected[0]) - 3); /* no S01 ×2, T02 */
    f = fopen(rules, "w");
    fputs("version\tx\nZ99\tbad\t1\t0\t1\n", f);
    fclose(f);
    CHECK(t_check_run(&o, &r, err, sizeof err) == ZR_ERR_ARG);
    CHECK(strstr(err, "Z99") != NULL);
cleanup:;
}

/* ---- hostile parcels: one bad geometry must not sink a check ---- */

enum { H_INF, H_PARTS, H_VERTICES, H_BIG_RING };

/* A 4×4 county of 30 m squares (as build()) whose cell 5 is replaced by a hostile parcel H01:
 * a vertex at +Inf, a MULTIPOLYGON of 100,000 parts, a ring of 2,000,000 vertices, or a ring
 * of 70,000 vertices (below the limits: checked in full, by GEOS). */
static zr_status build_hostile(const char *path, int kind) {
    zr_crs crs;
    zr_crs_from_epsg(4527, &crs);
    zr_store *st = NULL;
    zr_writer *w = NULL;
    char *wkt = NULL;
    zr_poly p = {0};
    zr_buf blob = {0};
    sum_tbmj = 0;
    zr_status s = zr_store_open(path, ZR_STORE_CREATE, &st);
    if (!s) s = zr_crs_wkt(4527, &wkt);
    if (!s) s = zr_store_begin(st);
    if (!s) s = zr_store_ensure_srs(st, 4527, "CGCS2000 zone 39", wkt);
    if (!s) s = zr_store_create_layer(st, "DLTB", zr_dltb_fields, ZR_DLTB_NFIELDS, 4527, "");
    if (!s) s = zr_writer_open(st, "DLTB", zr_dltb_fields, ZR_DLTB_NFIELDS, &w);
    for (int k = 0; k < 16 && !s; k++) {
        char bsm[8];
        snprintf(bsm, sizeof bsm, k == 5 ? "H01" : "P%02d", k);
        attrs a = {bsm, NULL, NULL, NULL, NULL, NULL, 0, 0, 0};
        const double x = 30.0 * (k % 4), y = 30.0 * (k / 4);
        square(&p, x, y, 30);
        if (k == 5) {
            zr_poly_clear(&p);
            zr_poly_begin_polygon(&p);
            if (kind == H_INF) { /* the cell with one vertex thrown to infinity */
                const double pts[4][2] = {{x, y}, {x + 30, y}, {INFINITY, y + 30}, {x, y + 30}};
                ring(&p, pts, 4);
            } else if (kind == H_PARTS) { /* 100,000 squares of 5 cm in a 316 × 316 grid */
                for (int i = 0; i < 100000 && !s; i++) {
                    const double px = x + 0.09 * (i % 316), py = y + 0.09 * (i / 316);
                    const double pts[4][2] = {
                        {px, py}, {px + 0.05, py}, {px + 0.05, py + 0.05}, {px, py + 0.05}};
                    if (i) zr_poly_begin_polygon(&p);
                    ring(&p, pts, 4);
                }
            } else { /* a star-shaped ring inside the cell: radius 10–14 m around its centre */
                const int n = kind == H_VERTICES ? 2000000 : 70000;
                zr_poly_begin_ring(&p);
                for (int i = 0; i < n; i++) {
                    const double t = 2 * M_PI * i / n, r = 12 + 2 * sin(3000 * t);
                    zr_poly_add_point(&p, X0 + x + 15 + r * cos(t), Y0 + y + 15 + r * sin(t));
                }
                zr_poly_add_point(&p, X0 + x + 15 + 12, Y0 + y + 15);
            }
            zr_poly_finish(&p);
        }
        if (!s) s = put(w, &crs, &p, &a);
    }
    if (!s) s = zr_writer_close(w);
    if (!s) s = zr_store_create_layer(st, "XZQ", zr_xzq_fields, ZR_XZQ_NFIELDS, 4527, "");
    if (!s) s = zr_writer_open(st, "XZQ", zr_xzq_fields, ZR_XZQ_NFIELDS, &w);
    if (!s) {
        square(&p, 0, 0, 120);
        zr_value v[ZR_XZQ_NFIELDS] = {0};
        v[ZR_XZQ_XZQDM] = (zr_value){.kind = ZR_FT_TEXT, .s = VIL};
        v[ZR_XZQ_DCMJ] = (zr_value){.kind = ZR_FT_REAL, .r = (double)sum_tbmj / 100};
        s = zr_poly_to_gpkg_blob(&p, 4527, &blob);
        if (!s) s = zr_writer_insert(w, v, blob.data, blob.len);
        if (!s) s = zr_writer_close(w);
    }
    if (!s) s = zr_store_commit(st);
    zr_store_close(st);
    free(wkt);
    zr_poly_free(&p);
    zr_buf_free(&blob);
    return s;
}

/* Rows of errors.csv for rule (e.g. "G01,") whose line contains want; -1 when unreadable. */
static int count_rows(const char *csv, const char *rule, const char *want) {
    FILE *f = fopen(csv, "r");
    if (!f) return -1;
    char line[4096];
    int k = 0;
    while (fgets(line, sizeof line, f))
        k += !strncmp(line, rule, strlen(rule)) && strstr(line, want) != NULL;
    fclose(f);
    return k;
}

/* Each hostile parcel is one G01 finding naming it and why; the run goes on (the other
 * fifteen parcels are checked, the hole it leaves is a T02 gap named by its neighbours), held
 * and by tiles, and the work stays in proportion to the input. */
TEST(hostile_parcels) {
    static const char *const names[] = {"inf", "parts", "vertices", "bigring"};
    static const char *const why[] = {"NaN, infinite", "100000 polygon parts", "2000001 vertices",
                                      ""};
    for (int kind = H_INF; kind <= H_BIG_RING; kind++) {
        char path[1200], out[1200], csv[1300], err[1024] = "";
        snprintf(path, sizeof path, "%s/hostile-%s.gpkg", dir, names[kind]);
        snprintf(out, sizeof out, "%s/hostile-%s-check", dir, names[kind]);
        snprintf(csv, sizeof csv, "%s/errors.csv", out);
        REQUIRE(build_hostile(path, kind) == ZR_OK);
        unsigned char *held = NULL; /* held mode's errors.csv: tiles must give the same bytes */
        size_t n_held = 0;
        for (int tiled = 0; tiled < (kind == H_BIG_RING ? 1 : 2); tiled++) {
            zr_check_opts o = {.source = path, .out_dir = out, .threads = 2};
            if (tiled) o.tile_parcels = 4;
            zr_check_result r;
            const double t0 = zr_now();
            const zr_status s = t_check_run(&o, &r, err, sizeof err);
            const double secs = zr_now() - t0;
            ZR_TEST_RECORD_(s == ZR_OK, "%s%s: %s", names[kind], tiled ? " (tiles)" : "", err);
            if (s) continue;
            printf("hostile %s%s: %.2f s\n", names[kind], tiled ? " by tiles" : "", secs);
            CHECK_EQ_INT(r.n_parcels, 16);
            size_t nb;
            unsigned char *bytes = file_bytes(csv, &nb);
            if (!tiled) {
                held = bytes, n_held = nb;
            } else {
                ZR_TEST_RECORD_(held && bytes && nb == n_held && !memcmp(held, bytes, nb),
                                "%s: errors.csv by tiles differs from held mode", names[kind]);
                free(bytes);
            }
            if (kind == H_BIG_RING) { /* below the limits: valid, and its annulus a gap */
                CHECK_EQ_INT(count_rows(csv, "G01,", ""), 0);
                CHECK_EQ_INT(count_rows(csv, "T02,", "H01"), 1);
                continue;
            }
            CHECK_EQ_INT(r.rules[0].findings, 1);
            CHECK_STR(r.rules[0].id, "G01");
            ZR_TEST_RECORD_(count_rows(csv, "G01,1,H01,", why[kind]) == 1,
                            "%s: no G01 row for H01 saying '%s'", names[kind], why[kind]);
            /* the parcel takes no part in the topology: its cell is a gap between P01 … P09 */
            CHECK_EQ_INT(count_rows(csv, "T02,1,P", "900.00"), 1);
        }
        free(held);
    }
cleanup:;
}

/* A run stopped at any phase — by the caller's flag, or by its findings callback — leaves the
 * earlier results byte-identical and no stage behind; the findings callback sees errors.csv's
 * rows in its order, and the per-rule counts add up. */
typedef struct {
    atomic_int flag;
    const char *at; /* raise the flag when this phase is reported */
    int seen;
} cancel_at;

static void raise_at(void *user, const char *phase, int64_t done, int64_t total) {
    (void)done, (void)total;
    cancel_at *c = user;
    if (!strcmp(phase, c->at)) c->seen = 1, atomic_store(&c->flag, 1);
}

typedef struct {
    FILE *f; /* errors.csv lines rebuilt from the findings */
    int64_t n, stop_after;
} collect;

static zr_status collect_finding(void *user, const zr_check_finding *x) {
    collect *c = user;
    if (c->stop_after && c->n == c->stop_after) return ZR_ERR_IO;
    c->n++;
    char a[32] = "";
    if (x->has_area) zr_fmt_scaled(a, x->area, 2);
    fprintf(c->f, "%s,%d,", x->rule, x->severity);
    zr_csv_write_field(c->f, x->bsm);
    fputc(',', c->f);
    zr_csv_write_field(c->f, x->other_bsm);
    fprintf(c->f, ",%.3f,%.3f,%s,", x->x, x->y, a);
    zr_csv_write_field(c->f, x->message);
    fputc('\n', c->f);
    return ZR_OK;
}

static int stage_left(const char *parent) {
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q zrzy-stage", parent);
    return system(cmd) == 0;
}

TEST(cancel_and_findings_as_data) {
    char path[1200], out[1200], err[1024] = "";
    static const char *const files[] = {"errors.csv", "errors.gpkg", "report.xlsx", "report.pdf"};
    snprintf(path, sizeof path, "%s/planted.gpkg", dir);
    snprintf(out, sizeof out, "%s/planted-check", dir);
    unsigned char *before[4] = {0};
    size_t n_before[4];
    for (int k = 0; k < 4; k++) {
        char f[1300];
        snprintf(f, sizeof f, "%s/%s", out, files[k]);
        REQUIRE((before[k] = file_bytes(f, &n_before[k])) != NULL);
    }
    static const char *const phases[] = {"open",  "rules", "duplicates",
                                         "edges", "faces", "outputs"};
    for (int i = 0; i < 7; i++) {
        cancel_at c = {0, i < 6 ? phases[i] : "", 0};
        collect col = {tmpfile(), 0, i == 6 ? 5 : 0}; /* 6: the callback fails at its 6th */
        REQUIRE(col.f);
        zr_check_opts o = {.source = path, .out_dir = out, .threads = 2, .findings_held = 4};
        o.ctl = (zr_control){raise_at, &c, &c.flag};
        o.on_finding = collect_finding, o.finding_user = &col;
        zr_check_result r;
        memset(&r, 0x5A, sizeof r);
        const zr_status s = t_check_run(&o, &r, err, sizeof err);
        fclose(col.f);
        const char *what = i < 6 ? phases[i] : "the findings callback";
        ZR_TEST_RECORD_(i == 6 ? s == ZR_ERR_IO : s == ZR_ERR_CANCELLED && c.seen,
                        "stopped at %s: status %d", what, (int)s);
        CHECK_EQ_INT(r.n_parcels, 0x5A5A5A5A5A5A5A5ALL); /* the result untouched */
        for (int k = 0; k < 4; k++) {
            char f[1300];
            size_t n;
            snprintf(f, sizeof f, "%s/%s", out, files[k]);
            unsigned char *now = file_bytes(f, &n);
            ZR_TEST_RECORD_(now && n == n_before[k] && !memcmp(now, before[k], n),
                            "stopped at %s: %s changed", what, files[k]);
            free(now);
        }
        CHECK(!stage_left(dir));
    }
    /* findings as data, without files: the same rows as errors.csv, and the counts per rule */
    char rebuilt[1300], csv[1300];
    snprintf(rebuilt, sizeof rebuilt, "%s/rebuilt.csv", dir);
    snprintf(csv, sizeof csv, "%s/errors.csv", out);
    collect col = {fopen(rebuilt, "w"), 0, 0};
    REQUIRE(col.f);
    fputs("rule,severity,bsm,other_bsm,x,y,area,message\n", col.f);
    zr_check_opts o = {.source = path, .threads = 2};
    o.on_finding = collect_finding, o.finding_user = &col;
    zr_check_result r;
    const zr_status s = t_check_run(&o, &r, err, sizeof err);
    fclose(col.f);
    REQUIRE(s == ZR_OK);
    size_t n1, n2;
    unsigned char *a = file_bytes(rebuilt, &n1), *b = file_bytes(csv, &n2);
    CHECK(a && b && n1 == n2 && !memcmp(a, b, n1));
    free(a), free(b);
    CHECK_EQ_INT(col.n, r.n_findings);
    int64_t sum = 0;
    CHECK_EQ_INT(r.n_rules, 17);
    for (int k = 0; k < r.n_rules; k++)
        sum += r.rules[k].findings;
    CHECK_EQ_INT(sum, r.n_findings);
    CHECK_STR(r.rules[3].id, "T02");
    CHECK_EQ_INT(r.rules[3].findings, 1);
    CHECK_EQ_INT(r.rules[8].findings, 2); /* A04: both rows of the duplicate */
cleanup:
    for (int k = 0; k < 4; k++)
        free(before[k]);
}

typedef struct {
    int64_t at_rules; /* allocations made when the rules phase began */
} alloc_mark;

static void mark_rules(void *user, const char *phase, int64_t done, int64_t total) {
    (void)done, (void)total;
    alloc_mark *m = user;
    if (m->at_rules < 0 && !strcmp(phase, "rules")) m->at_rules = zr_alloc_count();
}

/* The allocation-failure walk (SQLite's way): the Nth allocation of a check fails, for every N
 * of a run on the planted county. Each run ends cleanly — ZR_ERR_NOMEM (or an error that names
 * it), never a crash or a leak (ASan/valgrind builds) — and leaves the earlier results
 * byte-identical; a run that survives its failure (an allocation with a fallback) gives the
 * same errors.csv as before. */
TEST(allocation_failures) {
    char path[1200], out[1200], csv[1300], err[1024] = "";
    snprintf(path, sizeof path, "%s/planted.gpkg", dir);
    snprintf(out, sizeof out, "%s/planted-check", dir);
    snprintf(csv, sizeof csv, "%s/errors.csv", out);
    size_t n_want;
    unsigned char *want = file_bytes(csv, &n_want);
    REQUIRE(want);
    zr_check_opts o = {.source = path, .out_dir = out, .threads = 2, .findings_held = 8};
    zr_check_result r;
    zr_alloc_fail_at(INT64_MAX, 0); /* counting, failing none */
    alloc_mark mark = {-1};
    o.ctl = (zr_control){mark_rules, &mark, NULL};
    REQUIRE(t_check_run(&o, &r, err, sizeof err) == ZR_OK);
    o.ctl = (zr_control){0};
    const int64_t total = zr_alloc_count();
    zr_alloc_fail_at(0, 0);
    REQUIRE(mark.at_rules > 0);
    CHECK(total > 100);
    int failed_runs = 0, bad = 0;
    /* from the rules phase on: before it, the store's reader still crashes or drops a column
       when an allocation fails (store/layer.c:384-386, issue #9); start at k = 1 once it
       fails cleanly (walked by hand with the crash patched out: every other open-phase
       allocation then failed the run cleanly) */
    for (int64_t k = mark.at_rules + 1; k <= total + 10; k++) {
        zr_alloc_fail_at(k, 0);
        err[0] = 0;
        const zr_status s = t_check_run(&o, &r, err, sizeof err);
        zr_alloc_fail_at(0, 0);
        size_t n;
        unsigned char *now = file_bytes(csv, &n);
        const int same = now && n == n_want && !memcmp(now, want, n);
        free(now);
        if (s != ZR_OK) failed_runs++;
        /* a run that went on must give the same findings */
        if (!same || (s != ZR_OK && !err[0]) || stage_left(dir)) {
            if (bad++ < 20)
                fprintf(stderr, "allocation %lld failed: status %d, '%s', errors.csv %s\n",
                        (long long)k, (int)s, err, same ? "kept" : "changed");
            if (!same) { /* the earlier results back, for the next allocations */
                REQUIRE(t_check_run(&o, &r, err, sizeof err) == ZR_OK);
            }
        }
    }
    printf(
        "allocation failures: %lld allocations (%lld before the rules), %d runs failed cleanly\n",
        (long long)total, (long long)mark.at_rules, failed_runs);
    CHECK_EQ_INT(bad, 0);
    CHECK(failed_runs > 0);
cleanup:
    zr_alloc_fail_at(0, 0);
    free(want);
}

/* Two checks at once on threads of one process (as the server will run them): the planted
 * county and a hostile one, each giving byte for byte what it gave alone, with findings
 * delivered to each run's own callback. Run under ThreadSanitizer by make test-tsan. */
typedef struct {
    zr_check_opts o;
    zr_check_result r;
    collect col;
    char err[1024];
    zr_status s;
} concurrent_run;

static void *run_check_thread(void *arg) {
    concurrent_run *c = arg;
    c->s = t_check_run(&c->o, &c->r, c->err, sizeof c->err);
    return NULL;
}

TEST(concurrent_runs) {
    char src[2][1200], out[2][1200], alone[2][1300];
    snprintf(src[0], sizeof src[0], "%s/planted.gpkg", dir);
    snprintf(src[1], sizeof src[1], "%s/hostile-inf.gpkg", dir);
    snprintf(alone[0], sizeof alone[0], "%s/planted-check/errors.csv", dir);
    snprintf(alone[1], sizeof alone[1], "%s/hostile-inf-check/errors.csv", dir);
    concurrent_run runs[2];
    memset(runs, 0, sizeof runs);
    pthread_t t[2];
    int started[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        snprintf(out[k], sizeof out[k], "%s/concurrent-%d", dir, k);
        runs[k].o = (zr_check_opts){.source = src[k], .out_dir = out[k], .threads = 2};
        runs[k].col.f = tmpfile();
        REQUIRE(runs[k].col.f);
        runs[k].o.on_finding = collect_finding, runs[k].o.finding_user = &runs[k].col;
    }
    for (int k = 0; k < 2; k++)
        started[k] = pthread_create(&t[k], NULL, run_check_thread, &runs[k]) == 0;
    for (int k = 0; k < 2; k++)
        if (started[k]) pthread_join(t[k], NULL);
    for (int k = 0; k < 2; k++) {
        REQUIRE(started[k]);
        ZR_TEST_RECORD_(runs[k].s == ZR_OK, "run %d: %s", k, runs[k].err);
        char csv[2600];
        snprintf(csv, sizeof csv, "%s/errors.csv", out[k]);
        size_t n1, n2;
        unsigned char *a = file_bytes(csv, &n1), *b = file_bytes(alone[k], &n2);
        ZR_TEST_RECORD_(a && b && n1 == n2 && !memcmp(a, b, n1),
                        "run %d: errors.csv differs from the run alone", k);
        free(a), free(b);
        CHECK_EQ_INT(runs[k].col.n, runs[k].r.n_findings);
    }
cleanup:
    for (int k = 0; k < 2; k++)
        if (runs[k].col.f) fclose(runs[k].col.f);
}

int main(void);
/* G01's fast path never calls a ring simple that GEOS finds invalid: random star-shaped rings
 * (simple), the same with vertices swapped, pulled onto other vertices or edges, or spiked
 * (mostly not simple), on grid-snapped and free coordinates. It must also accept nearly all
 * simple ones, or the check slows down. */
TEST(surely_simple_agrees_with_geos) {
    zr_geos *g = NULL;
    CHECK(zr_geos_open(&g) == ZR_OK);
    zr_poly p = {0};
    unsigned seed = 4242;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 8) & 0xffff)
    int fast = 0, simple_shapes = 0, wrong = 0, tested = 0;
    for (int k = 0; k < 20000; k++) {
        const int n = 4 + RND() % 60, kind = k % 5;
        const double snap = k % 2 ? 0.5 : 0; /* survey-style coordinates on a half-metre grid */
        double pts[64][2];
        for (int i = 0; i < n; i++) {
            const double t = 2 * M_PI * i / n, r = 40 + RND() % 60;
            double x = r * cos(t), y = r * sin(t);
            if (snap > 0) x = round(x / snap) * snap, y = round(y / snap) * snap;
            pts[i][0] = x, pts[i][1] = y;
        }
        const int a = (int)(RND() % (unsigned)n), b = (int)(RND() % (unsigned)n);
        if (kind == 1) { /* swap two vertices */
            const double tx = pts[a][0], ty = pts[a][1];
            pts[a][0] = pts[b][0], pts[a][1] = pts[b][1], pts[b][0] = tx, pts[b][1] = ty;
        } else if (kind == 2) { /* a vertex onto another */
            pts[a][0] = pts[b][0], pts[a][1] = pts[b][1];
        } else if (kind == 3) { /* a vertex onto the middle of a far edge */
            const int c = (b + 1) % n;
            pts[a][0] = (pts[b][0] + pts[c][0]) / 2, pts[a][1] = (pts[b][1] + pts[c][1]) / 2;
        } else if (kind == 4) { /* a spike or a vertex pulled across the ring */
            pts[a][0] *= -0.5 * (RND() % 4), pts[a][1] *= -0.5 * (RND() % 4);
        }
        zr_poly_clear(&p);
        zr_poly_begin_polygon(&p);
        ring(&p, (const double(*)[2])pts, n);
        zr_poly_finish(&p);
        const int sure = qc_ring_surely_simple(p.xy, p.n_pts);
        int valid = 0;
        char why[256];
        CHECK(zr_geos_is_valid(g, &p, &valid, why, sizeof why) == ZR_OK);
        tested++;
        if (sure && !valid) wrong++;
        if (kind == 0) simple_shapes++, fast += sure;
    }
    /* rings that turn one way around their centre but wind twice: a pentagram, and a
       17-gon traced twice with a shrinking radius */
    for (int w = 0; w < 2; w++) {
        double pts[40][2];
        const int n = w ? 34 : 5;
        for (int i = 0; i < n; i++) {
            const double t = w ? 4 * M_PI * i / n : 4 * M_PI * i / 5, r = w ? 100 - i : 100;
            pts[i][0] = r * cos(t), pts[i][1] = r * sin(t);
        }
        zr_poly_clear(&p);
        zr_poly_begin_polygon(&p);
        ring(&p, (const double(*)[2])pts, n);
        zr_poly_finish(&p);
        int valid = 1;
        char why[256];
        CHECK(zr_geos_is_valid(g, &p, &valid, why, sizeof why) == ZR_OK && !valid);
        CHECK_EQ_INT(qc_ring_surely_simple(p.xy, p.n_pts), 0);
    }
    /* roads and rivers: meandering strips of 60 to 2,400 vertices along x or along y (the
       sweep's axis), L shapes; half of them with two far vertices swapped */
    int strips_sure = 0, strips_simple = 0;
    static double sp[2400][2];
    for (int k = 0; k < 400; k++) {
        const int half = 30 + (int)(RND() % 1170), along_y = k % 2, bad = k % 4 >= 2;
        double x = 0, y = 0, ang = 0, cx[1200], cy[1200];
        for (int i = 0; i < half; i++) {
            ang += ((double)(RND() % 1000) / 1000 - 0.5) * 0.5;
            x += 20 * cos(ang), y += 20 * sin(ang);
            cx[i] = along_y ? y : x, cy[i] = along_y ? x : y;
        }
        for (int i = 0; i < half; i++) { /* the two banks, 4 m either side of the centre */
            const int j = i + 1 < half ? i + 1 : i, h = i + 1 < half ? i : i - 1;
            const double dx = cx[j] - cx[h], dy = cy[j] - cy[h], l = hypot(dx, dy);
            sp[i][0] = cx[i] - dy / l * 4, sp[i][1] = cy[i] + dx / l * 4;
            sp[2 * half - 1 - i][0] = cx[i] + dy / l * 4,
                              sp[2 * half - 1 - i][1] = cy[i] - dx / l * 4;
        }
        if (bad) {
            const int a = half / 3, b = 2 * half - 1 - half / 2;
            const double tx = sp[a][0], ty = sp[a][1];
            sp[a][0] = sp[b][0], sp[a][1] = sp[b][1], sp[b][0] = tx, sp[b][1] = ty;
        }
        zr_poly_clear(&p);
        zr_poly_begin_polygon(&p);
        ring(&p, (const double(*)[2])sp, 2 * half);
        zr_poly_finish(&p);
        const int sure = qc_ring_surely_simple(p.xy, p.n_pts);
        int valid = 0;
        char why[256];
        CHECK(zr_geos_is_valid(g, &p, &valid, why, sizeof why) == ZR_OK);
        if (sure && !valid) wrong++;
        strips_simple += valid, strips_sure += sure;
    }
#undef RND
    CHECK(strips_sure >= strips_simple * 9 / 10); /* the sweep certifies the simple ones */
    printf("strips: %d simple (GEOS), %d certified\n", strips_simple, strips_sure);
    CHECK_EQ_INT(wrong, 0);
    CHECK(fast > simple_shapes * 95 / 100);
    printf("surely simple: %d rings, %d of %d simple shapes on the fast path, %d wrong\n", tested,
           fast, simple_shapes, wrong);
    zr_poly_free(&p);
    zr_geos_close(g);
}

TEST_MAIN(const char *d = tmp_dir("check"); if (!d) return 1; snprintf(dir, sizeof dir, "%s", d);
          RUN(planted_defects); RUN(planted_defects_tiled); RUN(findings_spilled);
          RUN(no_false_positives); RUN(catalogue_override); RUN(cancel_and_findings_as_data);
          RUN(allocation_failures); RUN(hostile_parcels); RUN(concurrent_runs);
          RUN(surely_simple_agrees_with_geos))
