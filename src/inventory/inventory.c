/* zrzy inventory: value the state-owned assets and write the tables, layers and report. The
 * parcels stream through in batches: each batch is read, valued on every core, written
 * (parcels.csv, the SWL and JZL layers), added to the summary and painted on the map, then
 * freed — memory is bounded by the batch and the summary rows, whatever the county's size.
 * Everything is written into a staging folder that replaces the results folder in one rename
 * when the run has succeeded (core/stage.h); a failure or a cancellation removes the stage. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/alloc.h"
#include "core/control.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "core/sha256.h"
#include "core/stage.h"
#include "inventory/inv_int.h"
#include "io/io.h"
#include "report/report.h"
#include "source/source.h"
#include "store/store.h"

#define PRICE_SYSTEM "zrzy-inventory-2026.1"
#define BATCH_ROWS   4096
#define MAP_CLASSES  5

/* ---- the inputs' hashes, on a thread beside the valuation ---- */

typedef struct {
    const char *label[7], *path[7];
    char hex[7][65];
    int n;
    const zr_control *ctl; /* the run's cancellation flag */
    atomic_int stop;       /* the run failed: stop early */
    zr_status st;          /* why it stopped early: cancelled, out of memory, a read failed */
    int bad;               /* the input that could not be read (ZR_ERR_IO) */
} hash_job;

/* SHA-256 of a file read in chunks (no mapping: a file replaced while it is read cannot fault),
 * stopping within a chunk of a cancellation. ZR_ERR_IO when it cannot be read. */
static zr_status hash_file(hash_job *j, const char *path, unsigned char *buf, size_t cap,
                           char hex[65]) {
    FILE *f = fopen(path, "rb");
    if (!f) return ZR_ERR_IO;
    zr_sha256 c;
    zr_sha256_init(&c);
    zr_status s = ZR_OK;
    size_t k;
    while ((k = fread(buf, 1, cap, f)) > 0) {
        if (zr_cancelled(j->ctl) || atomic_load(&j->stop)) {
            s = ZR_ERR_CANCELLED;
            break;
        }
        zr_sha256_update(&c, buf, k);
    }
    if (!s && ferror(f)) s = ZR_ERR_IO;
    fclose(f);
    if (!s) zr_sha256_hex(&c, hex);
    return s;
}

static void *hash_inputs(void *arg) {
    hash_job *j = arg;
    const size_t cap = (size_t)1 << 20;
    unsigned char *buf = zr_malloc(cap);
    if (!buf) {
        j->st = ZR_ERR_NOMEM;
        return NULL;
    }
    for (int i = 0; i < j->n && !j->st; i++) {
        int dup = -1;
        for (int k = 0; k < i; k++)
            if (!strcmp(j->path[k], j->path[i])) dup = k;
        struct stat sb;
        if (dup >= 0)
            memcpy(j->hex[i], j->hex[dup], 65);
        else if (stat(j->path[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            snprintf(j->hex[i], 65, "(not a single file)"); /* a folder (FileGDB) */
        else if ((j->st = hash_file(j, j->path[i], buf, cap, j->hex[i])) == ZR_ERR_IO)
            j->bad = i; /* a file that cannot be read to the end: no manifest without its hash */
    }
    free(buf);
    return NULL;
}

/* ---- outputs: written into the stage, published together at the end ---- */

/* Every name this kind of run writes, and the NAME.part files of earlier versions: a name not
 * written this time disappears when the results are published (a folder of results is one
 * run's). */
static const char *const out_names[] = {"parcels.csv",
                                        "inventory.gpkg",
                                        "summary.csv",
                                        "summary.xlsx",
                                        "rights.csv",
                                        "minerals.csv",
                                        "reserve.csv",
                                        "report.pdf",
                                        "manifest.txt",
                                        "parcels.csv.part",
                                        "inventory.gpkg.part",
                                        "summary.csv.part",
                                        "summary.xlsx.part",
                                        "rights.csv.part",
                                        "minerals.csv.part",
                                        "reserve.csv.part",
                                        "report.pdf.part",
                                        "manifest.txt.part",
                                        NULL};

/* ---- the streamed outputs ---- */

static const zr_field_def swl_fields[] = {
    {"BSM", ZR_FT_TEXT, 18, 0},   {"CLASS", ZR_FT_TEXT, 8, 0},   {"DLBM", ZR_FT_TEXT, 5, 0},
    {"TDYT", ZR_FT_TEXT, 2, 0},   {"ZLDWDM", ZR_FT_TEXT, 19, 0}, {"TBDLMJ", ZR_FT_REAL, 18, 2},
    {"PRICE", ZR_FT_REAL, 12, 2}, {"VALUE", ZR_FT_REAL, 18, 2}};
static const zr_field_def jzl_fields[] = {
    {"BSM", ZR_FT_TEXT, 18, 0}, {"CLASS", ZR_FT_TEXT, 8, 0},  {"ZONE_FID", ZR_FT_INT, 10, 0},
    {"JB", ZR_FT_INT, 2, 0},    {"PRICE", ZR_FT_REAL, 12, 2}, {"AREA", ZR_FT_REAL, 18, 2}};

typedef struct outputs {
    FILE *csv;
    zr_store *st;
    zr_writer *swl, *jzl;
    inv_summary *sum;
    zr_map *map;
    zr_buf blobs; /* the batch's geometry blobs, alive until its rows are flushed */
    size_t *off;  /* blob offsets: one per parcel then one per piece */
    size_t cap_off;
    zr_inventory_result *res;
    zr_poly paint[MAP_CLASSES]; /* parcels waiting to be painted, by price class */
    size_t n_painted;           /* parcels gathered so far */
} outputs;

static int64_t unit_price(const inv_parcel *p) {
    return p->tbdlmj ? zr_muldiv_round(p->value, 100, p->tbdlmj) : 0;
}

static int price_class(int64_t price) {
    return price <= 0 ? 0 : price < 5000 ? 1 : price < 30000 ? 2 : price < 100000 ? 3 : 4;
}

static zr_status outputs_open(outputs *o, const zr_stage *stage, const inv_data *d, char *err,
                              size_t n) {
    char path[1500];
    if (!(o->csv = fopen(zr_stage_file(stage, "parcels.csv", path, sizeof path), "w"))) {
        snprintf(err, n, "%s: cannot write (%s)", path, strerror(errno));
        return ZR_ERR_IO;
    }
    fputs("BSM,CLASS,TDYT,TBDLMJ,PRICE,VALUE\n", o->csv);
    zr_stage_file(stage, "inventory.gpkg", path, sizeof path);
    zr_status s = zr_output_gpkg_begin(path, &d->crs, &o->st);
    if (!s)
        s = zr_store_create_layer(o->st, "SWL", swl_fields, 8, d->crs.epsg,
                                  "实物量: 全民所有土地资源图斑");
    if (!s)
        s = zr_store_create_layer(o->st, "JZL", jzl_fields, 6, d->crs.epsg,
                                  "价值量: 按价格分区切分的计价单元");
    if (!s) s = zr_writer_open(o->st, "SWL", swl_fields, 8, &o->swl);
    if (!s) s = zr_writer_open(o->st, "JZL", jzl_fields, 6, &o->jzl);
    if (s) snprintf(err, n, "%s: %s", path, o->st ? zr_store_errmsg(o->st) : zr_status_str(s));
    if (!s && (s = inv_summary_new(&o->sum))) snprintf(err, n, "summary: out of memory");
    return s;
}

/* The summary and the map take a batch on a thread of their own while the rows are written:
 * parcels in layer order, so the sums and the picture are the same whatever the timing. */
typedef struct side_job {
    outputs *o;
    const inv_data *d;
    zr_status st;
} side_job;

/* Append p's polygons to acc. */
static zr_status poly_append(zr_poly *acc, const zr_poly *p) {
    zr_status s = ZR_OK;
    for (size_t g = 0; g < p->n_polys && !s; g++) {
        s = zr_poly_begin_polygon(acc);
        for (size_t r = p->poly_start[g]; r < p->poly_start[g + 1] && !s; r++) {
            s = zr_poly_begin_ring(acc);
            for (size_t k = p->ring_start[r]; k < p->ring_start[r + 1] && !s; k++)
                s = zr_poly_add_point(acc, p->xy[2 * k], p->xy[2 * k + 1]);
        }
    }
    return s ? s : zr_poly_finish(acc);
}

/* Paint the parcels gathered by class: one fill per class rather than one per parcel (parcels
 * do not overlap, so the picture is theirs, without seams between neighbours of a class). */
static void paint_classes(outputs *o) {
    for (int c = 0; c < MAP_CLASSES; c++) {
        if (o->paint[c].n_pts) zr_map_fill(o->map, &o->paint[c], c);
        zr_poly_clear(&o->paint[c]);
    }
}

static void *side_work(void *arg) {
    side_job *j = arg;
    outputs *o = j->o;
    for (size_t i = 0; i < j->d->n && !j->st; i++) {
        if (!(i & 255) && zr_cancelled(j->d->ctl)) {
            j->st = ZR_ERR_CANCELLED;
            break;
        }
        const inv_parcel *p = &j->d->p[i];
        j->st = inv_summary_add(o->sum, p);
        if (!j->st && o->map) j->st = poly_append(&o->paint[price_class(unit_price(p))], &p->poly);
        /* every 1,024 parcels of the layer, whatever the batches */
        if (!(++o->n_painted & 1023)) paint_classes(o);
    }
    return NULL;
}

enum { CHUNK = 512 }; /* parcels whose geometry blobs are encoded, inserted and flushed together */

/* Write parcels [b, e) of the batch to parcels.csv, SWL and JZL. A piece that is the whole
 * parcel shares the parcel's blob. */
static zr_status write_chunk(outputs *o, const inv_data *d, size_t b, size_t e) {
    size_t need = 0;
    for (size_t i = b; i < e; i++)
        need += 1 + d->p[i].n_pieces;
    if (need > o->cap_off) {
        size_t *no = zr_realloc(o->off, (need + 1) * sizeof *no);
        if (!no) return ZR_ERR_NOMEM;
        o->off = no, o->cap_off = need;
    }
    /* the blobs first, so that no pointer into them moves while rows are pending; off[k] and
       off[k + 1] bound blob k */
    zr_buf_reset(&o->blobs);
    zr_status s = ZR_OK;
    size_t k = 0;
    for (size_t i = b; i < e && !s; i++) {
        const inv_parcel *p = &d->p[i];
        o->off[k++] = o->blobs.len;
        s = zr_poly_to_gpkg_blob(&p->poly, d->crs.epsg, &o->blobs);
        for (size_t j = 0; j < p->n_pieces && !s; j++) {
            o->off[k++] = o->blobs.len;
            if (p->pieces[j].poly.n_pts)
                s = zr_poly_to_gpkg_blob(&p->pieces[j].poly, d->crs.epsg, &o->blobs);
        }
    }
    if (s) return s;
    o->off[k] = o->blobs.len;
    k = 0;
    zr_inventory_result *res = o->res;
    for (size_t i = b; i < e && !s; i++) {
        const inv_parcel *p = &d->p[i];
        const int64_t price = unit_price(p);
        char a[32], bb[32], c[32];
        zr_csv_write_field(o->csv, p->bsm);
        fprintf(o->csv, ",%s,%s,%s,%s,%s\n", p->cls, p->tdyt, zr_fmt_scaled(a, p->tbdlmj, 2),
                zr_fmt_scaled(bb, price, 2), zr_fmt_scaled(c, p->value, 2));
        zr_value v[8] = {{ZR_FT_TEXT, 0, 0, p->bsm},
                         {ZR_FT_TEXT, 0, 0, p->cls},
                         {ZR_FT_TEXT, 0, 0, p->dlbm},
                         {ZR_FT_TEXT, 0, 0, p->tdyt},
                         {ZR_FT_TEXT, 0, 0, p->zldwdm},
                         {ZR_FT_REAL, 0, (double)p->tbdlmj / 100, NULL},
                         {ZR_FT_REAL, 0, (double)price / 100, NULL},
                         {ZR_FT_REAL, 0, (double)p->value / 100, NULL}};
        const unsigned char *pblob = o->blobs.data + o->off[k];
        const size_t plen = o->off[k + 1] - o->off[k];
        k++;
        s = zr_writer_insert(o->swl, v, pblob, plen);
        for (size_t j = 0; j < p->n_pieces && !s; j++, k++) {
            const inv_piece *pc = &p->pieces[j];
            const inv_zone *z = pc->zone >= 0 ? &d->z[pc->zone] : NULL;
            zr_value w[6] = {
                {ZR_FT_TEXT, 0, 0, p->bsm},
                {ZR_FT_TEXT, 0, 0, p->cls},
                {z ? ZR_FT_INT : ZR_FT_NULL, z ? z->fid : 0, 0, NULL},
                {z ? ZR_FT_INT : ZR_FT_NULL, z ? z->jb : 0, 0, NULL},
                {ZR_FT_REAL, 0, pc->area && pc->value ? (double)(pc->value / pc->area) / 100 : 0,
                 NULL},
                {ZR_FT_REAL, 0, (double)pc->area / 100, NULL}};
            s = pc->poly.n_pts ? zr_writer_insert(o->jzl, w, o->blobs.data + o->off[k],
                                                  o->off[k + 1] - o->off[k])
                               : zr_writer_insert(o->jzl, w, pblob, plen);
        }
        res->n_state++;
        res->n_valued += p->value > 0;
        res->n_pieces += (int64_t)p->n_pieces;
        if (!s && (__builtin_add_overflow(res->area_cents, p->tbdlmj, &res->area_cents) ||
                   __builtin_add_overflow(res->value_cents, p->value, &res->value_cents)))
            s = ZR_ERR_LIMIT;
    }
    /* the rows point into the blobs and the batch: write them now */
    if (!s) s = zr_writer_flush(o->swl);
    if (!s) s = zr_writer_flush(o->jzl);
    return s;
}

/* Write one valued batch everywhere it goes; ZR_ERR_CANCELLED when the flag is raised (polled
 * every chunk), ZR_ERR_LIMIT when a total would not fit in 64 bits. */
static zr_status outputs_batch(outputs *o, const inv_data *d) {
    side_job side = {o, d, ZR_OK};
    pthread_t th;
    const int threaded = d->n >= CHUNK && pthread_create(&th, NULL, side_work, &side) == 0;
    zr_status s = ZR_OK;
    for (size_t b = 0; b < d->n && !s; b += CHUNK) {
        if (zr_cancelled(d->ctl)) {
            s = ZR_ERR_CANCELLED;
            break;
        }
        s = write_chunk(o, d, b, d->n - b < CHUNK ? d->n : b + CHUNK);
    }
    if (threaded)
        pthread_join(th, NULL);
    else if (!s)
        side_work(&side);
    if (!s) s = side.st;
    if (!s && ferror(o->csv)) s = ZR_ERR_IO;
    return s;
}

/* The resource classes, each a view of SWL and of JZL (SWL_SL: 森林, …). */
static zr_status class_views(zr_store *st) {
    static const char *const cls[][2] = {
        {"NYD", "农用地"}, {"JSYD", "建设用地"}, {"WLYD", "未利用地"}, {"SL", "森林"},
        {"CY", "草原"},    {"SD", "湿地"},       {"QT", "其他"}};
    zr_status s = ZR_OK;
    for (size_t i = 0; !s && i < sizeof cls / sizeof cls[0]; i++)
        for (int k = 0; !s && k < 2; k++) {
            char view[32], where[64], desc[96];
            snprintf(view, sizeof view, "%s_%s", k ? "JZL" : "SWL", cls[i][0]);
            snprintf(where, sizeof where, "CLASS = '%s'", cls[i][1]);
            snprintf(desc, sizeof desc, "%s: %s", k ? "价值量" : "实物量", cls[i][1]);
            s = zr_store_create_view(st, view, k ? "JZL" : "SWL", where, desc);
        }
    return s;
}

/* Close the streamed outputs; on failure (st) the GeoPackage is rolled back. */
static zr_status outputs_close(outputs *o, zr_status st, const char *dir, char *err, size_t n) {
    if (o->csv && fclose(o->csv) != 0 && !st) {
        snprintf(err, n, "%s/parcels.csv: cannot write (%s)", dir, strerror(errno));
        st = ZR_ERR_IO;
    }
    o->csv = NULL;
    zr_status s = zr_writer_end(o->swl, st);
    s = zr_writer_end(o->jzl, s);
    o->swl = o->jzl = NULL;
    if (!s && o->st) s = class_views(o->st);
    if (!s && o->st) s = zr_store_commit(o->st);
    if (s && !st && o->st) snprintf(err, n, "%s/inventory.gpkg: %s", dir, zr_store_errmsg(o->st));
    if (st) s = st;
    zr_store_close(o->st);
    o->st = NULL;
    zr_buf_free(&o->blobs);
    free(o->off);
    o->off = NULL;
    for (int c = 0; c < MAP_CLASSES; c++)
        zr_poly_free(&o->paint[c]);
    return s;
}

/* ---- the report ---- */

static zr_status write_report(const char *path, const zr_inventory_opts *o, const char *base,
                              const sum_row *r, size_t nr, const zr_map *map,
                              const zr_inventory_result *res);

/* report.pdf is written on a thread of its own while the GeoPackage is committed and the
 * tables are written: it needs only the summary rows, the map and the parcel counts, which are
 * final once the parcels have streamed. */
typedef struct report_job {
    char path[1500];
    const zr_inventory_opts *o;
    const char *base;
    const sum_row *r;
    size_t nr;
    const zr_map *map;
    zr_inventory_result counts; /* a copy: the run goes on filling its own */
    zr_status st;
} report_job;

static void *report_work(void *arg) {
    report_job *j = arg;
    j->st = write_report(j->path, j->o, j->base, j->r, j->nr, j->map, &j->counts);
    return NULL;
}

static zr_status write_report(const char *path, const zr_inventory_opts *o, const char *base,
                              const sum_row *r, size_t nr, const zr_map *map,
                              const zr_inventory_result *res) {
    /* the county's rows (level 1) as the table; the map by price class */
    enum { NC = 5 };
    const char *headers[NC] = {"资源类", "地类编码", "图斑数", "面积(平方米)", "价值(元)"};
    static const int numeric[NC] = {0, 0, 1, 1, 1};
    size_t rows = 0;
    for (size_t i = 0; i < nr; i++)
        rows += r[i].level == 1;
    const char **cells = zr_malloc((rows ? rows : 1) * NC * sizeof *cells);
    char(*buf)[3][32] = zr_malloc((rows ? rows : 1) * sizeof *buf);
    zr_status s = cells && buf ? ZR_OK : ZR_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; !s && i < nr; i++) {
        if (r[i].level != 1) continue;
        snprintf(buf[k][0], 32, "%lld", (long long)r[i].count);
        zr_fmt_scaled(buf[k][1], r[i].area, 2);
        zr_fmt_scaled(buf[k][2], r[i].value, 2);
        const char *row[NC] = {r[i].cls, r[i].dlbm, buf[k][0], buf[k][1], buf[k][2]};
        memcpy(&cells[k * NC], row, sizeof row);
        k++;
    }
    static const char *const legend[MAP_CLASSES] = {"无价值（仅实物量）", "< 50 元/平方米",
                                                    "50–300 元/平方米", "300–1000 元/平方米",
                                                    "≥ 1000 元/平方米"};
    char m[4][512];
    snprintf(m[0], sizeof m[0], "图斑数据: %s；价格体系: %s (%s)", o->parcels, o->prices,
             PRICE_SYSTEM);
    snprintf(m[1], sizeof m[1], "清查基准日: %s；价格指数: %s", base, o->price_index);
    snprintf(m[2], sizeof m[2],
             "全民所有图斑 %lld 个（全部图斑 %lld 个）；明细见 parcels.csv、summary.xlsx、"
             "inventory.gpkg",
             (long long)res->n_state, (long long)res->n_parcels);
    snprintf(m[3], sizeof m[3], "本报告涉及国家秘密信息前请按规定定密管理（机密，公布前不得外传）");
    const char *meta[4] = {m[0], m[1], m[2], m[3]};
    zr_report_map rm = {"全民所有土地资源资产价值分布图（元/平方米）", map, legend, MAP_CLASSES};
    zr_report_doc doc = {
        "全民所有自然资源资产清查汇总报告", meta, 4, headers, NC, cells, k, numeric,
        "县级合计：见上表“合计”行",         &rm};
    if (!s) s = zr_report_pdf(path, &doc);
    free(cells), free(buf);
    return s;
}

/* ---- run ---- */

/* The price zones' extent: the map frame when the parcel layer does not tell its own. */
static int zones_extent(const inv_data *d, double env[4]) {
    env[0] = env[2] = INFINITY, env[1] = env[3] = -INFINITY;
    for (size_t i = 0; i < d->nz; i++) {
        env[0] = fmin(env[0], d->z[i].env[0]), env[1] = fmax(env[1], d->z[i].env[1]);
        env[2] = fmin(env[2], d->z[i].env[2]), env[3] = fmax(env[3], d->z[i].env[3]);
    }
    return env[1] > env[0] && env[3] > env[2];
}

typedef struct map_job {
    double env[4];
    zr_map *map;  /* NULL for a degenerate extent: the report then has no map */
    zr_status st; /* ZR_ERR_NOMEM fails the run (never a report silently without its map) */
} map_job;

static void *map_work(void *arg) {
    map_job *j = arg;
    j->st = zr_map_new(j->env, 1600, MAP_CLASSES, &j->map);
    return NULL;
}

/* Stream the parcels: read, value, write, batch by batch. */
static zr_status run_parcels(inv_data *d, inv_reader *rd, const zr_inventory_opts *o, outputs *out,
                             char *err, size_t n) {
    inv_valuer *v = NULL;
    zr_status s = inv_valuer_open(o->threads > 0 ? o->threads : zr_ncpu(), &v);
    while (!s) {
        size_t rows = 0;
        const size_t max = o->batch_rows > 0 ? (size_t)o->batch_rows : BATCH_ROWS;
        if (zr_cancelled(&o->ctl)) {
            s = ZR_ERR_CANCELLED;
            break;
        }
        if ((s = inv_parcels_next(rd, d, max, &rows, err, n)) || !rows) break;
        out->res->n_parcels += (int64_t)rows;
        if (!(s = inv_valuer_run(v, d, err, n)) && (s = outputs_batch(out, d)) &&
            s != ZR_ERR_CANCELLED)
            snprintf(err, n, "%s: cannot write the results (%s)", o->out_dir, zr_status_str(s));
        inv_batch_clear(d);
        zr_progress(&o->ctl, "parcels", out->res->n_parcels, 0);
    }
    inv_batch_clear(d);
    inv_valuer_close(v);
    return s;
}

/* The summary rows as the caller gets them, with summary.xlsx's display values. */
static zr_status result_rows(const sum_row *r, size_t nr, const int64_t *da, const int64_t *dv,
                             zr_inventory_result *res) {
    res->rows = zr_calloc(nr ? nr : 1, sizeof *res->rows);
    if (!res->rows) return ZR_ERR_NOMEM;
    for (size_t i = 0; i < nr; i++) {
        zr_inventory_row *x = &res->rows[i];
        x->level = r[i].level;
        memcpy(x->code, r[i].code, sizeof x->code);
        memcpy(x->cls, r[i].cls, sizeof x->cls);
        memcpy(x->dlbm, r[i].dlbm, sizeof x->dlbm);
        x->count = r[i].count, x->area_cents = r[i].area, x->value_cents = r[i].value;
        x->area_disp = da[i], x->value_disp = dv[i];
    }
    res->n_rows = nr;
    return ZR_OK;
}

static zr_status write_manifest(const char *path, const char *base, const hash_job *hj) {
    FILE *f = fopen(path, "w");
    if (!f) return ZR_ERR_IO;
    fprintf(f, "zrzy %s inventory\nbase_date = %s\nprice_system = %s\n", ZRZY_VERSION, base,
            PRICE_SYSTEM);
    for (int i = 0; i < hj->n; i++)
        fprintf(f, "input.%s = %s sha256:%s\n", hj->label[i], hj->path[i], hj->hex[i]);
    const int e = ferror(f);
    return fclose(f) == 0 && !e ? ZR_OK : ZR_ERR_IO;
}

/* Start the next step: a progress phase, and the cancellation check between steps. */
static zr_status step(const zr_inventory_opts *o, const char *phase, zr_status s) {
    if (s) return s;
    if (zr_cancelled(&o->ctl)) return ZR_ERR_CANCELLED;
    zr_progress(&o->ctl, phase, 0, 0);
    return ZR_OK;
}

static zr_status inventory_run(const zr_inventory_opts *o, zr_inventory_result *res, char *err,
                               size_t n) {
    memset(res, 0, sizeof *res);
    const double t0 = zr_now();
    if (!o->parcels || !o->prices || !o->price_index || !o->out_dir) {
        snprintf(err, n, "--parcels, --prices, --price-index and --out are required");
        return ZR_ERR_ARG;
    }
    char base[11];
    if (!inv_date_norm(o->base_date ? o->base_date : "2023-12-31", base)) {
        snprintf(err, n, "--base-date '%s' is not a date (YYYY-MM-DD)", o->base_date);
        return ZR_ERR_ARG;
    }
    zr_status s = step(o, "open", ZR_OK);
    if (s) return s;
    hash_job *hj = zr_calloc(1, sizeof *hj);
    if (!hj) return ZR_ERR_NOMEM;
    const char *labels[7] = {"parcels", "prices",   "price_index", "far",
                             "rights",  "minerals", "reserve"};
    const char *paths[7] = {o->parcels, o->prices,   o->price_index, o->far,
                            o->rights,  o->minerals, o->reserve};
    for (int i = 0; i < 7; i++)
        if (paths[i]) hj->label[hj->n] = labels[i], hj->path[hj->n++] = paths[i];
    hj->ctl = &o->ctl;
    atomic_init(&hj->stop, 0);
    pthread_t ht;
    const int hashing = pthread_create(&ht, NULL, hash_inputs, hj) == 0;
    inv_data d = {.ctl = &o->ctl};
    inv_reader rd = {0};
    outputs out = {.res = res};
    zr_stage stage;
    int staged = 0;
    sum_row *rows = NULL;
    size_t nr = 0;
    int64_t *da = NULL, *dv = NULL;
    char path[1500];
    s = (d.arena = zr_arena_new(1 << 20)) ? ZR_OK : ZR_ERR_NOMEM;
    if (!s) s = inv_parcels_open(&rd, &d, o->parcels, o->layer, err, n);
    /* the map's blank raster (tens of MB to touch) is made on a thread while the zones load;
       with no extent of the parcels, from the zones'; with none at all (an empty layer), none */
    map_job mj = {.map = NULL};
    pthread_t mt;
    int mapping = 0, have_env = 0;
    if (!s && !o->no_pdf && inv_parcels_extent(&rd, mj.env) == ZR_OK) {
        have_env = 1;
        mapping = pthread_create(&mt, NULL, map_work, &mj) == 0;
    }
    if (!s) s = inv_load_zones(&d, o->prices, o->price_layer, o->price_index, base, err, n);
    if (!s && !(s = zr_stage_begin(&stage, o->out_dir, err, n))) staged = 1;
    if (!s) s = outputs_open(&out, &stage, &d, err, n);
    if (mapping) pthread_join(mt, NULL);
    if (!s && !o->no_pdf && !mapping && (have_env || zones_extent(&d, mj.env))) map_work(&mj);
    out.map = mj.map;
    if (!s && mj.st == ZR_ERR_NOMEM) s = mj.st;
    if (!s) s = step(o, "parcels", s);
    if (!s) s = run_parcels(&d, &rd, o, &out, err, n);
    if (!s && out.map) paint_classes(&out); /* the last parcels */
    if (!(s = step(o, "summary", s))) {
        rows = inv_summary_rows(out.sum, &nr);
        da = zr_malloc((nr ? nr : 1) * sizeof *da), dv = zr_malloc((nr ? nr : 1) * sizeof *dv);
        s = da && dv ? inv_balance(rows, nr, da, dv) : ZR_ERR_NOMEM;
        if (!s) s = result_rows(rows, nr, da, dv, res);
        if (s) snprintf(err, n, "summary: %s", zr_status_str(s));
    }
    report_job rj = {.o = o, .base = base, .r = rows, .nr = nr, .map = out.map, .st = ZR_OK};
    pthread_t rt;
    int reporting = 0;
    if (!s && !o->no_pdf) {
        zr_stage_file(&stage, "report.pdf", rj.path, sizeof rj.path);
        rj.counts = *res;
        rj.counts.rows = NULL;
        if (pthread_create(&rt, NULL, report_work, &rj) == 0)
            reporting = 1;
        else
            report_work(&rj);
    }
    if (o->rights && !(s = step(o, "rights", s))) {
        char gp[1500];
        snprintf(gp, sizeof gp, "%s/inventory.gpkg", o->out_dir);
        s = inv_value_rights(&d, o, base, zr_stage_file(&stage, "rights.csv", path, sizeof path),
                             out.st, gp, res, err, n);
    }
    s = step(o, "commit", s);
    s = outputs_close(&out, s, o->out_dir, err, n);
    inv_parcels_close(&rd);
    if (!s && (s = inv_write_summary_csv(zr_stage_file(&stage, "summary.csv", path, sizeof path),
                                         rows, nr)))
        snprintf(err, n, "%s/summary.csv: cannot write", o->out_dir);
    if (!s && (s = inv_write_summary_xlsx(zr_stage_file(&stage, "summary.xlsx", path, sizeof path),
                                          rows, nr, da, dv)))
        snprintf(err, n, "%s/summary.xlsx: cannot write", o->out_dir);
    if (o->minerals && !(s = step(o, "minerals", s)))
        s = inv_value_minerals(
            o->minerals, zr_stage_file(&stage, "minerals.csv", path, sizeof path), res, err, n);
    if (o->reserve && !(s = step(o, "reserve", s)))
        s = inv_value_reserve(o->reserve, zr_stage_file(&stage, "reserve.csv", path, sizeof path),
                              res, err, n);
    if (!o->no_pdf && !s) s = step(o, "report", s); /* waiting for report.pdf */
    if (reporting) pthread_join(rt, NULL);
    if (!s && rj.st) {
        s = rj.st;
        snprintf(err, n, "%s/report.pdf: cannot write", o->out_dir);
    }
    if (s) atomic_store(&hj->stop, 1); /* no manifest to write: stop hashing */
    if (!s) s = step(o, "hash", s);
    if (hashing)
        pthread_join(ht, NULL);
    else
        hash_inputs(hj);
    if (!s && hj->st) {
        s = hj->st;
        if (s == ZR_ERR_IO)
            snprintf(err, n, "%s: cannot be read to the end to hash it for the manifest (%s)",
                     hj->path[hj->bad], hj->label[hj->bad]);
    }
    if (!s &&
        (s = write_manifest(zr_stage_file(&stage, "manifest.txt", path, sizeof path), base, hj)))
        snprintf(err, n, "%s/manifest.txt: cannot write", o->out_dir);
    if (!(s = step(o, "publish", s)) && (s = zr_stage_publish(&stage, out_names, err, n)) == ZR_OK)
        staged = 0;
    if (staged) zr_stage_abort(&stage);
    if (s == ZR_ERR_CANCELLED)
        snprintf(err, n, "cancelled: %s is as it was", o->out_dir);
    else if (s == ZR_ERR_LIMIT && !err[0])
        snprintf(err, n, "a total exceeds what 64 bits hold in 0.01 yuan");
    else if (s && !err[0])
        snprintf(err, n, "%s", zr_status_str(s));
    res->seconds = zr_now() - t0;
    inv_summary_free(out.sum);
    zr_map_free(out.map);
    for (size_t i = 0; i < d.nz; i++)
        zr_poly_free(&d.z[i].poly);
    inv_parcels_free(&d);
    free(d.z);
    free(da), free(dv);
    free(hj);
    zr_arena_free(d.arena);
    if (s) zr_inventory_result_free(res);
    return s;
}

zr_status zr_inventory_run(const zr_inventory_opts *o, zr_inventory_result *r, zr_error *e) {
    zr_inventory_result tmp;
    char err[sizeof e->message] = "";
    zr_status s = o && r ? inventory_run(o, &tmp, err, sizeof err) : ZR_ERR_ARG;
    if (!s) *r = tmp;
    return zr_error_finish(e, s, err);
}

void zr_inventory_result_free(zr_inventory_result *r) {
    if (!r) return;
    free(r->rows);
    r->rows = NULL;
    r->n_rows = 0;
}
