/* The per-parcel rules: one function a rule, listed in a table (rule_table.c) that the stream
 * (stream.c) runs over every parcel as the chunks pass. A new rule that looks at one parcel at
 * a time is a function here, a row in the table and an id in the catalogue (qc_int.h, rules.c,
 * data/qc/rules.tsv); rules that need the whole layer (A04, T01–T03, M03) have their own
 * passes. */
#ifndef ZR_QC_PARCEL_RULES_H
#define ZR_QC_PARCEL_RULES_H
#include "codes/codes.h"
#include "geo/geos_ops.h"
#include "qc/qc_int.h"

/* What a rule sees besides its parcel: the layer, the catalogue, the findings and one worker's
 * scratch. Rules of one worker run one after another; different workers run at once, so a
 * rule writes only to its parcel, to c, and to c->fs (thread-safe). */
typedef struct qc_rule_ctx {
    const qc_data *d;
    const qc_catalogue *cat;
    qc_findings *fs;
    zr_geos *geos;     /* the worker's GEOS context */
    zr_buf *scratch;   /* the worker's area scratch */
    zr_poly *part;     /* the worker's polygon scratch */
    const zr_dlbm *dl; /* the parcel's land class (NULL: not in the classification) */
    /* A08: the last village looked up (neighbouring parcels mostly share one) */
    int a08_known;
    char a08_village[12];
    const char *a08_missing;
} qc_rule_ctx;

typedef void (*qc_parcel_rule_fn)(qc_rule_ctx *c, qc_parcel *p);

typedef struct qc_parcel_rule {
    int rule;             /* R_G01 … */
    int always;           /* runs even when the rule is disabled (G01 decides p->valid) */
    qc_parcel_rule_fn fn; /* records the rule's findings for p */
} qc_parcel_rule;

/* The table, in the order the rules run on a parcel (G01 first). */
extern const qc_parcel_rule qc_parcel_rules[];
extern const size_t qc_n_parcel_rules;

/* geom.c */
void qc_rule_g01(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_g02(qc_rule_ctx *c, qc_parcel *p);
/* attr.c */
void qc_rule_a01(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_a02(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_a03(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_a05(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_a06(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_a07(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_a08(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_m01(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_m02(qc_rule_ctx *c, qc_parcel *p);
void qc_rule_s01(qc_rule_ctx *c, qc_parcel *p);
#endif
