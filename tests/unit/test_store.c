/* The store: schema versions and migrations, WAL and durability, the writer's lock, crash and
 * full-disk behaviour, SQL quoting, the blob header parser, backup and verify. */
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "core/alloc.h"
#include "geo/geo.h"
#include "store/store_int.h"
#include "test.h"
#include "util.h"

static char dir[1024];

static int sql(const char *path, const char *text) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, text, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* The first column of the first row of query as an integer (-1 when none or on error). */
static int64_t sql_int(const char *path, const char *query) {
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, query, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void sql_text_of(const char *path, const char *query, char *dst, size_t n) {
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    dst[0] = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, query, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_text(q, 0))
        snprintf(dst, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static const char *path_in(char *buf, size_t n, const char *name) {
    snprintf(buf, n, "%s/%s", dir, name);
    return buf;
}

static void remove_store(const char *p) {
    char b[1200];
    unlink(p);
    snprintf(b, sizeof b, "%s-wal", p), unlink(b);
    snprintf(b, sizeof b, "%s-shm", p), unlink(b);
    snprintf(b, sizeof b, "%s-journal", p), unlink(b);
}

/* A new store with a layer T of n unit squares (fid i at x = i). */
static zr_status make_store(const char *p, int n) {
    remove_store(p);
    zr_store *s = NULL;
    zr_writer *w = NULL;
    zr_buf blob = {0};
    zr_poly poly = {0};
    static const zr_field_def f[1] = {{"NAME", ZR_FT_TEXT, 20, 0}};
    zr_status st = zr_store_open(p, ZR_STORE_CREATE, &s);
    if (!st) st = zr_store_begin(s);
    if (!st) st = zr_store_create_layer(s, "T", f, 1, 0, "test");
    if (!st) st = zr_writer_open(s, "T", f, 1, &w);
    for (int i = 0; i < n && !st; i++) {
        zr_poly_clear(&poly);
        zr_buf_reset(&blob);
        const double x = i;
        st = zr_poly_begin_polygon(&poly);
        if (!st) st = zr_poly_begin_ring(&poly);
        const double ring[5][2] = {{x, 0}, {x + 1, 0}, {x + 1, 1}, {x, 1}, {x, 0}};
        for (int k = 0; k < 5 && !st; k++)
            st = zr_poly_add_point(&poly, ring[k][0], ring[k][1]);
        if (!st) st = zr_poly_finish(&poly);
        if (!st) st = zr_poly_to_gpkg_blob(&poly, 0, &blob);
        zr_value v = {.kind = ZR_FT_TEXT, .s = "x"};
        if (!st) st = zr_writer_insert(w, &v, blob.data, blob.len);
        if (!st) st = zr_writer_flush(w);
    }
    st = zr_writer_end(w, st);
    if (!st) st = zr_store_commit(s);
    zr_store_close(s);
    zr_buf_free(&blob);
    zr_poly_free(&poly);
    return st;
}

/* ---- 1. schema versions ---- */

TEST(new_store_is_versioned_gpkg_in_wal) {
    char p[1200], mode[32];
    path_in(p, sizeof p, "new.gpkg");
    REQUIRE(make_store(p, 3) == ZR_OK);
    CHECK_EQ_INT(sql_int(p, "PRAGMA application_id"), 0x47504B47);
    CHECK_EQ_INT(sql_int(p, "PRAGMA user_version"), 10300);
    CHECK_EQ_INT(sql_int(p, "SELECT value FROM zrzy_meta WHERE key = 'schema_version'"),
                 ZR_STORE_SCHEMA);
    sql_text_of(p, "PRAGMA journal_mode", mode, sizeof mode);
    CHECK(!strcmp(mode, "wal"));
    char lock[1300];
    snprintf(lock, sizeof lock, "%s.zrzy-lock", p);
    CHECK(!file_exists(lock)); /* removed when the writer closed */
    zr_store *s = NULL;
    CHECK(zr_store_open(p, ZR_STORE_READ, &s) == ZR_OK);
    CHECK_EQ_INT(zr_store_schema(s), ZR_STORE_SCHEMA);
    zr_store_close(s);
cleanup:;
}

/* A results file (errors.gpkg, inventory.gpkg) stays one file in the rollback-journal mode, so
 * it opens from read-only media: opened with .deliverable it is never switched to WAL. */
TEST(deliverable_keeps_the_rollback_journal) {
    char p[1200], mode[32], wal[1300];
    path_in(p, sizeof p, "deliverable.gpkg");
    unlink(p);
    const zr_store_opts so = {.deliverable = 1};
    zr_store *s = NULL;
    REQUIRE(zr_store_open_ex(p, ZR_STORE_CREATE, &so, &s) == ZR_OK);
    CHECK(zr_store_begin(s) == ZR_OK);
    CHECK(zr_store_commit(s) == ZR_OK);
    zr_store_close(s);
    sql_text_of(p, "PRAGMA journal_mode", mode, sizeof mode);
    CHECK(!strcmp(mode, "delete"));
    snprintf(wal, sizeof wal, "%s-wal", p);
    CHECK(!file_exists(wal));
cleanup:;
}

/* A reader keeps one snapshot: a writer's commit in the middle of its run is not seen, so a run
 * never reads rows of two versions (an inventory once summed a mix while an import committed). */
TEST(reader_keeps_one_snapshot) {
    char p[1200];
    path_in(p, sizeof p, "snapshot.gpkg");
    REQUIRE(make_store(p, 10) == ZR_OK);
    zr_store *r = NULL;
    zr_reader *rd = NULL;
    zr_batch b = {0};
    size_t got = 0, total = 0;
    REQUIRE(zr_store_open(p, ZR_STORE_READ, &r) == ZR_OK);
    REQUIRE(zr_reader_open(r, "T", &rd) == ZR_OK);
    REQUIRE(zr_batch_init(&b, zr_reader_nfields(rd)) == ZR_OK);
    REQUIRE(zr_reader_next(rd, &b, 4, &got) == ZR_OK);
    total += got;
    /* another connection deletes every row and commits (WAL: it does not wait for the reader) */
    CHECK(sql(p, "DELETE FROM T") == SQLITE_OK);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM T"), 0);
    while (zr_reader_next(rd, &b, 4, &got) == ZR_OK && got)
        total += got;
    CHECK_EQ_INT(total, 10); /* the reader's snapshot still has all ten */
    zr_batch_free(&b);
    zr_reader_close(rd);
    zr_store_close(r);
cleanup:;
}

TEST(old_store_migrated_on_write_open_only) {
    char p[1200], mode[32];
    path_in(p, sizeof p, "old.gpkg");
    REQUIRE(make_store(p, 3) == ZR_OK);
    /* as an older zrzy left it: rollback journal, no version */
    REQUIRE(sql(p, "PRAGMA journal_mode = DELETE; DROP TABLE zrzy_meta") == SQLITE_OK);
    size_t n0, n1;
    unsigned char *before = file_bytes(p, &n0);
    zr_store *s = NULL;
    CHECK(zr_store_open(p, ZR_STORE_READ, &s) == ZR_OK);
    CHECK_EQ_INT(zr_store_schema(s), 0);
    zr_store_close(s);
    unsigned char *after = file_bytes(p, &n1);
    CHECK(before && after && n0 == n1 && !memcmp(before, after, n0)); /* readers never write */
    free(before);
    free(after);
    s = NULL;
    CHECK(zr_store_open(p, ZR_STORE_WRITE, &s) == ZR_OK);
    CHECK_EQ_INT(zr_store_schema(s), ZR_STORE_SCHEMA);
    zr_store_close(s);
    CHECK_EQ_INT(sql_int(p, "SELECT value FROM zrzy_meta WHERE key = 'schema_version'"),
                 ZR_STORE_SCHEMA);
    sql_text_of(p, "PRAGMA journal_mode", mode, sizeof mode);
    CHECK(!strcmp(mode, "wal"));
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM T"), 3);
cleanup:;
}

TEST(newer_store_refused) {
    char p[1200];
    path_in(p, sizeof p, "newer.gpkg");
    REQUIRE(make_store(p, 2) == ZR_OK);
    REQUIRE(sql(p, "UPDATE zrzy_meta SET value = 99 WHERE key = 'schema_version'") == SQLITE_OK);
    char want[1400];
    snprintf(want, sizeof want, "%s was written by zrzy schema 99; this zrzy knows up to %d", p,
             ZR_STORE_SCHEMA);
    for (int mode = ZR_STORE_READ; mode <= ZR_STORE_CREATE; mode++) {
        zr_store *s = NULL;
        zr_status st = zr_store_open(p, mode, &s);
        CHECK_EQ_INT(st, ZR_ERR_SCHEMA);
        ZR_TEST_RECORD_(strstr(zr_store_errmsg(s), want) != NULL, "mode %d: %s", mode,
                        zr_store_errmsg(s));
        zr_store_close(s);
    }
    CHECK_EQ_INT(sql_int(p, "SELECT value FROM zrzy_meta WHERE key = 'schema_version'"), 99);
cleanup:;
}

TEST(migration_steps_in_order_each_in_a_transaction) {
    char p[1200];
    path_in(p, sizeof p, "steps.gpkg");
    REQUIRE(make_store(p, 1) == ZR_OK);
    const store_migration steps[] = {
        {1, "meta", "CREATE TABLE IF NOT EXISTS zrzy_meta (key TEXT PRIMARY KEY, value TEXT)"},
        {2, "table a", "CREATE TABLE a (x); INSERT INTO a VALUES (1)"},
        {3, "a half-failing step", "CREATE TABLE b (x); INSERT INTO nosuch VALUES (1)"},
        {4, "table c", "CREATE TABLE c (x)"},
    };
    zr_store *s = NULL;
    REQUIRE(zr_store_open(p, ZR_STORE_WRITE, &s) == ZR_OK);
    zr_status st = store_migrate(s, steps, 4);
    CHECK_EQ_INT(st, ZR_ERR_DB);
    CHECK(strstr(zr_store_errmsg(s), "migrating to schema 3 (a half-failing step) failed") &&
          strstr(zr_store_errmsg(s), "left at schema 2") && strstr(zr_store_errmsg(s), "nosuch"));
    int v = -1;
    CHECK(store_schema_version(s, &v) == ZR_OK);
    CHECK_EQ_INT(v, 2);
    CHECK(zr_store_has_table(s, "a"));
    CHECK(!zr_store_has_table(s, "b")); /* step 3 rolled back whole */
    CHECK(!zr_store_has_table(s, "c"));
    /* the fixed step 3 applies, then 4 */
    const store_migration fixed[] = {
        steps[0], steps[1], {3, "table b", "CREATE TABLE b (x)"}, steps[3]};
    CHECK(store_migrate(s, fixed, 4) == ZR_OK);
    CHECK(store_schema_version(s, &v) == ZR_OK);
    CHECK_EQ_INT(v, 4);
    CHECK(zr_store_has_table(s, "b") && zr_store_has_table(s, "c"));
    CHECK_EQ_INT(zr_store_schema(s), 4);
    /* steps of this build (up to ZR_STORE_SCHEMA < 4) refuse the store now */
    CHECK_EQ_INT(store_migrate_all(s), ZR_ERR_SCHEMA);
    zr_store_close(s);
cleanup:;
}

/* ---- 2. WAL, durability, locking, crashes, full disk ---- */

TEST(durable_transactions_sync_full) {
    char p[1200];
    path_in(p, sizeof p, "durable.gpkg");
    REQUIRE(make_store(p, 1) == ZR_OK);
    zr_store *s = NULL;
    REQUIRE(zr_store_open(p, ZR_STORE_WRITE, &s) == ZR_OK);
    int64_t v = -1;
    int found = 0;
    CHECK(store_int(s, "t", "PRAGMA synchronous", &v, &found, NULL) == ZR_OK);
    CHECK_EQ_INT(v, 1); /* NORMAL for bulk work */
    CHECK(zr_store_begin_durable(s) == ZR_OK);
    CHECK(store_int(s, "t", "PRAGMA synchronous", &v, &found, NULL) == ZR_OK);
    CHECK_EQ_INT(v, 2); /* FULL */
    CHECK(store_exec(s, "INSERT INTO zrzy_meta VALUES ('fact', 'x')") == ZR_OK);
    CHECK(zr_store_commit(s) == ZR_OK);
    CHECK(store_int(s, "t", "PRAGMA synchronous", &v, &found, NULL) == ZR_OK);
    CHECK_EQ_INT(v, 1);
    CHECK(zr_store_begin_durable(s) == ZR_OK);
    zr_store_rollback(s);
    CHECK(store_int(s, "t", "PRAGMA synchronous", &v, &found, NULL) == ZR_OK);
    CHECK_EQ_INT(v, 1);
    zr_store_close(s);
cleanup:;
}

TEST(second_writer_named_busy) {
    char p[1200];
    path_in(p, sizeof p, "busy.gpkg");
    REQUIRE(make_store(p, 1) == ZR_OK);
    int go[2], done[2];
    REQUIRE(pipe(go) == 0 && pipe(done) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        zr_store *s = NULL;
        zr_store_opts o = {.busy_ms = 0, .who = "zrzy import\n--test"};
        char c = zr_store_open_ex(p, ZR_STORE_WRITE, &o, &s) == ZR_OK ? 'y' : 'n';
        if (write(go[1], &c, 1) != 1) _exit(2);
        if (read(done[0], &c, 1) != 1) _exit(2);
        zr_store_close(s);
        _exit(0);
    }
    char c = 0;
    CHECK(read(go[0], &c, 1) == 1 && c == 'y');
    zr_store *s = NULL;
    zr_store_opts o = {.busy_ms = 300};
    zr_status st = zr_store_open_ex(p, ZR_STORE_WRITE, &o, &s);
    CHECK_EQ_INT(st, ZR_ERR_DB_BUSY);
    char want[200];
    snprintf(want, sizeof want, "is in use by pid %ld (zrzy import --test), since ", (long)child);
    ZR_TEST_RECORD_(strstr(zr_store_errmsg(s), want) != NULL, "message: %s", zr_store_errmsg(s));
    zr_store_close(s);
    /* readers are not held up by the writer */
    s = NULL;
    CHECK(zr_store_open(p, ZR_STORE_READ, &s) == ZR_OK);
    zr_store_close(s);
    c = 'x';
    CHECK(write(done[1], &c, 1) == 1);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* free again once the writer left */
    s = NULL;
    CHECK(zr_store_open_ex(p, ZR_STORE_WRITE, &o, &s) == ZR_OK);
    /* a second handle of the same process is a second writer too */
    zr_store *s2 = NULL;
    CHECK_EQ_INT(zr_store_open_ex(p, ZR_STORE_WRITE, &o, &s2), ZR_ERR_DB_BUSY);
    CHECK(strstr(zr_store_errmsg(s2), "is in use by pid ") != NULL);
    zr_store_rollback(s2); /* what callers do on failure: harmless on a handle never opened */
    CHECK_EQ_INT(zr_store_begin(s2), ZR_ERR_ARG);
    zr_store_close(s2);
    zr_store_close(s);
    close(go[0]), close(go[1]), close(done[0]), close(done[1]);
cleanup:;
}

TEST(foreign_writer_busy) {
    char p[1200];
    path_in(p, sizeof p, "foreign.gpkg");
    REQUIRE(make_store(p, 1) == ZR_OK);
    sqlite3 *gis = NULL; /* another program holding the write lock */
    REQUIRE(sqlite3_open(p, &gis) == SQLITE_OK);
    REQUIRE(sqlite3_exec(gis, "BEGIN IMMEDIATE; INSERT INTO zrzy_meta VALUES ('gis', '1')", NULL,
                         NULL, NULL) == SQLITE_OK);
    zr_store *s = NULL;
    zr_store_opts o = {.busy_ms = 200};
    REQUIRE(zr_store_open_ex(p, ZR_STORE_WRITE, &o, &s) == ZR_OK);
    zr_status st = zr_store_begin(s);
    CHECK_EQ_INT(st, ZR_ERR_DB_BUSY);
    ZR_TEST_RECORD_(strstr(zr_store_errmsg(s), "is in use by another program, not a zrzy writer"),
                    "message: %s", zr_store_errmsg(s));
    sqlite3_exec(gis, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(gis);
    CHECK(zr_store_begin(s) == ZR_OK);
    zr_store_rollback(s);
    zr_store_close(s);
cleanup:;
}

/* A child writes into p inside one big transaction and is killed with SIGKILL before COMMIT. */
static int kill_mid_transaction(const char *p) {
    int go[2];
    if (pipe(go) != 0) return -1;
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        zr_store *s = NULL;
        if (zr_store_open(p, ZR_STORE_WRITE, &s) || zr_store_begin(s)) _exit(2);
        /* 40 MB: more than the page cache, so pages spill to the file (journal or WAL) */
        if (store_exec(s,
                       "DELETE FROM T; CREATE TABLE big (x); WITH RECURSIVE n(i) AS (SELECT 1 "
                       "UNION ALL SELECT i + 1 FROM n WHERE i < 400) INSERT INTO big SELECT "
                       "randomblob(100000) FROM n"))
            _exit(3);
        char c = 'y';
        if (write(go[1], &c, 1) != 1) _exit(2);
        for (;;)
            pause();
    }
    char c = 0;
    int ok = read(go[0], &c, 1) == 1 && c == 'y';
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    close(go[0]), close(go[1]);
    return ok && WIFSIGNALED(status) ? 0 : -1;
}

/* The store reads as the old one: a read-only handle counts its rows. */
static int64_t rows_read_only(const char *p) {
    zr_store *s = NULL;
    int64_t n = -1;
    int found = 0;
    if (zr_store_open(p, ZR_STORE_READ, &s) == ZR_OK &&
        store_int(s, "count", "SELECT count(*) FROM T", &n, &found, NULL) != ZR_OK)
        n = -2;
    if (!s || zr_store_schema(s) < 0) n = -3;
    if (s && s->err[0]) fprintf(stderr, "rows_read_only: %s\n", s->err);
    zr_store_close(s);
    return n;
}

TEST(kill9_mid_write_reads_old_store) {
    char p[1200], wal[1300], lock[1300];
    path_in(p, sizeof p, "killed.gpkg");
    REQUIRE(make_store(p, 5) == ZR_OK);
    size_t n0, n1;
    unsigned char *before = file_bytes(p, &n0);
    REQUIRE(kill_mid_transaction(p) == 0);
    snprintf(wal, sizeof wal, "%s-wal", p);
    snprintf(lock, sizeof lock, "%s.zrzy-lock", p);
    CHECK(file_exists(wal)); /* the killed writer's frames, without a commit */
    CHECK(file_exists(lock));
    unsigned char *after = file_bytes(p, &n1); /* the store itself is the old store */
    CHECK(before && after && n0 == n1 && !memcmp(before, after, n0));
    free(before);
    free(after);
    CHECK_EQ_INT(rows_read_only(p), 5);
    CHECK(!file_exists(lock)); /* the dead writer's lock file swept by the reader */
    CHECK(!file_exists(wal));  /* and the WAL, by the last connection */
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM T"), 5); /* plain SQLite (GDAL's view) too */
    zr_verify_opts vo = {.store = p};
    zr_verify_result vr = {0};
    zr_error ve;
    CHECK(zr_verify_run(&vo, &vr, &ve) == ZR_OK);
    CHECK_EQ_INT(vr.n_findings, 0);
    CHECK_EQ_INT(vr.n_indexed, 5);
    zr_verify_result_free(&vr);
    /* and the next writer goes on from the old store */
    zr_store *s = NULL;
    CHECK(zr_store_open(p, ZR_STORE_WRITE, &s) == ZR_OK);
    CHECK(!zr_store_has_table(s, "big"));
    zr_store_close(s);
cleanup:;
}

TEST(kill9_hot_journal_of_old_store_recovered_by_reader) {
    char p[1200], journal[1300];
    path_in(p, sizeof p, "killed-old.gpkg");
    REQUIRE(make_store(p, 5) == ZR_OK);
    /* an old store in rollback mode, written by a process that dies mid-transaction (not
       through zr_store, which would switch it to WAL) */
    REQUIRE(sql(p, "PRAGMA journal_mode = DELETE") == SQLITE_OK);
    int go[2];
    REQUIRE(pipe(go) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        sqlite3 *db = NULL;
        if (sqlite3_open(p, &db) != SQLITE_OK ||
            sqlite3_exec(db,
                         "PRAGMA cache_size = 10; BEGIN; DELETE FROM T; CREATE TABLE big (x); "
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE "
                         "i < 200) INSERT INTO big SELECT randomblob(100000) FROM n",
                         NULL, NULL, NULL) != SQLITE_OK)
            _exit(2);
        char c = 'y';
        if (write(go[1], &c, 1) != 1) _exit(2);
        for (;;)
            pause();
    }
    char c = 0;
    CHECK(read(go[0], &c, 1) == 1 && c == 'y');
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    close(go[0]), close(go[1]);
    snprintf(journal, sizeof journal, "%s-journal", p);
    CHECK(file_exists(journal)); /* hot */
    CHECK_EQ_INT(rows_read_only(p), 5);
    CHECK(!file_exists(journal) || sql_int(p, "SELECT count(*) FROM T") == 5);
cleanup:;
}

TEST(full_disk_is_io_error) {
    char p[1200];
    path_in(p, sizeof p, "full.gpkg");
    REQUIRE(make_store(p, 5) == ZR_OK);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        /* the file-size limit stands in for a full disk: writes past it fail (EFBIG) */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4 << 20, 4 << 20};
        setrlimit(RLIMIT_FSIZE, &rl);
        zr_store *s = NULL;
        zr_status st = zr_store_open(p, ZR_STORE_WRITE, &s);
        if (!st) st = zr_store_begin(s);
        if (!st)
            st = store_exec(s,
                            "CREATE TABLE big (x); WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                            "ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO big SELECT "
                            "randomblob(100000) FROM n");
        if (!st) st = zr_store_commit(s);
        if (st && !strstr(zr_store_errmsg(s), "is the disk full?")) st = ZR_ERR_ARG;
        zr_store_close(s);
        _exit((int)st);
    }
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), ZR_ERR_IO);
    CHECK_EQ_INT(rows_read_only(p), 5);
    CHECK_EQ_INT(store_status_of(SQLITE_FULL), ZR_ERR_IO);
    CHECK_EQ_INT(store_status_of(SQLITE_IOERR_WRITE), ZR_ERR_IO);
    CHECK_EQ_INT(store_status_of(SQLITE_BUSY_SNAPSHOT), ZR_ERR_DB_BUSY);
    CHECK_EQ_INT(store_status_of(SQLITE_CORRUPT), ZR_ERR_DB);
cleanup:;
}

TEST(source_overwritten_while_read_no_sigbus) {
    char p[1200], other[1200];
    path_in(p, sizeof p, "src.gpkg");
    path_in(other, sizeof other, "other.gpkg");
    REQUIRE(make_store(p, 30000) == ZR_OK);
    REQUIRE(make_store(other, 3) == ZR_OK);
    REQUIRE(sql(p, "PRAGMA journal_mode = DELETE") == SQLITE_OK); /* as GDAL writes them */
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        zr_store *s = NULL;
        zr_reader *r = NULL;
        zr_batch b = {0};
        size_t got = 0;
        zr_status st = zr_store_open(p, ZR_STORE_READ, &s);
        if (!st) st = zr_reader_open(s, "T", &r);
        if (!st) st = zr_batch_init(&b, zr_reader_nfields(r));
        if (!st) st = zr_reader_next(r, &b, 20000, &got);
        /* `cp other p` while the reader is in the middle of the layer */
        if (!st && copy_file(other, p) != 0) _exit(100);
        while (!st && (st = zr_reader_next(r, &b, 100, &got)) == ZR_OK && got)
            ;
        zr_batch_free(&b);
        zr_reader_close(r);
        zr_store_close(s);
        _exit(st == ZR_OK ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ZR_TEST_RECORD_(WIFEXITED(status), "killed by signal %d", WTERMSIG(status));
cleanup:;
}

/* ---- 3. SQL helper, quoting, out of memory, blob headers ---- */

TEST(identifiers_quoted) {
    store_sql q = {0};
    sql_id(&q, "rtree_", "a\"b", "_geom");
    sql_put(&q, " ");
    sql_id(&q, NULL, "x\"; DROP TABLE T; --", NULL);
    CHECK(sql_text(&q) &&
          !strcmp(sql_text(&q), "\"rtree_a\"\"b_geom\" \"x\"\"; DROP TABLE T; --\""));
    sql_free(&q);
    char p[1200];
    path_in(p, sizeof p, "quoted.gpkg");
    REQUIRE(make_store(p, 2) == ZR_OK);
    zr_store *s = NULL;
    zr_writer *w = NULL;
    zr_layer_info *li = NULL;
    int n = 0;
    static const zr_field_def f[2] = {{"a\"b", ZR_FT_TEXT, 10, 0},
                                      {"c'); DROP TABLE T; --", ZR_FT_INT, 0, 0}};
    const char *table = "t\"x'); DROP TABLE T; --";
    REQUIRE(zr_store_open(p, ZR_STORE_WRITE, &s) == ZR_OK);
    CHECK(zr_store_begin(s) == ZR_OK);
    CHECK(zr_store_create_attr_table(s, table, f, 2, "d'q") == ZR_OK);
    CHECK(zr_writer_open_attr(s, table, f, 2, &w) == ZR_OK);
    zr_value v[2] = {{.kind = ZR_FT_TEXT, .s = "v\"'"}, {.kind = ZR_FT_INT, .i = 7}};
    if (w) CHECK(zr_writer_insert(w, v, NULL, 0) == ZR_OK);
    CHECK(zr_writer_close(w) == ZR_OK);
    CHECK(zr_store_commit(s) == ZR_OK);
    CHECK(zr_store_has_table(s, "T"));
    CHECK(zr_store_has_table(s, table));
    CHECK(zr_store_layers(s, &li, &n) == ZR_OK);
    int seen = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(li[i].table, table)) {
            seen = 1;
            CHECK_EQ_INT(li[i].count, 1);
        }
    CHECK(seen);
    free(li);
    CHECK(zr_store_drop_layer(s, table) == ZR_OK);
    CHECK(!zr_store_has_table(s, table));
    CHECK(zr_store_has_table(s, "T"));
    zr_store_close(s);
cleanup:;
}

TEST(reader_out_of_memory_never_drops_columns) {
    char p[1200];
    path_in(p, sizeof p, "oom.gpkg");
    REQUIRE(make_store(p, 3) == ZR_OK);
    REQUIRE(sql(p, "ALTER TABLE T ADD COLUMN B TEXT; ALTER TABLE T ADD COLUMN C REAL") ==
            SQLITE_OK);
    int ok_runs = 0, nomem = 0;
    for (int64_t k = 1; k < 200; k++) {
        zr_store *s = NULL;
        if (zr_store_open(p, ZR_STORE_READ, &s) != ZR_OK) {
            zr_store_close(s);
            continue;
        }
        zr_reader *r = NULL;
        zr_alloc_fail_at(k, 0);
        zr_status st = zr_reader_open(s, "T", &r);
        zr_alloc_fail_at(0, 0);
        if (st == ZR_OK) {
            ok_runs++;
            ZR_TEST_RECORD_(zr_reader_nfields(r) == 3, "fail at %lld: %d columns", (long long)k,
                            zr_reader_nfields(r));
        } else {
            nomem++;
            ZR_TEST_RECORD_(st == ZR_ERR_NOMEM, "fail at %lld: status %d", (long long)k, st);
        }
        zr_reader_close(r);
        zr_store_close(s);
    }
    CHECK(nomem > 0);
    CHECK(ok_runs > 0);
cleanup:;
}

TEST(gpkg_header_parser) {
    zr_gpkg_header h;
    char why[100];
    /* big-endian header with an xy envelope and srs 4527 */
    unsigned char be[8 + 32 + 5] = {'G', 'P', 0, 0x02, 0, 0, 0x11, 0xAF};
    const double env[4] = {1, 2, 3, 4};
    for (int i = 0; i < 4; i++) {
        uint64_t u;
        memcpy(&u, &env[i], 8);
        for (int k = 0; k < 8; k++)
            be[8 + 8 * i + k] = (unsigned char)(u >> (8 * (7 - k)));
    }
    CHECK(zr_gpkg_header_parse(be, sizeof be, &h, why, sizeof why) == ZR_OK);
    CHECK_EQ_INT(h.srs_id, 4527);
    CHECK_EQ_INT(h.env_kind, 1);
    CHECK_EQ_INT(h.wkb_off, 40);
    CHECK(h.env[0] == 1 && h.env[1] == 2 && h.env[2] == 3 && h.env[3] == 4 && !h.empty);
    CHECK_EQ_INT(zr_gpkg_header_parse(be, 39, &h, why, sizeof why), ZR_ERR_GEOM_INVALID);
    CHECK(strstr(why, "truncated"));
    unsigned char ext[8] = {'G', 'P', 0, 0x21, 0, 0, 0, 0};
    CHECK_EQ_INT(zr_gpkg_header_parse(ext, 8, &h, why, sizeof why), ZR_ERR_GEOM_INVALID);
    CHECK(strstr(why, "flags 0x21"));
    unsigned char notgp[8] = {'X', 'P', 0, 1, 0, 0, 0, 0};
    CHECK_EQ_INT(zr_gpkg_header_parse(notgp, 8, &h, NULL, 0), ZR_ERR_GEOM_INVALID);
    unsigned char empty[8] = {'G', 'P', 0, 0x11, 0xE6, 0x10, 0, 0};
    CHECK(zr_gpkg_header_parse(empty, 8, &h, NULL, 0) == ZR_OK && h.empty && h.srs_id == 4326);
    double e[4];
    CHECK(!zr_gpkg_blob_envelope(empty, 8, e));
    zr_buf b = {0};
    CHECK(zr_point_to_gpkg_blob(5.5, -7.25, 4490, &b) == ZR_OK);
    CHECK(zr_gpkg_blob_envelope(b.data, b.len, e) && e[0] == 5.5 && e[1] == 5.5 && e[2] == -7.25 &&
          e[3] == -7.25);
    zr_buf_free(&b);
}

/* ---- 4/5. backup and verify ---- */

static char county[1100], dltb[1100]; /* a generated county and the store imported from it */

/* Edit a store through a zrzy writer (the GeoPackage trigger functions are registered). */
static zr_status edit(const char *p, const char *text) {
    zr_store *s = NULL;
    zr_status st = zr_store_open(p, ZR_STORE_WRITE, &s);
    if (!st) st = store_exec(s, text);
    if (st) fprintf(stderr, "edit: %s\n", zr_store_errmsg(s));
    zr_store_close(s);
    return st;
}

static zr_status run_verify(const char *p, zr_verify_result *r, char *msg, size_t n) {
    zr_verify_opts o = {.store = p};
    zr_error e;
    memset(r, 0, sizeof *r);
    zr_status st = zr_verify_run(&o, r, &e);
    snprintf(msg, n, "%s", e.message);
    return st;
}

/* The finding of check for fid and field, or NULL. */
static const zr_verify_finding *finding(const zr_verify_result *r, const char *check, int64_t fid,
                                        const char *field) {
    for (int64_t i = 0; i < r->n_kept; i++) {
        const zr_verify_finding *f = &r->findings[i];
        if (!strcmp(f->check, check) && f->fid == fid && (!field || !strcmp(f->field, field)))
            return f;
    }
    return NULL;
}

TEST(verify_clean_store) {
    zr_verify_result r;
    char msg[2048];
    REQUIRE(run_verify(dltb, &r, msg, sizeof msg) == ZR_OK);
    CHECK_EQ_INT(r.n_findings, 0);
    CHECK_EQ_INT(r.n_checks, 5);
    CHECK(r.n_parcels > 300);
    CHECK(r.n_indexed > r.n_parcels); /* DLTB and XZQ */
    for (int64_t i = 0; i < r.n_kept; i++)
        fprintf(stderr, "unexpected: %s %s %lld %s\n", r.findings[i].check, r.findings[i].table,
                (long long)r.findings[i].fid, r.findings[i].detail);
    zr_verify_result_free(&r);
cleanup:;
}

TEST(verify_names_each_planted_corruption) {
    char p[1200], msg[2048], tb[64] = "", bsm7[64];
    path_in(p, sizeof p, "planted.gpkg");
    remove_store(p);
    REQUIRE(copy_file(dltb, p) == 0);
    sql_text_of(p, "SELECT printf('%.2f', TBMJ) FROM DLTB WHERE fid = 7", tb, sizeof tb);
    sql_text_of(p, "SELECT BSM FROM DLTB WHERE fid = 7", bsm7, sizeof bsm7);
    REQUIRE(tb[0] && bsm7[0]);
    REQUIRE(edit(p,
                 "UPDATE DLTB SET TBMJ = TBMJ + 1 WHERE fid = 7;"
                 "UPDATE DLTB SET KCMJ = KCMJ + 0.01 WHERE fid = 9;"
                 "UPDATE DLTB SET TBDLMJ = TBDLMJ - 0.02 WHERE fid = 10;"
                 "UPDATE rtree_DLTB_geom SET minx = minx - 100 WHERE id = 11;"
                 "DELETE FROM rtree_DLTB_geom WHERE id = 12;"
                 "INSERT INTO rtree_DLTB_geom VALUES (999999, 0, 1, 0, 1);") == ZR_OK);
    zr_verify_result r;
    REQUIRE(run_verify(p, &r, msg, sizeof msg) == ZR_OK);
    CHECK_EQ_INT(r.n_findings, 6);
    const zr_verify_finding *f = finding(&r, "area", 7, "TBMJ");
    CHECK(f && !strcmp(f->bsm, bsm7) && !strcmp(f->table, "DLTB"));
    if (f) {
        /* expected the geometry's area (the value import stored), found it + 1 */
        CHECK(!strcmp(f->expected, tb));
        char want[64];
        snprintf(want, sizeof want, "%.2f", atof(tb) + 1);
        CHECK(!strcmp(f->found, want));
    }
    CHECK(finding(&r, "area", 9, "KCMJ") != NULL);
    CHECK(finding(&r, "area", 10, "TBDLMJ") != NULL);
    CHECK(finding(&r, "area", 7, "KCMJ") == NULL); /* KCMJ follows from the geometry's TBMJ */
    f = finding(&r, "rtree-box", 11, "minx");
    CHECK(f && strstr(f->detail, "does not match"));
    f = finding(&r, "rtree-box", 12, NULL);
    CHECK(f && strstr(f->detail, "missing from the R*Tree"));
    f = finding(&r, "rtree-box", 999999, NULL);
    CHECK(f && strstr(f->detail, "does not exist"));
    zr_verify_result_free(&r);
    /* the GeoPackage's identity and registry */
    REQUIRE(copy_file(dltb, p) == 0);
    REQUIRE(edit(p,
                 "PRAGMA application_id = 42; INSERT INTO gpkg_contents (table_name, "
                 "data_type, identifier) VALUES ('GHOST', 'features', 'GHOST')") == ZR_OK);
    REQUIRE(run_verify(p, &r, msg, sizeof msg) == ZR_OK);
    CHECK_EQ_INT(r.n_findings, 2);
    f = finding(&r, "gpkg", -1, "application_id");
    CHECK(f && !strcmp(f->found, "0x0000002a"));
    f = finding(&r, "gpkg", -1, NULL);
    int ghost = 0;
    for (int64_t i = 0; i < r.n_kept; i++)
        ghost |= !strcmp(r.findings[i].check, "gpkg") && !strcmp(r.findings[i].table, "GHOST");
    CHECK(ghost);
    zr_verify_result_free(&r);
    /* the R*Tree's own structure: a rowid mapped to the wrong node */
    REQUIRE(copy_file(dltb, p) == 0);
    REQUIRE(edit(p, "UPDATE rtree_DLTB_geom_rowid SET nodeno = nodeno + 1 WHERE rowid = 5") ==
            ZR_OK);
    REQUIRE(run_verify(p, &r, msg, sizeof msg) == ZR_OK);
    CHECK(r.n_findings >= 1);
    int seen = 0;
    for (int64_t i = 0; i < r.n_kept; i++)
        seen |= !strcmp(r.findings[i].check, "rtree") &&
                !strcmp(r.findings[i].table, "rtree_DLTB_geom");
    CHECK(seen);
    zr_verify_result_free(&r);
cleanup:;
}

TEST(verify_names_a_corrupt_page) {
    char p[1200], msg[2048];
    path_in(p, sizeof p, "corrupt.gpkg");
    remove_store(p);
    REQUIRE(copy_file(dltb, p) == 0);
    /* a leaf page of DLTB's table, overwritten */
    int64_t page = sql_int(p,
                           "SELECT pageno FROM dbstat WHERE name = 'DLTB' AND pagetype = 'leaf' "
                           "ORDER BY pageno LIMIT 1 OFFSET 2");
    const int64_t psize = sql_int(p, "PRAGMA page_size");
    if (page <= 0) page = sql_int(p, "PRAGMA page_count") / 2; /* no dbstat: the middle */
    REQUIRE(page > 1 && psize > 0);
    FILE *f = fopen(p, "r+b");
    REQUIRE(f);
    fseek(f, (long)((page - 1) * psize), SEEK_SET);
    for (int i = 0; i < 4096; i++)
        fputc(0x5A, f);
    fclose(f);
    zr_verify_result r;
    REQUIRE(run_verify(p, &r, msg, sizeof msg) == ZR_OK);
    CHECK(r.n_findings >= 1);
    int integrity = 0;
    for (int64_t i = 0; i < r.n_kept; i++)
        integrity |= !strcmp(r.findings[i].check, "integrity");
    CHECK(integrity);
    zr_verify_result_free(&r);
cleanup:;
}

static zr_status run_backup(const char *from, const char *to, const atomic_int *cancel, char *msg,
                            size_t n) {
    zr_backup_opts o = {.store = from, .dest = to};
    o.ctl.cancel = cancel;
    zr_backup_result r;
    zr_error e;
    zr_status st = zr_backup_run(&o, &r, &e);
    snprintf(msg, n, "%s", e.message);
    return st;
}

TEST(backup_refuses_the_store_itself) {
    char p[1200], alias[1300], msg[2048];
    path_in(p, sizeof p, "self.gpkg");
    REQUIRE(make_store(p, 4) == ZR_OK);
    size_t n0, n1;
    unsigned char *before = file_bytes(p, &n0);
    CHECK_EQ_INT(run_backup(p, p, NULL, msg, sizeof msg), ZR_ERR_ARG);
    CHECK(strstr(msg, "the destination is the store itself"));
    snprintf(alias, sizeof alias, "%s/../store/self.gpkg", dir);
    CHECK_EQ_INT(run_backup(p, alias, NULL, msg, sizeof msg), ZR_ERR_ARG);
    snprintf(alias, sizeof alias, "%s-wal", p);
    CHECK_EQ_INT(run_backup(p, alias, NULL, msg, sizeof msg), ZR_ERR_ARG);
    unsigned char *after = file_bytes(p, &n1);
    CHECK(before && after && n0 == n1 && !memcmp(before, after, n0));
    free(before);
    free(after);
    snprintf(alias, sizeof alias, "%s/no/such/dir/x.gpkg", dir);
    CHECK_EQ_INT(run_backup(p, alias, NULL, msg, sizeof msg), ZR_ERR_NOT_FOUND);
    /* cancelled: no copy, no temporary file */
    atomic_int stop = 1;
    char dest[1200], tmp[1300];
    path_in(dest, sizeof dest, "cancelled.gpkg");
    CHECK_EQ_INT(run_backup(p, dest, &stop, msg, sizeof msg), ZR_ERR_CANCELLED);
    snprintf(tmp, sizeof tmp, "%s.zrzy-tmp%ld", dest, (long)getpid());
    CHECK(!file_exists(dest) && !file_exists(tmp));
cleanup:;
}

TEST(backup_online_while_a_writer_works) {
    char p[1200], copy[1200], msg[2048];
    path_in(p, sizeof p, "busy-backup.gpkg");
    path_in(copy, sizeof copy, "busy-backup-copy.gpkg");
    remove_store(p);
    REQUIRE(copy_file(dltb, p) == 0);
    REQUIRE(edit(p,
                 "CREATE TABLE W (txn INTEGER, pad BLOB);"
                 "INSERT INTO zrzy_meta VALUES ('w_rows', 0)") == ZR_OK);
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) { /* the writer: transactions of 50 rows, the row count kept beside them */
        zr_store *s = NULL;
        if (zr_store_open(p, ZR_STORE_WRITE, &s)) _exit(2);
        char c = 'y';
        if (write(ready[1], &c, 1) != 1) _exit(2);
        for (int t = 1; t < 100000; t++) {
            char q[400];
            snprintf(q, sizeof q,
                     "BEGIN IMMEDIATE; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                     "FROM n WHERE i < 50) INSERT INTO W SELECT %d, randomblob(2000) FROM n; "
                     "UPDATE zrzy_meta SET value = value + 50 WHERE key = 'w_rows'; COMMIT",
                     t);
            if (store_exec(s, q)) _exit(3);
        }
        _exit(0);
    }
    char c = 0;
    CHECK(read(ready[0], &c, 1) == 1 && c == 'y');
    int64_t last = -1;
    for (int k = 0; k < 4; k++) {
        usleep(100 * 1000);
        remove_store(copy);
        zr_status st = run_backup(p, copy, NULL, msg, sizeof msg);
        ZR_TEST_RECORD_(st == ZR_OK, "backup %d: %s", k, msg);
        char ok[64], mode[32];
        sql_text_of(copy, "PRAGMA integrity_check", ok, sizeof ok);
        CHECK(!strcmp(ok, "ok"));
        sql_text_of(copy, "PRAGMA journal_mode", mode, sizeof mode);
        CHECK(!strcmp(mode, "delete"));
        /* one commit's state: the count beside the rows agrees with them */
        const int64_t rows = sql_int(copy, "SELECT count(*) FROM W");
        const int64_t said = sql_int(copy, "SELECT value FROM zrzy_meta WHERE key = 'w_rows'");
        ZR_TEST_RECORD_(rows == said && rows % 50 == 0, "backup %d: %lld rows, meta says %lld", k,
                        (long long)rows, (long long)said);
        CHECK(rows >= last);
        last = rows;
        zr_verify_result r;
        CHECK(run_verify(copy, &r, msg, sizeof msg) == ZR_OK);
        CHECK_EQ_INT(r.n_findings, 0);
        zr_verify_result_free(&r);
    }
    /* the writer was not held up: it went on committing during the backups */
    const int64_t now = sql_int(p, "SELECT count(*) FROM W");
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status)); /* still writing, not failed */
    CHECK(last > 0 && now >= last);
    close(ready[0]), close(ready[1]);
    zr_verify_result r;
    CHECK(run_verify(p, &r, msg, sizeof msg) == ZR_OK);
    CHECK_EQ_INT(r.n_findings, 0);
    zr_verify_result_free(&r);
cleanup:;
}

TEST(verify_and_backup_allocation_failures) {
    char p[1200], copy[1200], msg[2048];
    path_in(p, sizeof p, "oom-verify.gpkg");
    path_in(copy, sizeof copy, "oom-copy.gpkg");
    remove_store(p);
    REQUIRE(copy_file(dltb, p) == 0);
    REQUIRE(edit(p,
                 "UPDATE DLTB SET TBMJ = TBMJ + 1 WHERE fid IN (3, 30, 300);"
                 "UPDATE rtree_DLTB_geom SET miny = miny - 50 WHERE id = 4") == ZR_OK);
    zr_verify_result ref;
    REQUIRE(run_verify(p, &ref, msg, sizeof msg) == ZR_OK);
    CHECK_EQ_INT(ref.n_findings, 4);
    zr_verify_result_free(&ref);
    int64_t k = 1, failed_runs = 0;
    for (; k < 5000; k++) {
        zr_verify_result r;
        zr_alloc_fail_at(k, 0);
        zr_status st = run_verify(p, &r, msg, sizeof msg);
        const int64_t hit = zr_alloc_failed();
        zr_alloc_fail_at(0, 0);
        if (st == ZR_OK) {
            /* a failed allocation never makes a failure vanish */
            ZR_TEST_RECORD_(r.n_findings == 4, "fail at %lld: %lld findings", (long long)k,
                            (long long)r.n_findings);
            if (r.n_findings != 4)
                for (int64_t i = 0; i < r.n_kept; i++)
                    fprintf(stderr, "  %s %s fid=%lld %s: %s\n", r.findings[i].check,
                            r.findings[i].table, (long long)r.findings[i].fid, r.findings[i].field,
                            r.findings[i].detail);
            zr_verify_result_free(&r);
            if (!hit) break;
        } else {
            failed_runs++;
            ZR_TEST_RECORD_(st == ZR_ERR_NOMEM && msg[0], "fail at %lld: status %d: %s",
                            (long long)k, st, msg);
        }
    }
    CHECK(k < 5000 && failed_runs > 0);
    for (k = 1; k < 100; k++) {
        remove_store(copy);
        zr_alloc_fail_at(k, 0);
        zr_status st = run_backup(p, copy, NULL, msg, sizeof msg);
        const int64_t hit = zr_alloc_failed();
        zr_alloc_fail_at(0, 0);
        if (st == ZR_OK && !hit) break;
        ZR_TEST_RECORD_(st == ZR_ERR_NOMEM && !file_exists(copy), "backup fail at %lld: %d",
                        (long long)k, st);
    }
    CHECK(k > 1 && k < 100);
    CHECK_EQ_INT(sql_int(copy, "SELECT count(*) FROM DLTB"),
                 sql_int(p, "SELECT count(*) FROM DLTB"));
cleanup:;
}

/* A generated county and the store imported from it (county, dltb). */
static int setup_county(void) {
    zr_demo_opts dopt = {.out_dir = dir, .parcels = 400, .seed = 3, .km2 = 6};
    zr_demo_result dr;
    char msg[2048] = "";
    if (t_demo_generate(&dopt, &dr, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return -1;
    }
    snprintf(county, sizeof county, "%s", dr.path);
    snprintf(dltb, sizeof dltb, "%s/dltb.gpkg", dir);
    zr_import_opts iopt = {.store = dltb, .source = county, .threads = 2};
    zr_import_result ir;
    if (t_import_run(&iopt, &ir, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return -1;
    }
    return 0;
}

TEST_MAIN(const char *d = tmp_dir("store"); if (!d) return 1; snprintf(dir, sizeof dir, "%s", d);
          RUN(new_store_is_versioned_gpkg_in_wal); RUN(deliverable_keeps_the_rollback_journal);
          RUN(reader_keeps_one_snapshot); RUN(old_store_migrated_on_write_open_only);
          RUN(newer_store_refused); RUN(migration_steps_in_order_each_in_a_transaction);
          RUN(durable_transactions_sync_full); RUN(second_writer_named_busy);
          RUN(foreign_writer_busy); RUN(kill9_mid_write_reads_old_store);
          RUN(kill9_hot_journal_of_old_store_recovered_by_reader); RUN(full_disk_is_io_error);
          RUN(source_overwritten_while_read_no_sigbus); RUN(identifiers_quoted);
          RUN(reader_out_of_memory_never_drops_columns); RUN(gpkg_header_parser);
          if (setup_county()) return 1; RUN(verify_clean_store);
          RUN(verify_names_each_planted_corruption); RUN(verify_names_a_corrupt_page);
          RUN(backup_refuses_the_store_itself); RUN(backup_online_while_a_writer_works);
          RUN(verify_and_backup_allocation_failures))
