/* The allocation-failure harness, in the manner of SQLite's: on a small generated county, the
 * import, the check and the inventory are run again and again with the Nth allocation failing
 * (zr_malloc & co. through zr_alloc_fail_at, and SQLite's own allocations through
 * SQLITE_CONFIG_MALLOC in the same count), for N = 1, 2, 3, … until a run completes without
 * meeting the failure. Every such run must
 *   - return a clean error: ZR_ERR_NOMEM, or a status whose message says "out of memory";
 *   - leave no partial output: a new store absent, an existing store byte-identical, the out
 *     folder as it was, no stage or temporary file beside them;
 *   - not crash and not leak (under ASan/LSan each run is leak-checked on its own);
 * and a run that met the failure yet succeeded must give exactly the reference outputs (a
 * failure that turned into a quietly different result is the worst kind).
 *
 * Every N up to ZRZY_ALLOC_DENSE (default 100) is tried, then every ZRZY_ALLOC_STEP-th (default:
 * a step that keeps each engine near ZRZY_ALLOC_RUNS, 100, more runs) — and also the first
 * allocation of every call site (ZRZY_ALLOC_SITE_DEPTH return addresses above the allocator,
 * default 3) seen in a traced reference run, so no site is skipped by the step.
 * ZRZY_ALLOC_STEP=1 tries every N; ZRZY_ALLOC_ENGINE=import|import-existing|check|inventory
 * runs one engine;
 * ZRZY_ALLOC_N=n runs that one N in this process (for a debugger). ctest runs it with a smaller
 * budget (CMakeLists.txt). The county lives in /dev/shm where there is one. */
#include "core/alloc.h"
#include "test.h"
#include "util.h"
#include <dirent.h>
#include <execinfo.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZR_TEST_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ZR_TEST_LSAN 1
#endif
#ifdef ZR_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* ---- SQLite's allocations through the same hook ---------------------------------------- */

/* SQLite wants each block's size back: an 8-byte header holds it. */
static void *sq_malloc(int n) {
    if (n <= 0 || zr_alloc_fault()) return NULL;
    int64_t *p = malloc((size_t)n + 8);
    if (!p) return NULL;
    p[0] = n;
    return p + 1;
}
static void sq_free(void *p) {
    if (p) free((int64_t *)p - 1);
}
static void *sq_realloc(void *p, int n) {
    if (n <= 0 || zr_alloc_fault()) return NULL;
    int64_t *q = realloc(p ? (int64_t *)p - 1 : NULL, (size_t)n + 8);
    if (!q) return NULL;
    q[0] = n;
    return q + 1;
}
static int sq_size(void *p) {
    return p ? (int)((int64_t *)p)[-1] : 0;
}
static int sq_roundup(int n) {
    return (n + 7) & ~7;
}
static int sq_init(void *u) {
    (void)u;
    return SQLITE_OK;
}
static void sq_shutdown(void *u) {
    (void)u;
}

/* ---- folder snapshots ---------------------------------------------------------------------- */

/* A listing of a folder tree, one line per entry: relative path, size, FNV hash of the bytes.
 * Plain malloc: the test's own memory is not counted by the hook. */
typedef struct {
    char *text;
    size_t len, cap;
} listing;

static void lst_add(listing *l, const char *s) {
    const size_t n = strlen(s);
    if (l->len + n + 1 > l->cap) {
        l->cap = (l->len + n + 1) * 2;
        l->text = realloc(l->text, l->cap);
    }
    memcpy(l->text + l->len, s, n + 1);
    l->len += n;
}

static uint64_t file_hash(const char *path, long long *size) {
    size_t n;
    unsigned char *b = file_bytes(path, &n);
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; b && i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    free(b);
    *size = b ? (long long)n : -1;
    return h;
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void snap_rec(listing *l, const char *root, const char *rel) {
    char path[2048];
    snprintf(path, sizeof path, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return;
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, name_cmp);
    for (int i = 0; i < n; i++) {
        char sub[1024], full[3100], line[1300];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", names[i]);
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(line, sizeof line, "%s/\n", sub);
            lst_add(l, line);
            snap_rec(l, root, sub);
        } else {
            long long size;
            const uint64_t h = file_hash(full, &size);
            snprintf(line, sizeof line, "%s %lld %016llx\n", sub, size, (unsigned long long)h);
            lst_add(l, line);
        }
        free(names[i]);
    }
}

static char *snapshot(const char *root) {
    listing l = {0};
    lst_add(&l, "");
    snap_rec(&l, root, "");
    return l.text;
}

/* ---- call sites ---------------------------------------------------------------------------- */

/* In a traced reference run, the first allocation number at which each call site allocates: a
 * site is the backtrace's return addresses above the allocator (SITE_DEPTH of them), so the
 * growth of one buffer from two callers counts as two sites. */
#define MAX_DEPTH 8
#define MAX_SITES 16384
static struct {
    pthread_mutex_t mu;
    uint64_t key[MAX_SITES];
    int64_t first[MAX_SITES];
    int n, full;
} sites = {PTHREAD_MUTEX_INITIALIZER, {0}, {0}, 0, 0};

static int site_depth = 3;

static void trace_site(void *user, int64_t n) {
    (void)user;
    void *frames[MAX_DEPTH + 3];
    const int got = backtrace(frames, site_depth + 3);
    uint64_t h = 1469598103934665603ULL;
    for (int i = 3; i < got; i++) /* above trace_site, should_fail, zr_alloc_* */
        h = (h ^ (uint64_t)(uintptr_t)frames[i]) * 1099511628211ULL;
    pthread_mutex_lock(&sites.mu);
    int k = 0;
    while (k < sites.n && sites.key[k] != h)
        k++;
    if (k == sites.n) {
        if (sites.n < MAX_SITES)
            sites.key[sites.n] = h, sites.first[sites.n++] = n;
        else
            sites.full = 1;
    }
    pthread_mutex_unlock(&sites.mu);
}

static int cmp_i64(const void *a, const void *b) {
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- the sweep ----------------------------------------------------------------------------- */

typedef zr_status (*engine_fn)(char *err, size_t n);

typedef struct {
    const char *name;
    engine_fn run;
    char home[1200];   /* the folder the run writes in; restored from home.pristine before each */
    char result[1400]; /* folder or file holding the outputs compared on success */
    const char *drop;  /* removed from the pristine copy (the import's store), or NULL */
} engine;

static void restore(const engine *e) {
    char cmd[5000];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s.pristine' '%s'", e->home, e->home, e->home);
    if (system(cmd) != 0) fprintf(stderr, "cannot restore %s\n", e->home);
}

static void make_pristine(const engine *e) {
    char cmd[5000];
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s.pristine' && cp -a '%s' '%s.pristine' && rm -f '%s.pristine/%s'", e->home,
             e->home, e->home, e->home, e->drop ? e->drop : "-");
    if (system(cmd) != 0) fprintf(stderr, "cannot copy %s\n", e->home);
}

static int problems;

static void problem(const char *who, int64_t n, const char *fmt, const char *detail) {
    problems++;
    fprintf(stderr, "alloc: %s N=%lld: ", who, (long long)n);
    fprintf(stderr, fmt, detail);
    fputc('\n', stderr);
}

/* 1 when every line of want is a line of got. */
static int has_lines(const char *got, const char *want) {
    for (const char *l = want; *l;) {
        const char *e = strchr(l, '\n');
        const size_t n = e ? (size_t)(e - l) + 1 : strlen(l);
        int found = 0;
        for (const char *g = got; *g && !found;) {
            const char *ge = strchr(g, '\n');
            const size_t gn = ge ? (size_t)(ge - g) + 1 : strlen(g);
            found = gn == n && !memcmp(g, l, n);
            g += gn;
        }
        if (!found) return 0;
        l += n;
    }
    return 1;
}

/* The lines of a that are lines of b too (malloc'd). */
static char *common_lines(const char *a, const char *b) {
    char *out = calloc(1, strlen(a) + 1);
    size_t len = 0;
    for (const char *l = a; *l;) {
        const char *e = strchr(l, '\n');
        const size_t n = e ? (size_t)(e - l) + 1 : strlen(l);
        char *line = strndup(l, n);
        if (has_lines(b, line)) memcpy(out + len, l, n), len += n;
        free(line);
        l += n;
    }
    return out;
}

static int says_oom(zr_status s, const char *msg) {
    return s == ZR_ERR_NOMEM || strstr(msg, "out of memory") != NULL;
}

static int leak_check(void) {
#ifdef ZR_TEST_LSAN
    return __lsan_do_recoverable_leak_check();
#else
    return 0;
#endif
}

static char *result_snapshot(const engine *e) {
    struct stat st;
    if (stat(e->result, &st) == 0 && S_ISDIR(st.st_mode)) return snapshot(e->result);
    long long size;
    const uint64_t h = file_hash(e->result, &size);
    char *s = malloc(64);
    snprintf(s, 64, "%lld %016llx\n", size, (unsigned long long)h);
    return s;
}

/* What a run's child process reports back. */
typedef struct {
    int64_t hit, count;
    int problems, ok;
} outcome;

/* One run with the Nth allocation failing, in a child process (a crash is a finding, not the
 * end of the sweep). The home folder is restored first; the child compares, reports and exits. */
static outcome run_at(const engine *e, int64_t n, const char *ref, const char *before, int dirty) {
    outcome out = {0, 0, 0, 0};
    if (dirty) restore(e); /* the last run succeeded or left something */
    fflush(stdout);
    fflush(stderr);
    int fds[2];
    if (pipe(fds) != 0) {
        out.problems = 1;
        return out;
    }
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char err[2048] = "", detail[2300];
        problems = 0;
        zr_alloc_fail_at(n, 0);
        const zr_status s = e->run(err, sizeof err);
        out.hit = zr_alloc_failed();
        out.count = zr_alloc_count();
        zr_alloc_fail_at(0, 0);
        out.ok = s == ZR_OK;
        if (s == ZR_OK) {
            char *got = result_snapshot(e);
            if (out.hit && !has_lines(got, ref)) { /* succeeded despite the failure, differently */
                snprintf(detail, sizeof detail, "reference:\n%s---- this run:\n%s", ref, got);
                problem(e->name, n, "run succeeded after a failed allocation, outputs differ: %s",
                        detail);
            }
            free(got);
        } else {
            if (!says_oom(s, err)) {
                snprintf(detail, sizeof detail, "status %d (%s): %s", (int)s, zr_status_str(s),
                         err);
                problem(e->name, n, "unclean error: %s", detail);
            }
            char *now = snapshot(e->home);
            if (strcmp(now, before)) {
                snprintf(detail, sizeof detail, "%s: before:\n%s---- after:\n%s", e->home, before,
                         now);
                problem(e->name, n, "partial output left: %s", detail);
            }
            free(now);
        }
        if (leak_check()) problem(e->name, n, "%s", "memory leaked (LSan report above)");
        out.problems = problems;
        if (write(fds[1], &out, sizeof out) != (ssize_t)sizeof out) _exit(3);
        fflush(stdout);
        fflush(stderr);
        _exit(0);
    }
    close(fds[1]);
    int status = 0;
    const ssize_t got = pid > 0 ? read(fds[0], &out, sizeof out) : -1;
    close(fds[0]);
    if (pid > 0) waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof out || !WIFEXITED(status) || WEXITSTATUS(status)) {
        char why[64];
        snprintf(why, sizeof why, "%s %d", WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        problems++;
        fprintf(stderr, "alloc: %s N=%lld: the run crashed (%s)\n", e->name, (long long)n, why);
        out.hit = 1; /* carry on with the next N */
        out.problems = 0;
        out.ok = 1; /* restore the folder */
    }
    problems += out.problems;
    return out;
}

static long env_long(const char *name, long dflt) {
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

static void sweep(const engine *e) {
    const char *only = getenv("ZRZY_ALLOC_ENGINE");
    if (only && *only && strcmp(only, e->name)) return;
    /* the reference: a traced run without failures, and a second one */
    char err[2048] = "";
    restore(e);
    sites.n = sites.full = 0;
    zr_alloc_trace(trace_site, NULL);
    zr_alloc_fail_at(INT64_MAX, 0);
    const zr_status s0 = e->run(err, sizeof err);
    const int64_t total = zr_alloc_count();
    zr_alloc_fail_at(0, 0);
    zr_alloc_trace(NULL, NULL);
    qsort(sites.first, (size_t)sites.n, sizeof *sites.first, cmp_i64);
    printf("alloc: %s: %lld allocations from %d call sites (%d frames each)\n", e->name,
           (long long)total, sites.n, site_depth);
    fflush(stdout);
    if (s0 != ZR_OK) {
        problem(e->name, 0, "reference run failed: %s", err);
        return;
    }
    char *ref1 = result_snapshot(e);
    restore(e);
    const zr_status s1 = e->run(err, sizeof err);
    char *ref2 = s1 == ZR_OK ? result_snapshot(e) : strdup("");
    /* what differs between two clean runs (a time stamp) is not compared */
    char *ref = common_lines(ref1, ref2);
    if (strcmp(ref1, ref2))
        printf("alloc: %s: outputs of two clean runs differ; compared: the rest\n----\n%s----\n%s",
               e->name, ref1, ref2);
    free(ref1);
    free(ref2);
    restore(e);
    char *before = snapshot(e->home);
    const long dense = env_long("ZRZY_ALLOC_DENSE", 100);
    long step = env_long("ZRZY_ALLOC_STEP", 0);
    const long budget = env_long("ZRZY_ALLOC_RUNS", 100);
    if (step <= 0) step = total > dense ? (long)((total - dense) / budget) + 1 : 1;
    const int problems_before = problems;
    int64_t runs = 0, failed_runs = 0, n = 1;
    int site = 0, sites_run = 0, dirty = 0;
    const long only_n = env_long("ZRZY_ALLOC_N", 0);
    if (only_n > 0) { /* one run, in this process (for a debugger) */
        zr_alloc_fail_at(only_n, 0);
        const zr_status s = e->run(err, sizeof err);
        printf("alloc: %s N=%ld: status %d: %s (%lld failed)\n", e->name, only_n, (int)s, err,
               (long long)zr_alloc_failed());
        zr_alloc_fail_at(0, 0);
        free(before);
        free(ref);
        return;
    }
    for (;; n++) {
        while (site < sites.n && sites.first[site] < n)
            site++;
        const int first_of_site = site < sites.n && sites.first[site] == n;
        if (n > dense && (n - dense - 1) % step && !first_of_site) continue;
        const outcome o = run_at(e, n, ref, before, dirty);
        dirty = !o.hit || o.problems || o.ok;
        runs++;
        sites_run += first_of_site;
        failed_runs += o.hit > 0;
        if (!o.hit) break; /* the run completed before reaching the Nth allocation */
        if (problems - problems_before > env_long("ZRZY_ALLOC_MAX_PROBLEMS", 60)) break;
    }
    printf(
        "alloc: %s: %lld allocations in the reference run from %d call sites%s; %lld runs "
        "(every N to %ld, then every %ld-th, and %d sites' first allocations), last N %lld\n",
        e->name, (long long)total, sites.n, sites.full ? " (table full)" : "", (long long)runs,
        dense, step, sites_run, (long long)n);
    CHECK(runs > 1 && failed_runs == runs - 1);
    free(before);
    free(ref);
}

/* ---- the engines --------------------------------------------------------------------------- */

static char base[1024], county[1200], store[1400], store_ref[1200], idx[1200], far_csv[1200],
    min_csv[1200], resv_csv[1200], qc_out[1400], inv_out[1400];

static zr_status import_run(char *err, size_t n) {
    zr_import_opts o = {.store = store, .source = county, .threads = 1};
    zr_import_result r;
    return t_import_run(&o, &r, err, n);
}

/* the same source again into a store that has it: after a failure, the store as it was */
static char store_x[1400];
static zr_status import_existing_run(char *err, size_t n) {
    zr_import_opts o = {.store = store_x, .source = county, .threads = 1};
    zr_import_result r;
    return t_import_run(&o, &r, err, n);
}

static zr_status check_run(char *err, size_t n) {
    zr_check_opts o = {.source = store_ref, .out_dir = qc_out, .threads = 1};
    zr_check_result r;
    return t_check_run(&o, &r, err, n);
}

static zr_status inventory_run(char *err, size_t n) {
    zr_inventory_opts o = {.parcels = store_ref,
                           .prices = county,
                           .price_index = idx,
                           .far = far_csv,
                           .rights = county,
                           .minerals = min_csv,
                           .reserve = resv_csv,
                           .out_dir = inv_out,
                           .threads = 1};
    zr_inventory_result r;
    const zr_status s = t_inventory_run(&o, &r, err, n);
    if (!s) zr_inventory_result_free(&r); /* the summary rows of a run that succeeded */
    return s;
}

TEST(alloc_failures) {
    /* hundreds of runs write stores: in memory (/dev/shm) where there is one */
    if (access("/dev/shm", W_OK) == 0) {
        snprintf(base, sizeof base, "/dev/shm/zrzy-alloc-%d", (int)getpid());
        mkdir(base, 0755);
    } else {
        const char *d = tmp_dir("alloc");
        REQUIRE(d);
        snprintf(base, sizeof base, "%s", d);
    }
    zr_demo_opts o = {.out_dir = base,
                      .parcels = env_long("ZRZY_ALLOC_PARCELS", 300),
                      .county = "371521",
                      .seed = 3,
                      .km2 = 20};
    zr_demo_result dr;
    char err[2048] = "";
    REQUIRE(t_demo_generate(&o, &dr, err, sizeof err) == ZR_OK);
    snprintf(county, sizeof county, "%s", dr.path);
    snprintf(idx, sizeof idx, "%s/price_index.csv", base);
    snprintf(far_csv, sizeof far_csv, "%s/far.csv", base);
    snprintf(min_csv, sizeof min_csv, "%s/minerals.csv", base);
    snprintf(resv_csv, sizeof resv_csv, "%s/reserve.csv", base);
    /* the store every later engine reads, imported once without failures */
    snprintf(store_ref, sizeof store_ref, "%s/ref/store.gpkg", base);
    char refdir[1200];
    snprintf(refdir, sizeof refdir, "%s/ref", base);
    mkdir(refdir, 0755);
    zr_import_opts io = {.store = store_ref, .source = county, .threads = 1};
    zr_import_result ir;
    REQUIRE(t_import_run(&io, &ir, err, sizeof err) == ZR_OK);
    printf("alloc: county of %lld parcels\n", (long long)ir.n_parcels);
    /* each engine writes in its own folder, which holds an earlier run's results */
    enum { N_ENGINES = 4 };
    static engine engines[N_ENGINES] = {{"import", import_run, "", "", NULL},
                                        {"import-existing", import_existing_run, "", "", NULL},
                                        {"check", check_run, "", "", NULL},
                                        {"inventory", inventory_run, "", "", NULL}};
    const char *homes[N_ENGINES] = {"imp", "impx", "qc", "inv"};
    for (int k = 0; k < N_ENGINES; k++) {
        snprintf(engines[k].home, sizeof engines[k].home, "%s/%s", base, homes[k]);
        mkdir(engines[k].home, 0755);
    }
    snprintf(store, sizeof store, "%s/store.gpkg", engines[0].home);
    snprintf(store_x, sizeof store_x, "%s/store.gpkg", engines[1].home);
    snprintf(qc_out, sizeof qc_out, "%s/out", engines[2].home);
    snprintf(inv_out, sizeof inv_out, "%s/out", engines[3].home);
    snprintf(engines[0].result, sizeof engines[0].result, "%s", store);
    snprintf(engines[1].result, sizeof engines[1].result, "%s", store_x);
    snprintf(engines[2].result, sizeof engines[2].result, "%s", qc_out);
    snprintf(engines[3].result, sizeof engines[3].result, "%s", inv_out);
    engines[0].drop = "store.gpkg"; /* into a new store: absent before each run */
    REQUIRE(import_run(err, sizeof err) == ZR_OK);
    REQUIRE(import_existing_run(err, sizeof err) == ZR_OK);
    REQUIRE(check_run(err, sizeof err) == ZR_OK);
    REQUIRE(inventory_run(err, sizeof err) == ZR_OK);
    for (int k = 0; k < N_ENGINES; k++) {
        make_pristine(&engines[k]);
        sweep(&engines[k]);
    }
    CHECK_EQ_INT(problems, 0);
    if (!problems && !strncmp(base, "/dev/shm/", 9) && !env_long("ZRZY_ALLOC_N", 0)) {
        /* kept when there is something to see */
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
        if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", base);
    }
cleanup:;
}

int zr_test_passed, zr_test_failed;
const char *zr_test_name;

int main(void) {
    /* SQLite's allocations count with zrzy's: configured before SQLite's first use */
    static const sqlite3_mem_methods mem = {sq_malloc,  sq_free, sq_realloc,  sq_size,
                                            sq_roundup, sq_init, sq_shutdown, NULL};
    site_depth = (int)env_long("ZRZY_ALLOC_SITE_DEPTH", 3);
    if (site_depth < 1) site_depth = 1;
    if (site_depth > MAX_DEPTH) site_depth = MAX_DEPTH;
    const int sqlite_hooked =
        env_long("ZRZY_ALLOC_SQLITE", 1) && sqlite3_config(SQLITE_CONFIG_MALLOC, &mem) == SQLITE_OK;
    printf("alloc: SQLite's allocations %s\n", sqlite_hooked ? "counted" : "not counted");
    zr_test_name = "alloc_failures";
    alloc_failures();
    printf("%d passed, %d failed\n", zr_test_passed, zr_test_failed);
    fflush(stdout);
    return zr_test_failed ? 1 : 0;
}
