/* zrzy check: load, run the catalogue, write errors.csv / errors.gpkg / report.xlsx / report.pdf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/feature.h"
#include "core/fixed.h"
#include "core/pool.h"
#include "core/sha256.h"
#include "qc/qc_int.h"
#include "io/io.h"
#include "report/report.h"
#include "source/source.h"
#include "store/store.h"

static int cmp_str(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_finding(const void *pa, const void *pb) {
    const qc_finding *a = pa, *b = pb;
    int c;
    if (a->rule != b->rule) return a->rule - b->rule;
    if ((c = cmp_str(a->bsm, b->bsm))) return c;
    if ((c = cmp_str(a->other, b->other))) return c;
    if (a->x != b->x) return a->x < b->x ? -1 : 1;
    if (a->y != b->y) return a->y < b->y ? -1 : 1;
    return cmp_str(a->message, b->message);
}

static zr_status write_csv(const char *path, const qc_catalogue *cat, const qc_findings *fs) {
    FILE *f = fopen(path, "w");
    if (!f) return ZR_ERR_IO;
    fputs("rule,severity,bsm,other_bsm,x,y,area,message\n", f);
    for (size_t i = 0; i < fs->n; i++) {
        const qc_finding *x = &fs->f[i];
        char a[32] = "";
        if (x->area != -1) zr_fmt_scaled(a, x->area, 2);
        fprintf(f, "%s,%d,", cat->rules[x->rule].id, cat->rules[x->rule].severity);
        zr_csv_write_field(f, x->bsm);
        fputc(',', f);
        zr_csv_write_field(f, x->other);
        fprintf(f, ",%.3f,%.3f,%s,", x->x, x->y, a);
        zr_csv_write_field(f, x->message);
        fputc('\n', f);
    }
    int err = ferror(f);
    return fclose(f) == 0 && !err ? ZR_OK : ZR_ERR_IO;
}

static zr_status write_gpkg(const char *path, const qc_data *d, const qc_catalogue *cat,
                            const qc_findings *fs, char *err, size_t n) {
    static const zr_field_def fields[] = {
        {"rule", ZR_FT_TEXT, 3, 0},       {"severity", ZR_FT_INT, 1, 0},
        {"name", ZR_FT_TEXT, 64, 0},      {"bsm", ZR_FT_TEXT, 18, 0},
        {"other_bsm", ZR_FT_TEXT, 18, 0}, {"area", ZR_FT_REAL, 18, 2},
        {"message", ZR_FT_TEXT, 512, 0}};
    zr_store *st = NULL;
    zr_writer *w = NULL;
    zr_buf blob = {0};
    zr_status s = zr_output_gpkg_begin(path, &d->crs, &st);
    if (!s)
        s = zr_store_create_layer_type(st, "errors", "POINT", fields, 7, d->crs.epsg, "质检错误");
    if (!s) s = zr_writer_open(st, "errors", fields, 7, &w);
    for (size_t i = 0; !s && i < fs->n; i++) {
        const qc_finding *x = &fs->f[i];
        zr_value v[7] = {{ZR_FT_TEXT, 0, 0, cat->rules[x->rule].id},
                         {ZR_FT_INT, cat->rules[x->rule].severity, 0, NULL},
                         {ZR_FT_TEXT, 0, 0, cat->rules[x->rule].name},
                         {x->bsm ? ZR_FT_TEXT : ZR_FT_NULL, 0, 0, x->bsm},
                         {x->other ? ZR_FT_TEXT : ZR_FT_NULL, 0, 0, x->other},
                         {x->area != -1 ? ZR_FT_REAL : ZR_FT_NULL, 0, (double)x->area / 100, NULL},
                         {ZR_FT_TEXT, 0, 0, x->message}};
        zr_buf_reset(&blob);
        s = zr_point_to_gpkg_blob(x->x, x->y, d->crs.epsg, &blob);
        if (!s) s = zr_writer_insert(w, v, blob.data, blob.len);
        if (!s) s = zr_writer_flush(w);
    }
    s = zr_writer_end(w, s);
    if (!s) s = zr_store_commit(st);
    if (s && st) snprintf(err, n, "%s", zr_store_errmsg(st));
    zr_store_close(st);
    zr_buf_free(&blob);
    return s;
}

static zr_status write_reports(const char *dir, const zr_check_opts *o, const qc_catalogue *cat,
                               const qc_findings *fs, const zr_check_result *r) {
    int64_t count[R_COUNT] = {0};
    for (size_t i = 0; i < fs->n; i++)
        count[fs->f[i].rule]++;
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
    char path[1200];
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
} hash_job;

static void *hash_file(void *arg) {
    hash_job *j = arg;
    if (zr_sha256_file(j->path, j->hex) != ZR_OK) /* a folder (FileGDB) has no single hash */
        snprintf(j->hex, 65, "(not a single file)");
    return NULL;
}

static int cmp_cstr(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

zr_status zr_check_run(const zr_check_opts *o, zr_check_result *r, char *err, size_t n) {
    memset(r, 0, sizeof *r);
    const double t0 = zr_now();
    if (!o->source || !o->out_dir) {
        snprintf(err, n, "a source and an output folder are required");
        return ZR_ERR_ARG;
    }
    const int threads = o->threads > 0 ? o->threads : zr_ncpu();
    qc_catalogue cat;
    zr_status s = qc_catalogue_load(o->rules_path, &cat, err, n);
    if (s) return s;
    snprintf(r->version, sizeof r->version, "%s", cat.version);
    /* the input's hash is computed beside the loading */
    hash_job hj = {o->source, r->input_sha256};
    pthread_t ht;
    const int hashing = pthread_create(&ht, NULL, hash_file, &hj) == 0;
    if (!hashing) hash_file(&hj);
    qc_data d;
    memset(&d, 0, sizeof d);
    qc_findings fs = {0};
    pthread_mutex_init(&fs.mu, NULL);
    s = (fs.arena = zr_arena_new(1 << 16)) ? ZR_OK : ZR_ERR_NOMEM;
    if (!s) s = qc_open(&d, o->source, o->layer, o->boundary, o->tile_parcels, err, n);
    d.threads = threads;
    const int timing = getenv("ZRZY_TIMING") != NULL;
    double t1 = zr_now();
    if (timing) fprintf(stderr, "timing: open, boundary %.3f s\n", t1 - t0);
    /* the per-parcel rules run as the parcels stream by */
    if (!s) s = qc_stream(&d, &cat, &fs, threads, err, n);
    if (timing)
        fprintf(stderr, "timing: stream + parcel rules %.3f s\n", zr_now() - t1), t1 = zr_now();
    if (!s) s = qc_bsm_finish(&d, &cat, &fs);
    if (!s) s = qc_topology_rules(&d, &cat, &fs, err, n);
    if (timing) fprintf(stderr, "timing: topology %.3f s\n", zr_now() - t1), t1 = zr_now();
    if (hashing) pthread_join(ht, NULL);
    if (!s) qc_sums_finish(&d, &cat, &fs);
    if (!s) {
        if (fs.n) qsort(fs.f, fs.n, sizeof *fs.f, cmp_finding);
        r->n_parcels = d.n_total;
        r->n_findings = (int64_t)fs.n;
        const char **sev1 = malloc((fs.n ? 2 * fs.n : 1) * sizeof *sev1); /* bsm and other */
        size_t ns = 0;
        int outside = 0;
        for (size_t i = 0; i < fs.n; i++) {
            const qc_finding *x = &fs.f[i];
            if (cat.rules[x->rule].severity != 1) continue;
            r->n_sev1++;
            if (x->rule == R_M03)
                outside = 1; /* not a parcel's error */
            else if (sev1 && x->bsm && *x->bsm)
                sev1[ns++] = x->bsm;
            if (sev1 && x->other && *x->other) sev1[ns++] = x->other;
        }
        if (sev1) {
            qsort(sev1, ns, sizeof *sev1, cmp_cstr);
            for (size_t i = 0; i < ns; i++)
                if (!i || strcmp(sev1[i], sev1[i - 1])) r->n_sev1_parcels++;
        }
        free(sev1);
        r->rate = d.n_total ? 100.0 * (double)r->n_sev1_parcels / (double)d.n_total : 0;
        r->passed = r->rate <= (o->allowed_rate > 0 ? o->allowed_rate : 3.0) && !outside;
        if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
            snprintf(err, n, "%s: cannot create folder", o->out_dir);
            s = ZR_ERR_IO;
        }
        /* the people's reports (XLSX, PDF) on a thread beside errors.csv and errors.gpkg; both
           only read the findings */
        r->seconds = zr_now() - t0;
        report_job rj = {o->out_dir, o, &cat, &fs, r, ZR_OK};
        pthread_t rt;
        const int rthread = !s && pthread_create(&rt, NULL, report_thread, &rj) == 0;
        char path[1200];
        snprintf(path, sizeof path, "%s/errors.csv", o->out_dir);
        if (!s && (s = write_csv(path, &cat, &fs))) snprintf(err, n, "%s: cannot write", path);
        snprintf(path, sizeof path, "%s/errors.gpkg", o->out_dir);
        if (!s) s = write_gpkg(path, &d, &cat, &fs, err, n);
        if (rthread)
            pthread_join(rt, NULL);
        else if (!s)
            report_thread(&rj);
        if (!s && (s = rj.st))
            snprintf(err, n, "%s: cannot write report.xlsx / report.pdf", o->out_dir);
        if (timing) fprintf(stderr, "timing: outputs %.3f s\n", zr_now() - t1);
    }
    for (size_t i = 0; i < fs.n; i++) {
        free(fs.f[i].message);
        if (fs.f[i].region) zr_poly_free(fs.f[i].region);
        free(fs.f[i].region);
    }
    free(fs.f);
    zr_arena_free(fs.arena);
    pthread_mutex_destroy(&fs.mu);
    qc_data_free(&d);
    return s;
}
