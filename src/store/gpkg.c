/* GeoPackage file: open/create, metadata tables, SRS rows, layers, R*Tree and its triggers. */
#include "core/alloc.h"
#include "store/store_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GPKG_APPLICATION_ID 0x47504B47
#define GPKG_USER_VERSION   10300

zr_status store_fail(zr_store *s, zr_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return st;
}

zr_status store_db_fail(zr_store *s, const char *what) {
    int rc = sqlite3_extended_errcode(s->db);
    zr_status st = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? ZR_ERR_DB_BUSY
                   : (rc & 0xff) == SQLITE_CONSTRAINT                         ? ZR_ERR_CONSTRAINT
                                                                              : ZR_ERR_DB;
    return store_fail(s, st, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

zr_status store_exec(zr_store *s, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        zr_status st = store_fail(s, ZR_ERR_DB, "%s: %s", s->path, msg ? msg : "error");
        sqlite3_free(msg);
        return st;
    }
    return ZR_OK;
}

/* ---- SQL functions the GeoPackage R*Tree triggers call (GPKG 1.3 Annex F.3) ---- */

static int blob_env(sqlite3_value *v, double env[4], int *empty) {
    const unsigned char *b = sqlite3_value_blob(v);
    int n = sqlite3_value_bytes(v);
    if (!b || n < 8 || b[0] != 'G' || b[1] != 'P') return 0;
    *empty = (b[3] >> 4) & 1;
    int et = (b[3] >> 1) & 7, le = b[3] & 1;
    if (et < 1 || et > 4 || n < 40) return 0;
    for (int i = 0; i < 4; i++) {
        uint64_t u = 0;
        for (int k = 0; k < 8; k++)
            u |= (uint64_t)b[8 + 8 * i + (le ? k : 7 - k)] << (8 * k);
        memcpy(&env[i], &u, 8);
    }
    return 1;
}

static void sql_env(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    double env[4];
    int empty = 0, which = *(int *)sqlite3_user_data(ctx);
    if (blob_env(argv[0], env, &empty) && !empty)
        sqlite3_result_double(ctx, env[which]);
    else
        sqlite3_result_null(ctx);
}

static void sql_isempty(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const unsigned char *b = sqlite3_value_blob(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    if (!b || n < 8) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_int(ctx, (b[3] >> 4) & 1);
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
    " (table_name, column_name, extension_name));"
    "CREATE TABLE zrzy_meta (key TEXT PRIMARY KEY, value TEXT);";

zr_status zr_store_open(const char *path, int mode, zr_store **out) {
    *out = NULL;
    zr_store *s = zr_calloc(1, sizeof *s);
    if (!s) return ZR_ERR_NOMEM;
    snprintf(s->path, sizeof s->path, "%s", path);
    int exists = access(path, F_OK) == 0;
    if (!exists && mode != ZR_STORE_CREATE) {
        zr_status st = store_fail(s, ZR_ERR_NOT_FOUND, "%s: no such file", path);
        *out = s; /* caller reads the message, then closes */
        return st;
    }
    int flags = mode == ZR_STORE_READ ? SQLITE_OPEN_READONLY
                                      : SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE);
    *out = s;
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return store_db_fail(s, "cannot open");
    sqlite3_busy_timeout(s->db, 5000);
    /* a GeoPackage read from elsewhere is untrusted input (sqlite.org/security.html): its views
       and triggers may call only innocuous functions. (Stores zrzy writes keep the defaults: the
       R*Tree bulk load writes the index's shadow tables, which defensive mode forbids.) */
    if (mode == ZR_STORE_READ) {
        sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
        sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    }
    register_functions(s->db);
    s->created = !exists;
    if (mode == ZR_STORE_READ)
        store_exec(s, "PRAGMA mmap_size = 67108864"); /* zero-copy reads of the first 64 MiB;
                                                         bounded RSS beyond */
    if (!exists) {
        /* 64 KiB pages: a parcel of ~30 vertices is ~600 bytes, so big pages mean fewer B-tree
           pages to allocate and link (GeoPackage allows any SQLite page size) */
        store_exec(s, "PRAGMA page_size = 65536");
        zr_status st = store_exec(s, gpkg_schema);
        if (st) return st;
    } else {
        /* touch the schema: a file that is not a database fails here, read-only */
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL) !=
                SQLITE_OK ||
            sqlite3_step(q) != SQLITE_ROW) {
            zr_status st = store_db_fail(s, "not a GeoPackage");
            sqlite3_finalize(q);
            return st;
        }
        sqlite3_finalize(q);
        if (mode != ZR_STORE_READ && !zr_store_has_table(s, "gpkg_contents"))
            return store_fail(s, ZR_ERR_DB, "%s: a SQLite file but not a GeoPackage", path);
    }
    /* bulk-load settings: the rollback journal keeps a refused import byte-identical */
    store_exec(s, "PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY;");
    return ZR_OK;
}

void zr_store_close(zr_store *s) {
    if (!s) return;
    if (s->db) sqlite3_close_v2(s->db);
    free(s);
}

const char *zr_store_errmsg(const zr_store *s) {
    return s ? s->err : "out of memory";
}

int zr_store_created(const zr_store *s) {
    return s->created;
}

zr_status zr_store_begin(zr_store *s) {
    return store_exec(s, "BEGIN IMMEDIATE");
}

zr_status zr_store_commit(zr_store *s) {
    return store_exec(s, "COMMIT");
}

void zr_store_rollback(zr_store *s) {
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int zr_store_has_table(zr_store *s, const char *table) {
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND "
                           "lower(name) = lower(?)",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
        found = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    return found;
}

zr_status zr_store_ensure_srs(zr_store *s, int epsg, const char *name, const char *wkt) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, "
                           "organization, organization_coordsys_id, definition) VALUES "
                           "(?, ?, 'EPSG', ?, ?)",
                           -1, &q, NULL) != SQLITE_OK)
        return store_db_fail(s, "gpkg_spatial_ref_sys");
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, epsg);
    sqlite3_bind_int(q, 3, epsg);
    sqlite3_bind_text(q, 4, wkt, -1, SQLITE_STATIC);
    zr_status st = sqlite3_step(q) == SQLITE_DONE ? ZR_OK : store_db_fail(s, "insert SRS");
    sqlite3_finalize(q);
    return st;
}

/* Quote an identifier for SQL ("a""b"). Returns dst. */
const char *store_ident(char *dst, size_t n, const char *name) {
    size_t j = 0;
    if (n < 3) return "\"\"";
    dst[j++] = '"';
    for (const char *p = name; *p && j + 3 < n; p++) {
        if (*p == '"') dst[j++] = '"';
        dst[j++] = *p;
    }
    dst[j++] = '"';
    dst[j] = 0;
    return dst;
}

zr_status zr_store_drop_layer(zr_store *s, const char *table) {
    char t[160], sql[1024];
    store_ident(t, sizeof t, table);
    char rt[200], rtn[180];
    snprintf(rtn, sizeof rtn, "rtree_%s_geom", table);
    store_ident(rt, sizeof rt, rtn);
    snprintf(sql, sizeof sql,
             "DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s;"
             "DELETE FROM gpkg_extensions WHERE lower(table_name) = lower('%s');"
             "DELETE FROM gpkg_geometry_columns WHERE lower(table_name) = lower('%s');"
             "DELETE FROM gpkg_contents WHERE lower(table_name) = lower('%s');",
             rt, t, table, table, table);
    return store_exec(s, sql);
}

/* ", "NAME" TEXT(w)" … for each field, in GeoPackage's column types. */
static void append_columns(zr_buf *sql, const zr_field_def *fields, int n_fields) {
    for (int i = 0; i < n_fields; i++) {
        const zr_field_def *f = &fields[i];
        if (f->type == ZR_FT_TEXT)
            zr_buf_printf(sql, ", \"%s\" TEXT(%d)", f->name, f->width);
        else
            zr_buf_printf(sql, ", \"%s\" %s", f->name, f->type == ZR_FT_REAL ? "REAL" : "INTEGER");
    }
}

zr_status zr_store_create_layer(zr_store *s, const char *table, const zr_field_def *fields,
                                int n_fields, int srs_id, const char *description) {
    return zr_store_create_layer_type(s, table, "MULTIPOLYGON", fields, n_fields, srs_id,
                                      description);
}

zr_status zr_store_create_layer_type(zr_store *s, const char *table, const char *geom_type,
                                     const zr_field_def *fields, int n_fields, int srs_id,
                                     const char *description) {
    for (const char *p = table; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return store_fail(s, ZR_ERR_ARG, "layer name '%s' is not a plain identifier", table);
    zr_status st = zr_store_drop_layer(s, table);
    if (st) return st;
    zr_buf sql = {0};
    zr_buf_printf(&sql,
                  "CREATE TABLE \"%s\" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
                  " geom %s",
                  table, geom_type);
    append_columns(&sql, fields, n_fields);
    zr_buf_printf(&sql, ");");
    zr_buf_printf(&sql,
                  "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                  "srs_id) VALUES ('%s', 'features', '%s', '%s', %d);"
                  "INSERT INTO gpkg_geometry_columns VALUES ('%s', 'geom', '%s', %d, 0, "
                  "0);"
                  "INSERT INTO gpkg_extensions VALUES ('%s', 'geom', 'gpkg_rtree_index', "
                  "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');",
                  table, table, description ? description : "", srs_id, table, geom_type, srs_id,
                  table);
    st = sql.data ? store_exec(s, (const char *)sql.data) : ZR_ERR_NOMEM;
    zr_buf_free(&sql);
    return st;
}

zr_status zr_store_create_view(zr_store *s, const char *view, const char *table, const char *where,
                               const char *description) {
    for (const char *p = view; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return store_fail(s, ZR_ERR_ARG, "view name '%s' is not a plain identifier", view);
    char *sql = sqlite3_mprintf(
        "DROP VIEW IF EXISTS \"%w\";"
        "DELETE FROM gpkg_geometry_columns WHERE table_name = %Q;"
        "DELETE FROM gpkg_contents WHERE table_name = %Q;"
        "CREATE VIEW \"%w\" AS SELECT * FROM \"%w\" WHERE %s;"
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, "
        "max_x, max_y, srs_id) SELECT %Q, 'features', %Q, %Q, min_x, min_y, max_x, max_y, srs_id "
        "FROM gpkg_contents WHERE table_name = %Q;"
        "INSERT INTO gpkg_geometry_columns SELECT %Q, column_name, geometry_type_name, srs_id, z, "
        "m FROM gpkg_geometry_columns WHERE table_name = %Q;",
        view, view, view, view, table, where, view, view, description ? description : "", table,
        view, table);
    zr_status st = sql ? store_exec(s, sql) : ZR_ERR_NOMEM;
    sqlite3_free(sql);
    return st;
}

/* The GeoPackage 1.3 R*Tree maintenance triggers (Annex F.3), created once the index is built. */
zr_status store_rtree_triggers(zr_store *s, const char *table) {
    zr_buf sql = {0};
    zr_status st;
    const char *T = table;
    zr_buf_printf(
        &sql,
        "CREATE TRIGGER \"rtree_%s_geom_insert\" AFTER INSERT ON \"%s\" WHEN (new.geom NOT NULL "
        "AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR REPLACE INTO \"rtree_%s_geom\" VALUES "
        "(NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); "
        "END;"
        "CREATE TRIGGER \"rtree_%s_geom_update1\" AFTER UPDATE OF geom ON \"%s\" WHEN OLD.fid = "
        "NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR REPLACE INTO "
        "\"rtree_%s_geom\" VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), "
        "ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;"
        "CREATE TRIGGER \"rtree_%s_geom_update2\" AFTER UPDATE OF geom ON \"%s\" WHEN OLD.fid = "
        "NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM "
        "\"rtree_%s_geom\" WHERE id = OLD.fid; END;"
        "CREATE TRIGGER \"rtree_%s_geom_update3\" AFTER UPDATE ON \"%s\" WHEN OLD.fid != "
        "NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM "
        "\"rtree_%s_geom\" WHERE id = OLD.fid; INSERT OR REPLACE INTO \"rtree_%s_geom\" VALUES "
        "(NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); "
        "END;"
        "CREATE TRIGGER \"rtree_%s_geom_update4\" AFTER UPDATE ON \"%s\" WHEN OLD.fid != NEW.fid "
        "AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM \"rtree_%s_geom\" WHERE "
        "id IN (OLD.fid, NEW.fid); END;"
        "CREATE TRIGGER \"rtree_%s_geom_delete\" AFTER DELETE ON \"%s\" WHEN old.geom NOT NULL "
        "BEGIN DELETE FROM \"rtree_%s_geom\" WHERE id = OLD.fid; END;",
        T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T);
    st = sql.data ? store_exec(s, (const char *)sql.data) : ZR_ERR_NOMEM;
    zr_buf_free(&sql);
    return st;
}

zr_status zr_store_meta_set(zr_store *s, const char *key, const char *value) {
    if (!zr_store_has_table(s, "zrzy_meta")) {
        zr_status st = store_exec(s, "CREATE TABLE zrzy_meta (key TEXT PRIMARY KEY, value TEXT)");
        if (st) return st;
    }
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO zrzy_meta VALUES (?, ?)", -1, &q, NULL) !=
        SQLITE_OK)
        return store_db_fail(s, "zrzy_meta");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    zr_status st = sqlite3_step(q) == SQLITE_DONE ? ZR_OK : store_db_fail(s, "zrzy_meta");
    sqlite3_finalize(q);
    return st;
}

zr_status zr_store_create_attr_table(zr_store *s, const char *table, const zr_field_def *fields,
                                     int n_fields, const char *description) {
    zr_status st = zr_store_drop_layer(s, table);
    if (st) return st;
    zr_buf sql = {0};
    zr_buf_printf(&sql, "CREATE TABLE \"%s\" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL",
                  table);
    append_columns(&sql, fields, n_fields);
    zr_buf_printf(&sql,
                  ");INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                  "VALUES ('%s', 'attributes', '%s', '%s');",
                  table, table, description ? description : "");
    st = sql.data ? store_exec(s, (const char *)sql.data) : ZR_ERR_NOMEM;
    zr_buf_free(&sql);
    return st;
}
