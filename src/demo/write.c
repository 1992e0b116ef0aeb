/* Writing the synthetic county: DLTB parcels, XZQ villages (coverage union of their parcels,
 * DCMJ = Σ TBMJ, JSMJ = the polygon's own ellipsoidal area) and the county's TKXS table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/alloc.h"
#include "core/control.h"
#include "core/stage.h"
#include "codes/codes.h"
#include "core/fixed.h"
#include "demo/demo_int.h"
#include "geo/geos_ops.h"
#include "geo/geo.h"
#include "store/store.h"

static const zr_field_def tkxs_fields[] = {
    {"GDLX", ZR_FT_TEXT, 2, 0}, {"GDPDJB", ZR_FT_TEXT, 2, 0}, {"KCXS", ZR_FT_REAL, 6, 4}};

static zr_value txt(const char *s) {
    return s ? (zr_value){.kind = ZR_FT_TEXT, .s = s} : (zr_value){0};
}
static zr_value real(double r) {
    return (zr_value){.kind = ZR_FT_REAL, .r = r};
}

static zr_status write_parcels(demo_county *c, zr_store *st, int64_t *n_out, int64_t *n_state,
                               int64_t *dcmj, char *err, size_t n) {
    zr_writer *w = NULL;
    zr_status s = zr_writer_open(st, "DLTB", zr_dltb_fields, ZR_DLTB_NFIELDS, &w);
    if (s) {
        snprintf(err, n, "%s", zr_store_errmsg(st));
        return s;
    }
    zr_writer *zw = NULL; /* use-right parcels (宗地) on state construction land */
    if (!s) s = zr_writer_open(st, "ZD", demo_zd_fields, 8, &zw);
    int64_t n_zd = 0;
    zr_poly p = {0};
    zr_buf blob = {0}, scratch = {0};
    zr_value v[ZR_DLTB_NFIELDS];
    int64_t *tbbh = zr_calloc(c->n_villages, sizeof *tbbh);
    if (!tbbh) s = ZR_ERR_NOMEM;
    int64_t seq = 0;
    char bsm[48], tb[24], zl[32], qs[32], qsmc[160], year[8];
    (void)year;
    for (int64_t j = 0; j < c->rows && !s; j++) {
        if (zr_cancelled(c->ctl)) {
            s = ZR_ERR_CANCELLED;
            break;
        }
        zr_progress(c->ctl, "parcels", seq, c->n_cells);
        for (int64_t i = 0; i < c->cols && !s; i++) {
            const int64_t k = j * c->cols + i;
            if (!c->in[k] || c->cell_village[k] < 0) continue;
            const int32_t vi = c->cell_village[k];
            const demo_village *vil = &c->villages[vi];
            demo_attrs a;
            demo_cell_attrs(c, i, j, &a);
            if ((s = demo_cell_poly(c, i, j, &p))) break;
            double area = 0;
            if ((s = zr_poly_area_checked(&p, &c->crs, &scratch, &area))) {
                snprintf(err, n, "parcel area: %s", zr_status_str(s));
                break;
            }
            const int64_t tbmj = zr_round_cents(area);
            const int64_t kcmj = a.kcxs_1e4 > 0 ? zr_muldiv_round(tbmj, a.kcxs_1e4, 10000) : 0;
            seq++;
            tbbh[vi]++;
            snprintf(bsm, sizeof bsm, "%s211%09lld", c->county, (long long)seq);
            snprintf(tb, sizeof tb, "%lld", (long long)tbbh[vi]);
            snprintf(zl, sizeof zl, "%s0000000", vil->div->code);
            if (!strcmp(a.qsxz, "31"))
                snprintf(qs, sizeof qs, "%s%02d00000", vil->div->code, a.group);
            else
                snprintf(qs, sizeof qs, "%s0000000", vil->div->code);
            if (zr_qsxz_is_state(a.qsxz)) {
                snprintf(qsmc, sizeof qsmc, "%s人民政府", c->county_name);
                ++*n_state;
            } else if (!strcmp(a.qsxz, "31"))
                snprintf(qsmc, sizeof qsmc, "%s第%d村民小组", vil->name, a.group);
            else
                snprintf(qsmc, sizeof qsmc, "%s", vil->name);
            const zr_dlbm *d = zr_dlbm_find(a.dlbm);
            memset(v, 0, sizeof v);
            v[ZR_DLTB_BSM] = txt(bsm);
            v[ZR_DLTB_YSDM] = txt(ZR_YSDM_DLTB);
            v[ZR_DLTB_TBBH] = txt(tb);
            v[ZR_DLTB_DLBM] = txt(a.dlbm);
            v[ZR_DLTB_DLMC] = txt(d ? d->name : NULL);
            v[ZR_DLTB_QSXZ] = txt(a.qsxz);
            v[ZR_DLTB_QSDWDM] = txt(qs);
            v[ZR_DLTB_QSDWMC] = txt(qsmc);
            v[ZR_DLTB_ZLDWDM] = txt(zl);
            v[ZR_DLTB_ZLDWMC] = txt(vil->name);
            v[ZR_DLTB_TBMJ] = real((double)tbmj / 100);
            v[ZR_DLTB_KCDLBM] = txt(a.kcdlbm);
            if (a.kcxs_1e4 >= 0) v[ZR_DLTB_KCXS] = real((double)a.kcxs_1e4 / 10000);
            v[ZR_DLTB_KCMJ] = real((double)kcmj / 100);
            v[ZR_DLTB_TBDLMJ] = real((double)(tbmj - kcmj) / 100);
            v[ZR_DLTB_GDLX] = txt(a.gdlx);
            v[ZR_DLTB_GDPDJB] = txt(a.gdpdjb);
            if (a.xzdwkd > 0) v[ZR_DLTB_XZDWKD] = real(a.xzdwkd);
            v[ZR_DLTB_ZZSXDM] = txt(a.zzsxdm);
            v[ZR_DLTB_ZZSXMC] = txt(!a.zzsxdm            ? NULL
                                    : a.zzsxdm[0] == 'L' ? "粮食作物"
                                                         : "非粮作物");
            if (a.gddb) v[ZR_DLTB_GDDB] = (zr_value){.kind = ZR_FT_INT, .i = a.gddb};
            v[ZR_DLTB_CZCSXM] = txt(a.czcsxm);
            v[ZR_DLTB_SJNF] = (zr_value){.kind = ZR_FT_INT, .i = 2023};
            zr_buf_reset(&blob);
            if ((s = zr_poly_to_gpkg_blob(&p, c->crs.epsg, &blob))) break;
            if ((s = zr_writer_insert(w, v, blob.data, blob.len)) || (s = zr_writer_flush(w))) {
                snprintf(err, n, "%s", zr_store_errmsg(st));
                break;
            }
            dcmj[vi] += tbmj;
            const int built = a.dlbm[0] == '0' && a.dlbm[1] >= '5' && a.dlbm[1] <= '8';
            if (!s && built && !strcmp(a.qsxz, "20") && seq % 3 == 0) {
                static const char *const gyfs[] = {"2", "2", "1", "3", "2", "6", "7", "2"};
                char zddm[32], qlr[192], start[16], end[16], tdyt[3];
                zr_dlbm_tdyt(a.dlbm, tdyt);
                const uint64_t h = demo_hash(c->seed, 900, (uint64_t)seq);
                const char *gf = gyfs[h % 8];
                const int y0 = 2005 + (int)(h / 8 % 14);
                const int term = !strcmp(gf, "3") ? 20
                                 : tdyt[1] == '5' ? 40
                                 : tdyt[1] == '7' ? 70
                                                  : 50;
                snprintf(zddm, sizeof zddm, "%sGB%05lld", vil->div->code, (long long)++n_zd);
                snprintf(qlr, sizeof qlr, "%s第%lld号用地单位", vil->name, (long long)n_zd);
                snprintf(start, sizeof start, "%04d-%02d-01", y0, 1 + (int)(h / 128 % 12));
                snprintf(end, sizeof end, "%04d-%s", y0 + term, start + 5);
                const double rjl = 0.8 + (double)(h / 4096 % 18) / 10.0;
                zr_value z[8] = {txt(zddm),  txt(qlr),
                                 txt(tdyt),  txt(gf),
                                 txt(start), txt(end),
                                 real(rjl),  real(round((double)tbmj / 100 * 900) / 100 * 100)};
                s = zr_writer_insert(zw, z, blob.data, blob.len);
                if (!s) s = zr_writer_flush(zw);
            }
        }
    }
    /* after a failure the writers are abandoned: their pending rows point into this loop */
    const zr_status s0 = s;
    s = zr_writer_end(zw, s);
    s = zr_writer_end(w, s);
    if (!s0 && s) snprintf(err, n, "%s", zr_store_errmsg(st));
    *n_out = seq;
    free(tbbh);
    zr_poly_free(&p);
    zr_buf_free(&blob);
    zr_buf_free(&scratch);
    return s;
}

static zr_status write_villages(demo_county *c, zr_store *st, const int64_t *dcmj, char *err,
                                size_t n) {
    /* cells grouped by village (counting sort), so each union sees only its own parcels */
    const int64_t total = c->cols * c->rows;
    int64_t *start = zr_calloc(c->n_villages + 1, sizeof *start);
    int64_t *cells = zr_malloc((size_t)(c->n_cells ? c->n_cells : 1) * sizeof *cells);
    zr_geos *g = NULL;
    zr_writer *w = NULL;
    zr_poly *polys = NULL;
    const zr_poly **refs = NULL;
    zr_poly u = {0};
    zr_buf blob = {0}, scratch = {0};
    size_t cap = 0;
    zr_status s = !start || !cells ? ZR_ERR_NOMEM : zr_geos_open(&g);
    if (!s) s = zr_writer_open(st, "XZQ", zr_xzq_fields, ZR_XZQ_NFIELDS, &w);
    if (s) {
        snprintf(err, n, "cannot start writing villages: %s", zr_status_str(s));
        goto done;
    }
    for (int64_t k = 0; k < total; k++)
        if (c->cell_village[k] >= 0) start[c->cell_village[k] + 1]++;
    for (size_t v = 0; v < c->n_villages; v++)
        start[v + 1] += start[v];
    {
        int64_t *fill = zr_calloc(c->n_villages, sizeof *fill);
        if (!fill) {
            s = ZR_ERR_NOMEM;
            goto done;
        }
        for (int64_t k = 0; k < total; k++) {
            int32_t v = c->cell_village[k];
            if (v >= 0) cells[start[v] + fill[v]++] = k;
        }
        free(fill);
    }

    for (size_t v = 0; v < c->n_villages && !s; v++) {
        if (zr_cancelled(c->ctl)) {
            s = ZR_ERR_CANCELLED;
            break;
        }
        zr_progress(c->ctl, "villages", (int64_t)v, (int64_t)c->n_villages);
        const size_t m = (size_t)(start[v + 1] - start[v]);
        if (!m) continue;
        if (m > cap) {
            zr_poly *np = zr_realloc(polys, m * sizeof *np);
            const zr_poly **nr = np ? zr_realloc(refs, m * sizeof *nr) : NULL;
            if (np) polys = np;
            if (nr) refs = nr;
            if (!np || !nr) {
                s = ZR_ERR_NOMEM;
                break;
            }
            memset(polys + cap, 0, (m - cap) * sizeof *polys);
            cap = m;
        }
        for (size_t q = 0; q < m && !s; q++) {
            const int64_t k = cells[start[v] + (int64_t)q];
            s = demo_cell_poly(c, k % c->cols, k / c->cols, &polys[q]);
            refs[q] = &polys[q];
        }
        if (!s && (s = zr_geos_coverage_union(g, refs, m, &u))) {
            snprintf(err, n, "union of village %s: %s", c->villages[v].div->code,
                     zr_geos_errmsg(g));
            break;
        }
        double area = 0;
        if (!s && (s = zr_poly_area_checked(&u, &c->crs, &scratch, &area))) {
            snprintf(err, n, "area of village %s: %s", c->villages[v].div->code, zr_status_str(s));
            break;
        }
        const int64_t jsmj = zr_round_cents(area);
        char bsm[32];
        snprintf(bsm, sizeof bsm, "%s100%09zu", c->county, v + 1);
        zr_value vals[ZR_XZQ_NFIELDS] = {0};
        vals[ZR_XZQ_BSM] = txt(bsm);
        vals[ZR_XZQ_YSDM] = txt(ZR_YSDM_XZQ);
        vals[ZR_XZQ_XZQDM] = txt(c->villages[v].div->code);
        vals[ZR_XZQ_XZQMC] = txt(c->villages[v].name);
        vals[ZR_XZQ_DCMJ] = real((double)dcmj[v] / 100);
        vals[ZR_XZQ_JSMJ] = real((double)jsmj / 100);
        zr_buf_reset(&blob);
        if (!s) s = zr_poly_to_gpkg_blob(&u, c->crs.epsg, &blob);
        if (!s &&
            ((s = zr_writer_insert(w, vals, blob.data, blob.len)) || (s = zr_writer_flush(w))))
            snprintf(err, n, "%s", zr_store_errmsg(st));
    }
done:
    s = zr_writer_end(w, s);
    for (size_t q = 0; q < cap; q++)
        zr_poly_free(&polys[q]);
    free(polys);
    free(refs);
    zr_poly_free(&u);
    zr_buf_free(&blob);
    zr_buf_free(&scratch);
    zr_geos_close(g);
    free(start);
    free(cells);
    return s;
}

static zr_status write_tkxs(zr_store *st) {
    zr_status s = zr_store_create_attr_table(st, "TKXS", tkxs_fields, 3, "田坎系数");
    zr_writer *w = NULL;
    if (!s) s = zr_writer_open_attr(st, "TKXS", tkxs_fields, 3, &w);
    for (size_t k = 0; !s && k < demo_n_tkxs; k++) {
        zr_value v[3] = {txt(demo_tkxs_table[k].gdlx), txt(demo_tkxs_table[k].gdpdjb),
                         real(demo_tkxs_table[k].kcxs_1e4 / 10000.0)};
        s = zr_writer_insert(w, v, NULL, 0);
        if (!s) s = zr_writer_flush(w);
    }
    return zr_writer_end(w, s);
}

/* Every file a demo-data run writes into its folder, in the order they are put in place
 * (the GeoPackage last). The rest of the folder is left alone. */
static const char *const demo_outputs[] = {"price_index.csv", "far.csv",     "minerals.csv",
                                           "reserve.csv",     "county.gpkg", NULL};

/* The stage's files into dir, one rename each. */
static zr_status put_in_place(const zr_stage *st, const char *dir, char *err, size_t n) {
    for (const char *const *f = demo_outputs; *f; f++) {
        char from[1600], to[1600];
        zr_stage_file(st, *f, from, sizeof from);
        snprintf(to, sizeof to, "%s/%s", dir, *f);
        if (rename(from, to) != 0) {
            snprintf(err, n, "%s: cannot put in place (%s)", to, strerror(errno));
            return ZR_ERR_IO;
        }
    }
    return ZR_OK;
}

static zr_status check_opts(const zr_demo_opts *o, char *err, size_t n) {
    if (!o->out_dir || !o->out_dir[0] || o->parcels < 1) {
        snprintf(err, n, "an output folder and a parcel count are required");
        return ZR_ERR_ARG;
    }
    if (o->price_uses < 0 || o->price_uses > 12) {
        snprintf(err, n, "price uses %d: 1 to 12 land uses have a price system", o->price_uses);
        return ZR_ERR_ARG;
    }
    const int uses = o->price_uses ? o->price_uses : 12;
    if (o->price_zones < 0 || (o->price_zones && o->price_zones < uses) ||
        o->price_zones > 100000) {
        snprintf(err, n, "price zones %d: at least one per priced use (%d) and at most 100000",
                 o->price_zones, uses);
        return ZR_ERR_ARG;
    }
    if (!(o->state_share >= 0 && o->state_share <= 100)) {
        snprintf(err, n, "state-owned share %g %% is not 0-100", o->state_share);
        return ZR_ERR_ARG;
    }
    if (o->villages < 0) {
        snprintf(err, n, "villages %d: not a count", o->villages);
        return ZR_ERR_ARG;
    }
    return ZR_OK;
}

static zr_status demo_generate(const zr_demo_opts *o, zr_demo_result *res, char *err, size_t n) {
    memset(res, 0, sizeof *res);
    zr_status s = check_opts(o, err, n);
    if (s) return s;
    if (zr_cancelled(&o->ctl)) {
        snprintf(err, n, "cancelled: nothing was written");
        return ZR_ERR_CANCELLED;
    }
    snprintf(res->path, sizeof res->path, "%s/county.gpkg", o->out_dir);
    demo_county c;
    zr_progress(&o->ctl, "county", 0, 0);
    s = demo_build_county(o, &c, err, n);
    if (!s) zr_progress(&o->ctl, "regions", 0, 0);
    if (!s) s = demo_assign_regions(&c, o->parcels, o->villages, err, n);
    if (!s) s = demo_plan_ownership(&c, o->state_share, err, n);
    /* the files are written into a stage inside the folder (DIR/.demo-data.zrzy-stage-PID, swept
       when its process is gone) and renamed into DIR when all are complete: the folder itself
       is not swapped, since it is often the user's own (a store, results, the working folder) */
    zr_stage stage;
    int staged = 0, made_dir = 0;
    if (!s) {
        if (mkdir(o->out_dir, 0777) == 0) {
            made_dir = 1;
        } else if (errno != EEXIST) {
            snprintf(err, n, "%s: cannot create folder (%s)", o->out_dir, strerror(errno));
            s = ZR_ERR_IO;
        }
    }
    if (!s) {
        char notional[1100];
        snprintf(notional, sizeof notional, "%s/demo-data", o->out_dir);
        s = zr_stage_begin(&stage, notional, err, n);
        staged = !s;
    }
    char path[1500];
    zr_store *st = NULL;
    int64_t *dcmj = s ? NULL : zr_calloc(c.n_villages, sizeof *dcmj);
    if (!s && !dcmj) s = ZR_ERR_NOMEM;
    if (!s) zr_progress(&o->ctl, "store", 0, 0);
    if (!s && zr_cancelled(&o->ctl)) s = ZR_ERR_CANCELLED;
    if (!s) {
        zr_stage_file(&stage, "county.gpkg", path, sizeof path);
        s = zr_store_open(path, ZR_STORE_CREATE, &st);
        char *wkt = NULL;
        char name[160];
        if (!s) s = zr_crs_wkt(c.crs.epsg, &wkt);
        if (!s) s = zr_store_begin(st);
        if (!s)
            s = zr_store_ensure_srs(st, c.crs.epsg, zr_crs_name(&c.crs, name, sizeof name), wkt);
        free(wkt);
        if (!s)
            s = zr_store_create_layer(st, "DLTB", zr_dltb_fields, ZR_DLTB_NFIELDS, c.crs.epsg,
                                      "地类图斑");
        if (!s)
            s = zr_store_create_layer(st, "XZQ", zr_xzq_fields, ZR_XZQ_NFIELDS, c.crs.epsg,
                                      "行政区(村级)");
        if (!s)
            s = zr_store_create_layer(st, "ZD", demo_zd_fields, 8, c.crs.epsg,
                                      "宗地(国有建设用地使用权)");
        if (s && !err[0])
            snprintf(err, n, "%s: %s", path, st ? zr_store_errmsg(st) : "cannot create store");
    }
    if (!s) s = write_parcels(&c, st, &res->n_parcels, &res->n_state, dcmj, err, n);
    if (!s) s = write_villages(&c, st, dcmj, err, n);
    if (!s && (s = write_tkxs(st))) snprintf(err, n, "TKXS: %s", zr_store_errmsg(st));
    if (!s) zr_progress(&o->ctl, "prices", 0, 0);
    if (!s)
        s = demo_write_prices(&c, st, o->price_zones, o->price_uses, &res->n_price_zones, err, n);
    if (!s) s = demo_write_tables(&c, stage.path, o->price_uses, err, n);
    if (!s) {
        zr_store_meta_set(st, "demo.county", c.county);
        zr_store_meta_set(st, "demo.county_name", c.county_name);
    }
    if (!s) zr_progress(&o->ctl, "outputs", 0, 0);
    if (!s && zr_cancelled(&o->ctl)) s = ZR_ERR_CANCELLED;
    if (!s && (s = zr_store_commit(st))) snprintf(err, n, "%s", zr_store_errmsg(st));
    if (st) {
        if (s) zr_store_rollback(st);
        zr_store_close(st);
    }
    if (!s) s = put_in_place(&stage, o->out_dir, err, n);
    if (staged) zr_stage_abort(&stage); /* empty after success */
    if (s && made_dir) rmdir(o->out_dir);
    if (s == ZR_ERR_CANCELLED) snprintf(err, n, "cancelled: nothing was written");
    res->n_villages = (int64_t)c.n_villages;
    res->epsg = c.crs.epsg;
    free(dcmj);
    demo_free_county(&c);
    return s;
}

zr_status zr_demo_generate(const zr_demo_opts *o, zr_demo_result *r, zr_error *e) {
    zr_demo_result tmp;
    char err[sizeof e->message] = "";
    zr_status s = o && r ? demo_generate(o, &tmp, err, sizeof err) : ZR_ERR_ARG;
    if (!s) *r = tmp;
    return zr_error_finish(e, s, err);
}
