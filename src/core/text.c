#include "core/alloc.h"
#include "core/text.h"
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>

int zr_utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        if (i + k >= n) return 0; /* truncated sequence */
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return 0;
            c = (c << 6) | (s[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

struct zr_recoder {
    iconv_t cd;
};

zr_status zr_recoder_open(const char *from, zr_recoder **out) {
    *out = NULL;
    zr_recoder *r = zr_malloc(sizeof *r);
    if (!r) return ZR_ERR_NOMEM;
    r->cd = iconv_open("UTF-8", from);
    if (r->cd == (iconv_t)-1) {
        free(r);
        return ZR_ERR_ARG;
    }
    *out = r;
    return ZR_OK;
}

zr_status zr_recode(zr_recoder *r, const char *in, size_t n, zr_buf *out) {
    zr_buf_reset(out);
    zr_status s = zr_buf_reserve(out, n * 2 + 8);
    if (s) return s;
    iconv(r->cd, NULL, NULL, NULL, NULL);
    char *ip = (char *)in;
    size_t il = n;
    for (;;) {
        char *op = (char *)out->data + out->len;
        size_t ol = out->cap - out->len - 1, before = ol;
        size_t rc = iconv(r->cd, &ip, &il, &op, &ol);
        out->len += before - ol;
        if (rc != (size_t)-1) break;
        if (errno != E2BIG) return ZR_ERR_ARG;
        if ((s = zr_buf_reserve(out, n + 16))) return s;
    }
    out->data[out->len] = 0;
    return ZR_OK;
}

void zr_recoder_close(zr_recoder *r) {
    if (!r) return;
    iconv_close(r->cd);
    free(r);
}
