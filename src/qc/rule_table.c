/* The per-parcel rule table: every rule that decides from one parcel alone. */
#include "qc/parcel_rules.h"

const qc_parcel_rule qc_parcel_rules[] = {
    {R_G01, 1, qc_rule_g01}, /* first: decides p->valid */
    {R_G02, 0, qc_rule_g02}, {R_A01, 0, qc_rule_a01}, {R_A02, 0, qc_rule_a02},
    {R_A03, 0, qc_rule_a03}, {R_A05, 0, qc_rule_a05}, {R_A06, 0, qc_rule_a06},
    {R_A07, 0, qc_rule_a07}, {R_A08, 0, qc_rule_a08}, {R_M01, 0, qc_rule_m01},
    {R_M02, 0, qc_rule_m02}, {R_S01, 0, qc_rule_s01},
};
const size_t qc_n_parcel_rules = sizeof qc_parcel_rules / sizeof qc_parcel_rules[0];
