/* GeoPackage file: open/create, metadata tables, SRS rows, layers, R*Tree and its triggers. */
#include "core/alloc.h"
#include "geo/geo.h"
#include "store/store_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- SQL functions the GeoPackage R*Tree triggers call (GPKG 1.3 Annex F.3) ---- */

static void sql_env(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    double env[4];
    const int which = *(int *)sqlite3_user_data(ctx);
    const unsigned char *b = sqlite3_value_blob(argv[0]);
    const int n = sqlite3_value_bytes(argv[0]);
    if (b && n > 0 && zr_gpkg_blob_envelope(b, (size_t)n, env))
        sqlite3_result_double(ctx, env[which]);
    else
        sqlite3_result_null(ctx);
}

static void sql_isempty(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const unsigned char *b = sqlite3_value_blob(argv[0]);
    const int n = sqlite3_value_bytes(argv[0]);
    zr_gpkg_header h;
    if (!b || n <= 0 || zr_gpkg_header_parse(b, (size_t)n, &h, NULL, 0))
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int(ctx, h.empty);
}

static const int env_idx[4] = {0, 1, 2, 3};

/* The GeoPackage trigger functions; innocuous (pure functions of their argument), so the
 * R*Tree triggers may call them with an untrusted schema. */
static void register_functions(sqlite3 *db) {
    static const char *const names[4] = {"ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"};
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    for (int i = 0; i < 4; i++)
        sqlite3_create_function(db, names[i], 1, flags, (void *)&env_idx[i], sql_env, NULL, NULL);
    sqlite3_create_function(db, "ST_IsEmpty", 1, flags, NULL, sql_isempty, NULL, NULL);
}

static const char *const gpkg_schema =
    "PRAGMA application_id = 1196444487;"
    "PRAGMA user_version = 10300;"
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,"
    " organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,"
    " definition TEXT NOT NULL, description TEXT);"
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1,"
    " 'undefined', 'undefined cartesian coordinate reference system'),"
    " ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined',"
    " 'undefined geographic coordinate reference system'),"
    " ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\","
    "SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],"
    "AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],"
    "UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],"
    "AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]', 'longitude/latitude coordinates"
    " in decimal degrees on the WGS 84 spheroid');"
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,"
    " identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL"
    " DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,"
    " max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES"
    " gpkg_spatial_ref_sys(srs_id));"
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,"
    " geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,"
    " m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),"
    " CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY"
    " (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY"
    " (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));"
    "CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT"
    " NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE"
    " (table_name, column_name, extension_name));";

/* The schema can be read: a file that is not a database fails here, without writing. */
static int touch_schema(zr_store *s) {
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(q) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(s->db);
    sqlite3_finalize(q);
    return rc;
}

static int open_db(zr_store *s, int flags) {
    if (s->db) sqlite3_close_v2(s->db);
    s->db = NULL;
    const int rc = sqlite3_open_v2(s->path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(s->db, s->busy_ms);
        sqlite3_extended_result_codes(s->db, 1);
        register_functions(s->db);
    }
    return rc;
}

/* Readers open read-write with query_only set: SQL cannot write, but SQLite itself may, which
 * a read-only connection cannot: roll back a hot journal left by a killed writer of a store in
 * rollback mode ("attempt to write a readonly database" otherwise), and, as the last connection
 * of a WAL store, checkpoint and remove STORE-wal and STORE-shm on close (a read-only connection
 * leaves them behind). A file or folder that is not writable is opened read-only. */
static zr_status open_read(zr_store *s) {
    int rc = open_db(s, SQLITE_OPEN_READWRITE);
    if (rc == SQLITE_OK) rc = sqlite3_exec(s->db, "PRAGMA query_only = 1", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = touch_schema(s);
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_NOTADB && (rc & 0xff) != SQLITE_CORRUPT &&
        (rc & 0xff) != SQLITE_NOMEM) {
        rc = open_db(s, SQLITE_OPEN_READONLY);
        if (rc == SQLITE_OK) rc = touch_schema(s);
    }
    if (rc != SQLITE_OK) {
        if (!s->db) return store_fail(s, ZR_ERR_NOMEM, "%s: out of memory", s->path);
        return store_db_fail(s, "not a GeoPackage");
    }
    /* a GeoPackage read from elsewhere is untrusted input (sqlite.org/security.html): its views
       and triggers may call only innocuous functions. No memory mapping: a file replaced or
       truncated while it is read would kill the process with SIGBUS (decision 0008). */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    zr_status st = store_exec(s, "PRAGMA mmap_size = 0; PRAGMA cache_size = -16384");
    /* one snapshot for the reader's lifetime: a run that reads a store while an import commits
       into it sees the store before or after that import, never rows of both (or a table whose
       pages changed under its statements). In WAL mode the writer does not wait for it. */
    if (!st) st = store_exec(s, "BEGIN");
    int v = 0;
    if (!st) st = store_schema_version(s, &v);
    if (!st) st = store_check_version(s, v, ZR_STORE_SCHEMA);
    s->schema = v;
    return st;
}

static zr_status open_write(zr_store *s, int exists, const char *who) {
    zr_status st = store_lock(s, who);
    if (st) return st;
    /* under the lock: whether the file exists decides create or open */
    exists = access(s->path, F_OK) == 0;
    if (!exists && s->mode != ZR_STORE_CREATE)
        return store_fail(s, ZR_ERR_NOT_FOUND, "%s: no such file", s->path);
    int rc = open_db(s, SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE));
    if (rc != SQLITE_OK)
        return s->db ? store_db_fail(s, "cannot open")
                     : store_fail(s, ZR_ERR_NOMEM, "%s: out of memory", s->path);
    s->created = !exists;
    if (!exists) {
        /* 64 KiB pages: a parcel of ~30 vertices is ~600 bytes, so big pages mean fewer B-tree
           pages to allocate and link (GeoPackage allows any SQLite page size) */
        st = store_exec(s, "PRAGMA page_size = 65536");
        if (!st) st = store_exec(s, "BEGIN IMMEDIATE");
        if (!st) st = store_exec(s, gpkg_schema);
        if (!st) st = store_exec(s, "COMMIT");
        if (st) return st;
    } else {
        if ((rc = touch_schema(s)) != SQLITE_OK) return store_db_fail(s, "not a GeoPackage");
        if (!zr_store_has_table(s, "gpkg_contents"))
            return store_fail(s, ZR_ERR_DB, "%s: a SQLite file but not a GeoPackage", s->path);
        int v = 0;
        st = store_schema_version(s, &v);
        if (!st) st = store_check_version(s, v, ZR_STORE_SCHEMA);
        /* WAL: readers see the last commit while a writer works, and a killed writer leaves
           nothing a read-only open must repair (its frames are ignored without a commit) */
        if (!st) st = store_exec(s, "PRAGMA journal_mode = WAL");
        if (st) return st;
    }
    st = store_exec(s,
                    "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192;"
                    " PRAGMA temp_store = MEMORY;");
    if (!st) st = store_migrate_all(s);
    return st;
}

zr_status zr_store_open_ex(const char *path, int mode, const zr_store_opts *o, zr_store **out) {
    *out = NULL;
    zr_store *s = zr_calloc(1, sizeof *s);
    if (!s) return ZR_ERR_NOMEM;
    *out = s; /* from here the caller reads the message, then closes */
    s->lock_fd = -1;
    s->mode = mode;
    s->busy_ms = o && o->busy_ms > 0 ? o->busy_ms : 5000;
    s->deliverable = o && o->deliverable;
    if (strlen(path) >= sizeof s->path)
        return store_fail(s, ZR_ERR_ARG, "%.200s…: path too long", path);
    snprintf(s->path, sizeof s->path, "%s", path);
    const int exists = access(path, F_OK) == 0;
    if (!exists && mode != ZR_STORE_CREATE)
        return store_fail(s, ZR_ERR_NOT_FOUND, "%s: no such file", path);
    if (mode == ZR_STORE_READ) {
        store_lock_sweep(path);
        return open_read(s);
    }
    return open_write(s, exists, o ? o->who : NULL);
}

zr_status zr_store_open(const char *path, int mode, zr_store **out) {
    return zr_store_open_ex(path, mode, NULL, out);
}

void zr_store_close(zr_store *s) {
    if (!s) return;
    /* a store built here leaves in WAL mode, as every store zrzy writes (built with the
       rollback journal, which writes each page once, where WAL writes it twice) */
    if (s->db && s->created && !s->deliverable && s->lock_fd >= 0 && sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    if (s->db) sqlite3_close_v2(s->db);
    store_unlock(s);
    free(s);
}

const char *zr_store_errmsg(const zr_store *s) {
    return s ? s->err : "out of memory";
}

int zr_store_created(const zr_store *s) {
    return s->created;
}

int zr_store_schema(const zr_store *s) {
    return s->schema;
}

zr_status zr_store_begin(zr_store *s) {
    return store_exec(s, "BEGIN IMMEDIATE");
}

zr_status zr_store_begin_durable(zr_store *s) {
    /* the safety level cannot change inside a transaction: set it first */
    zr_status st = store_exec(s, "PRAGMA synchronous = FULL");
    if (!st) st = store_exec(s, "BEGIN IMMEDIATE");
    if (st) {
        store_exec(s, "PRAGMA synchronous = NORMAL");
        return st;
    }
    s->durable = 1;
    return ZR_OK;
}

static void end_durable(zr_store *s) {
    if (!s->durable) return;
    s->durable = 0;
    sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
}

zr_status zr_store_commit(zr_store *s) {
    zr_status st = store_exec(s, "COMMIT");
    if (!st) end_durable(s);
    return st;
}

void zr_store_rollback(zr_store *s) {
    if (!s || !s->db) return; /* an open that failed: nothing to roll back */
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    end_durable(s);
}

int zr_store_has_table(zr_store *s, const char *table) {
    int64_t one = 0;
    int found = 0;
    zr_status st = store_int(s, "sqlite_master",
                             "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND "
                             "lower(name) = lower(?)",
                             &one, &found, "t", table);
    return !st && found;
}

zr_status zr_store_ensure_srs(zr_store *s, int epsg, const char *name, const char *wkt) {
    return store_run(s, "insert SRS",
                     "INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, "
                     "organization, organization_coordsys_id, definition) VALUES "
                     "(?, ?, 'EPSG', ?, ?)",
                     "tiit", name, epsg, epsg, wkt);
}

/* Drop table `name` (a table or a view, by kind) when present. */
static zr_status drop(zr_store *s, const char *kind, const char *prefix, const char *name,
                      const char *suffix) {
    store_sql q = {0};
    sql_put(&q, "DROP ");
    sql_put(&q, kind);
    sql_put(&q, " IF EXISTS ");
    sql_id(&q, prefix, name, suffix);
    zr_status st = sql_text(&q) ? store_exec(s, sql_text(&q)) : q.st;
    sql_free(&q);
    return st;
}

zr_status zr_store_drop_layer(zr_store *s, const char *table) {
    zr_status st = drop(s, "TABLE", "rtree_", table, "_geom");
    if (!st) st = drop(s, "TABLE", NULL, table, NULL);
    static const char *const meta[3] = {
        "DELETE FROM gpkg_extensions WHERE lower(table_name) = lower(?)",
        "DELETE FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
        "DELETE FROM gpkg_contents WHERE lower(table_name) = lower(?)"};
    for (int i = 0; i < 3 && !st; i++)
        st = store_run(s, "drop layer metadata", meta[i], "t", table);
    return st;
}

/* ", "NAME" TEXT(w)" … for each field, in GeoPackage's column types. */
static void append_columns(store_sql *q, const zr_field_def *fields, int n_fields) {
    for (int i = 0; i < n_fields; i++) {
        const zr_field_def *f = &fields[i];
        sql_put(q, ", ");
        sql_id(q, NULL, f->name, NULL);
        if (f->type == ZR_FT_TEXT)
            sql_putf(q, " TEXT(%d)", f->width);
        else
            sql_put(q, f->type == ZR_FT_REAL ? " REAL" : " INTEGER");
    }
}

static zr_status plain_name(zr_store *s, const char *what, const char *name) {
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return store_fail(s, ZR_ERR_ARG, "%s name '%s' is not a plain identifier", what, name);
    return *name ? ZR_OK : store_fail(s, ZR_ERR_ARG, "%s name is empty", what);
}

zr_status zr_store_create_layer(zr_store *s, const char *table, const zr_field_def *fields,
                                int n_fields, int srs_id, const char *description) {
    return zr_store_create_layer_type(s, table, "MULTIPOLYGON", fields, n_fields, srs_id,
                                      description);
}

/* CREATE TABLE table (fid …[, geom GEOM_TYPE], fields…); geom_type NULL for an attribute table
 * (checked by the caller to be a plain word). */
static zr_status create_table(zr_store *s, const char *table, const char *geom_type,
                              const zr_field_def *fields, int n_fields) {
    store_sql q = {0};
    sql_put(&q, "CREATE TABLE ");
    sql_id(&q, NULL, table, NULL);
    sql_put(&q, " (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL");
    if (geom_type) {
        sql_put(&q, ", geom ");
        sql_put(&q, geom_type);
    }
    append_columns(&q, fields, n_fields);
    sql_put(&q, ")");
    const zr_status st = sql_text(&q) ? store_exec(s, sql_text(&q)) : q.st;
    sql_free(&q);
    return st;
}
zr_status zr_store_create_layer_type(zr_store *s, const char *table, const char *geom_type,
                                     const zr_field_def *fields, int n_fields, int srs_id,
                                     const char *description) {
    zr_status st = plain_name(s, "layer", table);
    if (!st) st = plain_name(s, "geometry type", geom_type);
    if (!st) st = zr_store_drop_layer(s, table);
    if (st) return st;
    st = create_table(s, table, geom_type, fields, n_fields);
    if (!st)
        st = store_run(s, "gpkg_contents",
                       "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                       "srs_id) VALUES (?1, 'features', ?1, ?2, ?3)",
                       "tti", table, description ? description : "", srs_id);
    if (!st)
        st = store_run(s, "gpkg_geometry_columns",
                       "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)", "tti",
                       table, geom_type, srs_id);
    if (!st)
        st = store_run(s, "gpkg_extensions",
                       "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
                       "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                       "t", table);
    return st;
}

zr_status zr_store_create_view(zr_store *s, const char *view, const char *table, const char *where,
                               const char *description) {
    zr_status st = plain_name(s, "view", view);
    if (!st) st = drop(s, "VIEW", NULL, view, NULL);
    if (!st)
        st = store_run(s, "gpkg_geometry_columns",
                       "DELETE FROM gpkg_geometry_columns WHERE table_name = ?", "t", view);
    if (!st)
        st = store_run(s, "gpkg_contents", "DELETE FROM gpkg_contents WHERE table_name = ?", "t",
                       view);
    if (st) return st;
    store_sql q = {0};
    sql_put(&q, "CREATE VIEW ");
    sql_id(&q, NULL, view, NULL);
    sql_put(&q, " AS SELECT * FROM ");
    sql_id(&q, NULL, table, NULL);
    sql_put(&q, " WHERE ");
    sql_put(&q, where); /* zrzy's own fragment (store.h) */
    st = sql_text(&q) ? store_exec(s, sql_text(&q)) : q.st;
    sql_free(&q);
    if (!st)
        st = store_run(s, "gpkg_contents",
                       "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                       "min_x, min_y, max_x, max_y, srs_id) SELECT ?1, 'features', ?1, ?2, min_x, "
                       "min_y, max_x, max_y, srs_id FROM gpkg_contents WHERE table_name = ?3",
                       "ttt", view, description ? description : "", table);
    if (!st)
        st = store_run(s, "gpkg_geometry_columns",
                       "INSERT INTO gpkg_geometry_columns SELECT ?1, column_name, "
                       "geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns WHERE "
                       "table_name = ?2",
                       "tt", view, table);
    return st;
}

/* The GeoPackage 1.3 R*Tree maintenance triggers (Annex F.3), created once the index is built.
 * The text, with T for the layer's name and R for its R*Tree's, both quoted. */
static const char *const trigger_sql[] = {
    "CREATE TRIGGER ",
    "@_insert",
    " AFTER INSERT ON ",
    "T",
    " WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR REPLACE INTO ",
    "R",
    " VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), "
    "ST_MaxY(NEW.geom)); END;",
    "CREATE TRIGGER ",
    "@_update1",
    " AFTER UPDATE OF geom ON ",
    "T",
    " WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR "
    "REPLACE INTO ",
    "R",
    " VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), "
    "ST_MaxY(NEW.geom)); END;",
    "CREATE TRIGGER ",
    "@_update2",
    " AFTER UPDATE OF geom ON ",
    "T",
    " WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM ",
    "R",
    " WHERE id = OLD.fid; END;",
    "CREATE TRIGGER ",
    "@_update3",
    " AFTER UPDATE ON ",
    "T",
    " WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN DELETE "
    "FROM ",
    "R",
    " WHERE id = OLD.fid; INSERT OR REPLACE INTO ",
    "R",
    " VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), "
    "ST_MaxY(NEW.geom)); END;",
    "CREATE TRIGGER ",
    "@_update4",
    " AFTER UPDATE ON ",
    "T",
    " WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM ",
    "R",
    " WHERE id IN (OLD.fid, NEW.fid); END;",
    "CREATE TRIGGER ",
    "@_delete",
    " AFTER DELETE ON ",
    "T",
    " WHEN old.geom NOT NULL BEGIN DELETE FROM ",
    "R",
    " WHERE id = OLD.fid; END;"};

zr_status store_rtree_triggers(zr_store *s, const char *table) {
    store_sql q = {0};
    for (size_t i = 0; i < sizeof trigger_sql / sizeof trigger_sql[0]; i++) {
        const char *t = trigger_sql[i];
        if (!strcmp(t, "T")) {
            sql_id(&q, NULL, table, NULL);
        } else if (!strcmp(t, "R")) {
            sql_id(&q, "rtree_", table, "_geom");
        } else if (t[0] == '@') { /* a trigger's name: rtree_<table>_geom<suffix> */
            char suffix[32];
            snprintf(suffix, sizeof suffix, "_geom%s", t + 1);
            sql_id(&q, "rtree_", table, suffix);
        } else {
            sql_put(&q, t);
        }
    }
    zr_status st = sql_text(&q) ? store_exec(s, sql_text(&q)) : q.st;
    sql_free(&q);
    return st;
}

zr_status zr_store_meta_set(zr_store *s, const char *key, const char *value) {
    zr_status st =
        store_exec(s, "CREATE TABLE IF NOT EXISTS zrzy_meta (key TEXT PRIMARY KEY, value TEXT)");
    if (!st)
        st = store_run(s, "zrzy_meta", "INSERT OR REPLACE INTO zrzy_meta VALUES (?, ?)", "tt", key,
                       value);
    return st;
}

zr_status zr_store_create_attr_table(zr_store *s, const char *table, const zr_field_def *fields,
                                     int n_fields, const char *description) {
    zr_status st = zr_store_drop_layer(s, table);
    if (st) return st;
    st = create_table(s, table, NULL, fields, n_fields);
    if (!st)
        st = store_run(s, "gpkg_contents",
                       "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                       "VALUES (?1, 'attributes', ?1, ?2)",
                       "tt", table, description ? description : "");
    return st;
}
