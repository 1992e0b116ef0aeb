/* XLSX output through libxlsxwriter. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <xlsxwriter.h>
#include "report/report.h"

/* Every libxlsxwriter call is checked: a cell it failed to write (its allocations) must not
 * leave a workbook that looks complete. */
zr_status zr_report_xlsx(const char *path, const char *sheet, const zr_report_doc *doc) {
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb) return ZR_ERR_IO;
    /* fixed metadata so the same inputs give the same bytes */
    lxw_doc_properties props = {
        .title = (char *)doc->title, .author = "zrzy", .created = 946684800 /* 2000-01-01 */};
    lxw_error e = workbook_set_properties(wb, &props);
    lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
    lxw_format *bold = workbook_add_format(wb), *head = workbook_add_format(wb);
    lxw_format *cell = workbook_add_format(wb), *num = workbook_add_format(wb);
    zr_status s = e || !ws || !bold || !head || !cell || !num ? ZR_ERR_NOMEM : ZR_OK;
    if (!s) {
        format_set_bold(bold);
        format_set_bold(head);
        format_set_bg_color(head, 0xDDEBF7);
        format_set_border(head, LXW_BORDER_THIN);
        format_set_border(cell, LXW_BORDER_THIN);
        format_set_border(num, LXW_BORDER_THIN);
        format_set_align(num, LXW_ALIGN_RIGHT);
    }
    lxw_row_t row = 0;
    if (!s) e = worksheet_write_string(ws, row++, 0, doc->title, bold);
    for (size_t i = 0; !s && !e && i < doc->n_meta; i++)
        e = worksheet_write_string(ws, row++, 0, doc->meta[i], NULL);
    row++;
    for (int c = 0; !s && !e && c < doc->ncols; c++) {
        e = worksheet_write_string(ws, row, (lxw_col_t)c, doc->headers[c], head);
        if (!e) e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, c == 1 ? 28 : 14, NULL);
    }
    row++;
    for (size_t r = 0; !s && !e && r < doc->nrows; r++, row++)
        for (int c = 0; !e && c < doc->ncols; c++) {
            const char *t = doc->cells[r * (size_t)doc->ncols + (size_t)c];
            char *end = NULL;
            double v = t ? strtod(t, &end) : 0;
            if (doc->numeric && doc->numeric[c] && t && *t && end && !*end && isfinite(v))
                e = worksheet_write_number(ws, row, (lxw_col_t)c, v, num);
            else
                e = worksheet_write_string(ws, row, (lxw_col_t)c, t ? t : "", cell);
        }
    if (!s && !e && doc->verdict) e = worksheet_write_string(ws, row + 1, 0, doc->verdict, bold);
    if (!s && e) /* beyond XLSX's 1,048,576 rows or 32,767 characters a cell: ZR_ERR_LIMIT */
        s = e == LXW_ERROR_MEMORY_MALLOC_FAILED ? ZR_ERR_NOMEM
            : e == LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE ||
                    e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED
                ? ZR_ERR_LIMIT
                : ZR_ERR_IO;
    /* libxlsxwriter writes docProps/core.xml's dates through gmtime(), whose one static result
       two workbooks closing at once would share (engines run on threads of one process) */
    static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&close_lock);
    const lxw_error closed = workbook_close(wb); /* frees wb whatever happened */
    pthread_mutex_unlock(&close_lock);
    if (!s && closed != LXW_NO_ERROR) s = ZR_ERR_IO;
    if (s) remove(path); /* no half-written workbook under the name */
    return s;
}
