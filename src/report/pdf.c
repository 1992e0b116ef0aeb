/* PDF output through cairo + pango (CJK text with the Noto CJK fonts). A4 portrait, pages
 * break between table rows. */
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/alloc.h"
#include "geo/geo.h"
#include "report/report.h"

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 48.0

static double text(cairo_t *cr, const char *s, double x, double y, double width, int size, int bold,
                   int right) {
    PangoLayout *l = pango_cairo_create_layout(cr);
    /* a TrueType CJK face first: cairo subsets it glyph by glyph, where Noto CJK's 16 MB CFF
       table is read whole (35 ms a report) */
    char font[80];
    snprintf(font, sizeof font, "WenQuanYi Micro Hei,Noto Sans CJK SC %s %d", bold ? "Bold" : "",
             size);
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

struct zr_map {
    cairo_surface_t *img;
    cairo_t *cr;
    double env[4], sc;
    int w, h, n_classes;
};

static void ramp(cairo_t *cr, int cls, int n_classes) {
    const double t = n_classes > 1 ? (double)cls / (n_classes - 1) : 0;
    cairo_set_source_rgb(cr, 1.0, 0.92 - 0.75 * t, 0.55 - 0.5 * t);
}

zr_status zr_map_new(const double env[4], int long_px, int n_classes, zr_map **out) {
    *out = NULL;
    const double dx = env[1] - env[0], dy = env[3] - env[2];
    if (!(dx > 0) || !(dy > 0) || !isfinite(dx) || !isfinite(dy) || long_px < 16)
        return ZR_ERR_ARG; /* before any cast of the scaled sizes */
    zr_map *m = zr_calloc(1, sizeof *m);
    if (!m) return ZR_ERR_NOMEM;
    memcpy(m->env, env, sizeof m->env);
    m->sc = long_px / fmax(dx, dy);
    m->w = (int)ceil(dx * m->sc), m->h = (int)ceil(dy * m->sc);
    m->n_classes = n_classes;
    m->img =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, m->w < 1 ? 1 : m->w, m->h < 1 ? 1 : m->h);
    m->cr = cairo_create(m->img);
    if (cairo_status(m->cr) != CAIRO_STATUS_SUCCESS) {
        zr_map_free(m);
        return ZR_ERR_NOMEM;
    }
    cairo_set_source_rgb(m->cr, 1, 1, 1);
    cairo_paint(m->cr);
    cairo_set_fill_rule(m->cr, CAIRO_FILL_RULE_EVEN_ODD);
    *out = m;
    return ZR_OK;
}

void zr_map_fill(zr_map *m, const zr_poly *p, int cls) {
    if (!m || p->nonfinite) return; /* a NaN or Inf vertex has no place on a map */
    cairo_t *cr = m->cr;
    ramp(cr, cls, m->n_classes);
    cairo_new_path(cr);
    for (size_t r = 0; r < p->n_rings; r++) {
        for (size_t k = p->ring_start[r]; k < p->ring_start[r + 1]; k++) {
            const double px = (p->xy[2 * k] - m->env[0]) * m->sc;
            const double py = m->h - (p->xy[2 * k + 1] - m->env[2]) * m->sc;
            if (k == p->ring_start[r])
                cairo_move_to(cr, px, py);
            else
                cairo_line_to(cr, px, py);
        }
        cairo_close_path(cr);
    }
    cairo_fill(cr);
}

void zr_map_free(zr_map *m) {
    if (!m) return;
    cairo_destroy(m->cr);
    cairo_surface_destroy(m->img);
    free(m);
}

/* Draw the map in the box (x, y, w, h); returns the height used. */
static double draw_map(cairo_t *cr, const zr_report_map *m, double x, double y, double w,
                       double h) {
    double used = text(cr, m->title, x, y, w, 11, 1, 0) + 6;
    y += used;
    const double legend_h = 16.0 * m->n_classes;
    const double mh = h - used - legend_h - 10;
    const zr_map *r = m->raster;
    if (!r || mh < 50) return used;
    cairo_surface_flush(r->img);
    const double sc = fmin(w / r->w, mh / r->h);
    cairo_save(cr);
    cairo_translate(cr, x, y + mh - r->h * sc);
    cairo_scale(cr, sc, sc);
    cairo_set_source_surface(cr, r->img, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    double ly = y + mh + 8;
    for (int c = 0; c < m->n_classes; c++) {
        ramp(cr, c, m->n_classes);
        cairo_rectangle(cr, x, ly + 2, 18, 10);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, m->legend[c], x + 24, ly, w - 24, 8, 0, 0);
        ly += 16;
    }
    return h;
}

zr_status zr_report_pdf(const char *path, const zr_report_doc *doc) {
    /* a map whose drawing failed (cairo's errors are sticky: out of memory) would print blank */
    if (doc->map && doc->map->raster && cairo_status(doc->map->raster->cr) != CAIRO_STATUS_SUCCESS)
        return ZR_ERR_NOMEM;
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
