/* The rule catalogue: versioned data, shipped in data/qc/rules.tsv, overridable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/io.h"
#include "qc/qc_int.h"

static const char *const ids[R_COUNT] = {"G01", "G02", "T01", "T02", "T03", "A01",
                                         "A02", "A03", "A04", "A05", "A06", "A07",
                                         "A08", "M01", "M02", "M03", "S01"};

static int rule_index(const char *id) {
    for (int i = 0; i < R_COUNT; i++)
        if (!strcmp(ids[i], id)) return i;
    return -1;
}

/* Split line at tabs into at most max fields (in place). */
static int split_tabs(char *line, char **f, int max) {
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

zr_status qc_catalogue_parse(const char *text, size_t len, qc_catalogue *cat, char *err, size_t n) {
    for (int i = 0; i < R_COUNT; i++)
        if (!cat->rules[i].id[0]) snprintf(cat->rules[i].id, sizeof cat->rules[i].id, "%s", ids[i]);
    char line[1024];
    size_t at = 0;
    int lineno = 0;
    while (at < len) {
        size_t e = at;
        while (e < len && text[e] != '\n')
            e++;
        size_t l = e - at;
        lineno++;
        if (l >= sizeof line) {
            snprintf(err, n, "rules line %d: longer than %zu bytes", lineno, sizeof line - 1);
            return ZR_ERR_ARG;
        }
        memcpy(line, text + at, l);
        line[l] = 0;
        at = e + 1;
        if (l && line[l - 1] == '\r') line[--l] = 0;
        if (lineno == 1 && !memcmp(line, "\xEF\xBB\xBF", 3)) memmove(line, line + 3, l - 2);
        if (!line[0] || line[0] == '#') continue;
        char *f[8];
        int nf = split_tabs(line, f, 8);
        if (!strcmp(f[0], "version")) {
            if (nf < 2 || !f[1][0]) {
                snprintf(err, n, "rules line %d: version has no value", lineno);
                return ZR_ERR_ARG;
            }
            snprintf(cat->version, sizeof cat->version, "%s", f[1]);
            continue;
        }
        int r = rule_index(f[0]);
        if (r < 0) {
            snprintf(err, n, "rules line %d: unknown rule id '%.16s'", lineno, f[0]);
            return ZR_ERR_ARG;
        }
        if (nf < 5) {
            snprintf(err, n, "rules line %d (%s): want id, name, severity, tolerance, enabled",
                     lineno, f[0]);
            return ZR_ERR_ARG;
        }
        char *end;
        long sev = strtol(f[2], &end, 10);
        if (*end || sev < 1 || sev > 3) {
            snprintf(err, n, "rules line %d (%s): severity '%.16s' is not 1, 2 or 3", lineno, f[0],
                     f[2]);
            return ZR_ERR_ARG;
        }
        double tol = strtod(f[3], &end);
        if (*end || !(tol >= 0) || tol > 1e9) {
            snprintf(err, n, "rules line %d (%s): tolerance '%.16s' is not a number ≥ 0", lineno,
                     f[0], f[3]);
            return ZR_ERR_ARG;
        }
        if (strcmp(f[4], "0") && strcmp(f[4], "1")) {
            snprintf(err, n, "rules line %d (%s): enabled must be 0 or 1", lineno, f[0]);
            return ZR_ERR_ARG;
        }
        qc_rule *q = &cat->rules[r];
        snprintf(q->name, sizeof q->name, "%s", f[1]);
        q->severity = (int)sev;
        q->tolerance = tol;
        q->enabled = f[4][0] == '1';
        snprintf(q->description, sizeof q->description, "%s", nf > 5 ? f[5] : "");
    }
    if (!cat->version[0]) {
        snprintf(err, n, "rules: no version line");
        return ZR_ERR_ARG;
    }
    return ZR_OK;
}

zr_status qc_catalogue_load(const char *override_path, qc_catalogue *cat, char *err, size_t n) {
    memset(cat, 0, sizeof *cat);
    char path[1100], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/qc/rules.tsv", zr_data_dir());
    zr_status s = zr_read_file(path, &text, &len);
    if (s) {
        snprintf(err, n, "%s: cannot read the rule catalogue", path);
        return s;
    }
    s = qc_catalogue_parse(text, len, cat, err, n);
    free(text);
    for (int i = 0; !s && i < R_COUNT; i++)
        if (!cat->rules[i].severity) {
            snprintf(err, n, "%s: rule %s missing", path, ids[i]);
            s = ZR_ERR_ARG;
        }
    if (s || !override_path) return s;
    if ((s = zr_read_file(override_path, &text, &len))) {
        snprintf(err, n, "%s: cannot read", override_path);
        return ZR_ERR_ARG;
    }
    cat->version[0] = 0;
    char e2[512];
    s = qc_catalogue_parse(text, len, cat, e2, sizeof e2);
    free(text);
    if (s) snprintf(err, n, "%s: %s", override_path, e2);
    return s;
}
