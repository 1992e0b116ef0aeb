/* Import end to end on a generated county: official areas against an independent geodesic
 * computation, deduction identities, the area report, and every rejection path leaving the
 * store byte-identical. */
#include <dirent.h>
#include <geodesic.h>
#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "core/text.h"
#include "geo/geo.h"
#include "import/pipeline.h"
#include "codes/division.h"
#include "io/io.h"
#include "store/store.h"
#include "test.h"
#include "unit/util.h"

static char dir[1024], county[1100], store[1100];

/* The GeoPackage R*Tree triggers' functions (ST_IsEmpty, ST_MinX, …), written here from the
 * blob parser so that the store's triggers are tested against an implementation of their own. */
static const int env_index[4] = {0, 1, 2, 3}; /* minx, maxx, miny, maxy */
static void st_fn(sqlite3_context *c, int argc, sqlite3_value **argv) {
    (void)argc;
    const int *which = sqlite3_user_data(c);
    zr_poly p = {0};
    int empty = 0;
    const unsigned char *b = sqlite3_value_blob(argv[0]);
    if (!b || zr_gpkg_blob_to_poly(b, (size_t)sqlite3_value_bytes(argv[0]), &p, &empty, NULL, 0) !=
                  ZR_OK) {
        sqlite3_result_null(c);
    } else if (!which) {
        sqlite3_result_int(c, empty || p.n_pts == 0);
    } else {
        double e[4];
        zr_poly_envelope(&p, e);
        sqlite3_result_double(c, e[*which]);
    }
    zr_poly_free(&p);
}

static sqlite3 *db_open(const char *db) {
    sqlite3 *h = NULL;
    if (sqlite3_open(db, &h) != SQLITE_OK) {
        sqlite3_close(h);
        return NULL;
    }
    static const char *const fns[] = {"ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"};
    for (int i = 0; i < 4; i++)
        sqlite3_create_function(h, fns[i], 1, SQLITE_UTF8, (void *)&env_index[i], st_fn, NULL,
                                NULL);
    sqlite3_create_function(h, "ST_IsEmpty", 1, SQLITE_UTF8, NULL, st_fn, NULL, NULL);
    return h;
}

static int sql(const char *db, const char *q) {
    sqlite3 *h = db_open(db);
    int rc = h ? sqlite3_exec(h, q, NULL, NULL, NULL) : SQLITE_CANTOPEN;
    if (rc != SQLITE_OK) fprintf(stderr, "sql: %s: %s\n", q, h ? sqlite3_errmsg(h) : "open");
    sqlite3_close(h);
    return rc;
}

/* One integer from a query (-1 on error). */
static int64_t sql_int(const char *db, const char *q) {
    sqlite3 *h = db_open(db);
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (h && sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* The names in folder d, sorted, one a line (malloc'd). */
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}
static char *listing(const char *d) {
    DIR *dd = opendir(d);
    char *names[512];
    size_t n = 0, len = 1;
    struct dirent *e;
    while (dd && (e = readdir(dd)) && n < 512)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            names[n] = strdup(e->d_name);
            len += strlen(names[n++]) + 1;
        }
    if (dd) closedir(dd);
    qsort(names, n, sizeof names[0], cmp_str);
    char *out = malloc(len);
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        strcat(strcat(out, names[i]), "\n");
        free(names[i]);
    }
    return out;
}

/* 1 when files a and b have the same bytes (both absent counts as the same). */
static int same_bytes(const char *a, const unsigned char *b, size_t nb) {
    if (!*a) return 1; /* no file named */
    size_t na;
    unsigned char *x = file_bytes(a, &na);
    int same = x ? b && na == nb && !memcmp(x, b, nb) : !b;
    free(x);
    return same;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f) fputs(text, f), fclose(f);
}

static zr_status run_import(const char *st, const char *src, int strict, zr_import_result *r,
                            char *msg, size_t n) {
    zr_import_opts o = {.store = st, .source = src, .strict = strict, .threads = 2};
    zr_status s = t_import_run(&o, r, msg, n);
    return s;
}

/* Parcel fid 1 becomes the square of its envelope with a hole of the middle ninth (stated
 * areas cleared), so that the geodesic cross-check sees a hole. */
static int put_holed_parcel(const char *db) {
    sqlite3 *h = db_open(db);
    sqlite3_stmt *q = NULL;
    zr_poly p = {0};
    zr_buf blob = {0};
    int rc = -1, empty, srs = 0;
    if (!h || sqlite3_prepare_v2(h, "SELECT geom FROM DLTB WHERE fid = 1", -1, &q, NULL) ||
        sqlite3_step(q) != SQLITE_ROW ||
        zr_gpkg_blob_to_poly(sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), &p,
                             &empty, NULL, 0) != ZR_OK)
        goto out;
    memcpy(&srs, (const unsigned char *)sqlite3_column_blob(q, 0) + 4, 4);
    double e[4];
    zr_poly_envelope(&p, e);
    zr_poly_clear(&p);
    const double w = (e[1] - e[0]) / 3, hh = (e[3] - e[2]) / 3;
    /* outer counter-clockwise, hole clockwise */
    const double outer[] = {e[0], e[2], e[1], e[2], e[1], e[3], e[0], e[3], e[0], e[2]};
    const double hole[] = {e[0] + w,      e[2] + hh,    e[0] + w,  e[2] + 2 * hh, e[0] + 2 * w,
                           e[2] + 2 * hh, e[0] + 2 * w, e[2] + hh, e[0] + w,      e[2] + hh};
    zr_poly_begin_polygon(&p);
    zr_poly_begin_ring(&p);
    for (int i = 0; i < 5; i++)
        zr_poly_add_point(&p, outer[2 * i], outer[2 * i + 1]);
    zr_poly_begin_ring(&p);
    for (int i = 0; i < 5; i++)
        zr_poly_add_point(&p, hole[2 * i], hole[2 * i + 1]);
    if (zr_poly_finish(&p) != ZR_OK || zr_poly_to_gpkg_blob(&p, srs, &blob) != ZR_OK) goto out;
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(h,
                           "UPDATE DLTB SET geom = ?, TBMJ = NULL, KCMJ = NULL, TBDLMJ = NULL "
                           "WHERE fid = 1",
                           -1, &q, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_blob(q, 1, blob.data, (int)blob.len, SQLITE_STATIC);
    rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
out:
    sqlite3_finalize(q);
    sqlite3_close(h);
    zr_poly_free(&p);
    zr_buf_free(&blob);
    return rc;
}

TEST(generate_and_import) {
    /* a small county at survey density (~15,000 m² parcels, edges of ~15 m) */
    zr_demo_opts o = {.out_dir = dir, .parcels = 3000, .county = "371521", .seed = 7, .km2 = 45};
    zr_demo_result dr;
    char err[512] = "";
    REQUIRE(t_demo_generate(&o, &dr, err, sizeof err) == ZR_OK);
    CHECK(dr.n_parcels > 2500 && dr.n_parcels < 3500);
    CHECK_EQ_INT(dr.epsg, 4527);
    REQUIRE(put_holed_parcel(county) == 0);
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
    int holes = 0, canonical = 1;
    zr_buf again = {0};
    while (sqlite3_step(q) == SQLITE_ROW) {
        int empty;
        char why[128];
        const unsigned char *blob = sqlite3_column_blob(q, 0);
        const size_t blob_len = (size_t)sqlite3_column_bytes(q, 0);
        if (zr_gpkg_blob_to_poly(blob, blob_len, &p, &empty, why, sizeof why) != ZR_OK) break;
        /* every stored blob is the canonical one (kept from the source or written anew) */
        zr_buf_reset(&again);
        canonical &= zr_poly_to_gpkg_blob(&p, 4527, &again) == ZR_OK && again.len == blob_len &&
                     !memcmp(again.data, blob, blob_len) &&
                     zr_poly_gpkg_blob_same(&p, 4527, blob, blob_len);
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
            int outer = 0; /* a polygon's first ring is its shell, the others are holes */
            for (size_t k = 0; k < p.n_polys; k++)
                outer |= p.poly_start[k] == r;
            holes += !outer;
            total += outer ? fabs(a) : -fabs(a);
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
    CHECK(holes >= 1); /* the holed parcel: a hole added instead of subtracted fails below */
    CHECK(identities);
    CHECK(canonical);
    zr_buf_free(&again);
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
    /* the store's R*Tree triggers keep the index through deletes and geometry updates (on a
       copy, with this file's own ST_ functions) */
    char cp[1200];
    snprintf(cp, sizeof cp, "%s/triggers.gpkg", dir);
    REQUIRE(copy_file(store, cp) == 0);
    CHECK(sql(cp, "DELETE FROM DLTB WHERE fid = 3") == SQLITE_OK);
    CHECK_EQ_INT(sql_int(cp, "SELECT count(*) FROM rtree_DLTB_geom"), r.n_parcels - 1);
    CHECK_EQ_INT(sql_int(cp, "SELECT count(*) FROM rtree_DLTB_geom WHERE id = 3"), 0);
    /* fid 4 takes the geometry of the parcel farthest east: its index entry must follow (the
       R*Tree keeps 32-bit floats, a few metres at these eastings) */
    const int64_t far = sql_int(cp, "SELECT id FROM rtree_DLTB_geom ORDER BY minx DESC LIMIT 1");
    char qs[512];
    const char *near_far =
        "SELECT count(*) FROM rtree_DLTB_geom r, DLTB d WHERE r.id = 4 AND "
        "d.fid = %lld AND abs(r.minx - ST_MinX(d.geom)) < 8 AND "
        "abs(r.maxx - ST_MaxX(d.geom)) < 8 AND abs(r.miny - ST_MinY(d.geom)) "
        "< 8 AND abs(r.maxy - ST_MaxY(d.geom)) < 8";
    snprintf(qs, sizeof qs, near_far, (long long)far);
    CHECK(far > 100);
    CHECK_EQ_INT(sql_int(cp, qs), 0);
    char upd[200];
    snprintf(upd, sizeof upd,
             "UPDATE DLTB SET geom = (SELECT geom FROM DLTB WHERE fid = %lld) WHERE fid = 4",
             (long long)far);
    CHECK(sql(cp, upd) == SQLITE_OK);
    CHECK_EQ_INT(sql_int(cp, qs), 1);
    CHECK_EQ_INT(sql_int(cp, "SELECT rtreecheck('rtree_DLTB_geom') = 'ok'"), 1);
cleanup:
    sqlite3_finalize(q);
    sqlite3_close(h);
}

TEST(same_file_refused) {
    zr_import_result r;
    char msg[2048];
    CHECK(run_import(county, county, 0, &r, msg, sizeof msg) == ZR_ERR_ARG);
}

/* ---- cancellation, interruption and all-or-nothing publication ---- */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CANCEL_LIMIT 0.4 /* seconds: sanitizers slow the batch between two polls */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CANCEL_LIMIT 0.4
#endif
#endif
#ifndef CANCEL_LIMIT
#define CANCEL_LIMIT 0.1
#endif

typedef struct {
    atomic_int flag;
    long delay_us;
    double raised_at, raised_cpu;
} canceller;

/* CPU seconds used by this process (all threads). */
static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *raise_later(void *arg) {
    canceller *c = arg;
    struct timespec ts = {c->delay_us / 1000000, (c->delay_us % 1000000) * 1000L};
    nanosleep(&ts, NULL);
    c->raised_at = zr_now();
    c->raised_cpu = cpu_now();
    atomic_store(&c->flag, 1);
    return NULL;
}

/* What a folder holds: its listing and the bytes of two of its files. */
typedef struct {
    char *names;
    unsigned char *store, *report;
    size_t n_store, n_report;
} snapshot;

static void snap(snapshot *s, const char *d, const char *st, const char *rep) {
    s->names = listing(d);
    s->store = file_bytes(st, &s->n_store);
    s->report = *rep ? file_bytes(rep, &s->n_report) : NULL;
}

static int snap_same(const snapshot *s, const char *d, const char *st, const char *rep) {
    char *names = listing(d);
    const int same = !strcmp(names, s->names) && same_bytes(st, s->store, s->n_store) &&
                     same_bytes(rep, s->report, s->n_report);
    if (strcmp(names, s->names)) fprintf(stderr, "listing now:\n%swas:\n%s", names, s->names);
    free(names);
    return same;
}

static void snap_free(snapshot *s) {
    free(s->names);
    free(s->store);
    free(s->report);
}

/* A thread raises the flag after a delay: the run stops within CANCEL_LIMIT and the folder
 * (existing store, its report, the listing; or no new store at all) is as before. "Within" is
 * counted in the CPU time the process spends after the flag (all threads): on a shared machine
 * with a load of several runnable processes per core, wall time measures the neighbours; a
 * blocking wait (a lock, a sleep) is caught by a wall-time bound ten times as loose. */
TEST(cancel_from_a_thread) {
    char d[1100], big[1200], st[1200], rep[1200], fresh[1200], msg[2048];
    snprintf(d, sizeof d, "%s/cancel", dir);
    snprintf(big, sizeof big, "%s/big", dir);
    zr_demo_opts o = {.out_dir = big, .parcels = 20000, .county = "371521", .seed = 11, .km2 = 300};
    zr_demo_result dr;
    REQUIRE(t_demo_generate(&o, &dr, msg, sizeof msg) == ZR_OK);
    snprintf(big, sizeof big, "%s/big/county.gpkg", dir);
    REQUIRE(mkdir(d, 0755) == 0);
    snprintf(st, sizeof st, "%s/store.gpkg", d);
    snprintf(rep, sizeof rep, "%s/store.import-report.csv", d);
    snprintf(fresh, sizeof fresh, "%s/fresh.gpkg", d);
    REQUIRE(copy_file(store, st) == 0);
    write_file(rep, "BSM,FIELD,STATED,COMPUTED\nold,TBMJ,1.00,2.00\n");
    snapshot before;
    snap(&before, d, st, rep);
    static const long delays_ms[] = {0, 3, 10, 30, 60, 120, 200};
    int cancelled = 0;
    double worst_cpu = 0, worst_wall = 0;
    for (int fresh_store = 0; fresh_store < 2; fresh_store++)
        for (size_t k = 0; k < sizeof delays_ms / sizeof delays_ms[0]; k++) {
            canceller c = {0};
            c.delay_us = delays_ms[k] * 1000;
            zr_import_opts io = {
                .store = fresh_store ? fresh : st, .source = big, .threads = 2, .report_path = rep};
            io.ctl.cancel = &c.flag;
            pthread_t t;
            REQUIRE(pthread_create(&t, NULL, raise_later, &c) == 0);
            zr_import_result r;
            const zr_status s = t_import_run(&io, &r, msg, sizeof msg);
            const double end = zr_now(), end_cpu = cpu_now();
            pthread_join(t, NULL);
            if (s == ZR_OK) { /* finished before the flag: put the folder back */
                unlink(fresh);
                REQUIRE(copy_file(store, st) == 0);
                write_file(rep, "BSM,FIELD,STATED,COMPUTED\nold,TBMJ,1.00,2.00\n");
                continue;
            }
            cancelled++;
            const double cpu = end_cpu - c.raised_cpu, wall = end - c.raised_at;
            worst_cpu = fmax(worst_cpu, cpu);
            worst_wall = fmax(worst_wall, wall);
            const char *kind = fresh_store ? "new" : "existing";
            ZR_TEST_RECORD_(s == ZR_ERR_CANCELLED, "delay %ld ms: status %d (%s)", delays_ms[k], s,
                            msg);
            ZR_TEST_RECORD_(cpu < CANCEL_LIMIT,
                            "delay %ld ms (%s store): %.3f s of CPU after the "
                            "flag",
                            delays_ms[k], kind, cpu);
            ZR_TEST_RECORD_(wall < 10 * CANCEL_LIMIT,
                            "delay %ld ms (%s store): stopped %.3f s late", delays_ms[k], kind,
                            wall);
            ZR_TEST_RECORD_(snap_same(&before, d, st, rep), "delay %ld ms (%s store): changed",
                            delays_ms[k], kind);
        }
    printf(
        "cancellation: %d runs stopped, at most %.3f s of CPU and %.3f s of wall time after "
        "the flag\n",
        cancelled, worst_cpu, worst_wall);
    CHECK(cancelled >= 8);
    snap_free(&before);
cleanup:;
}

typedef struct {
    atomic_int flag;
    const char *at;    /* raise the flag when this phase starts */
    const char *touch; /* or: create this file then */
    char seen[256];    /* the phases, in order */
    int off_thread;    /* calls from another thread than the run's */
    pthread_t caller;
    int64_t read_done;
} phase_hook;

static void on_phase(void *user, const char *phase, int64_t done, int64_t total) {
    phase_hook *h = user;
    (void)total;
    h->off_thread += !pthread_equal(h->caller, pthread_self());
    const size_t len = strlen(h->seen);
    if (len < 200 && (len == 0 || strcmp(strrchr(h->seen, ' ') + 1, phase)))
        snprintf(h->seen + len, sizeof h->seen - len, " %s", phase);
    if (!strcmp(phase, "read")) h->read_done = done;
    if (h->at && !strcmp(phase, h->at)) {
        if (h->touch)
            write_file(h->touch, "not zrzy's\n");
        else
            atomic_store(&h->flag, 1);
    }
}

/* Progress comes in phases on the calling thread; the flag raised at the start of any phase up
 * to the commit stops the run with nothing changed. */
TEST(cancel_at_each_phase) {
    char d[1100], st[1200], rep[1200], fresh[1200], msg[2048];
    snprintf(d, sizeof d, "%s/phases", dir);
    REQUIRE(mkdir(d, 0755) == 0);
    snprintf(st, sizeof st, "%s/store.gpkg", d);
    snprintf(rep, sizeof rep, "%s/store.import-report.csv", d);
    snprintf(fresh, sizeof fresh, "%s/fresh.gpkg", d);
    REQUIRE(copy_file(store, st) == 0);
    write_file(rep, "BSM,FIELD,STATED,COMPUTED\n");
    phase_hook all = {.caller = pthread_self()};
    zr_import_opts io = {.store = fresh, .source = county, .threads = 2, .report_path = rep};
    io.ctl = (zr_control){on_phase, &all, &all.flag};
    zr_import_result r;
    REQUIRE(t_import_run(&io, &r, msg, sizeof msg) == ZR_OK);
    CHECK_STR(all.seen, " open read index villages report commit");
    CHECK_EQ_INT(all.off_thread, 0);
    CHECK_EQ_INT(all.read_done, r.n_parcels);
    unlink(fresh);
    snapshot before;
    snap(&before, d, st, rep);
    static const char *const phases[] = {"open", "read", "index", "villages", "report", "commit"};
    for (int fresh_store = 0; fresh_store < 2; fresh_store++)
        for (size_t k = 0; k < sizeof phases / sizeof phases[0]; k++) {
            phase_hook h = {.caller = pthread_self(), .at = phases[k]};
            io.store = fresh_store ? fresh : st;
            io.ctl = (zr_control){on_phase, &h, &h.flag};
            const zr_status s = t_import_run(&io, &r, msg, sizeof msg);
            ZR_TEST_RECORD_(s == ZR_ERR_CANCELLED, "cancel at %s: status %d (%s)", phases[k], s,
                            msg);
            ZR_TEST_RECORD_(snap_same(&before, d, st, rep), "cancel at %s (%s store): changed",
                            phases[k], fresh_store ? "new" : "existing");
        }
    snap_free(&before);
cleanup:;
}

/* A failure after the report is in place (here: a file appears under the new store's name
 * during the import) puts the old report back and leaves the stranger's file alone. */
TEST(late_failure_restores_report) {
    char d[1100], st[1200], rep[1200], msg[2048];
    snprintf(d, sizeof d, "%s/late", dir);
    REQUIRE(mkdir(d, 0755) == 0);
    snprintf(st, sizeof st, "%s/store.gpkg", d);
    snprintf(rep, sizeof rep, "%s/store.import-report.csv", d);
    write_file(rep, "BSM,FIELD,STATED,COMPUTED\nfrom,an,earlier,run\n");
    phase_hook h = {.caller = pthread_self(), .at = "commit", .touch = st};
    zr_import_opts io = {.store = st, .source = county, .threads = 2};
    io.ctl = (zr_control){on_phase, &h, &h.flag};
    zr_import_result r;
    const zr_status s = t_import_run(&io, &r, msg, sizeof msg);
    CHECK_EQ_INT(s, ZR_ERR_IO);
    CHECK(strstr(msg, "appeared") != NULL);
    static const char old_report[] = "BSM,FIELD,STATED,COMPUTED\nfrom,an,earlier,run\n";
    CHECK(same_bytes(rep, (const unsigned char *)old_report, sizeof old_report - 1));
    CHECK(same_bytes(st, (const unsigned char *)"not zrzy's\n", 11));
    char *names = listing(d);
    CHECK_STR(names, "store.gpkg\nstore.import-report.csv\n");
    free(names);
cleanup:;
}

/* SIGKILL when the phase named by user starts. */
static void on_phase_kill(void *user, const char *phase, int64_t done, int64_t total) {
    (void)done, (void)total;
    if (!strcmp(phase, (const char *)user)) raise(SIGKILL);
}

/* kill -9 in the middle of an import into a new store: nothing under the store's name and no
 * report; the next import completes and removes the dead process's temporary store. */
TEST(killed_import_leaves_no_store) {
    char d[1100], st[1200], rep[1200], msg[2048];
    snprintf(d, sizeof d, "%s/killed", dir);
    REQUIRE(mkdir(d, 0755) == 0);
    snprintf(st, sizeof st, "%s/store.gpkg", d);
    snprintf(rep, sizeof rep, "%s/store.import-report.csv", d);
    static const char *const at[] = {"read", "index", "report"};
    for (size_t k = 0; k < 3; k++) {
        fflush(NULL);
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            zr_import_opts io = {.store = st, .source = county, .threads = 2};
            io.ctl = (zr_control){on_phase_kill, (void *)at[k], NULL};
            zr_import_result r;
            t_import_run(&io, &r, msg, sizeof msg);
            _exit(0);
        }
        int wst = 0;
        waitpid(pid, &wst, 0);
        CHECK(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);
        ZR_TEST_RECORD_(!file_exists(st), "killed at %s: a store was left", at[k]);
        char *names = listing(d);
        ZR_TEST_RECORD_(!strstr(names, "import-report"), "killed at %s: %s", at[k], names);
        free(names);
    }
    zr_import_result r;
    zr_import_opts io = {.store = st, .source = county, .threads = 2};
    CHECK(t_import_run(&io, &r, msg, sizeof msg) == ZR_OK);
    char *names = listing(d);
    CHECK_STR(names, "store.gpkg\nstore.import-report.csv\n");
    free(names);
cleanup:;
}

/* A DLTB without features is refused (the store keeps its parcels) unless allow_empty; a source
 * whose XZQ is empty leaves the store's villages as they were. */
TEST(empty_layer) {
    char d[1100], src[1200], st[1200], msg[2048];
    snprintf(d, sizeof d, "%s/empty", dir);
    REQUIRE(mkdir(d, 0755) == 0);
    snprintf(src, sizeof src, "%s/empty-src.gpkg", dir);
    snprintf(st, sizeof st, "%s/store.gpkg", d);
    REQUIRE(copy_file(county, src) == 0);
    REQUIRE(sql(src, "DELETE FROM DLTB; DELETE FROM XZQ") == SQLITE_OK);
    REQUIRE(copy_file(store, st) == 0);
    const int64_t villages = sql_int(st, "SELECT count(*) FROM XZQ");
    CHECK(villages > 0);
    snapshot before;
    snap(&before, d, st, "");
    zr_import_opts io = {.store = st, .source = src, .threads = 2};
    zr_import_result r;
    CHECK_EQ_INT(t_import_run(&io, &r, msg, sizeof msg), ZR_ERR_CONTENT);
    CHECK(strstr(msg, "empty-src.gpkg") && strstr(msg, "DLTB") && strstr(msg, "no parcels") &&
          strstr(msg, "--allow-empty"));
    CHECK(snap_same(&before, d, st, ""));
    io.allow_empty = 1;
    CHECK_EQ_INT(t_import_run(&io, &r, msg, sizeof msg), ZR_OK);
    CHECK_EQ_INT(r.n_parcels, 0);
    CHECK_EQ_INT(sql_int(st, "SELECT count(*) FROM DLTB"), 0);
    CHECK_EQ_INT(sql_int(st, "SELECT count(*) FROM XZQ"), villages);
    /* and a new store is not made from an empty layer either */
    char fresh[1200];
    snprintf(fresh, sizeof fresh, "%s/fresh.gpkg", d);
    io.store = fresh;
    io.allow_empty = 0;
    CHECK_EQ_INT(t_import_run(&io, &r, msg, sizeof msg), ZR_ERR_CONTENT);
    CHECK(!file_exists(fresh));
    snap_free(&before);
cleanup:;
}

/* Text that is not UTF-8 in a GeoPackage: refused under strict, naming file, layer, fid, BSM
 * and field; else stored with U+FFFD for the bad byte and listed in the report. */
TEST(invalid_utf8) {
    char src[1200], st[1200], msg[2048];
    snprintf(src, sizeof src, "%s/latin.gpkg", dir);
    snprintf(st, sizeof st, "%s/latin-store.gpkg", dir);
    REQUIRE(copy_file(county, src) == 0);
    /* 中, a lone 0xFF, A */
    REQUIRE(sql(src, "UPDATE DLTB SET ZLDWMC = CAST(X'E4B8ADFF41' AS TEXT) WHERE fid = 12") ==
            SQLITE_OK);
    zr_import_opts io = {.store = st, .source = src, .threads = 2, .strict = 1};
    zr_import_result r;
    CHECK_EQ_INT(t_import_run(&io, &r, msg, sizeof msg), ZR_ERR_CONTENT);
    CHECK(strstr(msg, "latin.gpkg") && strstr(msg, "layer DLTB") && strstr(msg, "fid=12") &&
          strstr(msg, "BSM=371521211000000012") && strstr(msg, "field ZLDWMC") &&
          strstr(msg, "UTF-8") && strstr(msg, "\\xFF"));
    CHECK(!file_exists(st));
    io.strict = 0;
    REQUIRE(t_import_run(&io, &r, msg, sizeof msg) == ZR_OK);
    CHECK_EQ_INT(r.n_text_repaired, 1);
    CHECK_EQ_INT(sql_int(st,
                         "SELECT hex(ZLDWMC) = 'E4B8ADEFBFBD41' FROM DLTB WHERE BSM = "
                         "'371521211000000012'"),
                 1);
    size_t n;
    char *rep = (char *)file_bytes(r.report_path, &n);
    REQUIRE(rep);
    rep[n] = 0;
    CHECK(strstr(rep,
                 "371521211000000012,ZLDWMC,\xE4\xB8\xAD\\xFFA,\xE4\xB8\xAD\xEF\xBF\xBD"
                 "A\n") != NULL);
    free(rep);
cleanup:;
}

/* Put folder d back to the snapshot: only the store and the report, with their bytes. */
static void restore_snapshot(const snapshot *b, const char *d, const char *st, const char *rep) {
    DIR *dd = opendir(d);
    struct dirent *e;
    while (dd && (e = readdir(dd))) {
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(p);
    }
    if (dd) closedir(dd);
    FILE *f = fopen(st, "wb");
    if (f) fwrite(b->store, 1, b->n_store, f), fclose(f);
    if (b->report && (f = fopen(rep, "wb"))) fwrite(b->report, 1, b->n_report, f), fclose(f);
}

typedef struct {
    zr_status s;
    int64_t failed, parcels;
    char msg[512];
} alloc_run;

/* The allocation-failure harness: the Nth allocation of an import fails, for every N (each run
 * in a child process, so that a crash is counted, not fatal). Each run ends with a clear error
 * and leaves the existing store, its report and the folder as they were (or a new store
 * absent); when the failure was absorbed (a thread that could not start) the import is whole. */
TEST(allocation_failures) {
    char d[1100], tiny[1200], st[1200], rep[1200], fresh[1200], msg[2048];
    snprintf(d, sizeof d, "%s/alloc", dir);
    snprintf(tiny, sizeof tiny, "%s/tiny", dir);
    zr_demo_opts o = {.out_dir = tiny, .parcels = 100, .county = "371521", .seed = 5, .km2 = 1};
    zr_demo_result dr;
    REQUIRE(t_demo_generate(&o, &dr, msg, sizeof msg) == ZR_OK);
    snprintf(tiny, sizeof tiny, "%s/tiny/county.gpkg", dir);
    REQUIRE(mkdir(d, 0755) == 0);
    snprintf(st, sizeof st, "%s/store.gpkg", d);
    snprintf(rep, sizeof rep, "%s/store.import-report.csv", d);
    snprintf(fresh, sizeof fresh, "%s/fresh.gpkg", d);
    zr_import_opts io = {.store = st, .source = tiny, .threads = 2};
    zr_import_result r;
    REQUIRE(t_import_run(&io, &r, msg, sizeof msg) == ZR_OK);
    const int64_t parcels = r.n_parcels;
    snapshot before;
    snap(&before, d, st, rep);
    int64_t failures = 0, absorbed = 0, bad = 0;
    const char *only = getenv("ZR_TEST_ALLOC_AT"); /* debugging: that N, in this process */
    if (only && *only) {
        zr_alloc_fail_at(atoll(only), 0);
        const zr_status s = t_import_run(&io, &r, msg, sizeof msg);
        zr_alloc_fail_at(0, 0);
        printf("allocation %s: status %d: %s\n", only, s, msg);
        snap_free(&before);
        return;
    }
    for (int fresh_store = 0; fresh_store < 2; fresh_store++)
        /* a new store: every third N (the paths are the same but for the store's creation) */
        for (int64_t n = 1; n < 100000; n += fresh_store ? 3 : 1) {
            io.store = fresh_store ? fresh : st;
            io.report_path = rep;
            int fds[2];
            REQUIRE(pipe(fds) == 0);
            fflush(NULL);
            const pid_t pid = fork();
            REQUIRE(pid >= 0);
            if (pid == 0) {
                alloc_run a = {0};
                zr_alloc_fail_at(n, 0);
                a.s = t_import_run(&io, &r, a.msg, sizeof a.msg);
                a.failed = zr_alloc_failed();
                a.parcels = a.s == ZR_OK ? r.n_parcels : -1;
                _exit(write(fds[1], &a, sizeof a) == (ssize_t)sizeof a ? 0 : 1);
            }
            close(fds[1]);
            alloc_run a = {.s = ZR_STATUS_END};
            const ssize_t got = read(fds[0], &a, sizeof a);
            close(fds[0]);
            int wst = 0;
            waitpid(pid, &wst, 0);
            if (got != (ssize_t)sizeof a || !WIFEXITED(wst)) {
                ZR_TEST_RECORD_(0, "allocation %lld (%s store): the run crashed (signal %d)",
                                (long long)n, fresh_store ? "new" : "existing",
                                WIFSIGNALED(wst) ? WTERMSIG(wst) : 0);
                bad++;
                restore_snapshot(&before, d, st, rep);
                continue;
            }
            if (!a.failed) { /* past the run's last allocation */
                CHECK_EQ_INT(a.s, ZR_OK);
                restore_snapshot(&before, d, st, rep);
                break;
            }
            int ok;
            if (a.s == ZR_OK) {
                absorbed++;
                ok = a.parcels == parcels;
                ZR_TEST_RECORD_(ok, "allocation %lld: %lld parcels", (long long)n,
                                (long long)a.parcels);
                restore_snapshot(&before, d, st, rep);
            } else {
                failures++;
                const int clean = a.s == ZR_ERR_NOMEM || strstr(a.msg, "memory") != NULL;
                const int same = snap_same(&before, d, st, rep);
                ok = clean && same;
                ZR_TEST_RECORD_(clean, "allocation %lld (%s store): status %d: %s", (long long)n,
                                fresh_store ? "new" : "existing", a.s, a.msg);
                ZR_TEST_RECORD_(same, "allocation %lld (%s store): the folder changed",
                                (long long)n, fresh_store ? "new" : "existing");
                if (!same) restore_snapshot(&before, d, st, rep);
            }
            bad += !ok;
        }
    printf("allocation failures: %lld runs failed cleanly or absorbed (%lld), %lld bad\n",
           (long long)failures, (long long)absorbed, (long long)bad);
    CHECK(failures > 50);
    snap_free(&before);
cleanup:;
}

/* A source blob in another valid form (here: no envelope in its header) is written anew in the
 * store's form; canonical ones are kept as they are (checked in areas_match_geodesic). */
TEST(blob_forms) {
    char src[1200], st[1200], msg[2048];
    snprintf(src, sizeof src, "%s/noenv.gpkg", dir);
    snprintf(st, sizeof st, "%s/noenv-store.gpkg", dir);
    REQUIRE(copy_file(county, src) == 0);
    /* flags 0x01: little-endian, no envelope; the 32 envelope bytes dropped */
    {
        sqlite3 *h = db_open(src);
        sqlite3_stmt *g = NULL, *u = NULL;
        int ok = h &&
                 sqlite3_prepare_v2(h, "SELECT geom FROM DLTB WHERE fid = 20", -1, &g, NULL) ==
                     SQLITE_OK &&
                 sqlite3_step(g) == SQLITE_ROW;
        unsigned char *b = NULL;
        size_t n = 0;
        if (ok) {
            n = (size_t)sqlite3_column_bytes(g, 0);
            b = malloc(n);
            memcpy(b, sqlite3_column_blob(g, 0), n);
            b[3] = 0x01;
            memmove(b + 8, b + 40, n - 40);
            ok = sqlite3_prepare_v2(h, "UPDATE DLTB SET geom = ? WHERE fid = 20", -1, &u, NULL) ==
                 SQLITE_OK;
        }
        if (ok) {
            sqlite3_bind_blob(u, 1, b, (int)(n - 32), SQLITE_STATIC);
            ok = sqlite3_step(u) == SQLITE_DONE;
        }
        sqlite3_finalize(g);
        sqlite3_finalize(u);
        sqlite3_close(h);
        free(b);
        REQUIRE(ok);
    }
    CHECK_EQ_INT(sql_int(src, "SELECT length(geom) FROM DLTB WHERE fid = 20") + 32,
                 sql_int(store, "SELECT length(geom) FROM DLTB WHERE fid = 20"));
    zr_import_opts io = {.store = st, .source = src, .threads = 2};
    zr_import_result r;
    REQUIRE(t_import_run(&io, &r, msg, sizeof msg) == ZR_OK);
    char q[300];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM DLTB a, s.DLTB b WHERE a.fid = b.fid AND a.geom = "
             "b.geom");
    sqlite3 *h = db_open(st);
    sqlite3_stmt *qs = NULL;
    char att[1300];
    snprintf(att, sizeof att, "ATTACH '%s' AS s", store);
    REQUIRE(h && sqlite3_exec(h, att, NULL, NULL, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(h, q, -1, &qs, NULL) == SQLITE_OK && sqlite3_step(qs) == SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int64(qs, 0), r.n_parcels); /* fid 20 included */
    sqlite3_finalize(qs);
    sqlite3_close(h);
cleanup:;
}

/* The import's one-pass UTF-8 check agrees with zr_utf8_valid on every sequence of one to three
 * bytes, on four-byte sequences around each boundary, and inside longer text. */
TEST(utf8_check) {
    unsigned char b[8];
    int64_t disagree = 0, n = 0;
    for (unsigned x = 1; x < 256; x++) {
        b[0] = (unsigned char)x, b[1] = 0;
        disagree += imp_utf8_ok((char *)b) != zr_utf8_valid(b, 1), n++;
        for (unsigned y = 1; y < 256; y++) {
            b[1] = (unsigned char)y, b[2] = 0;
            disagree += imp_utf8_ok((char *)b) != zr_utf8_valid(b, 2), n++;
            for (unsigned z = 1; z < 256; z += (x >= 0xE0 && x <= 0xF4) ? 1 : 37) {
                b[2] = (unsigned char)z, b[3] = 0;
                disagree += imp_utf8_ok((char *)b) != zr_utf8_valid(b, 3), n++;
                if (x >= 0xF0 && x <= 0xF5 && (z == 0x80 || z == 0xBF || z == 0x41))
                    for (unsigned w = 1; w < 256; w++) {
                        b[3] = (unsigned char)w, b[4] = 0;
                        disagree += imp_utf8_ok((char *)b) != zr_utf8_valid(b, 4), n++;
                    }
            }
        }
    }
    CHECK_EQ_INT(disagree, 0);
    CHECK(n > 2000000);
    CHECK(imp_utf8_ok("BSM 中华人民共和国 ASCII \xF0\x9F\x98\x80 end"));
    CHECK(!imp_utf8_ok("中华\xE4\xB8"));     /* cut short */
    CHECK(!imp_utf8_ok("\xED\xA0\x80"));     /* a surrogate */
    CHECK(!imp_utf8_ok("\xC0\xAF"));         /* overlong */
    CHECK(!imp_utf8_ok("\xF4\x90\x80\x80")); /* past U+10FFFF */
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
          snprintf(store, sizeof store, "%s/store.gpkg", dir); if (getenv("ZR_TEST_ALLOC_AT")) {
              RUN(allocation_failures);
              return zr_test_failed != 0;
          } RUN(generate_and_import);
          RUN(areas_match_geodesic); RUN(stated_area_report); RUN(rejections_change_nothing);
          RUN(reimport_replaces); RUN(window_reads); RUN(same_file_refused);
          RUN(cancel_at_each_phase); RUN(late_failure_restores_report);
          RUN(killed_import_leaves_no_store); RUN(empty_layer); RUN(invalid_utf8); RUN(blob_forms);
          RUN(utf8_check); RUN(allocation_failures); RUN(cancel_from_a_thread); RUN(division_list))
