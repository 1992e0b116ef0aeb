#include "import/pipeline.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "core/control.h"
#include "core/fixed.h"
#include "core/pool.h"

typedef struct {
    zr_poly poly;
    zr_buf scratch, blobs;
} worker_state;

typedef struct {
    imp_slot s;
    worker_state *ws; /* per compute thread; ws[t].blobs back this slot's blobs */
    size_t *blob_off;
    int *blob_worker;
    int full; /* filled, not yet released */
} slot_impl;

struct imp_pipe {
    zr_source *src;
    const zr_crs *crs;
    int srs_id, threads;
    const zr_control *ctl;
    unsigned char *text_cols; /* owned copy, one per source column */
    int n_cols;
    slot_impl slot[2];
    pthread_t tid;
    int started, stop;
    unsigned next_read; /* slot the consumer takes next */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

typedef struct {
    imp_pipe *p;
    slot_impl *si;
} range_ctx;

/* Survey text is mostly 3-byte CJK: that case first. */
int imp_utf8_ok(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        const unsigned c = *p;
        if (c < 0x80) {
            if (!c) return 1;
            p++;
        } else if (c >= 0xE1 && c <= 0xEC) { /* 3 bytes, the common case (U+1000–U+CFFF) */
            if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
            p += 3;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if ((p[1] & 0xC0) != 0x80) return 0;
            p += 2;
        } else if (c >= 0xE0 && c <= 0xEF) { /* E0: no overlong; ED: no surrogate */
            const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
            if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
            p += 3;
        } else if (c >= 0xF0 && c <= 0xF4) { /* F0: no overlong; F4: not past U+10FFFF */
            const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
            if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
            p += 4;
        } else {
            return 0; /* a continuation byte, C0/C1 or F5–FF */
        }
    }
}

static void geom_range(void *ctx, size_t begin, size_t end, int worker) {
    range_ctx *rc = ctx;
    slot_impl *si = rc->si;
    worker_state *w = &si->ws[worker]; /* its blobs buffer was emptied before the batch */
    for (size_t i = begin; i < end; i++) {
        if ((i & 255) == 0 && zr_cancelled(rc->p->ctl)) return; /* fill() sees the flag too */
        const zr_feature *f = &si->s.b.f[i];
        imp_geom *r = &si->s.geom[i];
        r->st = ZR_OK;
        r->area_ok = 0;
        r->blob = NULL;
        r->blob_len = 0;
        r->bad_text = 0;
        si->blob_worker[i] = worker;
        for (int k = 0; k < rc->p->n_cols; k++)
            if (rc->p->text_cols[k] && f->v[k].kind == ZR_FT_TEXT && !imp_utf8_ok(f->v[k].s))
                r->bad_text++;
        zr_status s = zr_geom_to_poly(si->s.b.geom_is_gpkg, f->geom, f->geom_len, &w->poly, r->why,
                                      sizeof r->why);
        if (s) {
            r->st = s == ZR_ERR_NOMEM ? s : ZR_ERR_GEOM_INVALID;
            continue;
        }
        double a = NAN;
        const zr_status as = zr_poly_area_checked(&w->poly, rc->p->crs, &w->scratch, &a);
        if (as == ZR_ERR_NOMEM) { /* not to be taken for a coordinate that is not finite */
            r->st = ZR_ERR_NOMEM;
            snprintf(r->why, sizeof r->why, "out of memory");
            continue;
        }
        if (as == ZR_OK && isfinite(a)) {
            r->area_ok = 1;
            r->area_cents = zr_round_cents(a);
        }
        if (si->s.b.geom_is_gpkg &&
            zr_poly_gpkg_blob_same(&w->poly, rc->p->srs_id, f->geom, f->geom_len)) {
            /* a GeoPackage source's blob that is already what the store would write: kept */
            r->blob = f->geom;
            r->blob_len = f->geom_len;
            si->blob_worker[i] = -1;
            continue;
        }
        si->blob_off[i] = w->blobs.len;
        if (zr_poly_to_gpkg_blob(&w->poly, rc->p->srs_id, &w->blobs) != ZR_OK) {
            r->st = ZR_ERR_NOMEM;
            snprintf(r->why, sizeof r->why, "out of memory");
            continue;
        }
        r->blob_len = w->blobs.len - si->blob_off[i];
    }
}

static void fill(imp_pipe *p, slot_impl *si) {
    imp_slot *s = &si->s;
    s->got = 0;
    if (zr_cancelled(p->ctl)) {
        s->st = ZR_ERR_CANCELLED;
        return;
    }
    s->st = zr_source_next(p->src, &s->b, IMP_BATCH, &s->got, s->err, sizeof s->err);
    if (s->st || !s->got) return;
    if (zr_cancelled(p->ctl)) {
        s->st = ZR_ERR_CANCELLED;
        return;
    }
    range_ctx rc = {p, si};
    for (int t = 0; t < p->threads; t++)
        zr_buf_reset(&si->ws[t].blobs);
    /* threads pay off for many parcels or a few large polygons (villages: 379 of ~300
       vertices) */
    size_t bytes = 0;
    for (size_t i = 0; i < s->got; i++)
        bytes += s->b.f[i].geom_len;
    zr_parallel_for(s->got < 512 && bytes < 256 * 1024 ? 1 : p->threads, s->got, geom_range, &rc);
    if (zr_cancelled(p->ctl)) { /* the geometry may be unfinished */
        s->st = ZR_ERR_CANCELLED;
        return;
    }
    /* blob pointers only now: the worker buffers may have moved while growing */
    for (size_t i = 0; i < s->got; i++)
        if (s->geom[i].blob_len && si->blob_worker[i] >= 0)
            s->geom[i].blob = si->ws[si->blob_worker[i]].blobs.data + si->blob_off[i];
}

static void *producer(void *arg) {
    imp_pipe *p = arg;
    for (unsigned k = 0;; k++) {
        slot_impl *si = &p->slot[k % 2];
        pthread_mutex_lock(&p->mu);
        while (si->full && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop) break;
        fill(p, si);
        pthread_mutex_lock(&p->mu);
        si->full = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (si->s.st || !si->s.got) break;
    }
    return NULL;
}

zr_status imp_pipe_start(zr_source *src, int srs_id, int threads, const zr_control *ctl,
                         const unsigned char *text_cols, imp_pipe **out) {
    *out = NULL;
    imp_pipe *p = zr_calloc(1, sizeof *p);
    if (!p) return ZR_ERR_NOMEM;
    p->n_cols = zr_source_nfields(src);
    if (!(p->text_cols = zr_calloc((size_t)p->n_cols + 1, 1))) {
        free(p);
        return ZR_ERR_NOMEM;
    }
    if (text_cols) memcpy(p->text_cols, text_cols, (size_t)p->n_cols);
    p->ctl = ctl;
    p->src = src;
    p->crs = &src->crs;
    p->srs_id = srs_id;
    /* the caller's writing takes one core; geometry gets the rest (at least one) */
    p->threads = threads > 0 ? threads : 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    zr_status st = ZR_OK;
    for (int k = 0; k < 2 && !st; k++) {
        slot_impl *si = &p->slot[k];
        si->ws = zr_calloc((size_t)p->threads, sizeof *si->ws);
        si->s.geom = zr_calloc(IMP_BATCH, sizeof *si->s.geom);
        si->blob_off = zr_calloc(IMP_BATCH, sizeof *si->blob_off);
        si->blob_worker = zr_calloc(IMP_BATCH, sizeof *si->blob_worker);
        if (!si->ws || !si->s.geom || !si->blob_off || !si->blob_worker)
            st = ZR_ERR_NOMEM;
        else
            st = zr_batch_init(&si->s.b, zr_source_nfields(src));
    }
    if (!st) {
        if (pthread_create(&p->tid, NULL, producer, p) == 0)
            p->started = 1;
        else
            st = ZR_ERR_NOMEM;
    }
    if (st) {
        imp_pipe_stop(p);
        return st;
    }
    *out = p;
    return ZR_OK;
}

imp_slot *imp_pipe_next(imp_pipe *p) {
    slot_impl *si = &p->slot[p->next_read % 2];
    pthread_mutex_lock(&p->mu);
    while (!si->full)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    p->next_read++;
    return &si->s;
}

void imp_pipe_release(imp_pipe *p, imp_slot *s) {
    slot_impl *si = (slot_impl *)(void *)s; /* s is the first member */
    pthread_mutex_lock(&p->mu);
    si->full = 0;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void imp_pipe_stop(imp_pipe *p) {
    if (!p) return;
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->tid, NULL);
    }
    for (int k = 0; k < 2; k++) {
        slot_impl *si = &p->slot[k];
        if (si->ws)
            for (int t = 0; t < p->threads; t++) {
                zr_poly_free(&si->ws[t].poly);
                zr_buf_free(&si->ws[t].scratch);
                zr_buf_free(&si->ws[t].blobs);
            }
        free(si->ws);
        free(si->s.geom);
        free(si->blob_off);
        free(si->blob_worker);
        if (si->s.b.arena) zr_batch_free(&si->s.b);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->text_cols);
    free(p);
}
