/* Reports for people: XLSX workbooks and PDF documents with Chinese text. The only folder that
 * includes xlsxwriter.h and cairo/pango headers. */
#ifndef ZR_REPORT_H
#define ZR_REPORT_H
#include <stddef.h>
#include "zrzy.h"

struct zr_poly;

/* A raster thematic map of a fixed world extent: polygons are painted by class as they stream
 * by, so its memory is the image's whatever the number of polygons. Classes 0..n_classes-1 run
 * on a yellow → red ramp. */
typedef struct zr_map zr_map;
/* env {minx, maxx, miny, maxy}; the longer side gets long_px pixels. */
zr_status zr_map_new(const double env[4], int long_px, int n_classes, zr_map **out);
/* Paint p (polygons with a NaN or Inf vertex are left off the map). A failure of cairo's is kept
 * by the map and makes zr_report_pdf fail. */
void zr_map_fill(zr_map *m, const struct zr_poly *p, int cls);
void zr_map_free(zr_map *m);

/* A map page: title, the raster, a legend of n_classes labels. */
typedef struct zr_report_map {
    const char *title;
    const zr_map *raster;
    const char *const *legend;
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

/* Write doc as a workbook at path. Every cell or none: a failed write (ZR_ERR_NOMEM; ZR_ERR_LIMIT
 * past 1,048,576 rows or a cell of more than 32,767 characters; ZR_ERR_IO) removes the file. */
zr_status zr_report_xlsx(const char *path, const char *sheet, const zr_report_doc *doc);
/* Write doc as a PDF at path; ZR_ERR_NOMEM when the map's drawing had failed, ZR_ERR_IO when
 * cairo could not write. */
zr_status zr_report_pdf(const char *path, const zr_report_doc *doc);
#endif
