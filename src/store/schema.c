/* Schema versions and forward migrations (docs/decisions/0008-store-schema-and-durability.md).
 * application_id and user_version stay GeoPackage's ('GPKG', 10300): GDAL and QGIS read them.
 * zrzy's own schema version is the row ('schema_version', N) of zrzy_meta. The steps below run
 * in order, each in one transaction that also records its version, when a writer opens a store
 * of an older version; a store of a newer version is refused by every open. */
#include <stdio.h>
#include <stdlib.h>
#include "store/store_int.h"

/* The shipped steps. Append only: a released step is never edited or removed. */
static const store_migration steps[] = {
    {1, "zrzy_meta: zrzy's key/value metadata, holding the schema version",
     "CREATE TABLE IF NOT EXISTS zrzy_meta (key TEXT PRIMARY KEY, value TEXT)"},
};
_Static_assert(sizeof steps / sizeof steps[0] == ZR_STORE_SCHEMA,
               "ZR_STORE_SCHEMA is the number of migration steps");

zr_status store_schema_version(zr_store *s, int *v) {
    *v = 0;
    if (!zr_store_has_table(s, "zrzy_meta")) return ZR_OK;
    int64_t x = 0;
    int found = 0;
    zr_status st = store_int(s, "zrzy_meta", "SELECT value FROM zrzy_meta WHERE key = ?", &x,
                             &found, "t", "schema_version");
    if (st) return st;
    if (found && (x < 0 || x > 1000000))
        return store_fail(s, ZR_ERR_SCHEMA, "%s: zrzy_meta schema_version %lld is not a version",
                          s->path, (long long)x);
    *v = found ? (int)x : 0;
    return ZR_OK;
}

zr_status store_check_version(zr_store *s, int v, int known) {
    if (v > known)
        return store_fail(s, ZR_ERR_SCHEMA,
                          "%s was written by zrzy schema %d; this zrzy knows up to %d (use a newer "
                          "zrzy)",
                          s->path, v, known);
    return ZR_OK;
}

zr_status store_migrate(zr_store *s, const store_migration *m, int n) {
    int v = 0;
    zr_status st = store_schema_version(s, &v);
    if (!st) st = store_check_version(s, v, n ? m[n - 1].version : 0);
    for (int i = 0; !st && i < n; i++) {
        if (m[i].version <= v) continue;
        if (m[i].version != v + 1)
            return store_fail(s, ZR_ERR_ARG, "%s: migration step %d follows version %d", s->path,
                              m[i].version, v);
        if ((st = zr_store_begin_durable(s))) break;
        st = store_exec(s, m[i].sql);
        if (!st)
            st = store_exec(s,
                            "CREATE TABLE IF NOT EXISTS zrzy_meta (key TEXT PRIMARY KEY, "
                            "value TEXT)");
        if (!st)
            st = store_run(s, "zrzy_meta", "INSERT OR REPLACE INTO zrzy_meta VALUES (?, ?)", "ti",
                           "schema_version", m[i].version);
        /* sqlite binds 'i' as an integer: the value column keeps it as one */
        if (!st) st = zr_store_commit(s);
        if (st) {
            char why[sizeof s->err];
            snprintf(why, sizeof why, "%s", s->err);
            zr_store_rollback(s);
            return store_fail(s, st,
                              "%s: migrating to schema %d (%s) failed, the store is left at "
                              "schema %d: %s",
                              s->path, m[i].version, m[i].name, v, why);
        }
        v = m[i].version;
    }
    if (!st) s->schema = v;
    return st;
}

zr_status store_migrate_all(zr_store *s) {
    return store_migrate(s, steps, (int)(sizeof steps / sizeof steps[0]));
}
