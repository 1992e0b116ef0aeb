/* Engines as a library (issue #9, item 1), through the public contract of include/zrzy.h only:
 *  - two checks and an inventory on different generated counties, run on threads of one
 *    process at once, write the same bytes (every output file) and the same results as the
 *    same runs one after another; progress arrives only on the thread that called the engine;
 *  - cancellation: for check, inventory, import and demo-data, a thread raises the zr_control
 *    flag after a short delay (a quarter of the uncancelled run's time); the engine returns
 *    ZR_ERR_CANCELLED within 100 ms of the flag and leaves nothing in its folder; a flag raised
 *    before the run starts stops it before it writes anything.
 *  - demo-data with each of its allocations failing in turn ends cleanly, leaving nothing.
 * Runs under ThreadSanitizer too (make test-tsan); there the time bound is scaled by the
 * sanitizer's slowdown. ZRZY_TEST_ONLY=name runs one test. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "core/alloc.h"
#include "core/stage.h"
#include "test.h"
#include "unit/util.h"
#include "zrzy.h"

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
#define CANCEL_MS (100.0 * SLOWDOWN) /* the contract: stopped within 100 ms of the flag */

static char base[1024];

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void sleep_ms(double ms) {
    struct timespec t = {(time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6)};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* ---- the counties ---- */

enum { EAST, WEST, WEST2, BIG, N_COUNTIES };
static char county_dir[N_COUNTIES][1100];
static int64_t county_parcels[N_COUNTIES];

static int make_county(int k) {
    zr_demo_opts o = {.county = "371521", .seed = 3, .parcels = 4000, .km2 = 50};
    if (k == WEST || k == WEST2) { /* the western bench county's shape, smaller */
        o = (zr_demo_opts){.county = "652302",
                           .seed = k == WEST ? 1 : 2,
                           .parcels = 3000,
                           .km2 = 500,
                           .lat = 44.15,
                           .zone = 29,
                           .offset = 1.2,
                           .vertices = 48,
                           .price_zones = 120,
                           .price_uses = 9,
                           .state_share = 40,
                           .villages = 30};
    } else if (k == BIG) { /* for the cancellations: long enough to stop in the middle */
        o.seed = 4, o.parcels = 30000, o.km2 = 360;
    }
    snprintf(county_dir[k], sizeof county_dir[k], "%s/county-%d", base, k);
    o.out_dir = county_dir[k];
    zr_demo_result r;
    char err[2048];
    zr_status s = t_demo_generate(&o, &r, err, sizeof err);
    if (s) fprintf(stderr, "county %d: %s\n", k, err);
    county_parcels[k] = s ? 0 : r.n_parcels;
    return s == ZR_OK;
}

/* ---- a run of one engine, on any thread ---- */

enum { CHECK_JOB, INVENTORY_JOB, IMPORT_JOB, DEMO_JOB };
static const char *const job_name[] = {"check", "inventory", "import", "demo-data"};

typedef struct job {
    int kind, county;
    char out[1200]; /* output folder; for import the store's path */
    zr_control ctl;
    pthread_t thread; /* the thread that called the engine */
    atomic_int n_progress, n_progress_elsewhere;
    _Atomic(const char *) phase; /* the last phase reported (static strings, by contract) */
    zr_status status;
    double t_start, t_return; /* now_ms() when the engine was called and when it returned */
    pthread_barrier_t *start; /* when set: wait here with the other jobs first */
    char err[2048];
    zr_check_result check;
    zr_inventory_result inventory;
    zr_import_result import;
    zr_demo_result demo;
} job;

static void on_progress(void *user, const char *phase, int64_t done, int64_t total) {
    job *j = user;
    (void)phase, (void)done, (void)total;
    atomic_fetch_add(&j->n_progress, 1);
    atomic_store(&j->phase, phase);
    if (!pthread_equal(pthread_self(), j->thread)) atomic_fetch_add(&j->n_progress_elsewhere, 1);
}

static void job_init(job *j, int kind, int county, const char *out) {
    memset(j, 0, sizeof *j);
    j->kind = kind, j->county = county;
    snprintf(j->out, sizeof j->out, "%s", out);
    j->ctl.progress = on_progress;
    j->ctl.user = j;
}

/* An inventory that succeeded owns its summary rows. */
static void job_free(job *j) {
    if (j->kind == INVENTORY_JOB && j->status == ZR_OK) zr_inventory_result_free(&j->inventory);
}

static void *job_run(void *arg) {
    job *j = arg;
    char in[1200], csv[5][1200];
    const char *dir = county_dir[j->county];
    snprintf(in, sizeof in, "%s/county.gpkg", dir);
    static const char *const tables[5] = {"price_index", "far", "minerals", "reserve", ""};
    for (int k = 0; k < 4; k++)
        snprintf(csv[k], sizeof csv[k], "%s/%s.csv", dir, tables[k]);
    j->thread = pthread_self();
    if (j->start) pthread_barrier_wait(j->start);
    j->t_start = now_ms();
    zr_error e;
    if (j->kind == CHECK_JOB) {
        zr_check_opts o = {.source = in, .out_dir = j->out, .threads = 2, .ctl = j->ctl};
        j->status = zr_check_run(&o, &j->check, &e);
    } else if (j->kind == INVENTORY_JOB) {
        zr_inventory_opts o = {.parcels = in,
                               .prices = in,
                               .price_index = csv[0],
                               .far = csv[1],
                               .rights = in,
                               .minerals = csv[2],
                               .reserve = csv[3],
                               .base_date = "2023-12-31",
                               .out_dir = j->out,
                               .threads = 2,
                               .ctl = j->ctl};
        j->status = zr_inventory_run(&o, &j->inventory, &e);
    } else if (j->kind == IMPORT_JOB) {
        zr_import_opts o = {
            .store = j->out, .source = in, .year = 2023, .threads = 2, .ctl = j->ctl};
        j->status = zr_import_run(&o, &j->import, &e);
    } else {
        zr_demo_opts o = {.out_dir = j->out,
                          .parcels = 30000,
                          .county = "371521",
                          .seed = 6,
                          .km2 = 360,
                          .ctl = j->ctl};
        j->status = zr_demo_generate(&o, &j->demo, &e);
    }
    j->t_return = now_ms();
    snprintf(j->err, sizeof j->err, "%s", e.message);
    return NULL;
}

/* ---- comparing output folders ---- */

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir (not . and ..), malloc'd; *n their count; NULL when dir is absent. */
static char **list_dir(const char *dir, size_t *n) {
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (!names) names = calloc(1, sizeof *names);
    if (*n) qsort(names, *n, sizeof *names, cmp_names);
    return names;
}

static void free_list(char **names, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* GeoPackages record when each layer was last changed (gpkg_contents.last_change, "now" by the
 * store): the one part of an output that may differ between identical runs. Masked in place
 * (same length), so everything else is still compared byte for byte. */
static size_t mask_timestamps(unsigned char *b, size_t n) {
    static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    const size_t m = sizeof pat - 1;
    size_t masked = 0;
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        for (; k < m; k++)
            if (pat[k] == 'd' ? b[i + k] < '0' || b[i + k] > '9'
                              : b[i + k] != (unsigned char)pat[k])
                break;
        if (k == m) {
            memset(b + i, 'X', m);
            masked++;
            i += m - 1;
        }
    }
    return masked;
}

/* Every file under a and b: the same names and the same bytes (GeoPackages: but the
 * timestamps). Records a failure naming the first difference; returns the files compared. */
static int same_tree(const char *a, const char *b) {
    size_t na, nb;
    char **la = list_dir(a, &na), **lb = list_dir(b, &nb);
    int files = 0;
    CHECK(la && lb);
    if (!la || !lb) goto done;
    if (na != nb) {
        CHECK_EQ_INT(na, nb);
        fprintf(stderr, "  %s and %s hold different files\n", a, b);
        goto done;
    }
    for (size_t i = 0; i < na; i++) {
        if (strcmp(la[i], lb[i])) {
            CHECK_STR(la[i], lb[i]);
            continue;
        }
        char pa[1600], pb[1600];
        snprintf(pa, sizeof pa, "%s/%s", a, la[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, lb[i]);
        struct stat sa;
        if (stat(pa, &sa) == 0 && S_ISDIR(sa.st_mode)) {
            files += same_tree(pa, pb);
            continue;
        }
        size_t ka, kb;
        unsigned char *ba = file_bytes(pa, &ka), *bb = file_bytes(pb, &kb);
        const size_t len = strlen(la[i]);
        if (ba && bb && len > 5 && !strcmp(la[i] + len - 5, ".gpkg")) {
            mask_timestamps(ba, ka);
            mask_timestamps(bb, kb);
        }
        const int same = ba && bb && ka == kb && !memcmp(ba, bb, ka);
        if (!same) fprintf(stderr, "  %s and %s differ (%zu vs %zu bytes)\n", pa, pb, ka, kb);
        CHECK(same);
        files++;
        free(ba);
        free(bb);
    }
done:
    if (la) free_list(la, na);
    if (lb) free_list(lb, nb);
    return files;
}

/* ---- concurrent runs give the bytes of sequential runs ---- */

TEST(concurrent_same_as_sequential) {
    enum { N = 3 };
    static job seq[N], par[N];
    const int kind[N] = {CHECK_JOB, CHECK_JOB, INVENTORY_JOB};
    const int county[N] = {EAST, WEST, WEST2};
    char out[1200];
    for (int k = 0; k < N; k++) {
        snprintf(out, sizeof out, "%s/seq-%d-%s", base, k, job_name[kind[k]]);
        job_init(&seq[k], kind[k], county[k], out);
        job_run(&seq[k]); /* one after another, on this thread */
        if (seq[k].status) fprintf(stderr, "  sequential %s: %s\n", job_name[kind[k]], seq[k].err);
        CHECK_EQ_INT(seq[k].status, ZR_OK);
    }
    pthread_t th[N];
    int started[N] = {0}, all = 1;
    pthread_barrier_t go;
    REQUIRE(pthread_barrier_init(&go, NULL, N) == 0);
    for (int k = 0; k < N; k++) {
        snprintf(out, sizeof out, "%s/par-%d-%s", base, k, job_name[kind[k]]);
        job_init(&par[k], kind[k], county[k], out);
        par[k].start = &go;
    }
    for (int k = 0; k < N; k++) /* at once */
        all &= started[k] = pthread_create(&th[k], NULL, job_run, &par[k]) == 0;
    if (all)
        for (int k = 0; k < N; k++)
            pthread_join(th[k], NULL);
    pthread_barrier_destroy(&go);
    REQUIRE(all);
    /* they did run at the same time: every run started before any had finished */
    double last_start = 0, first_end = 1e300;
    for (int k = 0; k < N; k++) {
        last_start = fmax(last_start, par[k].t_start);
        first_end = fmin(first_end, par[k].t_return);
    }
    CHECK(last_start < first_end);
    for (int k = 0; k < N; k++) {
        if (par[k].status) fprintf(stderr, "  concurrent %s: %s\n", job_name[kind[k]], par[k].err);
        CHECK_EQ_INT(par[k].status, ZR_OK);
        CHECK_EQ_INT(par[k].n_progress_elsewhere, 0); /* progress only on the caller's thread */
        CHECK_EQ_INT(seq[k].n_progress_elsewhere, 0);
        /* every output file, byte for byte; a check writes 4, an inventory 9 */
        const int files = same_tree(seq[k].out, par[k].out);
        CHECK(files >= (kind[k] == CHECK_JOB ? 4 : 9));
    }
    /* the results as data agree too, and are the counties' (not empty runs) */
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_INT(seq[k].check.n_parcels, county_parcels[county[k]]);
        CHECK_EQ_INT(par[k].check.n_parcels, seq[k].check.n_parcels);
        CHECK_EQ_INT(par[k].check.n_findings, seq[k].check.n_findings);
        CHECK_EQ_INT(par[k].check.n_sev1_parcels, seq[k].check.n_sev1_parcels);
        CHECK_STR(par[k].check.input_sha256, seq[k].check.input_sha256);
    }
    CHECK(strcmp(seq[0].check.input_sha256, seq[1].check.input_sha256) != 0);
    const zr_inventory_result *a = &seq[2].inventory, *b = &par[2].inventory;
    CHECK_EQ_INT(a->n_parcels, county_parcels[WEST2]);
    CHECK(a->n_state > a->n_parcels / 3); /* the western shape: ≈40 % state-owned */
    CHECK(a->value_cents > 0);
    CHECK_EQ_INT(b->n_parcels, a->n_parcels);
    CHECK_EQ_INT(b->n_state, a->n_state);
    CHECK_EQ_INT(b->n_valued, a->n_valued);
    CHECK_EQ_INT(b->n_pieces, a->n_pieces);
    CHECK_EQ_INT(b->area_cents, a->area_cents);
    CHECK_EQ_INT(b->value_cents, a->value_cents);
    /* and the summary rows, field for field */
    CHECK(a->n_rows > 0 && b->n_rows == a->n_rows && a->rows && b->rows &&
          !memcmp(a->rows, b->rows, a->n_rows * sizeof *a->rows));
cleanup:
    for (int k = 0; k < N; k++)
        job_free(&seq[k]), job_free(&par[k]);
}

/* ---- cancellation ---- */

typedef struct canceller {
    atomic_int *flag;
    double delay_ms, t_flag;
    job *j;
    const char *phase; /* the engine's phase when the flag went up */
} canceller;

static void *raise_flag(void *arg) {
    canceller *c = arg;
    sleep_ms(c->delay_ms);
    c->t_flag = now_ms();
    atomic_store(c->flag, 1);
    c->phase = atomic_load(&c->j->phase);
    return NULL;
}

/* The job's folder (its own parent, empty before) must be empty after a cancelled run. */
static void expect_nothing_left(const char *parent, const char *what) {
    size_t n;
    char **names = list_dir(parent, &n);
    if (n) fprintf(stderr, "  %s left %s/%s%s\n", what, parent, names[0], n > 1 ? " …" : "");
    CHECK_EQ_INT(n, 0);
    if (names) free_list(names, n);
}

static void cancel_one(int kind) {
    char parent[1200], out[1300];
    snprintf(parent, sizeof parent, "%s/cancel-%s", base, job_name[kind]);
    mkdir(parent, 0777);
    snprintf(out, sizeof out, "%s/%s", parent, kind == IMPORT_JOB ? "store.gpkg" : "out");
    /* the whole run's time, uncancelled, in a folder of its own */
    static job full, j;
    char full_out[1300];
    snprintf(full_out, sizeof full_out, "%s/full-%s%s", base, job_name[kind],
             kind == IMPORT_JOB ? ".gpkg" : "");
    job_init(&full, kind, BIG, full_out);
    const double t0 = now_ms();
    job_run(&full);
    const double whole = full.t_return - t0;
    if (full.status) fprintf(stderr, "  %s (uncancelled): %s\n", job_name[kind], full.err);
    CHECK_EQ_INT(full.status, ZR_OK);
    job_free(&full);

    /* 1. the flag raised by another thread a quarter into the run */
    atomic_int flag = 0;
    job_init(&j, kind, BIG, out);
    j.ctl.cancel = &flag;
    canceller c = {&flag, whole / 4, 0, &j, NULL};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, raise_flag, &c) == 0);
    job_run(&j);
    pthread_join(th, NULL);
    const double late = j.t_return - c.t_flag;
    const char *at_end = atomic_load(&j.phase);
    fprintf(stderr,
            "  %s: whole run %.0f ms; flag at %.0f ms (phase %s); returned %s %.1f ms after it "
            "(phase %s)\n",
            job_name[kind], whole, c.delay_ms, c.phase ? c.phase : "-", zr_status_str(j.status),
            late, at_end ? at_end : "-");
    if (j.status == ZR_OK && late < 0)
        fprintf(stderr, "  %s finished before the flag was raised\n", job_name[kind]);
    job_free(&j);
    CHECK_EQ_INT(j.status, ZR_ERR_CANCELLED);
    CHECK(late <= CANCEL_MS);
    CHECK(j.status != ZR_ERR_CANCELLED || j.err[0]); /* the error says so */
    expect_nothing_left(parent, job_name[kind]);

    /* 2. the flag up before the run starts: cancelled at once, nothing written */
    atomic_store(&flag, 1);
    job_init(&j, kind, BIG, out);
    j.ctl.cancel = &flag;
    const double t1 = now_ms();
    job_run(&j);
    CHECK_EQ_INT(j.status, ZR_ERR_CANCELLED);
    CHECK(j.t_return - t1 <= CANCEL_MS);
    expect_nothing_left(parent, job_name[kind]);
cleanup:;
}

TEST(cancel_check) {
    cancel_one(CHECK_JOB);
}
TEST(cancel_inventory) {
    cancel_one(INVENTORY_JOB);
}
TEST(cancel_import) {
    cancel_one(IMPORT_JOB);
}
TEST(cancel_demo) {
    cancel_one(DEMO_JOB);
}

/* demo-data with its n-th allocation failing, for every n: a clean error naming no success,
 * nothing in the folder, and (under ASan and valgrind) no leak. The hook is process-wide:
 * this runs last, alone. */
TEST(demo_allocation_failures) {
    char parent[1200], out[1300];
    /* in memory when the machine has /dev/shm: a store's creation syncs the disk ~40 times */
    snprintf(parent, sizeof parent, "/dev/shm/zrzy-test-nomem-%ld", (long)getpid());
    if (mkdir(parent, 0777) != 0) {
        snprintf(parent, sizeof parent, "%s/nomem", base);
        mkdir(parent, 0777);
    }
    snprintf(out, sizeof out, "%s/out", parent);
    zr_demo_opts o = {.out_dir = out,
                      .parcels = 150,
                      .county = "652302",
                      .seed = 2,
                      .km2 = 200,
                      .lat = 44.15,
                      .zone = 29,
                      .offset = 1.2,
                      .vertices = 48,
                      .price_zones = 30,
                      .price_uses = 9,
                      .state_share = 60,
                      .villages = 4};
    zr_demo_result r;
    zr_error e;
    /* how many allocations a run makes: every one of the first 400 fails in turn, then a
       geometric sample (1 % steps) up to the end */
    zr_alloc_fail_at(INT64_MAX, 0);
    zr_status s0 = zr_demo_generate(&o, &r, &e);
    const int64_t total = zr_alloc_count();
    zr_alloc_fail_at(0, 0);
    REQUIRE(s0 == ZR_OK);
    REQUIRE(zr_remove_tree(out) == 0);
    int64_t failed_runs = 0, bad = 0;
    for (int64_t n = 1; n <= total; n += n < 400 ? 1 : n / 100) {
        zr_alloc_fail_at(n, 0);
        zr_status s = zr_demo_generate(&o, &r, &e);
        const int64_t hit = zr_alloc_failed();
        zr_alloc_fail_at(0, 0);
        CHECK(hit == 1);
        failed_runs++;
        size_t k;
        char **left = list_dir(parent, &k);
        if (s == ZR_OK || !e.message[0] || k) {
            if (bad++ < 8)
                fprintf(stderr, "  allocation %lld of %lld failed: %s (%s), %zu left\n",
                        (long long)n, (long long)total, zr_status_str(s), e.message, k);
        }
        if (left) free_list(left, k);
        zr_remove_tree(out); /* after a run that wrongly succeeded */
    }
    fprintf(stderr, "  demo-data: %lld allocations, %lld runs with one failing\n", (long long)total,
            (long long)failed_runs);
    CHECK_EQ_INT(bad, 0);
    CHECK(failed_runs > 400); /* the hook reached the generator's allocations */
cleanup:
    zr_remove_tree(parent);
}

static int wanted(const char *name) {
    const char *only = getenv("ZRZY_TEST_ONLY");
    return !only || !strcmp(only, name);
}
#define RUN_IF(name)                  \
    do {                              \
        if (wanted(#name)) RUN(name); \
    } while (0)

static int setup(void) {
    const char *d = tmp_dir("engines");
    if (!d) return 0;
    snprintf(base, sizeof base, "%s", d);
    for (int k = 0; k < N_COUNTIES; k++)
        if (!make_county(k)) return 0;
    return 1;
}

TEST_MAIN(
    if (!setup()) {
        fprintf(stderr, "cannot generate the counties in %s\n", base);
        zr_test_failed++;
    } else {
        RUN_IF(concurrent_same_as_sequential);
        RUN_IF(cancel_check);
        RUN_IF(cancel_inventory);
        RUN_IF(cancel_import);
        RUN_IF(cancel_demo);
        RUN_IF(demo_allocation_failures);
    })
