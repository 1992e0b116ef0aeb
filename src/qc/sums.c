/* M03 area control (面积控制): village, town and county Σ TBMJ against the boundary layer's
 * DCMJ (exactly) and JSMJ (within tolerance × parcel count). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "qc/qc_int.h"

typedef struct {
    char code[13];
    int64_t tbmj, count, dcmj, jsmj;
    int has_dcmj, has_jsmj, in_boundary;
    double x, y; /* where the finding is drawn: inside the unit's first village */
} unit_sum;

static int cmp_unit(const void *a, const void *b) {
    return strcmp(((const unit_sum *)a)->code, ((const unit_sum *)b)->code);
}

static unit_sum *find(unit_sum *u, size_t n, const char *code) {
    unit_sum key;
    memset(&key, 0, sizeof key);
    memcpy(key.code, code, strnlen(code, 12));
    return bsearch(&key, u, n, sizeof *u, cmp_unit);
}

struct qc_sums {
    unit_sum *u;
    size_t n;
};

zr_status qc_sums_begin(qc_data *d) {
    if (!d->n_v) return ZR_OK;
    /* units: every boundary village, and the towns and county above them */
    struct qc_sums *sm = zr_calloc(1, sizeof *sm);
    unit_sum *u = sm ? zr_calloc(d->n_v * 3 + 1, sizeof *u) : NULL;
    if (!u) {
        free(sm);
        return ZR_ERR_NOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->n_v; i++) {
        const qc_village *v = &d->v[i];
        char codes[3][13];
        snprintf(codes[0], 13, "%.12s", v->code);
        snprintf(codes[1], 13, "%.9s", v->code);
        snprintf(codes[2], 13, "%.6s", v->code);
        for (int l = 0; l < 3; l++) {
            unit_sum *x = NULL;
            for (size_t k = 0; k < n && !x; k++)
                if (!strcmp(u[k].code, codes[l])) x = &u[k];
            if (!x) {
                x = &u[n++];
                memcpy(x->code, codes[l], sizeof x->code);
                x->has_dcmj = x->has_jsmj = 1;
            }
            if (!x->in_boundary && d->vpoly && d->vpoly[i].n_pts) {
                /* a point inside the village: its envelope's centre when inside, else a vertex */
                double env[4];
                zr_poly_envelope(&d->vpoly[i], env);
                x->x = (env[0] + env[1]) / 2, x->y = (env[2] + env[3]) / 2;
                if (!zr_poly_contains(&d->vpoly[i], x->x, x->y))
                    x->x = d->vpoly[i].xy[0], x->y = d->vpoly[i].xy[1];
            }
            x->in_boundary = 1;
            x->dcmj += v->dcmj, x->has_dcmj &= v->has_dcmj;
            x->jsmj += v->jsmj, x->has_jsmj &= v->jsmj >= 0;
        }
    }
    qsort(u, n, sizeof *u, cmp_unit);
    sm->u = u, sm->n = n;
    d->sums = sm;
    return ZR_OK;
}

void qc_sums_add(qc_data *d) {
    struct qc_sums *sm = d->sums;
    char last[12] = {0}; /* neighbouring parcels mostly share a village: its units are kept */
    unit_sum *units[3] = {NULL, NULL, NULL};
    for (size_t i = 0; sm && i < d->n; i++) {
        const qc_parcel *p = &d->p[i];
        if (!p->zldwdm || strlen(p->zldwdm) < 12) continue;
        const int64_t a = p->has_tbmj ? p->tbmj : (p->area > 0 ? p->area : 0);
        if (memcmp(last, p->zldwdm, 12)) {
            static const int lens[3] = {12, 9, 6};
            for (int l = 0; l < 3; l++) {
                char c[13];
                snprintf(c, sizeof c, "%.*s", lens[l], p->zldwdm);
                units[l] = find(sm->u, sm->n, c);
            }
            memcpy(last, p->zldwdm, 12);
        }
        for (int l = 0; l < 3; l++)
            if (units[l]) units[l]->tbmj += a, units[l]->count++;
    }
}

void qc_sums_free(qc_data *d) {
    if (!d->sums) return;
    free(d->sums->u);
    free(d->sums);
    d->sums = NULL;
}

void qc_sums_finish(qc_data *d, const qc_catalogue *cat, qc_findings *fs) {
    const struct qc_sums *sm = d->sums;
    if (!sm) return;
    const double tol_cents = cat->rules[R_M03].tolerance * 100;
    static const char *const level[] = {"", "", "",     "", "", "",       "county",
                                        "", "", "town", "", "", "village"};
    for (size_t k = 0; cat->rules[R_M03].enabled && k < sm->n; k++) {
        const unit_sum *x = &sm->u[k];
        const char *lv = level[strlen(x->code)];
        if (x->has_dcmj && x->tbmj != x->dcmj)
            qc_add(fs, R_M03, x->code, NULL, x->x, x->y, x->tbmj - x->dcmj,
                   "%s %s: Σ TBMJ %.2f ≠ DCMJ %.2f (%lld parcels)", lv, x->code,
                   (double)x->tbmj / 100, (double)x->dcmj / 100, (long long)x->count);
        const int64_t diff = x->tbmj - x->jsmj;
        if (x->has_jsmj && (double)(diff < 0 ? -diff : diff) > tol_cents * (double)x->count)
            qc_add(fs, R_M03, x->code, NULL, x->x, x->y, diff,
                   "%s %s: Σ TBMJ %.2f differs from JSMJ %.2f by more than %.3f m² × %lld parcels",
                   lv, x->code, (double)x->tbmj / 100, (double)x->jsmj / 100,
                   cat->rules[R_M03].tolerance, (long long)x->count);
    }
    qc_sums_free(d);
}
