/* PDF output through cairo + pango (CJK text with the Noto CJK fonts). A4 portrait, pages
 * break between table rows. */
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <math.h>
#include <string.h>
#include "geo/geo.h"
#include "report/report.h"

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 48.0

static double text(cairo_t *cr, const char *s, double x, double y, double width, int size, int bold,
                   int right) {
    PangoLayout *l = pango_cairo_create_layout(cr);
    char font[64];
    snprintf(font, sizeof font, "Noto Sans CJK SC %s %d", bold ? "Bold" : "", size);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    if (right) pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
    pango_layout_set_text(l, s ? s : "", -1);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    pango_font_description_free(fd);
    g_object_unref(l);
    return (double)h / PANGO_SCALE;
}

/* Draw the map in the box (x, y, w, h); returns the height used. */
static double draw_map(cairo_t *cr, const zr_report_map *m, double x, double y, double w,
                       double h) {
    double env[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (size_t i = 0; i < m->n; i++) {
        double e[4];
        zr_poly_envelope(m->polys[i], e);
        if (e[0] < env[0]) env[0] = e[0];
        if (e[1] > env[1]) env[1] = e[1];
        if (e[2] < env[2]) env[2] = e[2];
        if (e[3] > env[3]) env[3] = e[3];
    }
    double used = text(cr, m->title, x, y, w, 11, 1, 0) + 6;
    y += used;
    const double legend_h = 16.0 * m->n_classes;
    const double mh = h - used - legend_h - 10;
    if (!(env[1] > env[0]) || !(env[3] > env[2]) || mh < 50) return used;
    const double sc = fmin(w / (env[1] - env[0]), mh / (env[3] - env[2]));
    /* a yellow → red ramp by class */
    for (size_t i = 0; i < m->n; i++) {
        const zr_poly *p = m->polys[i];
        const double t = m->n_classes > 1 ? (double)m->cls[i] / (m->n_classes - 1) : 0;
        cairo_set_source_rgb(cr, 1.0, 0.92 - 0.75 * t, 0.55 - 0.5 * t);
        cairo_new_path(cr);
        for (size_t r = 0; r < p->n_rings; r++) {
            for (size_t k = p->ring_start[r]; k < p->ring_start[r + 1]; k++) {
                const double px = x + (p->xy[2 * k] - env[0]) * sc;
                const double py = y + mh - (p->xy[2 * k + 1] - env[2]) * sc;
                if (k == p->ring_start[r])
                    cairo_move_to(cr, px, py);
                else
                    cairo_line_to(cr, px, py);
            }
            cairo_close_path(cr);
        }
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    double ly = y + mh + 8;
    for (int c = 0; c < m->n_classes; c++) {
        const double t = m->n_classes > 1 ? (double)c / (m->n_classes - 1) : 0;
        cairo_set_source_rgb(cr, 1.0, 0.92 - 0.75 * t, 0.55 - 0.5 * t);
        cairo_rectangle(cr, x, ly + 2, 18, 10);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, m->legend[c], x + 24, ly, w - 24, 8, 0, 0);
        ly += 16;
    }
    return h;
}

zr_status zr_report_pdf(const char *path, const zr_report_doc *doc) {
    cairo_surface_t *sf = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return ZR_ERR_IO;
    }
    /* no creation date: the same inputs give the same bytes */
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, doc->title);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "zrzy");
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 0, 0, 0);
    double y = MARGIN;
    const double width = PAGE_W - 2 * MARGIN;
    y += text(cr, doc->title, MARGIN, y, width, 16, 1, 0) + 10;
    for (size_t i = 0; i < doc->n_meta; i++)
        y += text(cr, doc->meta[i], MARGIN, y, width, 9, 0, 0) + 2;
    y += 10;
    if (doc->map) {
        draw_map(cr, doc->map, MARGIN, y, width, PAGE_H - y - MARGIN);
        cairo_show_page(cr);
        y = MARGIN;
    }
    const double colw = width / doc->ncols;
    for (size_t r = 0; r <= doc->nrows; r++) {
        const int header = r == 0;
        double h = 0;
        if (y > PAGE_H - MARGIN - 40) {
            cairo_show_page(cr);
            y = MARGIN;
        }
        for (int c = 0; c < doc->ncols; c++) {
            const char *t =
                header ? doc->headers[c] : doc->cells[(r - 1) * (size_t)doc->ncols + (size_t)c];
            const int right = !header && doc->numeric && doc->numeric[c];
            double th = text(cr, t, MARGIN + c * colw + 3, y + 3, colw - 6, 8, header, right);
            if (th > h) h = th;
        }
        h += 6;
        cairo_set_line_width(cr, 0.5);
        for (int c = 0; c < doc->ncols; c++)
            cairo_rectangle(cr, MARGIN + c * colw, y, colw, h);
        cairo_stroke(cr);
        y += h;
    }
    if (doc->verdict) {
        y += 14;
        if (y > PAGE_H - MARGIN - 20) {
            cairo_show_page(cr);
            y = MARGIN;
        }
        text(cr, doc->verdict, MARGIN, y, width, 12, 1, 0);
    }
    cairo_show_page(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(sf);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) st = CAIRO_STATUS_WRITE_ERROR;
    cairo_surface_destroy(sf);
    return st == CAIRO_STATUS_SUCCESS ? ZR_OK : ZR_ERR_IO;
}
