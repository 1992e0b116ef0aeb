/* Attribute and area rules of one parcel (A01–A03, A05–A08, M01, M02, S01), rows of the
 * per-parcel rule table (rule_table.c); and A04, across the layer (BSM keys). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "codes/codes.h"
#include "core/fixed.h"
#include "core/buf.h"
#include "qc/parcel_rules.h"

static int in_list(const char *s, const char *const *list) {
    for (; s && *list; list++)
        if (!strcmp(s, *list)) return 1;
    return 0;
}

static int digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static int cmp_village(const void *a, const void *b) {
    return strncmp(((const qc_village *)a)->code, ((const qc_village *)b)->code, 12);
}

/* d->v is sorted by code once loaded (qc_open). */
static int is_village(const qc_data *d, const char *code12) {
    qc_village key = {0};
    memcpy(key.code, code12, 12);
    key.code[12] = 0;
    return bsearch(&key, d->v, d->n_v, sizeof *d->v, cmp_village) != NULL;
}

#define ADD(r, ...) qc_add_parcel(c->fs, r, p, -1, __VA_ARGS__)

void qc_rule_a01(qc_rule_ctx *c, qc_parcel *p) {
    if (!c->dl)
        ADD(R_A01, "DLBM '%s' is not in the 三调 work classification", p->dlbm ? p->dlbm : "");
}

void qc_rule_a02(qc_rule_ctx *c, qc_parcel *p) {
    static const char *const qsxz[] = {"10", "20", "30", "31", "32", "33", "34", "40", NULL};
    if (!in_list(p->qsxz, qsxz))
        ADD(R_A02, "QSXZ '%s' is not a 权属性质 code", p->qsxz ? p->qsxz : "");
}

static void check_unit_code(qc_rule_ctx *c, const qc_parcel *p, const char *field,
                            const char *code) {
    if (!code || strlen(code) != 19 || !digits(code, 19)) {
        ADD(R_A03, "%s '%s' is not 19 digits (12-digit village code + 7-digit unit)", field,
            code ? code : "");
        return;
    }
    if (c->d->n_v && !is_village(c->d, code))
        ADD(R_A03, "%s %s: village %.12s is not in the boundary layer", field, code, code);
}

void qc_rule_a03(qc_rule_ctx *c, qc_parcel *p) {
    check_unit_code(c, p, "ZLDWDM", p->zldwdm);
    if (p->qsdwdm) check_unit_code(c, p, "QSDWDM", p->qsdwdm);
}

void qc_rule_a05(qc_rule_ctx *c, qc_parcel *p) {
    static const char *const gdpdjb[] = {"1", "2", "3", "4", "5", NULL};
    const int cultivated = p->dlbm && p->dlbm[0] == '0' && p->dlbm[1] == '1';
    const int kc = p->has_kcxs && p->kcxs != 0;
    if (!cultivated) {
        if (kc || p->kcdlbm)
            ADD(R_A05, "KCXS %s / KCDLBM '%s' on %s: only cultivated land carries 田坎",
                kc ? "> 0" : "= 0", p->kcdlbm ? p->kcdlbm : "", p->dlbm ? p->dlbm : "");
        return;
    }
    if (!in_list(p->gdpdjb, gdpdjb))
        ADD(R_A05, "cultivated land needs GDPDJB 1-5, has '%s'", p->gdpdjb ? p->gdpdjb : "");
    else if (p->gdpdjb[0] != '1' &&
             !(p->gdlx && (!strcmp(p->gdlx, "TT") || !strcmp(p->gdlx, "PD"))))
        ADD(R_A05, "GDPDJB %s needs GDLX TT or PD, has '%s'", p->gdpdjb, p->gdlx ? p->gdlx : "");
    else if (p->gdpdjb[0] != '1' && !strcmp(p->gdlx, "TT") && !kc)
        ADD(R_A05, "GDPDJB %s with GDLX TT needs KCXS > 0", p->gdpdjb);
    else if (p->gdpdjb[0] == '1' && p->gdlx)
        ADD(R_A05, "GDPDJB 1 takes no GDLX, has '%s'", p->gdlx);
    if (kc && !p->kcdlbm) ADD(R_A05, "KCXS > 0 needs KCDLBM");
    if (!kc && p->kcdlbm) ADD(R_A05, "KCXS = 0 takes no KCDLBM, has '%s'", p->kcdlbm);
}

void qc_rule_a06(qc_rule_ctx *c, qc_parcel *p) {
    static const char *const czc[] = {"201",  "201A", "202", "202A", "203",
                                      "203A", "204",  "205", NULL};
    static const char *const czc_core[] = {"201", "202", "203", "204", "205", NULL};
    static const char *const czc_need[] = {"1004", "1005", "1201", NULL};
    if (!p->dlbm) return;
    const int need =
        in_list(p->dlbm, czc_need) || (p->dlbm[0] == '0' && p->dlbm[1] >= '5' && p->dlbm[1] <= '9');
    if (p->czcsxm && !in_list(p->czcsxm, czc))
        ADD(R_A06, "CZCSXM '%s' is not a 城镇村属性码", p->czcsxm);
    else if (need && !p->czcsxm)
        ADD(R_A06, "DLBM %s needs a CZCSXM", p->dlbm);
    else if ((!strcmp(p->dlbm, "0602") || !strcmp(p->dlbm, "0603") || !strcmp(p->dlbm, "1201")) &&
             !in_list(p->czcsxm, czc_core))
        ADD(R_A06, "DLBM %s needs CZCSXM 201-205, has '%s'", p->dlbm, p->czcsxm ? p->czcsxm : "");
}

void qc_rule_a07(qc_rule_ctx *c, qc_parcel *p) {
    const zr_dlbm *dl = c->dl;
    if (dl && (!p->dlmc || strcmp(p->dlmc, dl->name)))
        ADD(R_A07, "DLMC '%s' does not match DLBM %s (%s)", p->dlmc ? p->dlmc : "", dl->code,
            dl->name);
}

void qc_rule_a08(qc_rule_ctx *c, qc_parcel *p) {
    if (!c->d->div || !p->zldwdm || strlen(p->zldwdm) != 19 || !digits(p->zldwdm, 19)) return;
    /* neighbouring parcels mostly share a village: the last answer is kept */
    if (!c->a08_known || memcmp(c->a08_village, p->zldwdm, 12)) {
        char v[13], t[13], k[13];
        snprintf(v, sizeof v, "%.12s", p->zldwdm);
        snprintf(t, sizeof t, "%.9s000", p->zldwdm);
        snprintf(k, sizeof k, "%.6s000000", p->zldwdm);
        /* -1: the province's list cannot be read (or memory ran out): the rule cannot decide,
           and the run must not pass its parcels silently */
        const int hk = zr_division_cache_has(c->d->div, k),
                  ht = hk == 1 ? zr_division_cache_has(c->d->div, t) : 1,
                  hv = hk == 1 && ht == 1 ? zr_division_cache_has(c->d->div, v) : 1;
        if (hk == -2 || ht == -2 || hv == -2) {
            qc_findings_fail(c->fs, ZR_ERR_NOMEM, "A08: out of memory reading the division list");
            return;
        }
        if (hk < 0 || ht < 0 || hv < 0) {
            qc_findings_fail(c->fs, ZR_ERR_IO,
                             "A08: the statistical division list of province %.2s cannot be read "
                             "(BSM %s)",
                             p->zldwdm, p->bsm ? p->bsm : "");
            return;
        }
        c->a08_missing = !hk ? "county" : !ht ? "town" : !hv ? "village" : NULL;
        memcpy(c->a08_village, p->zldwdm, 12);
        c->a08_known = 1;
    }
    if (c->a08_missing)
        ADD(R_A08, "ZLDWDM %s: the %s code is not in the statistical division list", p->zldwdm,
            c->a08_missing);
}

void qc_rule_m01(qc_rule_ctx *c, qc_parcel *p) {
    if (p->area < 0) return;
    const int64_t tol = zr_round_cents(c->cat->rules[R_M01].tolerance);
    if (!p->has_tbmj)
        ADD(R_M01, "TBMJ is empty; ellipsoidal area %.2f", (double)p->area / 100);
    else if (llabs(p->tbmj - p->area) > tol)
        qc_add_parcel(c->fs, R_M01, p, p->tbmj - p->area,
                      "TBMJ %.2f differs from the ellipsoidal area %.2f", (double)p->tbmj / 100,
                      (double)p->area / 100);
}

void qc_rule_m02(qc_rule_ctx *c, qc_parcel *p) {
    if (p->has_kcxs && (p->kcxs < 0 || p->kcxs >= 10000)) { /* INT64_MIN when absurd */
        ADD(R_M02, "KCXS %s is not a deduction coefficient (0 to below 1)",
            p->kcxs == INT64_MIN ? "(out of range)" : "outside 0…1");
        return;
    }
    if (!p->has_tbmj) return;
    const int64_t kcmj = zr_muldiv_round(p->tbmj, p->has_kcxs ? p->kcxs : 0, 10000);
    const int64_t skc = p->has_kcmj ? p->kcmj : 0;
    if (skc != kcmj)
        ADD(R_M02, "KCMJ %.2f ≠ round(TBMJ %.2f × KCXS %.4f, 2) = %.2f", (double)skc / 100,
            (double)p->tbmj / 100, (double)p->kcxs / 10000, (double)kcmj / 100);
    else if (!p->has_tbdlmj || p->tbdlmj != p->tbmj - skc)
        ADD(R_M02, "TBDLMJ %.2f ≠ TBMJ − KCMJ = %.2f", (double)p->tbdlmj / 100,
            (double)(p->tbmj - skc) / 100);
}

void qc_rule_s01(qc_rule_ctx *c, qc_parcel *p) {
    const zr_dlbm *dl = c->dl;
    if (!dl || p->area < 0) return;
    const int64_t min = (dl->sdl == ZR_SDL_BUILT || !strcmp(dl->code, "1202")) ? 20000
                        : dl->sdl == ZR_SDL_AGRI                               ? 40000
                                                                               : 60000;
    if (p->area < min)
        qc_add_parcel(c->fs, R_S01, p, p->area,
                      "%s parcel of %.2f m² is below the minimum mapping size %lld m²", dl->name,
                      (double)p->area / 100, (long long)(min / 100));
}

zr_status qc_bsm_add(qc_data *d, const qc_catalogue *cat, qc_findings *fs) {
    if (!cat->rules[R_A04].enabled) return ZR_OK;
    for (size_t i = 0; i < d->n; i++) {
        const qc_parcel *p = &d->p[i];
        if (!p->bsm) {
            double x, y;
            qc_parcel_point(p, &x, &y);
            qc_add(fs, R_A04, "", NULL, x, y, -1, "BSM is empty (fid %lld)", (long long)p->fid);
            continue;
        }
        qc_bsm_key *nk = zr_grow(d->keys, &d->cap_keys, d->n_keys, sizeof *nk, 65536);
        if (!nk) return ZR_ERR_NOMEM;
        d->keys = nk;
        d->keys[d->n_keys++] = (qc_bsm_key){zr_str_hash(p->bsm), p->fid};
    }
    return ZR_OK;
}

static int cmp_key(const void *a, const void *b) {
    const qc_bsm_key *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return (x->fid > y->fid) - (x->fid < y->fid);
}

static int cmp_bsm(const void *a, const void *b) {
    const qc_parcel *const *p = a, *const *q = b;
    int c = strcmp((*p)->bsm, (*q)->bsm);
    return c ? c : ((*p)->fid > (*q)->fid) - ((*p)->fid < (*q)->fid);
}

/* Parcels sharing a BSM hash are read back and compared by their BSM text: every row of a
 * real duplicate is a finding; a hash collision is not. */
zr_status qc_bsm_finish(qc_data *d, const qc_catalogue *cat, qc_findings *fs) {
    if (!cat->rules[R_A04].enabled || !d->n_keys) return ZR_OK;
    qsort(d->keys, d->n_keys, sizeof *d->keys, cmp_key);
    zr_status s = ZR_OK;
    for (size_t i = 0; i < d->n_keys && !s;) {
        size_t j = i + 1;
        while (j < d->n_keys && d->keys[j].h == d->keys[i].h)
            j++;
        if (j - i > 1) {
            const qc_parcel **g = zr_malloc((j - i) * sizeof *g);
            size_t m = 0;
            if (!g) s = ZR_ERR_NOMEM;
            for (size_t k = i; g && k < j && !s; k++) {
                const qc_parcel *p = qc_fetch(d, d->keys[k].fid);
                if (!p) s = ZR_ERR_IO; /* a duplicate must not vanish with a failed read */
                if (p && p->bsm) g[m++] = p;
            }
            if (s) {
                free(g);
                break;
            }
            if (g) qsort(g, m, sizeof *g, cmp_bsm);
            for (size_t a = 0; g && a < m;) {
                size_t b = a + 1;
                while (b < m && !strcmp(g[b]->bsm, g[a]->bsm))
                    b++;
                for (size_t k = a; b - a > 1 && k < b; k++) {
                    double x, y;
                    qc_parcel_point(g[k], &x, &y);
                    qc_add(fs, R_A04, g[k]->bsm, NULL, x, y, -1,
                           "BSM is used by %zu parcels (fid %lld)", b - a, (long long)g[k]->fid);
                }
                a = b;
            }
            free(g);
            qc_fetch_reset(d);
        }
        i = j;
    }
    return s;
}
