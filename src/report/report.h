/* Reports for people: XLSX workbooks and PDF documents with Chinese text. The only folder that
 * includes xlsxwriter.h and cairo/pango headers. */
#ifndef ZR_REPORT_H
#define ZR_REPORT_H
#include <stddef.h>
#include "zrzy.h"

struct zr_poly;

/* A thematic map: polygons filled by class (0..n_classes-1), with a legend. */
typedef struct zr_report_map {
    const char *title;
    const struct zr_poly *const *polys; /* n */
    const int *cls;                     /* n */
    size_t n;
    const char *const *legend; /* n_classes labels */
    int n_classes;
} zr_report_map;

/* A one-table report: title, "label: value" lines, a table of text cells, a closing verdict. */
typedef struct zr_report_doc {
    const char *title;
    const char *const *meta; /* n_meta lines */
    size_t n_meta;
    const char *const *headers; /* ncols */
    int ncols;
    const char *const *cells; /* nrows × ncols, row-major; NULL cells print empty */
    size_t nrows;
    const int *numeric; /* ncols flags: right-align (and store as number in XLSX) */
    const char *verdict;
    const zr_report_map *map; /* optional: drawn on the first page, before the table */
} zr_report_doc;

zr_status zr_report_xlsx(const char *path, const char *sheet, const zr_report_doc *doc);
zr_status zr_report_pdf(const char *path, const zr_report_doc *doc);
#endif
