/* zrzy check: load, run the catalogue, write errors.csv / errors.gpkg / report.xlsx / report.pdf.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/alloc.h"
#include "core/control.h"
#include "core/feature.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "core/sha256.h"
#include "core/stage.h"
#include "qc/qc_int.h"
#include "io/io.h"
#include "report/report.h"
#include "source/source.h"
#include "store/store.h"

/* errors.csv and errors.gpkg in one ordered pass over the findings, each also handed to the
 * caller's on_finding. A finding's strings live only until the next, so each GeoPackage row
 * keeps copies in one of 32 slots — the writer writes its rows 32 at a time, so a slot is free
 * again when it comes round. Without an output folder the pass only hands the findings over. */
enum { SLOTS = 32 };
typedef struct {
    char bsm[256], other[256], msg[600];
    zr_buf blob;
} out_slot;

typedef struct {
    FILE *csv; /* NULL: no files */
    zr_writer *w;
    const qc_catalogue *cat;
    const zr_check_opts *o;
    int epsg;
    int64_t done, total;
    out_slot slot[SLOTS];
    size_t k;
} out_pass;

static zr_status write_finding(void *ctx, const qc_finding *x) {
    out_pass *o = ctx;
    const qc_rule *q = &o->cat->rules[x->rule];
    if ((++o->done & 1023) == 0) {
        if (zr_cancelled(&o->o->ctl)) return ZR_ERR_CANCELLED;
        zr_progress(&o->o->ctl, "outputs", o->done, o->total);
    }
    if (o->o->on_finding) {
        const zr_check_finding f = {q->id,
                                    q->severity,
                                    x->bsm ? x->bsm : "",
                                    x->other,
                                    x->x,
                                    x->y,
                                    x->area != -1,
                                    x->area != -1 ? x->area : 0,
                                    x->message ? x->message : ""};
        const zr_status s = o->o->on_finding(o->o->finding_user, &f);
        if (s) return s;
    }
    if (!o->csv) return ZR_OK;
    char a[32] = "";
    if (x->area != -1) zr_fmt_scaled(a, x->area, 2);
    fprintf(o->csv, "%s,%d,", q->id, q->severity);
    zr_csv_write_field(o->csv, x->bsm);
    fputc(',', o->csv);
    zr_csv_write_field(o->csv, x->other);
    fprintf(o->csv, ",%.3f,%.3f,%s,", x->x, x->y, a);
    zr_csv_write_field(o->csv, x->message);
    fputc('\n', o->csv);
    out_slot *sl = &o->slot[o->k++ % SLOTS];
    snprintf(sl->bsm, sizeof sl->bsm, "%s", x->bsm ? x->bsm : "");
    snprintf(sl->other, sizeof sl->other, "%s", x->other ? x->other : "");
    snprintf(sl->msg, sizeof sl->msg, "%s", x->message ? x->message : "");
    zr_value v[7] = {{ZR_FT_TEXT, 0, 0, q->id},
                     {ZR_FT_INT, q->severity, 0, NULL},
                     {ZR_FT_TEXT, 0, 0, q->name},
                     {x->bsm ? ZR_FT_TEXT : ZR_FT_NULL, 0, 0, sl->bsm},
                     {x->other ? ZR_FT_TEXT : ZR_FT_NULL, 0, 0, sl->other},
                     {x->area != -1 ? ZR_FT_REAL : ZR_FT_NULL, 0, (double)x->area / 100, NULL},
                     {ZR_FT_TEXT, 0, 0, sl->msg}};
    zr_buf_reset(&sl->blob);
    zr_status s = zr_point_to_gpkg_blob(x->x, x->y, o->epsg, &sl->blob);
    if (!s) s = zr_writer_insert(o->w, v, sl->blob.data, sl->blob.len);
    return s;
}

/* The findings to on_finding and, when dir is given, to dir/errors.csv and dir/errors.gpkg. */
static zr_status write_errors(const char *dir, const zr_check_opts *opts, const qc_data *d,
                              const qc_catalogue *cat, qc_findings *fs, char *err, size_t n) {
    static const zr_field_def fields[] = {
        {"rule", ZR_FT_TEXT, 3, 0},       {"severity", ZR_FT_INT, 1, 0},
        {"name", ZR_FT_TEXT, 64, 0},      {"bsm", ZR_FT_TEXT, 18, 0},
        {"other_bsm", ZR_FT_TEXT, 18, 0}, {"area", ZR_FT_REAL, 18, 2},
        {"message", ZR_FT_TEXT, 512, 0}};
    char path[1500];
    out_pass *o = zr_calloc(1, sizeof *o);
    if (!o) return ZR_ERR_NOMEM;
    o->cat = cat, o->o = opts, o->epsg = d->crs.epsg, o->total = fs->total;
    zr_progress(&opts->ctl, "outputs", 0, fs->total);
    if (!dir) {
        zr_status s = qc_findings_each(fs, write_finding, o);
        if (s && s != ZR_ERR_CANCELLED)
            snprintf(err, n, "cannot hand the findings over (%s)", zr_status_str(s));
        free(o);
        return s;
    }
    zr_store *st = NULL;
    snprintf(path, sizeof path, "%s/errors.csv", dir);
    if (!(o->csv = fopen(path, "w"))) {
        snprintf(err, n, "%s: cannot write", path);
        free(o);
        return ZR_ERR_IO;
    }
    fputs("rule,severity,bsm,other_bsm,x,y,area,message\n", o->csv);
    snprintf(path, sizeof path, "%s/errors.gpkg", dir);
    zr_status s = zr_output_gpkg_begin(path, &d->crs, &st);
    if (!s)
        s = zr_store_create_layer_type(st, "errors", "POINT", fields, 7, d->crs.epsg, "质检错误");
    if (!s) s = zr_writer_open(st, "errors", fields, 7, &o->w);
    if (s && st) snprintf(err, n, "%s: %s", path, zr_store_errmsg(st));
    if (!s && (s = qc_findings_each(fs, write_finding, o)) && s != ZR_ERR_CANCELLED)
        snprintf(err, n, "%s: cannot write the findings (%s)", dir, zr_status_str(s));
    s = zr_writer_end(o->w, s); /* the last rows, while the slots still hold their strings */
    if (!s) s = zr_store_commit(st);
    if (s && s != ZR_ERR_CANCELLED && st && !err[0])
        snprintf(err, n, "%s: %s", path, zr_store_errmsg(st));
    zr_store_close(st);
    for (int k = 0; k < SLOTS; k++)
        zr_buf_free(&o->slot[k].blob);
    const int bad = ferror(o->csv);
    if ((fclose(o->csv) != 0 || bad) && !s) {
        snprintf(err, n, "%s/errors.csv: cannot write", dir);
        s = ZR_ERR_IO;
    }
    free(o);
    return s;
}

static zr_status write_reports(const char *dir, const zr_check_opts *o, const qc_catalogue *cat,
                               const qc_findings *fs, const zr_check_result *r) {
    const int64_t *count = fs->count;
    enum { NC = 6 };
    const char *headers[NC] = {"规则", "名称", "严重程度", "容差", "启用", "错误数"};
    static const int numeric[NC] = {0, 0, 1, 1, 0, 1};
    char cellbuf[R_COUNT][4][32];
    const char *cells[R_COUNT * NC];
    for (int k = 0; k < R_COUNT; k++) {
        const qc_rule *q = &cat->rules[k];
        snprintf(cellbuf[k][0], 32, "%d", q->severity);
        snprintf(cellbuf[k][1], 32, "%g", q->tolerance);
        snprintf(cellbuf[k][2], 32, "%s", q->enabled ? "是" : "否");
        snprintf(cellbuf[k][3], 32, "%lld", (long long)count[k]);
        const char *row[NC] = {q->id,         q->name,       cellbuf[k][0],
                               cellbuf[k][1], cellbuf[k][2], cellbuf[k][3]};
        memcpy(&cells[k * NC], row, sizeof row);
    }
    char m[7][320];
    snprintf(m[0], sizeof m[0], "数据: %s (图层 %s)", o->source, o->layer ? o->layer : "DLTB");
    snprintf(m[1], sizeof m[1], "输入文件 SHA-256: %s", r->input_sha256);
    snprintf(m[2], sizeof m[2], "质检规则版本: %s", r->version);
    snprintf(m[3], sizeof m[3], "图斑数: %lld    错误总数: %lld    一类错误: %lld",
             (long long)r->n_parcels, (long long)r->n_findings, (long long)r->n_sev1);
    snprintf(m[4], sizeof m[4],
             "一类错误图斑: %lld    一类错误图斑率: %.4f%%    允许差错率: %.2f%%",
             (long long)r->n_sev1_parcels, r->rate, o->allowed_rate > 0 ? o->allowed_rate : 3.0);
    snprintf(m[5], sizeof m[5], "明细: errors.csv, errors.gpkg");
    const char *meta[6] = {m[0], m[1], m[2], m[3], m[4], m[5]};
    char verdict[128];
    snprintf(verdict, sizeof verdict, "结论: %s", r->passed ? "通过" : "不通过");
    zr_report_doc doc = {
        "地类图斑质量检查报告", meta, 6, headers, NC, cells, R_COUNT, numeric, verdict, NULL};
    char path[1500];
    snprintf(path, sizeof path, "%s/report.xlsx", dir);
    zr_status s = zr_report_xlsx(path, "质检统计", &doc);
    snprintf(path, sizeof path, "%s/report.pdf", dir);
    if (!s) s = zr_report_pdf(path, &doc);
    return s;
}

typedef struct {
    const char *dir;
    const zr_check_opts *o;
    const qc_catalogue *cat;
    const qc_findings *fs;
    const zr_check_result *r;
    zr_status st;
} report_job;

static void *report_thread(void *arg) {
    report_job *j = arg;
    j->st = write_reports(j->dir, j->o, j->cat, j->fs, j->r);
    return NULL;
}

typedef struct {
    const char *path;
    char *hex;
    const zr_control *ctl;
    zr_status st; /* out of memory, or a file that could not be read to its end */
} hash_job;

/* The input's SHA-256, read in blocks (no mapping that could fault if the file shrinks), the
 * cancellation flag polled between them; a folder (FileGDB) has no single hash. */
static void *hash_file(void *arg) {
    hash_job *j = arg;
    enum { BLOCK = 1 << 20 };
    unsigned char *buf = zr_malloc(BLOCK);
    if (!buf) {
        j->st = ZR_ERR_NOMEM;
        return NULL;
    }
    const int fd = open(j->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    const int regular = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    int ok = regular;
    zr_sha256 c;
    zr_sha256_init(&c);
    while (ok && !zr_cancelled(j->ctl)) {
        const ssize_t got = read(fd, buf, BLOCK);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            ok = got == 0;
            if (!ok) j->st = ZR_ERR_IO; /* a regular file that cannot be read to its end */
            break;
        }
        zr_sha256_update(&c, buf, (size_t)got);
    }
    if (fd >= 0) close(fd);
    free(buf);
    if (ok)
        zr_sha256_hex(&c, j->hex);
    else
        snprintf(j->hex, 65, "(not a single file)");
    return NULL;
}

/* The summary, per rule and in all, from the findings' counts. */
static void summarise(const zr_check_opts *o, const qc_data *d, const qc_catalogue *cat,
                      qc_findings *fs, zr_check_result *r) {
    r->n_parcels = d->n_total;
    r->n_findings = fs->total;
    r->n_rules = R_COUNT;
    for (int k = 0; k < R_COUNT; k++) {
        const qc_rule *q = &cat->rules[k];
        zr_check_rule_summary *x = &r->rules[k];
        snprintf(x->id, sizeof x->id, "%s", q->id);
        snprintf(x->name, sizeof x->name, "%s", q->name);
        x->severity = q->severity, x->tolerance = q->tolerance, x->enabled = q->enabled;
        x->findings = fs->count[k];
        if (q->severity == 1) r->n_sev1 += fs->count[k];
    }
    r->n_sev1_parcels = qc_findings_sev1_parcels(fs);
    r->rate = d->n_total ? 100.0 * (double)r->n_sev1_parcels / (double)d->n_total : 0;
    r->passed = r->rate <= (o->allowed_rate > 0 ? o->allowed_rate : 3.0) && !fs->sev1_unit;
}

/* The outputs into the stage (or, without an output folder, the findings to the caller only);
 * published by the caller. */
static zr_status write_outputs(const char *dir, const zr_check_opts *o, const qc_data *d,
                               const qc_catalogue *cat, qc_findings *fs, const zr_check_result *r,
                               char *err, size_t n) {
    if (!dir) return write_errors(NULL, o, d, cat, fs, err, n);
    /* the people's reports (XLSX, PDF) on a thread beside errors.csv and errors.gpkg: they read
       only the counts */
    report_job rj = {dir, o, cat, fs, r, ZR_OK};
    pthread_t rt;
    const int rthread = pthread_create(&rt, NULL, report_thread, &rj) == 0;
    zr_status s = write_errors(dir, o, d, cat, fs, err, n);
    if (rthread)
        pthread_join(rt, NULL);
    else if (!s)
        report_thread(&rj);
    if (!s && (s = rj.st))
        snprintf(err, n, "%s: cannot write report.xlsx / report.pdf", o->out_dir);
    return s;
}

static zr_status check_run(const zr_check_opts *o, zr_check_result *r, char *err, size_t n) {
    static const char *const outputs[] = {"errors.csv", "errors.gpkg", "report.xlsx", "report.pdf",
                                          NULL};
    memset(r, 0, sizeof *r);
    const double t0 = zr_now();
    if (!o->source || (!o->out_dir && !o->on_finding)) {
        snprintf(err, n, "a source and an output folder (or a findings callback) are required");
        return ZR_ERR_ARG;
    }
    int threads = o->threads > 0 ? o->threads : zr_ncpu();
    if (threads > 64) threads = 64; /* zr_parallel_for runs no more; no use in more contexts */
    qc_catalogue cat;
    zr_status s = qc_catalogue_load(o->rules_path, &cat, err, n);
    if (s) return s;
    snprintf(r->version, sizeof r->version, "%s", cat.version);
    zr_progress(&o->ctl, "open", 0, 0);
    /* the input's hash is computed beside the loading */
    hash_job hj = {o->source, r->input_sha256, &o->ctl, ZR_OK};
    pthread_t ht;
    const int hashing = pthread_create(&ht, NULL, hash_file, &hj) == 0;
    if (!hashing) hash_file(&hj);
    qc_data d;
    memset(&d, 0, sizeof d);
    qc_findings fs;
    s = qc_findings_init(&fs, &cat, o->findings_held > 0 ? (size_t)o->findings_held : 0);
    d.ctl = &o->ctl;
    if (!s) s = qc_open(&d, o->source, o->layer, o->boundary, o->tile_parcels, err, n);
    d.threads = threads;
    d.chunk_rows = o->chunk_rows > 0 ? (size_t)o->chunk_rows : 8192;
    if (!s && qc_cancelled(&d)) s = ZR_ERR_CANCELLED;
    /* the per-parcel rules run as the parcels stream by */
    if (!s) s = qc_stream(&d, &cat, &fs, threads, err, n);
    if (!s) zr_progress(&o->ctl, "duplicates", 0, 0);
    if (!s) s = qc_bsm_finish(&d, &cat, &fs);
    if (!s) s = qc_topology_rules(&d, &cat, &fs, err, n);
    if (hashing) pthread_join(ht, NULL);
    if (!s && hj.st) {
        s = hj.st;
        snprintf(err, n, "%s: cannot compute its SHA-256 (%s)", o->source, zr_status_str(s));
    }
    if (!s) qc_sums_finish(&d, &cat, &fs);
    if (!s && fs.st) {
        s = fs.st;
        if (fs.why[0])
            snprintf(err, n, "%s: %s", o->source, fs.why);
        else
            snprintf(err, n, "%s: cannot keep the findings (%s)", o->source, zr_status_str(s));
    }
    if (!s && qc_cancelled(&d)) s = ZR_ERR_CANCELLED;
    zr_stage stage;
    int staged = 0;
    if (!s) {
        summarise(o, &d, &cat, &fs, r);
        r->seconds = zr_now() - t0;
        if (o->out_dir) s = zr_stage_begin(&stage, o->out_dir, err, n);
        staged = o->out_dir && !s;
    }
    if (!s) s = write_outputs(staged ? stage.path : NULL, o, &d, &cat, &fs, r, err, n);
    if (!s && qc_cancelled(&d)) s = ZR_ERR_CANCELLED;
    if (staged) {
        if (!s)
            s = zr_stage_publish(&stage, outputs, err, n);
        else
            zr_stage_abort(&stage);
    }
    if (s == ZR_ERR_CANCELLED) snprintf(err, n, "%s: cancelled; nothing was written", o->source);
    if (s && !err[0]) snprintf(err, n, "%s: %s", o->source, zr_status_str(s));
    qc_findings_free(&fs);
    qc_data_free(&d);
    return s;
}

zr_status zr_check_run(const zr_check_opts *o, zr_check_result *r, zr_error *e) {
    zr_check_result *tmp = o && r ? zr_malloc(sizeof *tmp) : NULL;
    char err[sizeof e->message] = "";
    zr_status s = !o || !r ? ZR_ERR_ARG : !tmp ? ZR_ERR_NOMEM : check_run(o, tmp, err, sizeof err);
    if (!s) *r = *tmp;
    free(tmp);
    return zr_error_finish(e, s, err);
}
